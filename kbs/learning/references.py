"""What a change points at, checked against what exists: the tool specs' rule ids, the Level 2
course's module slugs and the three messages. Used when a change is recorded (so no broken link
is ever stored) and when it is shown (for its label and link)."""

import functools
from dataclasses import dataclass

from django.urls import reverse

from kbs.contacts.models import Message
from kbs.learning.models import ChangeKind
from kbs.tools.spec import Rule, ToolSpec, UnknownTool, get_spec
from kbs.workforce.course_content import read_course


class InvalidReference(ValueError):
    """The reference names nothing that exists; the message says what is wrong."""


@dataclass(frozen=True)
class Target:
    label: str
    url: str | None


@functools.lru_cache(maxsize=1)
def module_titles() -> dict[str, str]:
    """Level 2 module slug → title, from the course content files."""
    return {module.slug: module.title for module in read_course()}


def split_rule(reference: str) -> tuple[str, str]:
    slug, colon, rule_id = reference.partition(":")
    if not colon or not slug or not rule_id:
        raise InvalidReference(
            f"Write a tool rule as the tool and the rule id with a colon between, like bruising:BR-NON-MOBILE, not {reference!r}"
        )
    return slug, rule_id


def rule(slug: str, rule_id: str) -> tuple[ToolSpec, list[Rule]]:
    """The spec and every entry of one rule (a rule may have a variant per partnership setting)."""
    try:
        spec = get_spec(slug)
    except UnknownTool:
        raise InvalidReference(f"There is no tool called {slug!r}") from None
    entries = [entry for entry in spec.rules if entry.id == rule_id]
    if not entries:
        raise InvalidReference(f"The {spec.title} tool has no rule {rule_id!r}")
    return spec, entries


def check(kind: str, reference: str) -> None:
    """Raise InvalidReference unless `reference` names something real of this kind."""
    if kind == ChangeKind.TOOL_RULE:
        rule(*split_rule(reference))
    elif kind == ChangeKind.MESSAGE:
        if reference not in Message.values:
            raise InvalidReference(f"The message must be one of {', '.join(Message.values)}, not {reference!r}")
    elif kind == ChangeKind.TRAINING_MODULE:
        if reference not in module_titles():
            raise InvalidReference(f"There is no Level 2 training module {reference!r}")
    elif kind == ChangeKind.DOCUMENT:
        if reference:
            raise InvalidReference("A change to a document links the document itself, not a reference")
    else:
        raise InvalidReference(f"Unknown kind of change {kind!r}")


def target(kind: str, reference: str) -> Target:
    """The label and page of a tool rule, message or module (documents are shown by the caller,
    who knows whether the person may see them)."""
    if kind == ChangeKind.TOOL_RULE:
        spec, entries = rule(*split_rule(reference))
        return Target(f"{spec.title}: rule {entries[0].id}, {entries[0].title}",
                      reverse("learning:rule", args=[spec.slug, entries[0].id]))
    if kind == ChangeKind.MESSAGE:
        return Target(f"The {Message(reference).label.lower()} message", None)
    if kind == ChangeKind.TRAINING_MODULE:
        return Target(f"Level 2 module: {module_titles()[reference]}", reverse("workforce:module", args=[reference]))
    raise InvalidReference(f"No target for {kind!r}")
