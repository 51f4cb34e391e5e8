"""The rule engine: check a set of answers against a tool spec and work out the outcome.

Everything here is pure and deterministic: no database, no clock, no randomness. The same spec,
answers and settings always give the same Outcome, which is what lets a completed assessment store
its answers and outcome side by side and be re-checked later.

Answers are checked exactly as the contract (§1) says: every unknown item, missing required item,
wrong type and out-of-range value is reported at once, and a tool never answers ``universal``
because something was missing.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

from kbs.tools.spec import (
    LEVELS,
    UNIVERSAL_ACTION,
    AllOf,
    AnyOf,
    Condition,
    Example,
    FactRef,
    Item,
    ItemTest,
    SettingTest,
    Source,
    ToolSpec,
    condition_items,
)

LEVEL_RANK: Mapping[str, int] = {level: rank for rank, level in enumerate(LEVELS)}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Problem = dict[str, str]


class AnswersInvalid(ValueError):
    """The answers (or settings) cannot be evaluated. ``errors`` is the contract's error list."""

    def __init__(self, errors: list[Problem]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e['item']}: {e['problem']}" for e in errors))


@dataclass(frozen=True)
class Flag:
    """One fired rule and the answers that made it fire."""

    rule: str
    title: str
    level: str
    actions: tuple[str, ...]
    because: Mapping[str, object]
    advice: str
    message_for_parents: str
    source: Source

    def to_dict(self) -> dict[str, object]:
        """The contract's JSON shape for one flag."""
        return {
            "rule": self.rule,
            "level": self.level,
            "because": {key: _plain(value) for key, value in self.because.items()},
            "advice": self.advice,
            "source": {"title": self.source.title, "url": self.source.url},
        }


@dataclass(frozen=True)
class Outcome:
    """The result of evaluating one tool: the highest level, the actions and the flags."""

    tool: str
    version: str
    level: str
    actions: tuple[str, ...]
    flags: tuple[Flag, ...]
    settings_applied: Mapping[str, str] = field(default_factory=dict)

    @property
    def fired(self) -> list[str]:
        """The ids of the rules that fired, in spec order."""
        return [flag.rule for flag in self.flags]

    def to_dict(self) -> dict[str, object]:
        """The contract's JSON shape, plus ``settings`` when the tool has settings."""
        result: dict[str, object] = {
            "tool": self.tool,
            "version": self.version,
            "level": self.level,
            "actions": list(self.actions),
            "flags": [flag.to_dict() for flag in self.flags],
        }
        if self.settings_applied:
            result["settings"] = dict(self.settings_applied)
        return result


def evaluate(spec: ToolSpec, answers: Mapping[str, object], settings: Mapping[str, str] | None = None) -> Outcome:
    """Check the answers and settings, fire the rules and return the Outcome.

    Raises AnswersInvalid listing every problem when the answers cannot be evaluated.
    """
    values, applied, errors, _ = _check(spec, answers, settings)
    if errors:
        raise AnswersInvalid(errors)
    context = _Context(spec, values, applied)
    flags: list[Flag] = []
    fired: set[str] = set()
    for rule in spec.rules:
        if rule.variant is not None and applied.get(rule.variant.setting) != rule.variant.code:
            continue
        # Rules are listed so that "unless_fired" only ever names rules above, which are settled.
        if any(other in fired for other in rule.unless_fired):
            continue
        holds, witnesses = context.test(rule.when)
        if not holds:
            continue
        wanted = rule.because if rule.because is not None else witnesses
        because = {item.id: witnesses[item.id] for item in spec.items if item.id in witnesses and item.id in wanted}
        fired.add(rule.id)
        flags.append(
            Flag(
                rule=rule.id,
                title=rule.title,
                level=rule.level,
                actions=rule.actions,
                because=because,
                advice=rule.advice,
                message_for_parents=rule.message_for_parents,
                source=rule.source,
            )
        )
    level = max([LEVELS[0], *(flag.level for flag in flags)], key=LEVEL_RANK.__getitem__)
    actions = sorted({UNIVERSAL_ACTION, *(action for flag in flags for action in flag.actions)})
    return Outcome(spec.slug, spec.version, level, tuple(actions), tuple(flags), applied)


def evaluate_partial(
    spec: ToolSpec,
    answers: Mapping[str, object],
    settings: Mapping[str, str] | None = None,
    *,
    include_missing: bool = True,
) -> list[Problem]:
    """Every problem with these answers, without raising; for draft forms saved part-way.

    With ``include_missing=False`` questions not yet answered are not reported.
    """
    _, _, errors, missing = _check(spec, answers, settings)
    if include_missing:
        return errors
    return [error for error in errors if error["item"] not in missing]


def visible_answers(spec: ToolSpec, answers: Mapping[str, object]) -> dict[str, object]:
    """The answers that count, cleaned: hidden items dropped, whole numbers as int.

    Raises AnswersInvalid, like evaluate, when the answers cannot be evaluated.
    """
    values, _, errors, _ = _check(spec, answers, None)
    if errors:
        raise AnswersInvalid(errors)
    return values


def shown_items(spec: ToolSpec, answers: Mapping[str, object]) -> set[str]:
    """Item ids that apply given these answers (their show_when holds, or they have none)."""
    values, _, _, _ = _check(spec, answers, None)
    context = _Context(spec, values, {})
    return {item.id for item in spec.items if item.show_when is None or context.test(item.show_when)[0]}


def required_items(spec: ToolSpec, answers: Mapping[str, object]) -> list[str]:
    """Item ids that must be answered given these answers (shown and required), in spec order."""
    values, _, _, _ = _check(spec, answers, None)
    context = _Context(spec, values, {})
    shown = [item for item in spec.items if item.show_when is None or context.test(item.show_when)[0]]
    return [item.id for item in shown if _required(item, context)]


def run_example(spec: ToolSpec, example: Example) -> list[str]:
    """Evaluate one of a spec's examples; return what differs from its expectations (empty if none)."""
    try:
        outcome = evaluate(spec, example.answers, example.settings)
    except AnswersInvalid as error:
        return [f"answers are invalid: {error}"]
    mismatches = []
    if outcome.level != example.level:
        mismatches.append(f"level is {outcome.level!r}, expected {example.level!r}")
    if set(outcome.actions) != set(example.actions):
        mismatches.append(f"actions are {sorted(outcome.actions)}, expected {sorted(example.actions)}")
    if sorted(outcome.fired) != sorted(example.fired):
        mismatches.append(f"fired {outcome.fired}, expected {list(example.fired)}")
    return mismatches


# ---- checking answers -------------------------------------------------------------------------


def _check(
    spec: ToolSpec, answers: object, settings: object
) -> tuple[dict[str, object], dict[str, str], list[Problem], set[str]]:
    """Return (clean values of shown items, settings applied, problems, ids reported missing)."""
    errors: list[Problem] = []
    missing: set[str] = set()
    values: dict[str, object] = {}
    if not isinstance(answers, Mapping):
        errors.append({"item": "answers", "problem": "must be an object of item id to answer"})
        answers = {}
    context = _Context(spec, values, {})
    for item in spec.items:
        # Hidden items (say, dog questions when there is no dog) are neither required nor read.
        if item.show_when is not None and not context.test(item.show_when)[0]:
            continue
        raw = answers.get(item.id)
        if raw is None:
            if _required(item, context):
                errors.append({"item": item.id, "problem": "is required"})
                missing.add(item.id)
            continue
        value, problem = _clean(item, raw, required=_required(item, context))
        if problem:
            errors.append({"item": item.id, "problem": problem})
        else:
            values[item.id] = value
    for key in answers:
        if key not in spec.items_by_id:
            errors.append({"item": str(key), "problem": "unknown item"})
    applied = {setting.name: setting.default for setting in spec.settings}
    if settings is not None and not isinstance(settings, Mapping):
        errors.append({"item": "settings", "problem": "must be an object of setting name to code"})
        settings = {}
    for name, code in (settings or {}).items():
        setting = spec.settings_by_name.get(name)
        if setting is None:
            errors.append({"item": str(name), "problem": "unknown setting"})
        elif code not in setting.code_values:
            errors.append({"item": name, "problem": f"must be one of: {', '.join(setting.code_values)}"})
        else:
            applied[name] = code
    return values, applied, errors, missing


def _required(item: Item, context: _Context) -> bool:
    if item.required_when is not None:
        return context.test(item.required_when)[0]
    return item.required


def _clean(item: Item, raw: object, *, required: bool) -> tuple[object, str]:
    """Return (normalised value, "") or (None, plain-English problem) for one answer."""
    codes = item.code_values
    if item.type in {"yes_no", "choice"}:
        if isinstance(raw, str) and raw in codes:
            return raw, ""
        return None, ('must be "yes" or "no"' if item.type == "yes_no" else f"must be one of: {', '.join(codes)}")
    if item.type == "multi_choice":
        if not isinstance(raw, list | tuple) or not all(isinstance(c, str) and c in codes for c in raw):
            return None, f"must be a list of codes from: {', '.join(codes)}"
        if len(set(raw)) != len(raw):
            return None, "lists the same answer twice"
        if required and not raw:
            return None, "choose at least one answer"
        if item.exclusive in raw and len(raw) > 1:
            return None, f'"{item.exclusive}" cannot be combined with other answers'
        return list(raw), ""
    if item.type in {"integer", "number"}:
        return _clean_number(item, raw)
    if item.type == "date":
        if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
            return raw.isoformat(), ""
        if isinstance(raw, str) and ISO_DATE.match(raw):
            try:
                return dt.date.fromisoformat(raw).isoformat(), ""
            except ValueError:
                pass
        return None, "must be a date written YYYY-MM-DD"
    if not isinstance(raw, str):
        return None, "must be text"
    if required and not raw.strip():
        return None, "is required"
    return raw, ""


def _clean_number(item: Item, raw: object) -> tuple[object, str]:
    whole = item.type == "integer"
    kind = "a whole number" if whole else "a number"
    if item.min is not None and item.max is not None:
        problem = f"must be {kind} from {_show(item.min)} to {_show(item.max)}"
    elif item.min is not None:
        problem = f"must be {kind} of at least {_show(item.min)}"
    elif item.max is not None:
        problem = f"must be {kind} of at most {_show(item.max)}"
    else:
        problem = f"must be {kind}"
    # bool is a subclass of int in Python, and JSON true is not a number of weeks.
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        return None, problem
    value: int | float = raw
    if whole:
        if isinstance(raw, float) and not raw.is_integer():
            return None, problem
        value = int(raw)
    if (item.min is not None and value < item.min) or (item.max is not None and value > item.max):
        return None, problem
    return value, ""


def _show(number: int | float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _plain(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


# ---- conditions -------------------------------------------------------------------------------


class _Context:
    """Evaluates conditions against clean values; facts are worked out once and remembered."""

    def __init__(self, spec: ToolSpec, values: Mapping[str, object], settings: Mapping[str, str]) -> None:
        self.spec = spec
        self.values = values
        self.settings = settings
        self.facts: dict[str, tuple[bool, dict[str, object]]] = {}

    def test(self, condition: Condition) -> tuple[bool, dict[str, object]]:
        """Return (holds, witnesses): the answers that make the condition hold (empty if not)."""
        if isinstance(condition, ItemTest):
            holds = _item_holds(condition, self.values)
            shows = holds and condition.item in self.values
            return holds, ({condition.item: self.values[condition.item]} if shows else {})
        if isinstance(condition, FactRef):
            if condition.fact not in self.facts:
                self.facts[condition.fact] = self.test(self.spec.facts[condition.fact])
            return self.facts[condition.fact]
        if isinstance(condition, SettingTest):
            return self.settings.get(condition.setting) == condition.equals, {}
        if isinstance(condition, AllOf):
            witnesses: dict[str, object] = {}
            for inner in condition.conditions:
                holds, found = self.test(inner)
                if not holds:
                    return False, {}
                witnesses.update(found)
            return True, witnesses
        if isinstance(condition, AnyOf):
            # Every branch that holds is reported, not just the first: all of them are reasons.
            results = [self.test(inner) for inner in condition.conditions]
            witnesses = {k: v for holds, found in results if holds for k, v in found.items()}
            return any(holds for holds, _ in results), witnesses
        holds = not self.test(condition.condition)[0]
        if not holds:
            return False, {}
        # A negation holds because of every answer it looked at and found wanting.
        read = condition_items(condition.condition, self.spec.facts)
        return True, {item_id: self.values[item_id] for item_id in read if item_id in self.values}


def _item_holds(test: ItemTest, values: Mapping[str, object]) -> bool:
    if test.op == "given":
        return (test.item in values) == test.value
    if test.item not in values:
        return False
    # The loader has checked that each operator suits its item's type and argument, and answers
    # are cleaned before conditions are read, so the casts below only tell mypy what is known.
    value, arg = values[test.item], test.value
    if test.op == "equals":
        return bool(value == arg)
    if test.op == "in":
        return value in cast(tuple[str, ...], arg)
    if test.op in {"any_of", "has_other_than"}:
        chosen, listed = set(cast(list[str], value)), set(cast(tuple[str, ...], arg))
        return bool(chosen & listed) if test.op == "any_of" else bool(chosen - listed)
    number = float(cast(float, value))
    if test.op in {"outside", "between"}:
        low, high = cast(tuple[float, float], arg)
        inside = low <= number <= high
        return not inside if test.op == "outside" else inside
    limit = float(cast(float, arg))
    comparisons = {"lt": number < limit, "lte": number <= limit, "gt": number > limit, "gte": number >= limit}
    return comparisons[test.op]
