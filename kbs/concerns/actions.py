"""Every change to concerns, referrals and tasks. Each action runs in one transaction, takes `by=`
and writes its own audit event (and a chronology entry where the event matters to the family).

Changes of state go through `kbs.concerns.states`, which refuses what the lifecycle does not allow
and writes the immutable Transition rows. Business rules that the lifecycle alone cannot express
(closing a concern while a referral is open, say) are checked here, before anything is written,
and refused with the same `TransitionRefused` so views can show one plain message.

Sharing. A concern is kept to the raising agency until its safeguarding lead has decided on it:
an unchecked worry stays inside the agency that had it, and is decided there. From the decision on
it is shared with every agency that may see the family (a chronology entry says what was decided),
because cumulative low-level worries are what reviews keep finding were missed. A concern closed
without a decision (raised in error or twice) is never shared. Referrals are always shared: they
already go outside the agency. Tasks are the agency's own work and are never shared.
"""

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from kbs.accounts.models import Agency, User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.chronology.actions import add_entry
from kbs.chronology.models import Kind, Significance
from kbs.concerns import notices
from kbs.concerns.models import (
    Category,
    Concern,
    ConcernState,
    Decision,
    Referral,
    ReferralHow,
    ReferralOutcome,
    ReferralState,
    ReferralTo,
    Severity,
    Task,
    TaskKind,
    TaskState,
)
from kbs.concerns.states import TransitionRefused, begin, is_lead_of, move
from kbs.core.clocks import same_day_deadline, working_days_deadline
from kbs.families.models import Baby, Death, Family

# Decisions that mean the lead must now make and record a referral, and where it goes.
REFERRAL_DECISIONS = {Decision.REFER_CSC: ReferralTo.CSC, Decision.REFER_POLICE: ReferralTo.POLICE}
# PROPOSAL: no local timescale for feeding back a referral's outcome was found. Five working days
# after acknowledgement prompts the referrer to chase; the partnership should confirm it.
OUTCOME_CHASE_WORKING_DAYS = 5
# A little slack for clocks that differ between a phone and the server.
FUTURE_SLACK = timedelta(minutes=5)
CLOCK_NAME = "Keeping Babies Safe clock"


def decision_due_at(severity: str, raised_at: datetime) -> datetime:
    """High severity: by the end of the same day. Medium and low: by the end of the next working day."""
    if severity == Severity.HIGH:
        return same_day_deadline(raised_at)
    return working_days_deadline(raised_at, 1)


def acknowledgement_due_at(made_at: datetime) -> datetime:
    """A referral should be acknowledged by the end of the next working day."""
    return working_days_deadline(made_at, 1)


def _significance(concern: Concern) -> Significance:
    if concern.severity == Severity.HIGH or concern.decision in REFERRAL_DECISIONS:
        return Significance.SIGNIFICANT
    return Significance.NOTABLE


def _source_tasks(source: models.Model, *kinds: str) -> Any:
    return Task.objects.filter(
        source_type=source._meta.model_name, source_id=str(getattr(source, "public_id", source.pk)),
        kind__in=kinds, state=TaskState.OPEN,
    )


def _finish_tasks(source: models.Model, kinds: list[str], *, by: User, note: str, state: str = TaskState.DONE) -> None:
    """Close the tasks a record made for itself once the thing they asked for has happened."""
    for task in _source_tasks(source, *kinds).select_for_update():
        task.state = state
        task.completed_by = by
        task.completed_at = timezone.now()
        task.completion_note = note
        task.save(update_fields=["state", "completed_by", "completed_at", "completion_note"])
        record_event(by=by, action=Action.UPDATE, obj=task, family=task.family,
                     summary=f"Task {task.get_state_display().lower()}: {task.get_kind_display()}", detail={"note": note})


def _not_in_future(when: datetime, what: str) -> None:
    if when > timezone.now() + FUTURE_SLACK:
        raise TransitionRefused(f"The {what} cannot be in the future")


# --- tasks -----------------------------------------------------------------------------------

# After a baby dies, routine work for the baby stops: no reminder to revisit a safe sleep plan, no
# action from an assessment, no letter. Safeguarding work does not stop: a concern still needs its
# decision and a referral its acknowledgement and outcome (a death can start both, for the baby's
# brothers and sisters). So a task is safeguarding work when it belongs to the lifecycle of a
# concern, a referral or a pre-birth case (`source_type` is the model's name), and routine otherwise.
SAFEGUARDING_TASK_KINDS = frozenset({TaskKind.DECIDE_CONCERN, TaskKind.CHASE_ACKNOWLEDGEMENT, TaskKind.RECORD_OUTCOME})
SAFEGUARDING_TASK_SOURCES = frozenset({"concern", "referral", "prebirthcase"})


def routine_tasks() -> Q:
    """A filter on Task: the routine tasks, which stop when the baby they are for has died."""
    return ~Q(kind__in=SAFEGUARDING_TASK_KINDS) & ~Q(source_type__in=SAFEGUARDING_TASK_SOURCES)


def _after_death(family: Any, baby: Any) -> bool:
    """Whether a routine task here would be for a baby who has died: the task's baby, or, for a
    family-level task, every baby of the family (a surviving twin or a new pregnancy keeps it)."""
    if baby is not None:
        return Death.objects.filter(baby_id=baby.pk).exists()
    babies = Baby.objects.filter(family_id=family.pk)
    return babies.exists() and not babies.filter(death__isnull=True).exists()


@transaction.atomic
def create_task(
    *,
    by: User | None,
    family: Any,
    kind: TaskKind,
    title: str,
    agency: Agency,
    due_at: datetime,
    assigned_to: User | None = None,
    baby: Any = None,
    urgent: bool = False,
    source: models.Model | None = None,
    notify: bool = True,
) -> Task | None:
    """Create a task for a person (or, unassigned, for their agency's safeguarding leads).

    Returns None, creating nothing and telling nobody, for a routine task for a baby who has died
    (or for a family all of whose babies have died): see `routine_tasks`. This is the one place the
    rule lives, and every task in KBS is made here. It returns None rather than raising so that the
    action that asked (recording a contact after a bereavement, say) still succeeds.

    After the commit the assignee is e-mailed (the agency's leads for an unassigned task), and the
    leads too when the task is urgent; the person who made the task is not told of their own task.
    `notify=False` is for actions that send their own, more specific e-mail."""
    source_type = (source._meta.model_name or "") if source is not None else ""
    routine = kind not in SAFEGUARDING_TASK_KINDS and source_type not in SAFEGUARDING_TASK_SOURCES
    if routine and _after_death(family, baby):
        return None
    task = Task.objects.create(
        family=family, baby=baby, kind=kind, title=title[:300], agency=agency, assigned_to=assigned_to,
        due_at=due_at, urgent=urgent, created_by=by, source_type=source_type,
        source_id=str(getattr(source, "public_id", None) or getattr(source, "pk", "")) if source is not None else "",
    )
    record_event(by=by, action=Action.CREATE, obj=task, family=family, summary=f"Created a task: {task.title}",
                 detail={"due_at": due_at, "assigned_to": str(assigned_to) if assigned_to else None, "urgent": urgent})
    if notify:
        skip = getattr(by, "email", "") or ""
        transaction.on_commit(lambda: notices.task_created(task, skip=skip))
    return task


@transaction.atomic
def cancel_routine_tasks(*, by: User, baby: Baby, note: str) -> list[Task]:
    """Cancel the open routine tasks for a baby who has died, and the family's open routine tasks
    when no baby of the family is left. Called by `kbs.families.actions.record_death`, which has
    checked the permission; each cancelled task gets an audit row. Safeguarding tasks stay open."""
    about = Q(baby=baby)
    if _after_death(baby.family, None):
        about |= Q(baby__isnull=True)
    cancelled = []
    open_tasks = Task.objects.filter(about, routine_tasks(), family_id=baby.family_id, state=TaskState.OPEN)
    for task in open_tasks.select_for_update().order_by("id"):
        task.state = TaskState.CANCELLED
        task.completed_by = by
        task.completed_at = timezone.now()
        task.completion_note = note
        task.save(update_fields=["state", "completed_by", "completed_at", "completion_note"])
        record_event(by=by, action=Action.UPDATE, obj=task, family=baby.family, summary=f"Cancelled a task: {task.title}",
                     detail={"note": note})
        cancelled.append(task)
    return cancelled


def _check_open(task: Task) -> None:
    if task.state != TaskState.OPEN:
        raise TransitionRefused(f"This task is already {task.get_state_display().lower()}")
    if task.kind == TaskKind.DECIDE_CONCERN:
        raise TransitionRefused("This task is done when the concern is decided or closed")


@transaction.atomic
def complete_task(*, by: User, task: Task, note: str = "") -> Task:
    """Mark a task done. Only the person it is assigned to, or a safeguarding lead of its agency.
    An urgent task needs a note saying what was done."""
    task = Task.objects.select_for_update().select_related("agency", "family").get(pk=task.pk)
    _check_open(task)
    if not (task.assigned_to_id is not None and task.assigned_to_id == by.pk) and not is_lead_of(by, task.agency_id):
        raise TransitionRefused(f"Only the person this task is for, or a safeguarding lead of {task.agency}, can complete it")
    note = note.strip()
    if task.urgent and not note:
        raise TransitionRefused("Say what was done: this task is urgent")
    task.state = TaskState.DONE
    task.completed_by = by
    task.completed_at = timezone.now()
    task.completion_note = note
    task.save(update_fields=["state", "completed_by", "completed_at", "completion_note"])
    record_event(by=by, action=Action.UPDATE, obj=task, family=task.family, summary=f"Completed a task: {task.title}",
                 detail={"note": note})
    add_entry(by=by, family=task.family, baby=task.baby, kind=Kind.TASK, shared=False, link=task.get_absolute_url(),
              summary=f"Task done: {task.title}" + (f". {note}" if note else ""), source=task)
    return task


@transaction.atomic
def cancel_task(*, by: User, task: Task, note: str) -> Task:
    """Cancel a task that is no longer needed. Only a safeguarding lead of its agency, with a reason."""
    task = Task.objects.select_for_update().select_related("agency", "family").get(pk=task.pk)
    _check_open(task)
    if not is_lead_of(by, task.agency_id):
        raise TransitionRefused(f"Only a safeguarding lead of {task.agency} can cancel a task")
    note = note.strip()
    if not note:
        raise TransitionRefused("Say why the task is no longer needed")
    task.state = TaskState.CANCELLED
    task.completed_by = by
    task.completed_at = timezone.now()
    task.completion_note = note
    task.save(update_fields=["state", "completed_by", "completed_at", "completion_note"])
    record_event(by=by, action=Action.UPDATE, obj=task, family=task.family, summary=f"Cancelled a task: {task.title}",
                 detail={"note": note})
    add_entry(by=by, family=task.family, baby=task.baby, kind=Kind.TASK, shared=False, link=task.get_absolute_url(),
              summary=f"Task cancelled: {task.title}. {note}", source=task)
    return task


# --- concerns --------------------------------------------------------------------------------


@transaction.atomic
def raise_concern(
    *, by: User, family: Family, baby: Baby | None, category: str, what_was_seen: str, severity: str,
) -> Concern:
    """Record a practitioner's concern for their agency's safeguarding lead to decide on.

    Starts the decision clock (high: the same day; medium and low: the next working day), gives the
    agency an unassigned "Decide on a concern" task, and e-mails its safeguarding leads after the
    commit. Kept to the raising agency until it is decided (see the module docstring)."""
    if by.agency is None or not has_permission(by, Permission.EDIT_FAMILY):
        raise TransitionRefused("Only a practitioner in an agency can raise a concern")
    if baby is not None and baby.family_id != family.pk:
        raise TransitionRefused("That baby is not in this family")
    if category not in Category.values or severity not in Severity.values:
        raise TransitionRefused("Choose a category and a severity from the lists")
    what_was_seen = what_was_seen.strip()
    if not what_was_seen:
        raise TransitionRefused("Describe what was seen or heard")
    now = timezone.now()
    concern = Concern.objects.create(
        family=family, baby=baby, agency=by.agency, raised_by=by, raised_at=now, category=category,
        what_was_seen=what_was_seen, severity=severity, decision_due_at=decision_due_at(severity, now),
    )
    begin(concern, by, note=what_was_seen)
    create_task(
        by=by, family=family, baby=baby, kind=TaskKind.DECIDE_CONCERN, title=TaskKind.DECIDE_CONCERN.label,
        agency=by.agency, due_at=concern.decision_due_at, urgent=severity == Severity.HIGH, source=concern, notify=False,
    )
    record_event(by=by, action=Action.CREATE, obj=concern, family=family,
                 summary=f"Raised a {severity}-severity concern: {concern.get_category_display()}",
                 detail={"category": category, "severity": severity, "decision_due_at": concern.decision_due_at})
    add_entry(
        by=by, family=family, baby=baby, kind=Kind.CONCERN, at=now, shared=False, significance=_significance(concern),
        summary=f"Concern raised by {by.agency} ({severity} severity): {concern.get_category_display()}",
        link=concern.get_absolute_url(), source=concern,
    )
    transaction.on_commit(lambda: notices.concern_raised(concern))
    return concern


@transaction.atomic
def decide_concern(*, by: User, concern: Concern, decision: str, rationale: str) -> Concern:
    """A safeguarding lead of the raising agency decides what happens, with their reasons.

    Closes the decision task. A decision to refer gives the lead a same-day task to make the
    referral and record it. From now on the concern is shared with the other agencies."""
    rationale = rationale.strip()
    if decision not in Decision.values:
        raise TransitionRefused("Choose a decision from the list")
    if not rationale:
        raise TransitionRefused("Give the reasons for the decision")
    move(concern, ConcernState.DECIDED, by, note=f"{Decision(decision).label}. {rationale}")
    concern.decision = decision
    concern.rationale = rationale
    concern.decided_by = by
    concern.decided_at = timezone.now()
    concern.save(update_fields=["decision", "rationale", "decided_by", "decided_at"])
    _finish_tasks(concern, [TaskKind.DECIDE_CONCERN], by=by, note=f"Decided: {concern.get_decision_display()}")
    if decision in REFERRAL_DECISIONS:
        create_task(
            by=by, family=concern.family, baby=concern.baby, kind=TaskKind.OTHER, assigned_to=by, agency=concern.agency,
            title=f"Make the referral to {REFERRAL_DECISIONS[Decision(decision)].label} and record it",
            due_at=same_day_deadline(concern.decided_at), urgent=concern.severity == Severity.HIGH, source=concern,
        )
    record_event(by=by, action=Action.UPDATE, obj=concern, family=concern.family,
                 summary=f"Decided on a concern: {concern.get_decision_display()}",
                 detail={"decision": decision, "rationale": rationale})
    add_entry(
        by=by, family=concern.family, baby=concern.baby, kind=Kind.CONCERN, significance=_significance(concern),
        summary=(f"Concern about {concern.get_category_display().lower()} raised by {concern.agency} "
                 f"({concern.severity} severity). The safeguarding lead decided: {concern.get_decision_display()}"),
        link=concern.get_absolute_url(), source=concern,
    )
    return concern


def _open_referrals(concern: Concern) -> Any:
    return concern.referrals.exclude(state=ReferralState.OUTCOME_RECORDED)


def close_refusal(concern: Concern) -> str:
    """Why this concern cannot be closed yet, or "" if it can (shown before anyone tries)."""
    if concern.state == ConcernState.CLOSED:
        return "This concern is closed"
    if _open_referrals(concern).exists():
        return "Record the outcome of every referral made about this concern before closing it"
    if concern.severity == Severity.HIGH and concern.state != ConcernState.DECIDED:
        return "A high-severity concern cannot be closed until the decision and what was done are recorded"
    if concern.decision in REFERRAL_DECISIONS and not concern.referrals.exists():
        return "The decision was to refer: record the referral before closing the concern"
    return ""


@transaction.atomic
def close_concern(*, by: User, concern: Concern, note: str) -> Concern:
    """A safeguarding lead closes a concern, saying what was done.

    Refused while a referral made about it has no outcome; refused for a decision to refer until a
    referral is recorded; and refused for a high-severity concern until it has been decided (an
    urgent pathway is never closed without a record of what was done). A low or medium concern
    may be closed undecided (raised in error or twice): it then stays with the raising agency."""
    note = note.strip()
    if not note:
        raise TransitionRefused("Say what was done, or why the concern is being closed")
    if concern.state != ConcernState.CLOSED and (reason := close_refusal(concern)):
        raise TransitionRefused(reason)
    move(concern, ConcernState.CLOSED, by, note=note)
    _finish_tasks(concern, [TaskKind.DECIDE_CONCERN, TaskKind.OTHER], by=by, note=f"Concern closed: {note}",
                  state=TaskState.CANCELLED)
    record_event(by=by, action=Action.UPDATE, obj=concern, family=concern.family, summary="Closed a concern",
                 detail={"note": note})
    add_entry(
        by=by, family=concern.family, baby=concern.baby, kind=Kind.CONCERN, significance=_significance(concern),
        shared=concern.decided_at is not None, link=concern.get_absolute_url(), source=concern,
        summary=f"Concern about {concern.get_category_display().lower()} closed by the safeguarding lead: {note}",
    )
    return concern


# --- referrals -------------------------------------------------------------------------------


@transaction.atomic
def record_referral(
    *, by: User, family: Family, concern: Concern | None = None, to: str, how: str, to_whom: str,
    made_at: datetime, reference: str = "",
) -> Referral:
    """Record a referral made to children's social care, the police or early help.

    Made about a decided concern of the practitioner's own agency, or straight from the family
    page (when there was no time to raise a concern first). Starts the acknowledgement clock (the
    end of the next working day) and gives a task to chase it: to the lead who decided the
    concern, else to a lead who made it, else to the agency's leads."""
    if by.agency is None or not has_permission(by, Permission.EDIT_FAMILY):
        raise TransitionRefused("Only a practitioner in an agency can record a referral")
    if to not in ReferralTo.values or how not in ReferralHow.values:
        raise TransitionRefused("Choose where the referral went and how from the lists")
    to_whom = to_whom.strip()
    if not to_whom:
        raise TransitionRefused("Say who took the referral")
    _not_in_future(made_at, "time the referral was made")
    if concern is not None:
        if concern.family_id != family.pk:
            raise TransitionRefused("That concern is about another family")
        if concern.agency_id != by.agency_id:
            raise TransitionRefused(f"Only staff of {concern.agency} can record a referral about this concern")
        if concern.state != ConcernState.DECIDED:
            raise TransitionRefused(
                "This concern is closed" if concern.state == ConcernState.CLOSED
                else "A safeguarding lead must decide on the concern before a referral is recorded from it"
            )
    referral = Referral.objects.create(
        concern=concern, family=family, agency=by.agency, made_by=by, made_at=made_at, to=to, how=how,
        to_whom=to_whom[:200], reference=reference.strip()[:100], acknowledgement_due_at=acknowledgement_due_at(made_at),
    )
    begin(referral, by, note=f"{referral.get_to_display()} by {referral.get_how_display().lower()}, taken by {to_whom}")
    if concern is not None:
        _finish_tasks(concern, [TaskKind.OTHER], by=by, note="Referral recorded")
    chaser = concern.decided_by if concern is not None and concern.decided_by else (by if is_lead_of(by, by.agency_id) else None)
    create_task(
        by=by, family=family, baby=concern.baby if concern else None, kind=TaskKind.CHASE_ACKNOWLEDGEMENT,
        title=f"Chase acknowledgement of the referral to {referral.get_to_display()}", agency=by.agency,
        assigned_to=chaser, due_at=referral.acknowledgement_due_at, source=referral,
        urgent=concern is not None and concern.severity == Severity.HIGH,
    )
    record_event(by=by, action=Action.CREATE, obj=referral, family=family,
                 summary=f"Recorded a referral to {referral.get_to_display()}",
                 detail={"to": to, "how": how, "made_at": made_at, "reference": referral.reference,
                         "concern": str(concern.public_id) if concern else None})
    add_entry(
        by=by, family=family, baby=concern.baby if concern else None, kind=Kind.REFERRAL, at=made_at,
        significance=Significance.SIGNIFICANT, link=referral.get_absolute_url(), source=referral,
        summary=f"{by.agency} referred the family to {referral.get_to_display()} ({referral.get_how_display().lower()})",
    )
    return referral


@transaction.atomic
def acknowledge_referral(*, by: User, referral: Referral, acknowledged_at: datetime, reference: str = "") -> Referral:
    """Record that the receiving service acknowledged the referral; stops the acknowledgement clock
    and gives the chaser a task to record the outcome."""
    _not_in_future(acknowledged_at, "time of the acknowledgement")
    if acknowledged_at < referral.made_at:
        raise TransitionRefused("The acknowledgement cannot be before the referral was made")
    move(referral, ReferralState.ACKNOWLEDGED, by, note=f"Reference {reference}" if reference.strip() else "")
    referral.acknowledged_at = acknowledged_at
    if reference.strip():
        referral.reference = reference.strip()[:100]
    referral.save(update_fields=["acknowledged_at", "reference"])
    chase = _source_tasks(referral, TaskKind.CHASE_ACKNOWLEDGEMENT).first()
    _finish_tasks(referral, [TaskKind.CHASE_ACKNOWLEDGEMENT], by=by, note="Referral acknowledged")
    create_task(
        by=by, family=referral.family, kind=TaskKind.RECORD_OUTCOME, agency=referral.agency,
        title=f"Record the outcome of the referral to {referral.get_to_display()}",
        assigned_to=chase.assigned_to if chase else None, source=referral,
        due_at=working_days_deadline(acknowledged_at, OUTCOME_CHASE_WORKING_DAYS),
    )
    record_event(by=by, action=Action.UPDATE, obj=referral, family=referral.family,
                 summary=f"Recorded that the referral to {referral.get_to_display()} was acknowledged",
                 detail={"acknowledged_at": acknowledged_at, "reference": referral.reference})
    add_entry(
        by=by, family=referral.family, kind=Kind.REFERRAL, significance=Significance.NOTABLE, at=acknowledged_at,
        summary=f"{referral.get_to_display()} acknowledged the referral from {referral.agency}",
        link=referral.get_absolute_url(), source=referral,
    )
    return referral


@transaction.atomic
def record_referral_outcome(*, by: User, referral: Referral, outcome: str, note: str = "") -> Referral:
    """Record what the receiving service decided to do; the referral is then finished."""
    if outcome not in ReferralOutcome.values:
        raise TransitionRefused("Choose the outcome from the list")
    note = note.strip()
    move(referral, ReferralState.OUTCOME_RECORDED, by, note=f"{ReferralOutcome(outcome).label}. {note}".strip())
    referral.outcome = outcome
    referral.outcome_note = note
    referral.outcome_at = timezone.now()
    referral.save(update_fields=["outcome", "outcome_note", "outcome_at"])
    _finish_tasks(referral, [TaskKind.CHASE_ACKNOWLEDGEMENT, TaskKind.RECORD_OUTCOME], by=by, note="Outcome recorded")
    record_event(by=by, action=Action.UPDATE, obj=referral, family=referral.family,
                 summary=f"Recorded the outcome of a referral: {referral.get_outcome_display()}",
                 detail={"outcome": outcome, "note": note})
    add_entry(
        by=by, family=referral.family, kind=Kind.REFERRAL, significance=Significance.SIGNIFICANT,
        summary=f"Outcome of the referral to {referral.get_to_display()}: {referral.get_outcome_display()}",
        link=referral.get_absolute_url(), source=referral,
    )
    return referral


# --- clocks ----------------------------------------------------------------------------------


def _overdue_now(now: datetime) -> list[tuple[type[models.Model], Q, str]]:
    return [
        (Concern, Q(state=ConcernState.RAISED, decision_due_at__lt=now), "The decision on a concern is overdue"),
        (Referral, Q(state=ReferralState.MADE, acknowledgement_due_at__lt=now), "A referral's acknowledgement is overdue"),
        (Task, Q(state=TaskState.OPEN, due_at__lt=now), "A task is overdue"),
    ]


@transaction.atomic
def escalate_overdue(now: datetime | None = None) -> list[models.Model]:
    """Escalate everything that has just gone past its time limit: concerns still waiting for a
    decision, referrals still waiting for acknowledgement, and open tasks.

    Each is marked `escalated_at` (claimed by a conditional update, so two overlapping runs never
    escalate the same thing twice), audited, and listed in one e-mail to its agency's safeguarding
    leads after the commit. Run by `manage.py run_clocks` every 15 minutes."""
    now = now or timezone.now()
    escalated: list[models.Model] = []
    by_agency: dict[int, list[models.Model]] = defaultdict(list)
    agencies: dict[int, Agency] = {}
    for model, overdue, summary in _overdue_now(now):
        manager = model._default_manager
        for record in manager.filter(overdue, escalated_at__isnull=True).select_related("agency", "family").order_by("pk"):
            if not manager.filter(pk=record.pk, escalated_at__isnull=True).update(escalated_at=now):
                continue  # another run got there first
            record.escalated_at = now  # type: ignore[attr-defined]
            record_event(by=None, actor_name=CLOCK_NAME, action=Action.UPDATE, obj=record,
                         family=record.family, summary=f"Escalated to the safeguarding leads: {summary.lower()}",  # type: ignore[attr-defined]
                         detail={"escalated_at": now})
            escalated.append(record)
            agency = record.agency  # type: ignore[attr-defined]
            agencies[agency.pk] = agency
            by_agency[agency.pk].append(record)
    for agency_id, records in by_agency.items():
        agency = agencies[agency_id]
        # robust: one agency's mail failing must not stop the others being told (the overdue list
        # and the audit rows still show what was escalated).
        transaction.on_commit(lambda agency=agency, records=records: notices.overdue(agency, records), robust=True)  # type: ignore[misc]
    return escalated
