"""The one way to read retention records: only the data protection officer (MANAGE_RETENTION) may,
and everyone else gets the same 404 as for a page that does not exist.

The review list shows pseudonymous references only. Opening a family's review page is a read of
personal data and writes a VIEW audit row.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.families.access import NOT_FOUND, parse_public_id
from kbs.families.models import Baby, Family
from kbs.retention import records
from kbs.retention.models import DisposalRecord, DisposalReview, LegalHold, reference_for
from kbs.retention.schedule import Due, FamilyFacts, configured_schedule, retention_due

# How far ahead the list shows records "coming up" for review.
COMING_UP_DAYS = 90


def may_manage(user: User) -> bool:
    return has_permission(user, Permission.MANAGE_RETENTION)


def require_manager(user: User) -> None:
    """Http404 unless the user may manage retention."""
    if not may_manage(user):
        raise Http404(NOT_FOUND)


@dataclass(frozen=True)
class ReviewRow:
    public_id: Any
    reference: str
    due: Due
    overdue: bool
    hold: LegalHold | None
    reviewed: bool


def review_rows(user: User, today: date) -> list[ReviewRow]:
    """Every family not yet disposed of whose retention date has passed or falls within the next
    COMING_UP_DAYS days, soonest first. A fixed number of queries however many families there are.
    Audited as a search (the list shows references, not names)."""
    require_manager(user)
    schedule = configured_schedule()
    horizon = today + timedelta(days=COMING_UP_DAYS)
    families = records.with_facts(Family.objects.filter(disposal__isnull=True).order_by("id"))
    due_rows = []
    for row in records.facts_for(families):
        due = retention_due(row.facts, schedule)
        if due.on <= horizon:
            due_rows.append((row.family, due))
    ids = [family.pk for family, _ in due_rows]
    holds = {h.family_id: h for h in LegalHold.objects.filter(family_id__in=ids, lifted_at__isnull=True)}
    reviewed = set(DisposalReview.objects.filter(family_id__in=ids).values_list("family_id", flat=True))
    record_event(by=user, action=Action.SEARCH, summary="Listed the records due for retention review",
                 detail={"due_or_coming_up": len(due_rows)})
    rows = [
        ReviewRow(public_id=f.public_id, reference=reference_for(f.public_id), due=due, overdue=due.on <= today,
                  hold=holds.get(f.pk), reviewed=f.pk in reviewed)
        for f, due in due_rows
    ]
    return sorted(rows, key=lambda r: (r.due.on, r.reference))


def held_families(user: User) -> QuerySet[LegalHold]:
    """Every active legal hold, for the list's "on hold" section (references only)."""
    require_manager(user)
    return LegalHold.objects.filter(lifted_at__isnull=True).select_related("family").order_by("review_on", "placed_at")


def family_for_review(user: User, public_id: Any, *, audit: bool = True) -> Family:
    """A family (disposed of or not) for the retention review, if the user may manage retention;
    Http404 otherwise. Audited as a view of the family when `audit`."""
    require_manager(user)
    family = Family.objects.filter(public_id=parse_public_id(public_id)).first()
    if family is None:
        raise Http404(NOT_FOUND)
    if audit:
        record_event(by=user, action=Action.VIEW, obj=family, family=family,
                     summary=f"Opened {reference_for(family.public_id)} for a retention review")
    return family


def disposal_of(family: Family) -> DisposalRecord | None:
    return DisposalRecord.objects.filter(family=family).select_related("approved_by", "review__reviewed_by").first()


def holds_of(family: Family) -> QuerySet[LegalHold]:
    """The family's legal holds, newest first, for a caller already allowed to review it."""
    return LegalHold.objects.filter(family=family).select_related("placed_by", "lifted_by")


def reviews_of(family: Family) -> QuerySet[DisposalReview]:
    return DisposalReview.objects.filter(family=family).select_related("reviewed_by")


def babies_of(family: Family) -> QuerySet[Baby]:
    return Baby.objects.filter(family=family).order_by("id")


def due_of(family: Family) -> tuple[Due, FamilyFacts]:
    """The family's retention date and the facts behind it, read afresh."""
    facts = records.facts_of(family)
    return retention_due(facts, configured_schedule()), facts


def record_counts(family: Family) -> list[tuple[str, int]]:
    """How many rows of each kind the family has, as disposal would remove them (verbose names)."""
    ordered = records.personal_models()
    owned = set(ordered)
    counts = []
    for model in reversed(ordered):
        count = model._default_manager.filter(records.family_filter(model, family, owned)).count()
        if count:
            counts.append((str(model._meta.verbose_name_plural).capitalize(), count))
    return counts
