"""Tool specs and answers as FHIR R4 resources (Questionnaire and QuestionnaireResponse).

Maternity and health-visiting systems speak FHIR R4 (NHS UK Core), so each tool can be published as a
Questionnaire and each completed assessment exchanged as a QuestionnaireResponse. The dicts built
here are plain JSON-ready data; the tests check them against the ``fhir.resources.R4B`` models.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from kbs.tools.engine import visible_answers
from kbs.tools.spec import AllOf, AnyOf, Condition, Item, ItemTest, ToolSpec

BASE_URL = "https://kbs.example.nhs.uk/fhir"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"

FHIR_TYPES = {
    "yes_no": "boolean",
    "choice": "choice",
    "multi_choice": "choice",
    "integer": "integer",
    "number": "decimal",
    "text": "string",
    "date": "date",
}


def questionnaire_url(spec: ToolSpec) -> str:
    """The canonical URL of a tool's Questionnaire."""
    return f"{BASE_URL}/Questionnaire/{spec.slug}"


def code_system_url(spec: ToolSpec) -> str:
    """The URL of the code system holding a tool's answer codes."""
    return f"{BASE_URL}/CodeSystem/{spec.slug}"


def questionnaire_for(spec: ToolSpec) -> dict[str, object]:
    """A FHIR R4 Questionnaire for the tool: one question per item, linkId = item id."""
    return {
        "resourceType": "Questionnaire",
        "id": spec.slug,
        "url": questionnaire_url(spec),
        "version": spec.version,
        "name": "".join(part.capitalize() for part in spec.slug.split("-")),
        "title": spec.title,
        "status": "active",
        "description": spec.description,
        "item": [_question(spec, item) for item in spec.items],
    }


def questionnaire_response_for(
    spec: ToolSpec,
    answers: Mapping[str, object],
    *,
    authored: dt.datetime,
    subject_reference: str | None = None,
) -> dict[str, object]:
    """A completed FHIR R4 QuestionnaireResponse for valid answers.

    Raises AnswersInvalid when the answers would not evaluate, so that no half-checked assessment
    leaves the service. Questions hidden by their show_when condition are left out, as FHIR does.
    """
    if authored.tzinfo is None:
        # FHIR requires a time zone on any dateTime that has a time.
        raise ValueError("authored must be a timezone-aware datetime")
    values = visible_answers(spec, answers)
    response: dict[str, object] = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{questionnaire_url(spec)}|{spec.version}",
        "status": "completed",
        "authored": authored.isoformat(),
        "item": response_items(spec, values),
    }
    if subject_reference:
        response["subject"] = {"reference": subject_reference}
    return response


def response_items(spec: ToolSpec, values: Mapping[str, object]) -> list[dict[str, object]]:
    """A QuestionnaireResponse's items for these answers, in the Questionnaire's order (also for a
    draft's answers so far)."""
    return [
        {"linkId": item.id, "text": item.text, "answer": _answers(spec, item, values[item.id])}
        for item in spec.items
        # An empty optional multi-choice has nothing to say, and FHIR forbids an empty answer list.
        if item.id in values and values[item.id] != []
    ]


def _question(spec: ToolSpec, item: Item) -> dict[str, object]:
    question: dict[str, object] = {
        "linkId": item.id,
        "text": item.text,
        "type": FHIR_TYPES[item.type],
        "required": item.required and item.required_when is None,
    }
    if item.type == "multi_choice":
        question["repeats"] = True
    if item.type in {"choice", "multi_choice"}:
        question["answerOption"] = [
            {"valueCoding": {"system": code_system_url(spec), "code": c.code, "display": c.label}} for c in item.codes
        ]
    extensions = []
    value_key = "valueInteger" if item.type == "integer" else "valueDecimal"
    if item.min is not None:
        extensions.append({"url": MIN_VALUE, value_key: item.min})
    if item.max is not None:
        extensions.append({"url": MAX_VALUE, value_key: item.max})
    if extensions:
        question["extension"] = extensions
    if item.show_when is not None:
        question.update(_enable_when(spec, item.show_when))
    return question


def _enable_when(spec: ToolSpec, condition: Condition) -> dict[str, object]:
    """FHIR enableWhen for simple show_when conditions: item equals / in, or all/any of those.

    Anything more elaborate has no faithful enableWhen, so the question is left always enabled
    and the engine (which reads show_when itself) stays the authority.
    """
    if isinstance(condition, ItemTest) and condition.op == "equals":
        return {"enableWhen": [_enable(spec, condition.item, condition.value)]}
    if isinstance(condition, ItemTest) and condition.op == "in" and isinstance(condition.value, tuple):
        return {
            "enableWhen": [_enable(spec, condition.item, code) for code in condition.value],
            "enableBehavior": "any",
        }
    if isinstance(condition, AllOf | AnyOf) and all(
        isinstance(c, ItemTest) and c.op == "equals" for c in condition.conditions
    ):
        tests = [c for c in condition.conditions if isinstance(c, ItemTest)]
        return {
            "enableWhen": [_enable(spec, t.item, t.value) for t in tests],
            "enableBehavior": "all" if isinstance(condition, AllOf) else "any",
        }
    return {}


def _enable(spec: ToolSpec, item_id: str, value: object) -> dict[str, object]:
    answer = _answer_value(spec, spec.item(item_id), value)
    # enableWhen names its value answerBoolean / answerCoding / ..., where an answer says valueBoolean.
    return {"question": item_id, "operator": "=", **{f"answer{key[5:]}": v for key, v in answer.items()}}


def _answers(spec: ToolSpec, item: Item, value: object) -> list[dict[str, object]]:
    if item.type == "multi_choice" and isinstance(value, list):
        return [_answer_value(spec, item, code) for code in value]
    return [_answer_value(spec, item, value)]


def _answer_value(spec: ToolSpec, item: Item, value: object) -> dict[str, object]:
    if item.type == "yes_no":
        return {"valueBoolean": value == "yes"}
    if item.type in {"choice", "multi_choice"}:
        label = next((c.label for c in item.codes if c.code == value), str(value))
        return {"valueCoding": {"system": code_system_url(spec), "code": value, "display": label}}
    if item.type == "integer":
        return {"valueInteger": value}
    if item.type == "number":
        return {"valueDecimal": value}
    if item.type == "date":
        return {"valueDate": value}
    return {"valueString": value}
