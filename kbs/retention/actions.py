"""Every change the retention app makes: legal holds, disposal reviews and disposal itself.

Each function takes `by=` (the data protection officer), runs in one transaction, locks the family
row first (so a hold and a disposal of the same family cannot cross), and writes its audit event.
"""

from datetime import date
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.families.models import Family
from kbs.retention import records
from kbs.retention.models import DisposalRecord, DisposalReview, LegalHold, reference_for
from kbs.retention.schedule import Due, configured_schedule, retention_due


class RetentionRefused(Exception):
    """A retention change that must not happen; the message says why, in plain English."""


class NotAllowed(RetentionRefused):
    pass


class AlreadyDisposed(RetentionRefused):
    pass


class OnLegalHold(RetentionRefused):
    pass


class NotDue(RetentionRefused):
    pass


class NotReviewed(RetentionRefused):
    pass


class NoActiveHold(RetentionRefused):
    pass


# What an anonymised family row keeps: nothing that identifies anyone. The row stays because the
# audit trail points at it (ADR 13).
ANONYMISED_FAMILY: dict[str, Any] = {
    "address_line_1": "", "address_line_2": "", "town": "", "postcode": "", "language": "",
    "interpreter_needed": False, "created_by": None,
}


def _require(by: User) -> None:
    if not has_permission(by, Permission.MANAGE_RETENTION):
        raise NotAllowed("Only the data protection officer can change retention")


def _locked(family: Family) -> Family:
    locked: Family = Family.objects.select_for_update().get(pk=family.pk)
    if DisposalRecord.objects.filter(family=locked).exists():
        raise AlreadyDisposed("This family's records have already been disposed of")
    return locked


def active_hold(family: Family) -> LegalHold | None:
    return LegalHold.objects.filter(family=family, lifted_at__isnull=True).first()


def due_for(family: Family) -> Due:
    """The family's retention date under the schedule in force, from its records as they are now."""
    return retention_due(records.facts_of(family), configured_schedule())


@transaction.atomic
def place_legal_hold(*, by: User, family: Family, reason: str, review_on: date | None = None) -> LegalHold:
    """Keep a family's records whatever the schedule says, until the hold is lifted."""
    _require(by)
    family = _locked(family)
    if active_hold(family) is not None:
        raise RetentionRefused("This family is already on a legal hold")
    hold = LegalHold.objects.create(
        family=family, reason=reason, review_on=review_on, placed_by=by, placed_at=timezone.now()
    )
    record_event(
        by=by, action=Action.LEGAL_HOLD, obj=family, family=family,
        summary=f"Placed a legal hold on {reference_for(family.public_id)}",
        detail={"hold": hold.pk, "reason": reason, "review_on": review_on},
    )
    return hold


@transaction.atomic
def lift_legal_hold(*, by: User, family: Family, reason: str) -> LegalHold:
    """End the family's active legal hold; the schedule applies again."""
    _require(by)
    family = _locked(family)
    hold = LegalHold.objects.select_for_update().filter(family=family, lifted_at__isnull=True).first()
    if hold is None:
        raise NoActiveHold("This family has no legal hold to lift")
    hold.lifted_by, hold.lifted_at, hold.lift_reason = by, timezone.now(), reason
    hold.save(update_fields=["lifted_by", "lifted_at", "lift_reason"])
    record_event(
        by=by, action=Action.LEGAL_HOLD, obj=family, family=family,
        summary=f"Lifted the legal hold on {reference_for(family.public_id)}",
        detail={"hold": hold.pk, "reason": reason},
    )
    return hold


def _check_disposable(family: Family, today: date) -> Due:
    if active_hold(family) is not None:
        raise OnLegalHold("This family is on a legal hold, so its records cannot be disposed of")
    due = due_for(family)
    if due.on > today:
        raise NotDue(f"This family's records are kept until {due.on:%-d %B %Y} ({due.rule_name.lower()}), "
                     "so they cannot be disposed of yet")
    return due


@transaction.atomic
def review_for_disposal(*, by: User, family: Family, reason: str) -> DisposalReview:
    """Record the data protection officer's decision that a family past its retention date should be
    disposed of ("reviewed: dispose"). Nothing is deleted until `dispose_family`."""
    _require(by)
    family = _locked(family)
    due = _check_disposable(family, timezone.localdate())
    review = DisposalReview.objects.create(
        family=family, reason=reason, rule=due.rule, due_on=due.on, reviewed_by=by, reviewed_at=timezone.now()
    )
    record_event(
        by=by, action=Action.UPDATE, obj=family, family=family,
        summary=f"Reviewed {reference_for(family.public_id)}: dispose",
        detail={"review": review.pk, "rule": due.rule, "due_on": due.on, "reason": reason},
    )
    return review


@transaction.atomic
def dispose_family(*, by: User, family: Family) -> DisposalRecord:
    """Delete every personal row of a reviewed, due family not on a legal hold, in one transaction,
    anonymise the family row (the audit trail points at it) and leave a DisposalRecord. Raises a
    RetentionRefused subclass, deleting nothing, when the family is held, not due or not reviewed."""
    _require(by)
    family = _locked(family)
    today = timezone.localdate()
    due = _check_disposable(family, today)
    review = DisposalReview.objects.filter(family=family).first()
    if review is None:
        raise NotReviewed("Review this family's records and record the decision to dispose of them first")
    last_contact = records.facts_of(family).last_contact
    reference = reference_for(family.public_id)
    # The stub first: a database trigger refuses it while a hold is active (migration 0002).
    record = DisposalRecord.objects.create(
        family=family, reference=reference, record_type=due.rule, due_on=due.on, last_contact_on=last_contact,
        review=review, approved_by=by, disposed_at=timezone.now(),
    )
    removed = delete_personal_rows(family)
    anonymise_family(family)
    record.rows_removed = removed
    record.save(update_fields=["rows_removed"])
    # A write with the family: the dashboard's rollup for it is worked out again on commit, so the
    # counts lose this family's contribution exactly as a rebuild would.
    record_event(
        by=by, action=Action.DISPOSE, obj=family, family=family,
        summary=f"Disposed of the records of {reference}",
        detail={"disposal": record.pk, "record_type": due.rule, "due_on": due.on, "last_contact_on": last_contact,
                "rows_removed": removed},
    )
    return record


def delete_personal_rows(family: Family) -> dict[str, int]:
    """Delete the family's rows from every table holding its records, children first. Returns the
    rows deleted per model (including many-to-many links). Call inside the disposal transaction."""
    ordered = records.personal_models()
    owned = set(ordered)
    removed: dict[str, int] = {}
    for model in ordered:
        rows = model._default_manager.filter(records.family_filter(model, family, owned))
        # A model pointing at itself (an assessment correcting another) would trip its own PROTECT.
        for field in model._meta.get_fields():
            if isinstance(field, models.ForeignKey) and field.related_model is model and field.null:
                rows.exclude(**{field.name: None}).update(**{field.name: None})
        _, counts = rows.delete()
        for label, count in counts.items():
            if count:
                removed[label] = removed.get(label, 0) + count
    return removed


def anonymise_family(family: Family) -> None:
    """Blank everything on the family row that could identify anyone; keep its ids."""
    for name, value in ANONYMISED_FAMILY.items():
        setattr(family, name, value)
    family.version += 1
    family.save(update_fields=[*ANONYMISED_FAMILY, "version"])
