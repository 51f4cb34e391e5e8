"""Recording learning from reviews: a review, its recommendations, and each change in practice.

Each action runs in one transaction, takes `by=` (who recorded it) and writes its own audit row.
A change's reference is checked against the tool specs and the course content before anything is
saved; a change to a document also updates that document's entry in the library search.
"""

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.learning import references
from kbs.learning.models import Change, ChangeKind, Recommendation, Review, Scope, Theme
from kbs.library import actions as library_actions
from kbs.library.models import Document


class Refused(Exception):
    """The action is not allowed; the message says why, for the person. Nothing was changed."""


def _require_manager(by: User) -> None:
    if not has_permission(by, Permission.MANAGE_LIBRARY):
        raise Refused("Only library managers can record learning from reviews")


def _themes(names: Iterable[str]) -> list[Theme]:
    return [Theme.objects.get_or_create(name=name.strip())[0] for name in names if name.strip()]


def add_review(
    *, by: User, title: str, scope: str, summary: str, published_on: date | None = None, publisher: str = "",
    source_url: str = "", themes: Iterable[str] = (),
) -> Review:
    """Record a local or national review, summarised in our own words, with its themes."""
    _require_manager(by)
    if scope not in Scope.values:
        raise Refused("Choose whether the review is local or national")
    if not title.strip() or not summary.strip():
        raise Refused("A review needs a title and a summary")
    with transaction.atomic():
        if Review.objects.filter(title=title.strip()).exists():
            raise Refused("There is already a review with that title")
        review = Review.objects.create(
            title=title.strip(), scope=scope, summary=summary.strip(), published_on=published_on,
            publisher=publisher.strip(), source_url=source_url.strip(), recorded_by=by, recorded_at=timezone.now(),
        )
        review.themes.set(_themes(themes))
        record_event(by=by, action=Action.CREATE, obj=review, summary=f"Recorded the review {review.title}",
                     detail={"scope": scope, "published_on": published_on})
    return review


def add_recommendation(*, by: User, review: Review, text: str, themes: Iterable[str] = ()) -> Recommendation:
    """Add the next recommendation to a review."""
    _require_manager(by)
    if not text.strip():
        raise Refused("Enter the recommendation")
    with transaction.atomic():
        Review.objects.select_for_update().get(pk=review.pk)
        number = (review.recommendations.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        recommendation = Recommendation.objects.create(review=review, number=number, text=text.strip())
        found = _themes(themes)
        recommendation.themes.set(found)
        review.themes.add(*found)
        record_event(by=by, action=Action.CREATE, obj=recommendation,
                     summary=f"Added recommendation {number} to the review {review.title}")
    return recommendation


def record_change(
    *, by: User, recommendation: Recommendation, kind: str, changed_on: date, reference: str = "",
    document: Document | None = None, note: str = "",
) -> Change:
    """Record what changed in practice because of a recommendation. Tool rules are written
    "<tool slug>:<rule id>", training modules by their slug, messages by their code; a document
    change links the document."""
    _require_manager(by)
    reference = reference.strip()
    if kind == ChangeKind.DOCUMENT and document is None:
        raise Refused("Choose the document that changed")
    if kind != ChangeKind.DOCUMENT and document is not None:
        raise Refused("Only a change to a document links a document")
    try:
        references.check(kind, reference)
    except references.InvalidReference as invalid:
        raise Refused(str(invalid)) from None
    if changed_on > timezone.localdate():
        raise Refused("The date of the change cannot be in the future")
    with transaction.atomic():
        change = Change.objects.create(
            recommendation=recommendation, kind=kind, reference=reference, document=document, changed_on=changed_on,
            note=note.strip(), recorded_by=by, recorded_at=timezone.now(),
        )
        record_event(
            by=by, action=Action.CREATE, obj=change,
            summary=f"Recorded a change made after {recommendation}",
            detail={"kind": kind, "reference": reference, "document": document.pk if document else None,
                    "changed_on": changed_on},
        )
        if document is not None:
            library_actions.reindex(document=document)
    return change
