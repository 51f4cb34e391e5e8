"""Pre-birth actions: opening a case from the screening, recording steps, the premature flag,
the delivery safety plan and its gate, the birth, closing, and the partnership's weeks. Each
action's state rows, tasks, audit events and chronology entries."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from kbs.accounts.models import User
from kbs.audit.models import Action, AuditEvent
from kbs.chronology.models import Entry, Kind, Significance
from kbs.concerns.models import Referral, Task, TaskKind, TaskState
from kbs.core.clocks import add_working_days, end_of_day, same_day_deadline
from kbs.families import actions as family_actions
from kbs.families.actions import NotAllowed
from kbs.families.models import Baby, Family
from kbs.prebirth import actions, clock
from kbs.prebirth.models import CaseState, DeliverySafetyPlan, MilestoneRecord, MilestoneSetting, PreBirthCase
from kbs.tools.models import Assessment

from .conftest import WEEKS_NOW

TODAY = timezone.localdate()
COMPLETE_PLAN: dict[str, Any] = {
    "birthing_partner": "Jo Hart (sister)",
    "exclusions_needed": True,
    "excluded_people": "Dean Smith (father): bail conditions. Told by the police on 1 March.",
    "labour_contacts": "Sam Social Worker 01332 000000 (9 to 5); Emergency duty team 01332 111111",
    "discharge_arrangements": "Not before the discharge planning meeting; to the mother at Jo's house",
}


def _tasks(case: PreBirthCase) -> dict[str, Task]:
    return {ct.code: ct.task for ct in case.case_tasks.select_related("task")}


# --- opening a case from the screening -------------------------------------------------------


def test_trigger_opens_a_case_with_tasks(case: PreBirthCase, cast: dict[str, User], unborn_baby: Baby) -> None:
    assert case.state == CaseState.OPEN
    assert case.trigger_found_on == TODAY
    assert case.agency == cast["midwife"].agency
    assert case.assessment is not None
    assert case.assessment.tool_slug == "pre-birth-screening"
    assert case.weeks() == clock.default_weeks()
    tasks = _tasks(case)
    assert set(tasks) == {clock.REFERRAL, clock.PLANNING_MEETING, clock.CONFERENCE, clock.DELIVERY_PLAN}
    referral = tasks[clock.REFERRAL]
    assert referral.kind == TaskKind.OTHER
    assert referral.urgent
    assert referral.assigned_to == cast["midwife"]
    assert referral.due_at == same_day_deadline(timezone.now())
    edd = unborn_baby.expected_delivery_date
    assert edd is not None
    assert tasks[clock.PLANNING_MEETING].due_at == end_of_day(clock.date_at(edd, 20))
    assert tasks[clock.CONFERENCE].due_at == end_of_day(clock.date_at(edd, 28))
    assert tasks[clock.DELIVERY_PLAN].due_at == end_of_day(clock.date_at(edd, 32))
    assert all(t.agency == cast["midwife"].agency and t.baby == unborn_baby for t in tasks.values())
    assert "by 20 weeks" in tasks[clock.PLANNING_MEETING].title
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="prebirthcase").count() == 1
    entry = Entry.objects.get(kind=Kind.REFERRAL, source_type="prebirthcase")
    assert entry.significance == Significance.SIGNIFICANT
    assert f"{WEEKS_NOW}+0 weeks" in entry.summary


def test_no_trigger_opens_no_case(unborn_baby: Baby, screen: Callable[..., Assessment]) -> None:
    screen(unborn_baby)
    assert not PreBirthCase.objects.exists()
    assert not Task.objects.filter(kind=TaskKind.OTHER).exists()


def test_young_parent_without_trigger_opens_no_case(unborn_baby: Baby, screen: Callable[..., Assessment]) -> None:
    assessment = screen(unborn_baby, mother_age_years=17)
    assert assessment.level == "raised"
    assert not PreBirthCase.objects.exists()


def test_very_young_mother_struggling_opens_a_case(unborn_baby: Baby, screen: Callable[..., Assessment]) -> None:
    screen(unborn_baby, mother_age_years=15, concerns_about_self_care="yes")
    assert PreBirthCase.objects.filter(baby=unborn_baby, state=CaseState.OPEN).count() == 1


def test_second_trigger_keeps_the_one_open_case(case: PreBirthCase, unborn_baby: Baby,
                                                screen: Callable[..., Assessment]) -> None:
    tasks_before = Task.objects.count()
    screen(unborn_baby, parental_substance_misuse="yes")
    assert PreBirthCase.objects.filter(baby=unborn_baby).count() == 1
    assert Task.objects.count() == tasks_before


def test_database_refuses_two_open_cases(case: PreBirthCase, cast: dict[str, User]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        PreBirthCase.objects.create(baby=case.baby, family=case.family, agency=case.agency, trigger_found_on=TODAY,
                                    opened_by=cast["midwife"], opened_at=timezone.now())


def test_late_booking_makes_steps_due_next_working_day(make_unborn_family: Callable[..., Family],
                                                       screen: Callable[..., Assessment]) -> None:
    baby = make_unborn_family(weeks_now=30).babies.get()
    screen(baby, gestation_weeks=30, concealed_or_late_booked_pregnancy="yes")
    case = PreBirthCase.objects.get(baby=baby)
    tasks = _tasks(case)
    soon = end_of_day(add_working_days(TODAY, 1))
    assert tasks[clock.PLANNING_MEETING].due_at == soon
    assert tasks[clock.CONFERENCE].due_at == soon
    assert "found after 28 weeks" in tasks[clock.CONFERENCE].title
    assert tasks[clock.DELIVERY_PLAN].due_at == end_of_day(clock.date_at(baby.expected_delivery_date, 32))  # type: ignore[arg-type]


def test_case_uses_the_partnership_weeks(unborn_baby: Baby, screen: Callable[..., Assessment], cast: dict[str, User]) -> None:
    actions.set_milestone_weeks(by=cast["admin"], code=clock.CONFERENCE, week=26, premature_week=22)
    screen(unborn_baby, domestic_abuse="yes")
    case = PreBirthCase.objects.get(baby=unborn_baby)
    assert case.weeks()[clock.CONFERENCE] == (26, 22)
    edd = unborn_baby.expected_delivery_date
    assert _tasks(case)[clock.CONFERENCE].due_at == end_of_day(clock.date_at(edd, 26))  # type: ignore[arg-type]
    # A later change leaves the open case as it started.
    actions.set_milestone_weeks(by=cast["admin"], code=clock.CONFERENCE, week=28, premature_week=24)
    case.refresh_from_db()
    assert case.weeks()[clock.CONFERENCE] == (26, 22)


# --- steps --------------------------------------------------------------------------------------


def test_record_milestone_finishes_its_task(case: PreBirthCase, cast: dict[str, User]) -> None:
    record = actions.record_milestone(by=cast["health_visitor"], case=case, code=clock.PLANNING_MEETING,
                                      done_on=TODAY, note="Both parents came")
    assert record.by == cast["health_visitor"]
    task = _tasks(case)[clock.PLANNING_MEETING]
    assert task.state == TaskState.DONE
    assert _tasks(case)[clock.CONFERENCE].state == TaskState.OPEN
    states = {s.due.code: s.status for s in actions.states_for(case)}
    assert states[clock.PLANNING_MEETING] == clock.Status.DONE
    assert AuditEvent.objects.filter(object_type="milestonerecord", action=Action.CREATE).count() == 1
    assert Entry.objects.filter(kind=Kind.REFERRAL, summary__contains="Pre-birth planning meeting done").exists()


def test_record_referral_milestone_records_the_referral(case: PreBirthCase, cast: dict[str, User]) -> None:
    record = actions.record_milestone(by=cast["midwife"], case=case, code=clock.REFERRAL, done_on=TODAY,
                                      referral={"how": "phone", "to_whom": "Duty social worker", "reference": "R1"})
    referral = Referral.objects.get()
    assert record.referral == referral
    assert referral.to == "csc"
    assert referral.reference == "R1"
    assert _tasks(case)[clock.REFERRAL].state == TaskState.DONE


def test_record_milestone_refuses_a_future_date(case: PreBirthCase, cast: dict[str, User]) -> None:
    with pytest.raises(actions.Refused):
        actions.record_milestone(by=cast["midwife"], case=case, code=clock.CONFERENCE, done_on=TODAY + timedelta(days=1))
    assert not MilestoneRecord.objects.exists()


def test_record_milestone_refused_without_permission(case: PreBirthCase, cast: dict[str, User]) -> None:
    with pytest.raises(NotAllowed):
        actions.record_milestone(by=cast["analyst"], case=case, code=clock.CONFERENCE, done_on=TODAY)


def test_milestone_records_never_change(case: PreBirthCase, cast: dict[str, User]) -> None:
    record = actions.record_milestone(by=cast["midwife"], case=case, code=clock.CONFERENCE, done_on=TODAY)
    with pytest.raises(Exception, match="never changes"), transaction.atomic():
        MilestoneRecord.objects.filter(pk=record.pk).update(note="changed")
    with pytest.raises(Exception, match="never changes"), transaction.atomic():
        MilestoneRecord.objects.filter(pk=record.pk).delete()


def test_premature_flag_moves_the_open_tasks(case: PreBirthCase, cast: dict[str, User], unborn_baby: Baby) -> None:
    old = _tasks(case)[clock.CONFERENCE]
    actions.set_premature_birth_likely(by=cast["health_visitor"], case=case, likely=True, reason="Twins, cervical stitch")
    old.refresh_from_db()
    assert old.state == TaskState.CANCELLED
    new = Task.objects.filter(state=TaskState.OPEN, title__contains="conference").get()
    edd = unborn_baby.expected_delivery_date
    assert new.due_at == end_of_day(clock.date_at(edd, 24))  # type: ignore[arg-type]
    case.refresh_from_db()
    assert case.premature_birth_likely
    due = {d.code: d for d in actions.dues_for(case)}
    assert due[clock.DELIVERY_PLAN].due_on == clock.date_at(edd, 28)  # type: ignore[arg-type]
    assert Entry.objects.filter(summary__contains="premature birth is likely").exists()


def test_close_case_needs_a_reason(case: PreBirthCase, cast: dict[str, User]) -> None:
    with pytest.raises(actions.Refused):
        actions.close_case(by=cast["health_visitor"], case=case, reason="  ")
    actions.close_case(by=cast["health_visitor"], case=case, reason="Moved out of the area; handed over")
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    assert case.closed_by == cast["health_visitor"]
    with pytest.raises(actions.Refused):
        actions.record_milestone(by=cast["midwife"], case=case, code=clock.CONFERENCE, done_on=TODAY)


# --- the delivery safety plan and its gate ------------------------------------------------------


def test_plan_saves_as_you_go(case: PreBirthCase, cast: dict[str, User]) -> None:
    plan = actions.save_delivery_plan(by=cast["midwife"], case=case, values={"birthing_partner": " Jo Hart "})
    assert plan.birthing_partner == "Jo Hart"
    assert not plan.completed
    assert plan.version == 1
    plan = actions.save_delivery_plan(by=cast["midwife"], case=case, values={"baby_goes_to": "Home"}, expected_version=1)
    assert plan.version == 2
    assert plan.birthing_partner == "Jo Hart"
    assert AuditEvent.objects.filter(object_type="deliverysafetyplan").count() == 2


def test_plan_stale_version_is_refused(case: PreBirthCase, cast: dict[str, User]) -> None:
    actions.save_delivery_plan(by=cast["midwife"], case=case, values={"birthing_partner": "Jo"})
    actions.save_delivery_plan(by=cast["health_visitor"], case=case, values={"birthing_partner": "Jo Hart"}, expected_version=1)
    with pytest.raises(actions.StalePlan):
        actions.save_delivery_plan(by=cast["midwife"], case=case, values={"birthing_partner": "Jane"}, expected_version=1)
    assert DeliverySafetyPlan.objects.get().birthing_partner == "Jo Hart"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("birthing_partner", "", "Enter the birthing partner, or write that there is none"),
    ("exclusions_needed", None, "Say whether anyone must be kept out of the maternity unit"),
    ("excluded_people", "", "Enter who must be kept out of the unit and why"),
    ("labour_contacts", "", "Enter who to call when the mother arrives in labour, with their phone numbers"),
    ("labour_contacts", "The social worker", "Give a phone number for each person to call when the mother arrives in labour"),
    ("discharge_arrangements", "  ", "Enter the discharge arrangements"),
])
def test_complete_refused_for_each_missing_part(case: PreBirthCase, cast: dict[str, User], field: str, value: Any,
                                                message: str) -> None:
    actions.save_delivery_plan(by=cast["midwife"], case=case, values={**COMPLETE_PLAN, field: value})
    with pytest.raises(actions.PlanIncomplete) as refused:
        actions.complete_delivery_plan(by=cast["midwife"], case=case)
    assert refused.value.missing == {field: message}
    assert not DeliverySafetyPlan.objects.get().completed
    assert not MilestoneRecord.objects.exists()


def test_complete_refused_lists_every_missing_part(case: PreBirthCase, cast: dict[str, User]) -> None:
    with pytest.raises(actions.PlanIncomplete) as refused:
        actions.complete_delivery_plan(by=cast["midwife"], case=case)
    assert list(refused.value.missing) == ["birthing_partner", "exclusions_needed", "labour_contacts", "discharge_arrangements"]


def test_complete_with_nobody_excluded(case: PreBirthCase, cast: dict[str, User]) -> None:
    actions.save_delivery_plan(by=cast["midwife"], case=case,
                               values={**COMPLETE_PLAN, "exclusions_needed": False, "excluded_people": ""})
    plan = actions.complete_delivery_plan(by=cast["midwife"], case=case)
    assert plan.completed


def test_complete_plan_records_the_step(case: PreBirthCase, cast: dict[str, User]) -> None:
    actions.save_delivery_plan(by=cast["midwife"], case=case, values=COMPLETE_PLAN)
    plan = actions.complete_delivery_plan(by=cast["midwife"], case=case)
    assert plan.completed
    assert plan.completed_by == cast["midwife"]
    assert plan.completed_at is not None
    assert MilestoneRecord.objects.get().code == clock.DELIVERY_PLAN
    assert _tasks(case)[clock.DELIVERY_PLAN].state == TaskState.DONE
    assert Entry.objects.filter(summary__startswith="Delivery safety plan completed", significance=Significance.SIGNIFICANT).exists()


def test_completed_plan_cannot_lose_a_required_part(case: PreBirthCase, cast: dict[str, User]) -> None:
    actions.save_delivery_plan(by=cast["midwife"], case=case, values=COMPLETE_PLAN)
    actions.complete_delivery_plan(by=cast["midwife"], case=case)
    with pytest.raises(actions.PlanIncomplete):
        actions.save_delivery_plan(by=cast["midwife"], case=case, values={"labour_contacts": ""})
    assert DeliverySafetyPlan.objects.get().labour_contacts == COMPLETE_PLAN["labour_contacts"]


def test_database_refuses_a_completed_plan_without_its_parts(case: PreBirthCase, cast: dict[str, User]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        DeliverySafetyPlan.objects.create(case=case, completed=True, completed_at=timezone.now(),
                                          updated_by=cast["midwife"], updated_at=timezone.now())


# --- the birth ------------------------------------------------------------------------------------


def test_birth_keeps_the_case_and_makes_follow_up_tasks(case: PreBirthCase, cast: dict[str, User], unborn_baby: Baby) -> None:
    open_before = set(Task.objects.filter(state=TaskState.OPEN).values_list("pk", flat=True))
    family_actions.record_birth(by=cast["midwife"], baby=unborn_baby, expected_version=unborn_baby.version, birth={
        "given_name": "Amelia", "date_of_birth": TODAY, "nhs_number": "", "sex": "female",
        "gestation_at_birth_weeks": 38, "birth_weight_g": 3100, "multiple_birth": False,
    })
    case.refresh_from_db()
    assert case.state == CaseState.OPEN  # nothing closes automatically
    assert set(Task.objects.filter(pk__in=open_before, state=TaskState.OPEN).values_list("pk", flat=True)) == open_before
    tasks = _tasks(case)
    assert {"birth_notify", clock.DISCHARGE_PLANNING, "birth_review_plan", "new_birth_visit"} <= set(tasks)
    assert tasks["birth_notify"].urgent
    assert tasks["birth_notify"].due_at == same_day_deadline(timezone.now())
    assert tasks["new_birth_visit"].agency == cast["health_visitor"].agency  # health visiting is involved
    assert tasks[clock.DISCHARGE_PLANNING].agency == case.agency
    assert Entry.objects.filter(kind=Kind.REFERRAL, summary__contains="has been born").exists()
    # The discharge planning step is still due until it is recorded.
    states = {s.due.code: s.status for s in actions.states_for(case)}
    assert states[clock.DISCHARGE_PLANNING] == clock.Status.DUE


def test_birth_without_a_case_makes_no_tasks(unborn_baby: Baby, cast: dict[str, User]) -> None:
    family_actions.record_birth(by=cast["midwife"], baby=unborn_baby, expected_version=unborn_baby.version, birth={
        "given_name": "", "date_of_birth": TODAY, "nhs_number": "", "sex": "", "gestation_at_birth_weeks": None,
        "birth_weight_g": None, "multiple_birth": False,
    })
    assert not Task.objects.filter(kind=TaskKind.OTHER).exists()


# --- the partnership's weeks ------------------------------------------------------------------------


def test_set_milestone_weeks_admin_only_and_audited(cast: dict[str, User]) -> None:
    with pytest.raises(NotAllowed):
        actions.set_milestone_weeks(by=cast["health_visitor"], code=clock.CONFERENCE, week=26, premature_week=22)
    actions.set_milestone_weeks(by=cast["admin"], code=clock.CONFERENCE, week=26, premature_week=22)
    assert actions.partnership_weeks()[clock.CONFERENCE] == (26, 22)
    event = AuditEvent.objects.get(action=Action.SETTING)
    assert event.detail == {clock.CONFERENCE: [[28, 24], [26, 22]]}


@pytest.mark.parametrize(("code", "week", "premature"), [
    (clock.REFERRAL, 16, 16), ("unknown", 20, 16), (clock.CONFERENCE, 50, 24), (clock.CONFERENCE, 24, 28),
])
def test_set_milestone_weeks_refuses_bad_values(cast: dict[str, User], code: str, week: int, premature: int) -> None:
    with pytest.raises(actions.Refused):
        actions.set_milestone_weeks(by=cast["admin"], code=code, week=week, premature_week=premature)
    assert not MilestoneSetting.objects.exists()
