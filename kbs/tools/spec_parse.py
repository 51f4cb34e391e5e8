"""Parse and validate one YAML tool spec into the dataclasses of ``spec.py``.

The parser never stops at the first problem: it records each one with the file and the part of the
spec it is in, carries on, and raises a single SpecError at the end.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import yaml

from kbs.tools.spec import (
    ACTIONS,
    ITEM_TYPES,
    LEVELS,
    NUMERIC_TYPES,
    AllOf,
    Code,
    Condition,
    Example,
    FactRef,
    Item,
    Rule,
    Section,
    Setting,
    SettingTest,
    Source,
    SpecError,
    ToolSpec,
    Variant,
    condition_items,
)
from kbs.tools.spec_reader import ITEM_ID, SpecReader, mentions, read_yaml

SLUG = re.compile(r"^[a-z][a-z0-9-]*$")
RULE_ID = re.compile(r"^[A-Z][A-Z0-9-]*$")
SETTING_NAME = re.compile(r"^[a-z][a-z0-9_-]*\.[a-z][a-z0-9_]*$")
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
YES_NO = (Code("yes", "Yes"), Code("no", "No"))


def parse_file(path: Path) -> ToolSpec:
    """Read and validate the spec at ``path``; raise SpecError listing every problem."""
    try:
        data = read_yaml(path)
    except (OSError, yaml.YAMLError) as error:
        raise SpecError([f"{path}: cannot be read: {error}"]) from None
    return _Parser(path).parse(data)


class _Parser(SpecReader):
    def parse(self, data: object) -> ToolSpec:
        raw = self.mapping(data, "")
        unknown = set(raw) - {
            "slug",
            "title",
            "version",
            "description",
            "sections",
            "items",
            "settings",
            "facts",
            "rules",
            "examples",
        }
        for key in sorted(unknown, key=str):
            self.problem("", f"unknown top-level key {key!r}")
        slug = self.text(raw, "slug", "")
        if slug and not SLUG.match(slug):
            self.problem("", f"slug {slug!r} must be lower-case words joined by hyphens")
        if slug and self.path.name != f"{slug}.yaml":
            self.problem("", f"file name must be {slug}.yaml to match the slug")
        version = raw.get("version")
        if not isinstance(version, str) or not SEMVER.match(version):
            self.problem("", f'version {version!r} must be a quoted semantic version such as "1.0.0"')
            version = ""
        title = self.text(raw, "title", "")
        description = self.text(raw, "description", "")
        items = self.parse_items(raw.get("items"))
        sections = self.parse_sections(raw.get("sections"))
        settings = self.parse_settings(raw.get("settings"))
        self.parse_facts(raw.get("facts"))
        rules = self.parse_rules(raw.get("rules"))
        examples = self.parse_examples(raw.get("examples"), rules)
        if self.problems:
            raise SpecError(self.problems)
        return ToolSpec(
            slug=slug,
            title=title,
            version=str(version),
            description=description,
            sections=sections,
            items=items,
            settings=settings,
            facts=dict(self.facts),
            rules=rules,
            examples=examples,
            path=str(self.path),
        )

    def parse_items(self, raw_items: object) -> tuple[Item, ...]:
        entries = self.seq(raw_items, "items")
        self.all_item_ids = {e.get("id") for e in entries if isinstance(e, Mapping)}
        if not entries:
            self.problem("items", "a tool needs at least one item")
        for entry in entries:
            raw = self.mapping(entry, "items")
            item_id = raw.get("id")
            where = f"item {item_id}"
            if not isinstance(item_id, str) or not ITEM_ID.match(item_id):
                self.problem("items", f"item id {item_id!r} must be lower-case letters, digits and _")
                continue
            if item_id in self.items:
                self.problem(where, "duplicate item id")
                continue
            item_type = raw.get("type")
            if item_type not in ITEM_TYPES:
                self.problem(where, f"type {item_type!r} must be one of {', '.join(ITEM_TYPES)}")
                continue
            codes = YES_NO if item_type == "yes_no" else self.codes(raw.get("codes"), where)
            if item_type in {"choice", "multi_choice"} and not codes:
                self.problem(where, "a choice item needs codes")
            if item_type not in {"choice", "multi_choice"} and raw.get("codes") is not None:
                self.problem(where, f"a {item_type} item cannot have codes")
            low, high = raw.get("min"), raw.get("max")
            for bound in (low, high):
                if bound is None:
                    continue
                if item_type not in NUMERIC_TYPES:
                    self.problem(where, "only number items can have min or max")
                elif (
                    isinstance(bound, bool)
                    or not isinstance(bound, int | float)
                    or (item_type == "integer" and not isinstance(bound, int))
                ):
                    self.problem(where, f"min/max {bound!r} must be a {item_type}")
            if isinstance(low, int | float) and isinstance(high, int | float) and low > high:
                self.problem(where, "min is greater than max")
            exclusive = raw.get("exclusive")
            if exclusive is not None and (item_type != "multi_choice" or exclusive not in {c.code for c in codes}):
                self.problem(where, f"exclusive {exclusive!r} must be one of this multi-choice item's codes")
            if "required" in raw and "required_when" in raw:
                self.problem(where, "give either 'required' or 'required_when', not both")
            required = raw.get("required", True)
            if not isinstance(required, bool):
                self.problem(where, "'required' must be true or false")
            # show_when and required_when may read only earlier items, so one pass in item order
            # decides what is shown and required.
            show_when = self.item_condition(raw.get("show_when"), f"{where}: show_when")
            required_when = self.item_condition(raw.get("required_when"), f"{where}: required_when")
            self.items[item_id] = Item(
                id=item_id,
                text=self.text(raw, "text", where),
                help=self.text(raw, "help", where, optional=True),
                type=str(item_type),
                codes=codes,
                min=low,
                max=high,
                required=bool(required),
                required_when=required_when,
                show_when=show_when,
                exclusive=exclusive if isinstance(exclusive, str) else None,
            )
        return tuple(self.items.values())

    def item_condition(self, raw: object, where: str) -> Condition | None:
        if raw is None:
            return None
        condition = self.condition(raw, where)
        if condition is None:
            return None
        if mentions(condition, (FactRef, SettingTest)):
            self.problem(where, "may refer only to items, not to facts or settings")
        return condition

    def parse_sections(self, raw_sections: object) -> tuple[Section, ...]:
        sections: list[Section] = []
        placed: dict[str, str] = {}
        for entry in self.seq(raw_sections, "sections"):
            raw = self.mapping(entry, "sections")
            section_id = raw.get("id")
            where = f"section {section_id}"
            if not isinstance(section_id, str) or not ITEM_ID.match(section_id):
                self.problem("sections", f"section id {section_id!r} must be lower-case letters, digits and _")
                continue
            if section_id in {s.id for s in sections}:
                self.problem(where, "duplicate section id")
            item_ids = [str(i) for i in self.seq(raw.get("items"), f"{where}: items")]
            for item_id in item_ids:
                if item_id not in self.items:
                    self.problem(where, f"unknown item {item_id!r}")
                elif item_id in placed:
                    self.problem(where, f"item {item_id!r} is already in section {placed[item_id]!r}")
                placed[item_id] = section_id
            sections.append(Section(section_id, self.text(raw, "title", where), tuple(item_ids)))
        for item_id in self.items:
            if item_id not in placed:
                self.problem(f"item {item_id}", "is not in any section")
        return tuple(sections)

    def parse_settings(self, raw_settings: object) -> tuple[Setting, ...]:
        for entry in self.seq(raw_settings, "settings"):
            raw = self.mapping(entry, "settings")
            name = raw.get("name")
            where = f"setting {name}"
            if not isinstance(name, str) or not SETTING_NAME.match(name):
                self.problem("settings", f"setting name {name!r} must look like 'tool.setting_name'")
                continue
            if name in self.settings:
                self.problem(where, "duplicate setting")
            codes = self.codes(raw.get("codes"), where)
            default = raw.get("default")
            if default not in {c.code for c in codes}:
                self.problem(where, f"default {default!r} is not one of its codes")
            self.settings[name] = Setting(name, self.text(raw, "title", where), codes, str(default))
        return tuple(self.settings.values())

    def parse_facts(self, raw_facts: object) -> None:
        if raw_facts is None:
            return
        for name, raw in self.mapping(raw_facts, "facts").items():
            where = f"fact {name}"
            if not isinstance(name, str) or not ITEM_ID.match(name):
                self.problem("facts", f"fact name {name!r} must be lower-case letters, digits and _")
                continue
            # Facts may use only facts defined above them, which rules out cycles.
            condition = self.condition(raw, where)
            if condition is not None:
                self.facts[name] = condition

    def parse_rules(self, raw_rules: object) -> tuple[Rule, ...]:
        rules: list[Rule] = []
        entries = self.seq(raw_rules, "rules")
        if not entries:
            self.problem("rules", "a tool needs at least one rule")
        for entry in entries:
            raw = self.mapping(entry, "rules")
            rule_id = raw.get("id")
            where = f"rule {rule_id}"
            if not isinstance(rule_id, str) or not RULE_ID.match(rule_id):
                self.problem("rules", f"rule id {rule_id!r} must be upper-case letters, digits and -")
                continue
            variant = self.variant(raw.get("variant"), where)
            if any(r.id == rule_id and (variant is None or r.variant is None) for r in rules):
                self.problem(where, "duplicate rule id (only setting variants may share an id)")
            level = raw.get("level")
            if level not in LEVELS:
                self.problem(where, f"level {level!r} must be one of {', '.join(LEVELS)}")
            actions = self.seq(raw.get("actions"), f"{where}: actions")
            for action in actions:
                if action not in ACTIONS:
                    self.problem(where, f"unknown action {action!r}")
            if len(set(map(str, actions))) != len(actions):
                self.problem(where, "an action is listed twice")
            unless = [str(r) for r in self.seq(raw.get("unless_fired"), f"{where}: unless_fired")]
            for other in unless:
                if other not in {r.id for r in rules}:
                    self.problem(where, f"unless_fired refers to {other!r}, which is not a rule listed above")
            when = self.condition(raw.get("when"), where)
            because = raw.get("because")
            if because is not None:
                because = [str(b) for b in self.seq(because, f"{where}: because")]
                readable = condition_items(when, self.facts) if when is not None else []
                for item_id in because:
                    if item_id not in readable:
                        self.problem(where, f"because lists {item_id!r}, which its condition does not read")
            source = self.mapping(raw.get("source"), f"{where}: source")
            url = self.text(source, "url", f"{where}: source")
            if url and not url.startswith(("https://", "http://")):
                self.problem(where, f"source url {url!r} must be a web address")
            rules.append(
                Rule(
                    id=rule_id,
                    title=self.text(raw, "title", where),
                    when=when or AllOf(()),
                    level=str(level),
                    actions=tuple(map(str, actions)),
                    advice=self.text(raw, "advice", where),
                    message_for_parents=self.text(raw, "message_for_parents", where),
                    source=Source(self.text(source, "title", f"{where}: source"), url),
                    unless_fired=tuple(unless),
                    because=tuple(because) if because is not None else None,
                    variant=variant,
                )
            )
        self.check_variants(rules)
        return tuple(rules)

    def variant(self, raw: object, where: str) -> Variant | None:
        if raw is None:
            return None
        raw = self.mapping(raw, f"{where}: variant")
        name, code = raw.get("setting"), raw.get("code")
        if name not in self.settings:
            self.problem(where, f"variant refers to unknown setting {name!r}")
            return None
        if code not in self.settings[str(name)].code_values:
            self.problem(where, f"variant code {code!r} is not a code of setting {name!r}")
            return None
        return Variant(str(name), str(code))

    def check_variants(self, rules: list[Rule]) -> None:
        """Variants of a rule must cover every code of one setting exactly once."""
        for rule_id in dict.fromkeys(r.id for r in rules if r.variant is not None):
            variants = [r.variant for r in rules if r.id == rule_id and r.variant is not None]
            names = {v.setting for v in variants}
            codes = [v.code for v in variants]
            if len(names) != 1:
                self.problem(f"rule {rule_id}", "its variants must all depend on the same setting")
                continue
            expected = self.settings[names.pop()].code_values
            if sorted(codes) != sorted(expected):
                self.problem(f"rule {rule_id}", f"needs exactly one variant for each of {', '.join(expected)}")

    def parse_examples(self, raw_examples: object, rules: tuple[Rule, ...]) -> tuple[Example, ...]:
        examples: dict[str, Example] = {}
        rule_ids = {r.id for r in rules}
        for entry in self.seq(raw_examples, "examples"):
            raw = self.mapping(entry, "examples")
            name = raw.get("name")
            where = f"example {name!r}"
            if not isinstance(name, str) or not name.strip():
                self.problem("examples", "every example needs a name")
                continue
            if name in examples:
                self.problem(where, "duplicate example name")
            answers: dict[str, object] = {}
            settings: dict[str, str] = {}
            base_name = raw.get("extends")
            if base_name is not None:
                if base_name not in examples:
                    self.problem(where, f"extends {base_name!r}, which is not an example listed above")
                else:
                    answers.update(examples[base_name].answers)
                    settings.update(examples[base_name].settings)
            answers.update(self.mapping(raw.get("answers", {}), f"{where}: answers"))
            for item_id in self.seq(raw.get("without"), f"{where}: without"):
                answers.pop(item_id, None)
            for item_id in answers:
                if item_id not in self.items:
                    self.problem(where, f"answers unknown item {item_id!r}")
            for key, code in self.mapping(raw.get("settings", {}), f"{where}: settings").items():
                if key not in self.settings or code not in self.settings[key].code_values:
                    self.problem(where, f"setting {key}={code!r} is not a setting and code of this tool")
                settings[str(key)] = str(code)
            expect = self.mapping(raw.get("expect"), f"{where}: expect")
            if expect.get("level") not in LEVELS:
                self.problem(where, f"expected level {expect.get('level')!r} is not a level")
            actions = [str(a) for a in self.seq(expect.get("actions"), f"{where}: expect actions")]
            for action in actions:
                if action not in ACTIONS:
                    self.problem(where, f"expects unknown action {action!r}")
            fired = [str(f) for f in self.seq(expect.get("fired"), f"{where}: expect fired")]
            for rule_id in fired + ([raw["rule"]] if raw.get("rule") is not None else []):
                if rule_id not in rule_ids:
                    self.problem(where, f"refers to unknown rule {rule_id!r}")
            examples[name] = Example(
                name=name,
                answers=answers,
                settings=settings,
                level=str(expect.get("level")),
                actions=tuple(actions),
                fired=tuple(fired),
                rule=str(raw["rule"]) if raw.get("rule") is not None else None,
            )
        return tuple(examples.values())

    # -- conditions -----------------------------------------------------------------------------
