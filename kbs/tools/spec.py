"""Tool specs: versioned YAML files loaded into frozen, validated dataclasses.

Each assessment tool lives in ``kbs/tools/specs/<slug>.yaml``. The loader checks every reference
(items, facts, settings, rules), every code and every level and action against the binding contract
(``shared/contracts/tools.md``) and reports all the problems it finds at once, so a broken spec
stops start-up with a message that names the file, the part and the problem.

Conditions are plain YAML mappings read by a tiny interpreter in ``engine.py``; nothing is ever
passed to ``eval``. The parser lives in ``spec_parse.py`` (structure) and ``spec_reader.py``
(YAML loading and conditions), so that this module stays a readable description of the format.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias

SPEC_DIR = Path(__file__).resolve().parent / "specs"

# One scale for every tool, lowest first (contract §2). The order matters: the engine compares levels.
LEVELS: tuple[str, ...] = ("universal", "raised", "high", "urgent", "emergency")

# Contract §3, exactly.
ACTIONS: frozenset[str] = frozenset(
    {
        "give_universal_messages",
        "tailored_advice",
        "make_safe_sleep_plan",
        "out_of_routine_plan",
        "equipment_support",
        "review_next_contact",
        "discuss_safeguarding_lead_same_day",
        "refer_childrens_social_care_same_day",
        "refer_childrens_social_care",
        "consider_referral_childrens_social_care",
        "paediatric_assessment_same_day",
        "same_day_medical_review",
        "emergency_medical_care_now",
        "record_explanation",
        "record_only",
        "report_to_police",
        "consider_early_help",
        "dog_safety_advice",
    }
)
UNIVERSAL_ACTION = "give_universal_messages"

ITEM_TYPES: tuple[str, ...] = ("yes_no", "choice", "multi_choice", "integer", "number", "text", "date")
CODED_TYPES = frozenset({"yes_no", "choice", "multi_choice"})
NUMERIC_TYPES = frozenset({"integer", "number"})


class SpecError(Exception):
    """A tool spec is invalid. ``problems`` lists every problem found, each naming file and part."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("Invalid tool spec:\n" + "\n".join(f"  - {p}" for p in self.problems))


class UnknownTool(LookupError):
    """No tool has this slug."""

    def __init__(self, slug: str) -> None:
        self.slug = slug
        super().__init__(f"unknown tool {slug!r}")


@dataclass(frozen=True)
class Code:
    code: str
    label: str


@dataclass(frozen=True)
class Source:
    title: str
    url: str


# ---- conditions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemTest:
    """Compare one answer: ``op`` is one of the item operators, ``value`` its argument."""

    item: str
    op: str
    value: object


@dataclass(frozen=True)
class FactRef:
    fact: str


@dataclass(frozen=True)
class SettingTest:
    setting: str
    equals: str


@dataclass(frozen=True)
class AllOf:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    condition: Condition


Condition: TypeAlias = ItemTest | FactRef | SettingTest | AllOf | AnyOf | Not

# Which operators each kind of item accepts, so that a spec cannot ask "is the weight 'yes'?".
OPERATORS: Mapping[str, frozenset[str]] = {
    "coded": frozenset({"equals", "in", "given"}),
    "multi_choice": frozenset({"any_of", "has_other_than", "given"}),
    "numeric": frozenset({"equals", "lt", "lte", "gt", "gte", "outside", "between", "given"}),
    "other": frozenset({"given"}),
}


def condition_items(condition: Condition, facts: Mapping[str, Condition]) -> list[str]:
    """Every item id a condition reads, following facts, in first-seen order."""
    seen: list[str] = []

    def walk(cond: Condition) -> None:
        if isinstance(cond, ItemTest):
            if cond.item not in seen:
                seen.append(cond.item)
        elif isinstance(cond, FactRef):
            if cond.fact in facts:
                walk(facts[cond.fact])
        elif isinstance(cond, AllOf | AnyOf):
            for inner in cond.conditions:
                walk(inner)
        elif isinstance(cond, Not):
            walk(cond.condition)

    walk(condition)
    return seen


# ---- the spec ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    type: str
    help: str = ""
    codes: tuple[Code, ...] = ()
    min: int | float | None = None
    max: int | float | None = None
    required: bool = True
    required_when: Condition | None = None
    show_when: Condition | None = None
    exclusive: str | None = None

    @property
    def code_values(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.codes)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class Setting:
    name: str
    title: str
    codes: tuple[Code, ...]
    default: str

    @property
    def code_values(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.codes)


@dataclass(frozen=True)
class Variant:
    """A rule entry that applies only under one code of a setting (e.g. a pathway model)."""

    setting: str
    code: str


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    when: Condition
    level: str
    actions: tuple[str, ...]
    advice: str
    message_for_parents: str
    source: Source
    unless_fired: tuple[str, ...] = ()
    because: tuple[str, ...] | None = None
    variant: Variant | None = None


@dataclass(frozen=True)
class Example:
    name: str
    answers: Mapping[str, object]
    level: str
    actions: tuple[str, ...]
    fired: tuple[str, ...]
    settings: Mapping[str, str] = field(default_factory=dict)
    rule: str | None = None


@dataclass(frozen=True)
class ToolSpec:
    slug: str
    title: str
    version: str
    description: str
    sections: tuple[Section, ...]
    items: tuple[Item, ...]
    settings: tuple[Setting, ...]
    facts: Mapping[str, Condition]
    rules: tuple[Rule, ...]
    examples: tuple[Example, ...]
    path: str = ""

    @functools.cached_property
    def items_by_id(self) -> Mapping[str, Item]:
        return {item.id: item for item in self.items}

    @functools.cached_property
    def settings_by_name(self) -> Mapping[str, Setting]:
        return {setting.name: setting for setting in self.settings}

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """Rule ids in order, each once (variants of a rule share its id)."""
        return tuple(dict.fromkeys(rule.id for rule in self.rules))

    def item(self, item_id: str) -> Item:
        return self.items_by_id[item_id]


# ---- loading ----------------------------------------------------------------------------------


def load_spec_file(path: Path) -> ToolSpec:
    """Load and validate one spec file; raise SpecError listing every problem in it."""
    from kbs.tools.spec_parse import parse_file  # the parser needs the dataclasses above

    return parse_file(path)


def load_specs(directory: Path | str | None = None) -> dict[str, ToolSpec]:
    """Load every ``*.yaml`` spec in ``directory`` (default: the bundled specs), keyed by slug.

    Problems in all files are collected into one SpecError.
    """
    folder = Path(directory) if directory is not None else SPEC_DIR
    problems: list[str] = []
    specs: dict[str, ToolSpec] = {}
    paths = sorted(folder.glob("*.yaml"))
    if not paths:
        raise SpecError([f"{folder}: no tool specs (*.yaml) found"])
    for path in paths:
        try:
            spec = load_spec_file(path)
        except SpecError as error:
            problems.extend(error.problems)
            continue
        if spec.slug in specs:
            problems.append(f"{path}: slug {spec.slug!r} is used by another spec")
        specs[spec.slug] = spec
    if problems:
        raise SpecError(problems)
    return specs


@functools.lru_cache(maxsize=1)
def _registry() -> dict[str, ToolSpec]:
    return load_specs()


def get_spec(slug: str) -> ToolSpec:
    """The bundled spec with this slug; raise UnknownTool if there is none."""
    try:
        return _registry()[slug]
    except KeyError:
        raise UnknownTool(slug) from None


def all_specs() -> list[ToolSpec]:
    """Every bundled spec, sorted by slug."""
    return [spec for _, spec in sorted(_registry().items())]


def validate_all_specs() -> dict[str, ToolSpec]:
    """Reload the bundled specs, check them and run every example; raise SpecError on any problem.

    Called from ToolsConfig.ready() so that an invalid spec, or a spec whose own examples disagree
    with its rules, stops the service from starting rather than giving wrong advice.
    """
    from kbs.tools.engine import run_example  # the engine imports this module

    _registry.cache_clear()
    specs = _registry()
    problems = [
        f"{spec.path}: example {example.name!r}: {mismatch}"
        for spec in specs.values()
        for example in spec.examples
        for mismatch in run_example(spec, example)
    ]
    if problems:
        _registry.cache_clear()
        raise SpecError(problems)
    return specs
