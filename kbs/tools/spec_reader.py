"""The building blocks of the spec parser: a strict YAML loader, small readers that record
problems instead of raising, and the parser for the condition language.

Conditions are plain YAML mappings checked here against the spec's items, facts and settings, and
interpreted by ``engine.py``; nothing is ever passed to ``eval``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from kbs.tools.spec import (
    CODED_TYPES,
    NUMERIC_TYPES,
    OPERATORS,
    AllOf,
    AnyOf,
    Code,
    Condition,
    FactRef,
    Item,
    ItemTest,
    Not,
    Setting,
    SettingTest,
)

ITEM_ID = re.compile(r"^[a-z][a-z0-9_]*$")
CODE = re.compile(r"^[a-z0-9][a-z0-9_]*$")


class _Loader(yaml.SafeLoader):
    """A safe loader where only true/false are booleans and duplicate keys are refused.

    YAML 1.1 reads unquoted yes/no/on/off as booleans; our answer codes are the strings "yes" and
    "no", so a spec author writing ``equals: yes`` must get the string.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [self.construct_object(key_node, deep=True) for key_node, _ in node.value]
        for key in keys:
            if keys.count(key) > 1:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", node.start_mark)
        return super().construct_mapping(node, deep=deep)


_BOOL = "tag:yaml.org,2002:bool"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def read_yaml(path: Path) -> object:
    """Read one YAML document with the strict loader above."""
    with path.open(encoding="utf-8") as stream:
        loader = _Loader(stream)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()


class SpecReader:
    """Records problems (file, part, message) and reads values and conditions without raising."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []
        self.items: dict[str, Item] = {}
        self.settings: dict[str, Setting] = {}
        self.facts: dict[str, Condition] = {}
        self.all_item_ids: set[object] = set()

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{self.path}: {where}: {message}" if where else f"{self.path}: {message}")

    # -- small readers that record a problem and return a harmless default ---------------------

    def text(self, raw: Mapping[str, Any], key: str, where: str, *, optional: bool = False) -> str:
        value = raw.get(key)
        if value is None and optional:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problem(where, f"'{key}' must be non-empty text")
            return ""
        return value.strip()

    def mapping(self, value: object, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.problem(where, "must be a mapping")
            return {}
        return value

    def seq(self, value: object, where: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(where, "must be a list")
            return []
        return value

    def codes(self, raw: object, where: str) -> tuple[Code, ...]:
        found: list[Code] = []
        for entry in self.seq(raw, f"{where}: codes"):
            entry = self.mapping(entry, f"{where}: code")
            code, label = entry.get("code"), entry.get("label")
            extra = sorted(str(key) for key in entry if key not in {"code", "label"})
            if extra:
                # An unquoted comma in a flow mapping silently cuts a label short and adds a key.
                self.problem(where, f"code {code!r} has unexpected keys {extra}: quote labels that contain a comma")
            if not isinstance(code, str) or not CODE.match(code):
                self.problem(where, f"code {code!r} must be lower-case letters, digits and _")
            elif code in {c.code for c in found}:
                self.problem(where, f"code {code!r} is listed twice")
            elif not isinstance(label, str) or not label.strip():
                self.problem(where, f"code {code!r} needs a label")
            else:
                found.append(Code(code, label.strip()))
        return tuple(found)

    # -- the whole file -------------------------------------------------------------------------

    # -- conditions -----------------------------------------------------------------------------

    def condition(self, raw: object, where: str) -> Condition | None:
        """Parse one condition, checking every item, code, fact and setting it names."""
        if not isinstance(raw, Mapping) or not raw:
            self.problem(where, f"condition {raw!r} must be a mapping such as {{item: x, equals: y}}")
            return None
        if "all" in raw or "any" in raw:
            key = "all" if "all" in raw else "any"
            parts = raw[key]
            if len(raw) != 1 or not isinstance(parts, list) or not parts:
                self.problem(where, f"'{key}' must be the only key and hold a non-empty list")
                return None
            inner = [self.condition(p, where) for p in parts]
            if any(c is None for c in inner):
                return None
            conditions = tuple(c for c in inner if c is not None)
            return AllOf(conditions) if key == "all" else AnyOf(conditions)
        if "not" in raw:
            if len(raw) != 1:
                self.problem(where, "'not' must be the only key")
                return None
            inner_condition = self.condition(raw["not"], where)
            return Not(inner_condition) if inner_condition is not None else None
        if "fact" in raw:
            if len(raw) != 1 or raw["fact"] not in self.facts:
                self.problem(where, f"condition refers to unknown fact {raw.get('fact')!r}")
                return None
            return FactRef(str(raw["fact"]))
        if "setting" in raw:
            name, code = raw.get("setting"), raw.get("equals")
            if set(raw) != {"setting", "equals"} or name not in self.settings:
                self.problem(where, f"condition refers to unknown setting {name!r} (use setting + equals)")
                return None
            if code not in self.settings[str(name)].code_values:
                self.problem(where, f"{code!r} is not a code of setting {name!r}")
                return None
            return SettingTest(str(name), str(code))
        if "item" in raw:
            return self.item_test(raw, where)
        self.problem(where, f"condition {dict(raw)!r} has no item, fact, setting, all, any or not")
        return None

    def item_test(self, raw: Mapping[str, Any], where: str) -> ItemTest | None:
        item_id = raw["item"]
        ops = [k for k in raw if k != "item"]
        if item_id not in self.items:
            if item_id in self.all_item_ids:
                self.problem(where, f"may refer only to items listed before this one, not {item_id!r}")
            else:
                self.problem(where, f"condition refers to unknown item {item_id!r}")
            return None
        if len(ops) != 1:
            self.problem(where, f"condition on {item_id!r} must have exactly one operator")
            return None
        item, op, value = self.items[item_id], ops[0], raw[ops[0]]
        family = (
            "multi_choice"
            if item.type == "multi_choice"
            else "coded"
            if item.type in CODED_TYPES
            else "numeric"
            if item.type in NUMERIC_TYPES
            else "other"
        )
        if op not in OPERATORS[family]:
            self.problem(where, f"operator {op!r} cannot be used on {item.type} item {item_id!r}")
            return None
        if op == "given":
            if not isinstance(value, bool):
                self.problem(where, f"'given' on {item_id!r} must be true or false")
                return None
        elif family in {"coded", "multi_choice"}:
            values = [value] if op == "equals" else value
            if not isinstance(values, list) or not values:
                self.problem(where, f"{op!r} on {item_id!r} needs a non-empty list of codes")
                return None
            for code in values:
                if code not in item.code_values:
                    self.problem(where, f"{code!r} is not a code of item {item_id!r}")
                    return None
            value = value if op == "equals" else tuple(values)
        elif op in {"outside", "between"}:
            if (
                not isinstance(value, list)
                or len(value) != 2
                or not all(_is_number(v) for v in value)
                or value[0] > value[1]
            ):
                self.problem(where, f"{op!r} on {item_id!r} needs [low, high] numbers")
                return None
            value = (value[0], value[1])
        elif not _is_number(value):
            self.problem(where, f"{op!r} on {item_id!r} needs a number, not {value!r}")
            return None
        return ItemTest(str(item_id), op, value)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def mentions(condition: Condition, kinds: tuple[type, ...]) -> bool:
    if isinstance(condition, kinds):
        return True
    if isinstance(condition, AllOf | AnyOf):
        return any(mentions(c, kinds) for c in condition.conditions)
    if isinstance(condition, Not):
        return mentions(condition.condition, kinds)
    return False
