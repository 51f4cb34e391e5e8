"""Display values for the learning pages, so that templates hold no logic."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from kbs.learning import access, references
from kbs.learning.models import Change, ChangeKind, Review, Scope
from kbs.tools.spec import Rule, ToolSpec


def review_month(value: date | None) -> str:
    """Reviews are known by the month they were published."""
    return f"{value:%B %Y}" if value else "Date not known"


def scope_tag(review: Review) -> tuple[str, str]:
    return (Scope(review.scope).label, "blue" if review.scope == Scope.LOCAL else "purple")


@dataclass(frozen=True)
class ChangeLine:
    kind: str
    label: str
    url: str | None
    changed_on: date
    note: str


def change_line(change: Change, user: Any) -> ChangeLine:
    """What changed, with a link when there is a page the person may open."""
    kind = ChangeKind(change.kind).label
    if change.kind == ChangeKind.DOCUMENT:
        document = change.document
        if document is not None and access.may_see_document(user, document):
            return ChangeLine(kind, document.title, document.get_absolute_url(), change.changed_on, change.note)
        return ChangeLine(kind, "A document for partnership staff", None, change.changed_on, change.note)
    try:
        target = references.target(change.kind, change.reference)
    except references.InvalidReference:
        # A rule or module removed since: say what it was, with no dead link.
        return ChangeLine(kind, f"{change.reference} (no longer in use)", None, change.changed_on, change.note)
    return ChangeLine(kind, target.label, target.url, change.changed_on, change.note)


def variant_label(spec: ToolSpec, rule: Rule) -> str:
    """For a rule that has a version per partnership setting: the setting's choice it applies to."""
    if rule.variant is None:
        return ""
    setting = spec.settings_by_name.get(rule.variant.setting)
    labels = {code.code: code.label for code in setting.codes} if setting else {}
    return labels.get(rule.variant.code, rule.variant.code.replace("_", " "))
