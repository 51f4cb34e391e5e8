"""The demo's pre-birth work: screenings, the cases their triggers open, steps and delivery plans."""

import pytest
from django.utils import timezone

from kbs.concerns.models import TaskState
from kbs.nonprod.demo import load_demo_data
from kbs.nonprod.personas import MATERNITY_AGENCY, persona_user
from kbs.prebirth import actions as prebirth
from kbs.prebirth import clock
from kbs.prebirth.models import CaseTask, DeliverySafetyPlan, MilestoneRecord, PreBirthCase
from kbs.tools.models import Assessment, Status

# Enough families for about a dozen unborn babies, whatever weekday the demo is loaded on.
FAMILIES = 60


@pytest.fixture(autouse=True)
def _demo_mode(settings):
    settings.DEMO_MODE = True


@pytest.fixture
def demo(db):
    return load_demo_data(families=FAMILIES)


def test_demo_prebirth_screenings_open_cases_with_a_late_one(demo):
    screenings = Assessment.objects.filter(tool_slug="pre-birth-screening")
    assert screenings.count() == len(set(screenings.values_list("baby", flat=True)))
    assert all(s.status == Status.COMPLETED and not s.baby.is_born for s in screenings)
    triggered = [s for s in screenings if prebirth.TRIGGER_RULE in [flag["rule"] for flag in s.outcome["flags"]]]
    assert triggered
    assert len(triggered) < screenings.count()  # some screenings found no reason to refer

    cases = list(PreBirthCase.objects.select_related("baby", "agency", "opened_by", "assessment"))
    assert len(cases) == len(triggered)
    assert {case.assessment for case in cases} == set(triggered)
    assert {case.agency.name for case in cases} == {MATERNITY_AGENCY}
    assert sum(case.opened_by == persona_user("midwife") for case in cases) >= 2
    for case in cases:
        assert case.is_open
        assert case.trigger_found_on == timezone.localdate()
        assert CaseTask.objects.filter(case=case, code=clock.REFERRAL).exists()

    # A late booking: the trigger found after the planning-meeting week, so the meeting is due at once.
    late = [case for case in cases if {due.code: due for due in prebirth.dues_for(case)}[clock.PLANNING_MEETING].late_booking]
    assert len(late) < len(cases)
    # The demo's late case: nothing done after the referral, so its steps turn Late after the next working day.
    assert any(set(prebirth.done_on(case)) <= {clock.REFERRAL} for case in late)

    # Most referred today, with the referral recorded; at least one still waiting for its referral.
    referred = MilestoneRecord.objects.filter(code=clock.REFERRAL)
    assert referred.exists()
    assert all(record.referral is not None for record in referred)
    waiting = [case for case in cases if clock.REFERRAL not in prebirth.done_on(case)]
    assert len(waiting) == 1
    task = CaseTask.objects.get(case=waiting[0], code=clock.REFERRAL).task
    assert task.state == TaskState.OPEN
    assert task.urgent


def test_demo_delivery_safety_plans_one_complete_and_one_part_written(demo):
    plans = list(DeliverySafetyPlan.objects.select_related("case"))
    assert sorted(plan.completed for plan in plans) == [False, True]

    done = next(plan for plan in plans if plan.completed)
    assert not prebirth.plan_gaps({name: getattr(done, name) for name in prebirth.PLAN_FIELDS})
    assert {clock.REFERRAL, clock.PLANNING_MEETING, clock.DELIVERY_PLAN} <= set(prebirth.done_on(done.case))

    part = next(plan for plan in plans if not plan.completed)
    gaps = prebirth.plan_gaps({name: getattr(part, name) for name in prebirth.PLAN_FIELDS})
    assert {"labour_contacts", "discharge_arrangements"} <= set(gaps)
    assert part.birthing_partner
    assert clock.DELIVERY_PLAN not in prebirth.done_on(part.case)
