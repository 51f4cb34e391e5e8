"""The one way to read concerns, referrals and tasks across the permission boundary.

A record is visible when its family is visible to the user (see kbs.families.access) and either it
is shared or it belongs to the user's own agency:

* a concern is shared once a safeguarding lead has decided on it; until then only the raising
  agency sees it (see the sharing note in kbs.concerns.actions);
* a referral is always shared;
* a task is never shared: it is the agency's own work.

"Not there" and "not yours" raise the same Http404. Every successful read of a record page writes
an audit row; the work lists are the user's own work and are not audited, like "My families".
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.concerns.models import (
    Concern,
    ConcernState,
    Referral,
    ReferralState,
    Severity,
    Task,
    TaskState,
    Transition,
)
from kbs.families.access import NOT_FOUND, parse_public_id, visible_families
from kbs.families.models import Family


def _shared_concerns(user: User) -> Q:
    return Q(decided_at__isnull=False) | Q(agency_id=user.agency_id)


def visible_concerns(user: User) -> QuerySet[Concern]:
    """Every concern the user may open."""
    if not has_permission(user, Permission.VIEW_FAMILY):
        return Concern.objects.none()
    return Concern.objects.filter(_shared_concerns(user), family__in=visible_families(user))


def visible_referrals(user: User) -> QuerySet[Referral]:
    """Every referral the user may open."""
    if not has_permission(user, Permission.VIEW_FAMILY):
        return Referral.objects.none()
    return Referral.objects.filter(family__in=visible_families(user))


def visible_tasks(user: User) -> QuerySet[Task]:
    """Every task the user may open: their own agency's, for families they may see."""
    if not has_permission(user, Permission.VIEW_FAMILY) or user.agency_id is None:
        return Task.objects.none()
    return Task.objects.filter(agency_id=user.agency_id, family__in=visible_families(user))


def concern_for(user: User, public_id: Any, *, need: Permission = Permission.VIEW_FAMILY, audit: bool = True) -> Concern:
    """The concern with this id if the user may see it and has `need`; Http404 otherwise. Audited."""
    if not has_permission(user, need):
        raise Http404(NOT_FOUND)
    concern = (
        visible_concerns(user)
        .select_related("family", "baby", "agency", "raised_by", "decided_by")
        .filter(public_id=parse_public_id(public_id))
        .first()
    )
    if concern is None:
        raise Http404(NOT_FOUND)
    if audit:
        record_event(by=user, action=Action.VIEW, obj=concern, family=concern.family,
                     summary=f"Viewed a concern: {concern.get_category_display()}")
    return concern


def referral_for(user: User, public_id: Any, *, need: Permission = Permission.VIEW_FAMILY, audit: bool = True) -> Referral:
    """The referral with this id if the user may see its family and has `need`; Http404 otherwise. Audited."""
    if not has_permission(user, need):
        raise Http404(NOT_FOUND)
    referral = (
        visible_referrals(user)
        .select_related("family", "agency", "made_by", "concern")
        .filter(public_id=parse_public_id(public_id))
        .first()
    )
    if referral is None:
        raise Http404(NOT_FOUND)
    if audit:
        record_event(by=user, action=Action.VIEW, obj=referral, family=referral.family,
                     summary=f"Viewed a referral to {referral.get_to_display()}")
    return referral


def task_for(user: User, public_id: Any, *, need: Permission = Permission.VIEW_FAMILY, audit: bool = True) -> Task:
    """The task with this id if it is the user's agency's and they may see its family; Http404 otherwise. Audited."""
    if not has_permission(user, need):
        raise Http404(NOT_FOUND)
    task = (
        visible_tasks(user)
        .select_related("family", "baby", "agency", "assigned_to", "created_by", "completed_by")
        .filter(public_id=parse_public_id(public_id))
        .first()
    )
    if task is None:
        raise Http404(NOT_FOUND)
    if audit:
        record_event(by=user, action=Action.VIEW, obj=task, family=task.family, summary=f"Viewed a task: {task.title}")
    return task


def _require_lead(user: User) -> int:
    """The lead's agency id; Http404 for anyone who is not a safeguarding lead of an agency."""
    if not has_permission(user, Permission.DECIDE_CONCERN) or user.agency_id is None:
        raise Http404(NOT_FOUND)
    return user.agency_id


def _overdue_first(field: str) -> Case:
    return Case(When(**{f"{field}__lt": timezone.now()}, then=Value(0)), default=Value(1), output_field=IntegerField())


_SEVERITY_ORDER = Case(
    When(severity=Severity.HIGH, then=Value(0)), When(severity=Severity.MEDIUM, then=Value(1)),
    default=Value(2), output_field=IntegerField(),
)


def inbox(user: User) -> QuerySet[Concern]:
    """For a safeguarding lead: concerns raised in their agency waiting for a decision; overdue
    first, then the most severe, then the soonest due."""
    agency_id = _require_lead(user)
    return (
        visible_concerns(user)
        .filter(agency_id=agency_id, state=ConcernState.RAISED)
        .select_related("family", "baby", "raised_by")
        .order_by(_overdue_first("decision_due_at"), _SEVERITY_ORDER, "decision_due_at", "id")
    )


def my_work(user: User) -> QuerySet[Task]:
    """Open tasks assigned to the user and, for a safeguarding lead, their agency's unassigned
    tasks; overdue first, then urgent, then the soonest due."""
    if not has_permission(user, Permission.VIEW_FAMILY):
        raise Http404(NOT_FOUND)
    mine = Q(assigned_to=user)
    if has_permission(user, Permission.DECIDE_CONCERN):
        mine |= Q(assigned_to__isnull=True)
    return (
        visible_tasks(user)
        .filter(mine, state=TaskState.OPEN)
        .select_related("family", "baby", "assigned_to")
        .order_by(_overdue_first("due_at"), "-urgent", "due_at", "id")
    )


@dataclass(frozen=True)
class Overdue:
    concerns: list[Concern]
    referrals: list[Referral]
    tasks: list[Task]

    @property
    def count(self) -> int:
        return len(self.concerns) + len(self.referrals) + len(self.tasks)


def overdue(user: User) -> Overdue:
    """For a safeguarding lead: everything in their agency past its time limit and not done, or
    already escalated by the clock and still not done."""
    agency_id = _require_lead(user)
    now = timezone.now()
    late = Q(escalated_at__isnull=False)
    return Overdue(
        concerns=list(
            visible_concerns(user)
            .filter(late | Q(decision_due_at__lt=now), agency_id=agency_id, state=ConcernState.RAISED)
            .select_related("family", "baby", "raised_by").order_by("decision_due_at", "id")
        ),
        referrals=list(
            visible_referrals(user)
            .filter(late | Q(acknowledgement_due_at__lt=now), agency_id=agency_id, state=ReferralState.MADE)
            .select_related("family", "made_by").order_by("acknowledgement_due_at", "id")
        ),
        tasks=list(
            visible_tasks(user)
            .filter(late | Q(due_at__lt=now), state=TaskState.OPEN)
            .select_related("family", "baby", "assigned_to").order_by("due_at", "id")
        ),
    )


def open_concerns_of(user: User, family: Family) -> QuerySet[Concern]:
    """The family's concerns not yet closed that the user may see, for the family page."""
    return (
        visible_concerns(user).filter(family=family).exclude(state=ConcernState.CLOSED)
        .select_related("agency", "baby").order_by("-raised_at", "-id")
    )


def open_referrals_of(user: User, family: Family) -> QuerySet[Referral]:
    """The family's referrals still waiting for an outcome, for the family page."""
    return (
        visible_referrals(user).filter(family=family).exclude(state=ReferralState.OUTCOME_RECORDED)
        .select_related("agency").order_by("-made_at", "-id")
    )


def referrals_of(concern: Concern) -> QuerySet[Referral]:
    """The referrals made about a concern the caller may already see (referrals are shared)."""
    return Referral.objects.filter(concern=concern).select_related("agency", "made_by").order_by("made_at", "id")


def transitions_of(record: Concern | Referral) -> QuerySet[Transition]:
    """The timeline of a concern or referral the caller may already see."""
    rows = Transition.objects.filter(concern=record) if isinstance(record, Concern) else Transition.objects.filter(referral=record)
    return rows.select_related("by", "by__agency").order_by("at", "id")


def tasks_from(user: User, record: Concern | Referral) -> QuerySet[Task]:
    """The tasks a concern or referral made, if they are the user's agency's."""
    return visible_tasks(user).filter(
        source_type=record._meta.model_name, source_id=str(record.public_id)
    ).select_related("assigned_to").order_by("due_at", "id")
