"""The assessment tools: which there are, what each one asks, and evaluating answers (contract §1).

Nothing here reads or writes personal data: the tools are the partnership's published specs, and
evaluating answers touches no database row, so these operations write no audit event.
"""

import json
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.params import functions as params

from kbs.api.v1.errors import REFUSALS, WITH_BAD_INPUT, ApiError
from kbs.tools.engine import AnswersInvalid, evaluate
from kbs.tools.spec import (
    ACTIONS,
    ITEM_TYPES,
    LEVELS,
    AllOf,
    AnyOf,
    Code,
    Condition,
    FactRef,
    ItemTest,
    Not,
    SettingTest,
    ToolSpec,
    UnknownTool,
    all_specs,
    get_spec,
)

router = Router(tags=["Tools"])

SLUG_EXAMPLE = "safer-sleep"
SLUG: Any = params.Path(..., description="The tool's slug, from the list of tools", example=SLUG_EXAMPLE)
# A complete set of safer-sleep answers (contract §4): the schema's example, tried by schemathesis too.
ANSWERS_EXAMPLE = {
    "baby_age_days": 30, "gestation_weeks": 39, "birth_weight_g": 3400, "has_own_sleep_space": "yes",
    "night_sleep_place": "cot", "day_sleep_place": "moses_basket", "same_room_as_carer": "yes",
    "mattress_firm_flat": "yes", "sleep_space_clear": "yes", "sleep_position": "back_always",
    "bed_sharing": "never", "sofa_sleeping": "once", "pets_or_children_in_bed": "no", "carer_smokes": "no",
    "carer_alcohol": "no", "carer_drugs_or_sedating_medication": "no", "carer_extremely_tired": "no",
    "routine_disruption_expected": "no",
}
SETTINGS_KEY = "_settings"
NOT_AN_OBJECT = "the body must be a JSON object of item id to answer"


ACTION_CODES: dict[str, Any] = {"items": {"type": "string", "enum": sorted(ACTIONS)}}


class ToolSummary(Schema):
    slug: str = Field(description="The tool's id in every other operation")
    name: str
    version: str = Field(description="The spec's version; every outcome names the version that produced it")


class Choice(Schema):
    code: str = Field(description="What to send as the answer")
    label: str = Field(description="What the question shows")


class ToolItem(Schema):
    id: str = Field(description="The answer's key in the body of the evaluate operation")
    text: str
    help: str
    type: str = Field(json_schema_extra={"enum": list(ITEM_TYPES)},
                      description="yes_no and choice take one code; multi_choice a list of codes; integer and number "
                                  "a JSON number; date a YYYY-MM-DD string; text a string")
    choices: list[Choice] = Field(description="The codes a yes_no, choice or multi_choice item accepts")
    min: float | None = Field(description="The lowest number accepted, if any")
    max: float | None = Field(description="The highest number accepted, if any")
    required: bool = Field(description="Always required while the item is shown (see required_when for the rest)")
    required_when: dict[str, Any] | None = Field(description="Required only when this condition on earlier answers holds")
    shown_when: dict[str, Any] | None = Field(
        description="Asked only when this condition holds; otherwise neither required nor read")
    exclusive: str | None = Field(description="A multi_choice code that cannot be combined with any other")


class Section(Schema):
    id: str
    title: str
    items: list[str] = Field(description="The ids of the section's items, in order")


class Setting(Schema):
    name: str = Field(description="Send in the evaluate body under _settings, e.g. {\"_settings\": {name: code}}")
    title: str
    choices: list[Choice]
    default: str


class ToolDetail(ToolSummary):
    description: str
    sections: list[Section]
    items: list[ToolItem]
    settings: list[Setting]


class Source(Schema):
    title: str
    url: str


class Flag(Schema):
    rule: str
    level: str = Field(json_schema_extra={"enum": list(LEVELS)})
    because: dict[str, Any] = Field(description="Exactly the answers that made the rule fire")
    advice: str
    source: Source


class Outcome(Schema):
    tool: str
    version: str
    level: str = Field(json_schema_extra={"enum": list(LEVELS)},
                       description="The highest level among the flags, or universal when no rule fires")
    actions: list[str] = Field(json_schema_extra=ACTION_CODES,
                               description="Every fired flag's actions, and give_universal_messages")
    flags: list[Flag]
    settings: dict[str, str] | None = Field(None, description="The partnership settings applied, for tools that have any")


def condition(cond: Condition) -> dict[str, Any]:
    """A spec condition as plain JSON: {"item", "op", "value"}, {"all": […]}, {"any": […]}, {"not": …}."""
    if isinstance(cond, ItemTest):
        value = list(cond.value) if isinstance(cond.value, tuple) else cond.value
        return {"item": cond.item, "op": cond.op, "value": value}
    if isinstance(cond, AllOf):
        return {"all": [condition(inner) for inner in cond.conditions]}
    if isinstance(cond, AnyOf):
        return {"any": [condition(inner) for inner in cond.conditions]}
    if isinstance(cond, Not):
        return {"not": condition(cond.condition)}
    if isinstance(cond, FactRef):
        return {"fact": cond.fact}
    assert isinstance(cond, SettingTest)
    return {"setting": cond.setting, "equals": cond.equals}


def _choices(codes: tuple[Code, ...]) -> list[dict[str, str]]:
    return [{"code": c.code, "label": c.label} for c in codes]


def _summary(spec: ToolSpec) -> dict[str, Any]:
    return {"slug": spec.slug, "name": spec.title, "version": spec.version}


def _spec(slug: str) -> ToolSpec:
    try:
        return get_spec(slug)
    except UnknownTool:
        raise ApiError.one(404, "tool", f"unknown tool {slug!r}") from None


@router.get("/tools", response={200: list[ToolSummary], **REFUSALS}, url_name="tools", operation_id="listTools",
            summary="List the assessment tools")
def list_tools(request: HttpRequest) -> list[dict[str, Any]]:
    """Every tool KBS offers, with the version of its spec now in use."""
    return [_summary(spec) for spec in all_specs()]


@router.get("/tools/{slug}", response={200: ToolDetail, **REFUSALS}, url_name="tool", operation_id="getTool",
            summary="What a tool asks")
def tool_detail(request: HttpRequest, slug: str = SLUG) -> dict[str, Any]:
    """The tool's items: ids, types, the codes each accepts, ranges and when each is required.
    Send the answers to the evaluate operation keyed by these ids."""
    spec = _spec(slug)
    return {
        **_summary(spec),
        "description": spec.description,
        "sections": [{"id": s.id, "title": s.title, "items": list(s.items)} for s in spec.sections],
        "items": [
            {
                "id": item.id, "text": item.text, "help": item.help, "type": item.type,
                "choices": _choices(item.codes), "min": item.min, "max": item.max,
                "required": item.required and item.required_when is None,
                "required_when": condition(item.required_when) if item.required_when else None,
                "shown_when": condition(item.show_when) if item.show_when else None,
                "exclusive": item.exclusive,
            }
            for item in spec.items
        ],
        "settings": [
            {"name": s.name, "title": s.title, "choices": _choices(s.codes), "default": s.default}
            for s in spec.settings
        ],
    }


ANSWERS_BODY = {
    "required": True,
    "description": (
        "The answers: a flat object of item id to answer (see the tool's items). A tool's partnership "
        "settings may be sent under the key _settings. Every unknown item, missing required item, wrong "
        "type and out-of-range value is reported at once, with status 400."
    ),
    "content": {"application/json": {
        "schema": {"type": "object", "additionalProperties": True},
        "example": ANSWERS_EXAMPLE,
    }},
}


@router.post("/tools/{slug}/evaluate", response={200: Outcome, **WITH_BAD_INPUT}, url_name="evaluate", operation_id="evaluateTool",
             summary="Evaluate answers", exclude_none=True, openapi_extra={"requestBody": ANSWERS_BODY})
def evaluate_tool(request: HttpRequest, slug: str = SLUG) -> dict[str, object]:
    """Evaluate answers against a tool, exactly as `manage.py evaluate` does: the level, the actions
    and the flags with the answers that made each rule fire. Nothing is stored."""
    spec = _spec(slug)
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ApiError.one(400, "answers", NOT_AN_OBJECT) from None
    if not isinstance(body, dict):
        raise ApiError.one(400, "answers", NOT_AN_OBJECT)
    settings = body.pop(SETTINGS_KEY, None) if isinstance(body.get(SETTINGS_KEY), dict) else None
    try:
        outcome = evaluate(spec, body, settings)
    except AnswersInvalid as invalid:
        raise ApiError(400, invalid.errors) from None
    return outcome.to_dict()
