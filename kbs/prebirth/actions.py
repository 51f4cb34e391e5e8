"""Every change to pre-birth cases, their milestones, delivery safety plans and the partnership's
milestone weeks. Each action runs in one transaction, takes `by=` and writes its own audit event,
and a chronology entry where the event matters to the family (kind REFERRAL: these are the steps
of the referral pathway for an unborn baby).

The timetable's tasks are made with `kbs.concerns.actions.create_task` (kind OTHER) for the agency
that found the trigger. Recording a step finishes the open task made for it, whoever records it:
the step is done, so the reminder is no longer needed.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from kbs.accounts.models import Agency, AgencyType, User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.chronology.actions import add_entry
from kbs.chronology.models import Kind, Significance
from kbs.concerns.actions import create_task, record_referral
from kbs.concerns.models import ReferralTo, Task, TaskKind, TaskState
from kbs.core.clocks import end_of_day, same_day_deadline, working_days_deadline
from kbs.core.presenters import day
from kbs.families.actions import NotAllowed
from kbs.families.models import Baby, Involvement
from kbs.prebirth import clock
from kbs.prebirth.models import (
    CaseState,
    CaseTask,
    DeliverySafetyPlan,
    MilestoneRecord,
    MilestoneSetting,
    PreBirthCase,
    SharedWith,
)
from kbs.tools.models import Assessment

TRIGGER_RULE = "PB-TRIGGER"
# The health visitor's new birth visit is due 10 to 14 days after the birth.
NEW_BIRTH_VISIT_DAYS = 14
PLAN_TEXT_FIELDS = (
    "birthing_partner", "excluded_people", "labour_contacts", "discharge_arrangements", "baby_goes_to",
    "contact_arrangements", "safe_sleep_arrangements",
)
PLAN_FIELDS = (*PLAN_TEXT_FIELDS, "exclusions_needed", "agreed_with_parents", "agreed_on", "shared_with")


class Refused(Exception):
    """A change that is not allowed, with a plain-English reason."""


class PlanIncomplete(Exception):
    """The delivery safety plan lacks a part it needs before it can be complete: {field: message}."""

    def __init__(self, missing: dict[str, str]) -> None:
        super().__init__("; ".join(missing.values()))
        self.missing = missing


class StalePlan(Exception):
    """Someone saved the plan after this form was opened."""

    def __init__(self, current: DeliverySafetyPlan) -> None:
        super().__init__("The plan was changed by someone else")
        self.current = current


def _require(by: User, permission: Permission) -> None:
    if not has_permission(by, permission):
        raise NotAllowed(permission)


def partnership_weeks() -> dict[str, tuple[int, int]]:
    """The partnership's weeks for each configurable step: saved settings over the defaults."""
    weeks = clock.default_weeks()
    for setting in MilestoneSetting.objects.all():
        if setting.code in weeks:
            weeks[setting.code] = (setting.week, setting.premature_week)
    return weeks


def dues_for(case: PreBirthCase) -> list[clock.Due]:
    baby = case.baby
    edd = baby.expected_delivery_date or baby.date_of_birth
    assert edd is not None  # the database holds: a baby is born or expected
    return clock.due_dates(edd=edd, trigger_on=case.trigger_found_on, premature=case.premature_birth_likely,
                           weeks=case.weeks())


def done_on(case: PreBirthCase) -> dict[str, date]:
    """The day each step was done; the newest record of a step counts (a correction is a new row)."""
    found: dict[str, date] = {}
    for code, when in case.milestones.order_by("at", "id").values_list("code", "done_on"):
        found[code] = when
    return found


def states_for(case: PreBirthCase, now: datetime | None = None) -> list[clock.State]:
    return clock.statuses(dues_for(case), done_on(case), now or timezone.now())


def _task_title(due: clock.Due) -> str:
    if due.code == clock.REFERRAL:
        return "Pre-birth: refer the unborn baby to children's social care today"
    when = f"within {clock.LATE_BOOKING_WORKING_DAYS} working day (found after {due.week} weeks)" if due.late_booking \
        else f"by {due.week} weeks ({day(due.due_on)})"
    return f"Pre-birth: {due.milestone.label[0].lower()}{due.milestone.label[1:]} {when}"


def _make_task(*, by: User | None, case: PreBirthCase, code: str, title: str, due_at: datetime, agency: Agency | None = None,
               assigned_to: User | None = None, urgent: bool = False, notify: bool = False) -> Task | None:
    """A task for one step, remembered against the case (None when `create_task` makes none: a
    routine task after a baby's death)."""
    task = create_task(by=by, family=case.family, baby=case.baby, kind=TaskKind.OTHER, title=title,
                       agency=agency or case.agency, due_at=due_at, assigned_to=assigned_to, urgent=urgent,
                       source=case, notify=notify)
    if task is not None:
        CaseTask.objects.create(case=case, code=code, task=task)
    return task


def _finish_tasks(case: PreBirthCase, code: str, *, by: User, note: str, state: str = TaskState.DONE) -> None:
    """Close the open tasks made for one step of this case."""
    ids = CaseTask.objects.filter(case=case, code=code).values_list("task_id", flat=True)
    for task in Task.objects.select_for_update().filter(pk__in=list(ids), state=TaskState.OPEN):
        task.state = state
        task.completed_by = by
        task.completed_at = timezone.now()
        task.completion_note = note
        task.save(update_fields=["state", "completed_by", "completed_at", "completion_note"])
        record_event(by=by, action=Action.UPDATE, obj=task, family=task.family,
                     summary=f"Task {task.get_state_display().lower()}: {task.title}", detail={"note": note})


def _milestone_tasks(by: User | None, case: PreBirthCase) -> None:
    """A task for each dated step not yet done (the referral's own task is made on opening)."""
    done = done_on(case)
    for due in dues_for(case):
        if due.code == clock.REFERRAL or due.due_at is None or due.code in done:
            continue
        _make_task(by=by, case=case, code=due.code, title=_task_title(due), due_at=due.due_at)


def _fired(assessment: Assessment) -> list[str]:
    return [str(flag.get("rule")) for flag in (assessment.outcome or {}).get("flags", [])]


@transaction.atomic
def on_pre_birth_screening_completed(*, by: User, assessment: Assessment) -> PreBirthCase | None:
    """Called when a pre-birth screening is completed. When PB-TRIGGER fired for an unborn baby with
    no open case, open one: the trigger was found on the day the screening was completed. Make a
    same-day task to refer (assigned to the practitioner, urgent) and a task for each dated step, for
    the practitioner's agency. Returns the open case, or None when no trigger fired."""
    if assessment.tool_slug != "pre-birth-screening" or not assessment.is_completed:
        return None
    if TRIGGER_RULE not in _fired(assessment):
        return None
    baby = Baby.objects.select_related("family").get(pk=assessment.baby_id)
    if baby.is_born or by.agency is None:
        return None
    existing = PreBirthCase.objects.filter(baby=baby, state=CaseState.OPEN).first()
    if existing is not None:
        return existing
    found_at = assessment.completed_at or timezone.now()
    found_on = timezone.localtime(found_at).date()
    weeks = partnership_weeks()
    case = PreBirthCase.objects.create(
        baby=baby, family=baby.family, agency=by.agency, assessment=assessment, trigger_found_on=found_on,
        weeks_applied={code: list(pair) for code, pair in weeks.items()}, opened_by=by, opened_at=timezone.now(),
    )
    _make_task(by=by, case=case, code=clock.REFERRAL, title=_task_title(dues_for(case)[0]),
               due_at=same_day_deadline(found_at), assigned_to=by, urgent=True, notify=True)
    _milestone_tasks(by, case)
    assert baby.expected_delivery_date is not None
    gestation = clock.gestation_text(baby.expected_delivery_date, found_on)
    record_event(by=by, action=Action.CREATE, obj=case, family=baby.family,
                 summary=f"Opened a pre-birth case for {baby.display_name}",
                 detail={"assessment": str(assessment.public_id), "trigger_found_on": found_on, "gestation": gestation,
                         "weeks": case.weeks_applied})
    add_entry(by=by, family=baby.family, baby=baby, kind=Kind.REFERRAL, significance=Significance.SIGNIFICANT,
              summary=(f"Pre-birth screening by {by.agency} found a reason to refer the unborn baby at {gestation} "
                       "weeks of pregnancy. The pre-birth timetable has started."),
              link=case.get_absolute_url(), source=case)
    return case


def _check_open(case: PreBirthCase) -> None:
    if not case.is_open:
        raise Refused("This pre-birth case is closed")


@transaction.atomic
def record_milestone(
    *, by: User, case: PreBirthCase, code: str, done_on: date, note: str = "",
    referral: dict[str, Any] | None = None,
) -> MilestoneRecord:
    """Record that a step of the timetable was done, and finish its task. For the referral step,
    `referral` ({how, to_whom, reference}) also records the referral itself, which starts its
    acknowledgement clock."""
    _require(by, Permission.EDIT_FAMILY)
    _check_open(case)
    if code not in clock.BY_CODE:
        raise Refused("Choose a step of the pre-birth timetable")
    if done_on > timezone.localdate():
        raise Refused("The date it was done cannot be in the future")
    made = None
    if code == clock.REFERRAL and referral:
        at = timezone.now() if done_on == timezone.localdate() else timezone.make_aware(datetime.combine(done_on, time(9)))
        made = record_referral(by=by, family=case.family, to=ReferralTo.CSC, how=referral["how"],
                               to_whom=referral["to_whom"], reference=referral.get("reference", ""), made_at=at)
    record = MilestoneRecord.objects.create(case=case, code=code, done_on=done_on, note=note.strip(), by=by,
                                            at=timezone.now(), referral=made)
    label = clock.BY_CODE[code].label
    _finish_tasks(case, code, by=by, note=f"Recorded as done on {day(done_on)}")
    record_event(by=by, action=Action.CREATE, obj=record, family=case.family, summary=f"Recorded a pre-birth step: {label}",
                 detail={"code": code, "done_on": done_on, "note": record.note,
                         "referral": str(made.public_id) if made else None})
    add_entry(by=by, family=case.family, baby=case.baby, kind=Kind.REFERRAL, significance=Significance.NOTABLE,
              at=timezone.make_aware(datetime.combine(done_on, time(12))) if done_on < timezone.localdate() else None,
              summary=f"Pre-birth timetable: {label} done on {day(done_on)}" + (f". {record.note}" if record.note else ""),
              link=case.get_absolute_url(), source=case)
    return record


@transaction.atomic
def set_premature_birth_likely(*, by: User, case: PreBirthCase, likely: bool, reason: str = "") -> PreBirthCase:
    """Say whether a premature birth is likely. The week-based steps move (earlier when likely), so
    their open tasks are replaced by tasks with the new dates."""
    _require(by, Permission.EDIT_FAMILY)
    _check_open(case)
    current = PreBirthCase.objects.select_for_update().get(pk=case.pk)
    if current.premature_birth_likely == likely:
        return current
    current.premature_birth_likely = likely
    current.save(update_fields=["premature_birth_likely"])
    case.premature_birth_likely = likely
    for due in dues_for(case):
        if due.week is None:
            continue
        note = "The timetable changed: premature birth " + ("likely" if likely else "no longer thought likely")
        before = CaseTask.objects.filter(case=case, code=due.code, task__state=TaskState.OPEN).exists()
        _finish_tasks(case, due.code, by=by, note=note, state=TaskState.CANCELLED)
        if before and due.due_at is not None:
            _make_task(by=by, case=case, code=due.code, title=_task_title(due), due_at=due.due_at)
    record_event(by=by, action=Action.UPDATE, obj=case, family=case.family,
                 summary=f"Premature birth {'likely' if likely else 'not thought likely'}: pre-birth timetable changed",
                 detail={"premature_birth_likely": [not likely, likely], "reason": reason.strip()})
    add_entry(by=by, family=case.family, baby=case.baby, kind=Kind.REFERRAL, significance=Significance.NOTABLE,
              summary=("A premature birth is likely: the pre-birth meetings and the delivery safety plan are brought forward"
                       if likely else "A premature birth is no longer thought likely: the usual pre-birth timetable applies")
              + (f". {reason.strip()}" if reason.strip() else ""),
              link=case.get_absolute_url(), source=case)
    return current


@transaction.atomic
def close_case(*, by: User, case: PreBirthCase, reason: str) -> PreBirthCase:
    """Close a case with the reason (a practitioner decides; nothing closes one automatically)."""
    _require(by, Permission.EDIT_FAMILY)
    _check_open(case)
    reason = reason.strip()
    if not reason:
        raise Refused("Say why the pre-birth case is being closed")
    current = PreBirthCase.objects.select_for_update().get(pk=case.pk)
    current.state = CaseState.CLOSED
    current.closed_by = by
    current.closed_at = timezone.now()
    current.close_reason = reason
    current.save(update_fields=["state", "closed_by", "closed_at", "close_reason"])
    case.__dict__.update({k: getattr(current, k) for k in ("state", "closed_by_id", "closed_at", "close_reason")})
    record_event(by=by, action=Action.UPDATE, obj=case, family=case.family, summary="Closed the pre-birth case",
                 detail={"reason": reason})
    add_entry(by=by, family=case.family, baby=case.baby, kind=Kind.REFERRAL, significance=Significance.NOTABLE,
              summary=f"Pre-birth case closed: {reason}", link=case.get_absolute_url(), source=case)
    return current


# --- the delivery safety plan ----------------------------------------------------------------


def plan_gaps(values: dict[str, Any]) -> dict[str, str]:
    """What the plan still lacks before it can be complete (R-PB-4), by field, in form order."""
    def blank(name: str) -> bool:
        return not str(values.get(name) or "").strip()

    missing: dict[str, str] = {}
    if blank("birthing_partner"):
        missing["birthing_partner"] = "Enter the birthing partner, or write that there is none"
    if values.get("exclusions_needed") is None:
        missing["exclusions_needed"] = "Say whether anyone must be kept out of the maternity unit"
    elif values.get("exclusions_needed") and blank("excluded_people"):
        missing["excluded_people"] = "Enter who must be kept out of the unit and why"
    if blank("labour_contacts"):
        missing["labour_contacts"] = "Enter who to call when the mother arrives in labour, with their phone numbers"
    elif not any(ch.isdigit() for ch in str(values.get("labour_contacts"))):
        missing["labour_contacts"] = "Give a phone number for each person to call when the mother arrives in labour"
    if blank("discharge_arrangements"):
        missing["discharge_arrangements"] = "Enter the discharge arrangements"
    return missing


def _clean_plan(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = {name: values[name] for name in PLAN_FIELDS if name in values}
    for name in PLAN_TEXT_FIELDS:
        if name in cleaned:
            cleaned[name] = str(cleaned[name] or "").strip()
    if "shared_with" in cleaned:
        unknown = [c for c in cleaned["shared_with"] if c not in SharedWith.values]
        if unknown:
            raise Refused("Choose who the plan was shared with from the list")
        cleaned["shared_with"] = [c for c in SharedWith.values if c in cleaned["shared_with"]]
    if cleaned.get("agreed_on") and cleaned["agreed_on"] > timezone.localdate():
        raise Refused("The date the plan was agreed cannot be in the future")
    return cleaned


@transaction.atomic
def save_delivery_plan(
    *, by: User, case: PreBirthCase, values: dict[str, Any], expected_version: int | None = None
) -> DeliverySafetyPlan:
    """Save the plan as it stands (parts may be missing while it is written). A plan already
    complete stays complete, so a change that would take away a required part is refused."""
    _require(by, Permission.EDIT_FAMILY)
    _check_open(case)
    changes = _clean_plan(values)
    plan = DeliverySafetyPlan.objects.select_for_update().filter(case=case).first()
    now = timezone.now()
    if plan is None:
        plan = DeliverySafetyPlan(case=case, updated_by=by, updated_at=now)
        before: dict[str, Any] = {}
    else:
        if expected_version is not None and plan.version != expected_version:
            raise StalePlan(plan)
        before = {name: getattr(plan, name) for name in changes}
        plan.version += 1
    for name, value in changes.items():
        setattr(plan, name, value)
    if plan.completed and (gaps := plan_gaps({name: getattr(plan, name) for name in PLAN_FIELDS})):
        raise PlanIncomplete(gaps)
    plan.updated_by = by
    plan.updated_at = now
    plan.save()
    record_event(by=by, action=Action.UPDATE if before else Action.CREATE, obj=plan, family=case.family,
                 summary="Saved the delivery safety plan",
                 detail={name: [before.get(name), value] for name, value in changes.items() if before.get(name) != value})
    return plan


@transaction.atomic
def complete_delivery_plan(*, by: User, case: PreBirthCase) -> DeliverySafetyPlan:
    """Mark the plan complete. Refused, naming each missing part, while it lacks the birthing
    partner, who must be kept out of the unit and why, who to call when the mother arrives in labour
    (with numbers) or the discharge arrangements. Completing it records the delivery safety plan
    step of the timetable as done today, unless it already is."""
    _require(by, Permission.EDIT_FAMILY)
    _check_open(case)
    plan = DeliverySafetyPlan.objects.select_for_update().filter(case=case).first()
    if plan is None:
        raise PlanIncomplete(plan_gaps({}))
    if plan.completed:
        return plan
    gaps = plan_gaps({name: getattr(plan, name) for name in PLAN_FIELDS})
    if gaps:
        raise PlanIncomplete(gaps)
    plan.completed = True
    plan.completed_by = by
    plan.completed_at = timezone.now()
    plan.version += 1
    plan.save(update_fields=["completed", "completed_by", "completed_at", "version"])
    record_event(by=by, action=Action.UPDATE, obj=plan, family=case.family, summary="Marked the delivery safety plan complete")
    add_entry(by=by, family=case.family, baby=case.baby, kind=Kind.REFERRAL, significance=Significance.SIGNIFICANT,
              summary=f"Delivery safety plan completed by {by} ({by.agency})", link=case.get_absolute_url(), source=case)
    if clock.DELIVERY_PLAN not in done_on(case):
        record_milestone(by=by, case=case, code=clock.DELIVERY_PLAN, done_on=timezone.localdate(),
                         note="The delivery safety plan was marked complete")
    return plan


# --- the birth -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUp:
    code: str
    title: str
    due_at: datetime
    urgent: bool = False
    health_visiting: bool = False  # for the health visiting agency involved, if there is one


def _follow_ups(born_at: datetime, born_on: date) -> list[FollowUp]:
    return [
        FollowUp("birth_notify", "Pre-birth: tell the social worker (or the emergency duty team out of hours) that the baby "
                 "has been born", same_day_deadline(born_at), urgent=True),
        FollowUp(clock.DISCHARGE_PLANNING, "Pre-birth: hold the discharge planning meeting before the baby leaves hospital",
                 working_days_deadline(born_at, 1), urgent=True),
        FollowUp("birth_review_plan", "Pre-birth: review the delivery safety plan and carry it over to the baby's plan",
                 working_days_deadline(born_at, 1)),
        FollowUp("new_birth_visit", "Health visitor new birth visit, with the safer sleep and coping with crying (ICON) "
                 "conversations", end_of_day(born_on + timedelta(days=NEW_BIRTH_VISIT_DAYS)), health_visiting=True),
    ]


@transaction.atomic
def on_birth(*, by: User, baby: Baby) -> list[Task]:
    """Called when a birth is recorded. If the baby has an open pre-birth case, make the follow-up
    tasks (R-PB-5): tell the social worker, hold the discharge planning meeting, review the plan,
    and the health visitor's new birth visit. The case stays open: closing it is a decision."""
    case = PreBirthCase.objects.select_related("baby", "family", "agency").filter(baby=baby, state=CaseState.OPEN).first()
    if case is None:
        return []
    now = timezone.now()
    born_on = baby.date_of_birth or timezone.localdate()
    health_visiting = (
        Involvement.objects.filter(family=case.family, ended_on__isnull=True, agency__agency_type=AgencyType.HEALTH_VISITING)
        .select_related("agency").first()
    )
    # The steps that stay with the case's own agency go to whoever opened the case, so they appear
    # in that practitioner's "My work", not only in the agency's leads' inbox.
    made = [
        _make_task(by=by, case=case, code=f.code, title=f.title, due_at=f.due_at, urgent=f.urgent, notify=True,
                   agency=health_visiting.agency if f.health_visiting and health_visiting else None,
                   assigned_to=None if f.health_visiting and health_visiting else case.opened_by)
        for f in _follow_ups(now, born_on)
    ]
    tasks = [task for task in made if task is not None]
    record_event(by=by, action=Action.UPDATE, obj=case, family=case.family,
                 summary=f"Birth recorded for a baby with a pre-birth case: {len(tasks)} follow-up tasks made",
                 detail={"tasks": [t.title for t in tasks]})
    add_entry(by=by, family=case.family, baby=baby, kind=Kind.REFERRAL, significance=Significance.SIGNIFICANT,
              summary="The baby with a pre-birth plan has been born: the social worker is to be told, and a discharge "
                      "planning meeting held before the baby leaves hospital",
              link=case.get_absolute_url(), source=case)
    return tasks


# --- partnership settings --------------------------------------------------------------------


@transaction.atomic
def set_milestone_weeks(*, by: User, code: str, week: int, premature_week: int) -> MilestoneSetting:
    """Change the partnership's week for a step (and its week when a premature birth is likely).
    Only partnership administrators; audited. Cases already open keep the weeks they opened with."""
    _require(by, Permission.MANAGE_PARTNERSHIP_SETTINGS)
    milestone = clock.BY_CODE.get(code)
    if milestone is None or not milestone.configurable:
        raise Refused("That step has no week to set")
    if problem := clock.weeks_problem(week, premature_week):
        raise Refused(problem)
    before = partnership_weeks()[code]
    setting, _ = MilestoneSetting.objects.update_or_create(
        code=code, defaults={"week": week, "premature_week": premature_week, "changed_by": by, "changed_at": timezone.now()},
    )
    record_event(by=by, action=Action.SETTING, obj=setting,
                 summary=f"Set the pre-birth {milestone.label.lower()} to {week} weeks ({premature_week} if premature birth likely)",
                 detail={code: [list(before), [week, premature_week]]})
    return setting
