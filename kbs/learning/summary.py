"""Learning → practice change, for the Evaluation and Impact Report.

`changes_between(start, end)` lists each recommendation that led to a change in practice in the
period, with those changes. It reads published reviews and the partnership's own changes only: no
person, family or member of staff appears in it (not even who recorded a change).
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch

from kbs.learning import references
from kbs.learning.models import Change, ChangeKind, Recommendation, Scope


@dataclass(frozen=True)
class PracticeChange:
    kind: str  # a ChangeKind value: tool_rule, message, training_module or document
    kind_label: str  # "Tool rule"
    reference: str  # "bruising:BR-NON-MOBILE", "safe_sleep", a module slug, or "" for a document
    what: str  # "Bruising and skin marks on babies: rule BR-NON-MOBILE, ..." or the document's title
    changed_on: date
    note: str


@dataclass(frozen=True)
class LearningToPractice:
    review: str
    review_scope: str  # "Local review" or "National review"
    review_published_on: date | None
    recommendation_number: int
    recommendation: str
    themes: tuple[str, ...]
    changes: tuple[PracticeChange, ...]  # only those made in the period, oldest first


def _what(change: Change) -> str:
    if change.kind == ChangeKind.DOCUMENT:
        return change.document.title if change.document is not None else ""
    try:
        return references.target(change.kind, change.reference).label
    except references.InvalidReference:
        return f"{change.reference} (no longer in use)"


def changes_between(start: date, end: date) -> list[LearningToPractice]:
    """Recommendations with the changes in practice made from `start` to `end` (both included),
    ordered by the date of their first change in the period. Empty if `end` is before `start`."""
    if end < start:
        return []
    in_period = Change.objects.filter(changed_on__gte=start, changed_on__lte=end)
    recommendations = (
        Recommendation.objects.filter(pk__in=in_period.values("recommendation"))
        .select_related("review")
        .prefetch_related(
            "themes",
            Prefetch("changes", queryset=in_period.select_related("document").order_by("changed_on", "pk"),
                     to_attr="period_changes"),
        )
    )
    lines = [
        LearningToPractice(
            review=recommendation.review.title,
            review_scope=Scope(recommendation.review.scope).label,
            review_published_on=recommendation.review.published_on,
            recommendation_number=recommendation.number,
            recommendation=recommendation.text,
            themes=tuple(sorted(theme.name for theme in recommendation.themes.all())),
            changes=tuple(
                PracticeChange(
                    kind=change.kind, kind_label=ChangeKind(change.kind).label, reference=change.reference,
                    what=_what(change), changed_on=change.changed_on, note=change.note,
                )
                for change in recommendation.period_changes
            ),
        )
        for recommendation in recommendations
    ]
    return sorted(lines, key=lambda line: (line.changes[0].changed_on, line.review, line.recommendation_number))
