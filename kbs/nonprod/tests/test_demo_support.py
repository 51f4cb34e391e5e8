"""The demo's family support work: Every Baby Matters and support plans, safe space, dogs, coping with
crying plans, and one baby's death."""

import pytest
from django.db.models import Q
from django.utils import timezone

from kbs.audit.models import AuditEvent
from kbs.concerns.actions import routine_tasks
from kbs.concerns.models import Task, TaskState
from kbs.contacts.models import Contact, CryingPlan
from kbs.families.models import Baby, Death, Family
from kbs.nonprod.demo import DEMO_BABY_NHS_NUMBER, load_demo_data
from kbs.nonprod.demo_support import SAFE_SPACE_STAGES
from kbs.nonprod.personas import persona_user
from kbs.prebirth.models import DeliverySafetyPlan, MilestoneRecord, PreBirthCase
from kbs.tools.models import Assessment, Status, SupportPlan
from kbs.tools.spec import get_spec

FAMILIES = 60


@pytest.fixture(autouse=True)
def _demo_mode(settings):
    settings.DEMO_MODE = True


@pytest.fixture
def demo(db):
    return load_demo_data(families=FAMILIES)


def test_demo_every_baby_matters_with_support_plans_and_one_draft(demo):
    ebm = Assessment.objects.filter(tool_slug="every-baby-matters")
    completed = ebm.filter(status=Status.COMPLETED)
    assert completed.count() >= FAMILIES // 12  # about one family in ten
    assert completed.filter(baby__date_of_birth__isnull=True).exists()  # before the birth too
    assert completed.filter(baby__date_of_birth__isnull=False).exists()
    for assessment in completed:
        assert assessment.answers["baby_born"] == ("yes" if assessment.baby.is_born else "no")
    assert {"universal", "raised"} <= set(completed.values_list("level", flat=True))

    plans = SupportPlan.objects.select_related("assessment")
    assert plans.exists()
    for plan in plans:
        assert plan.assessment.is_completed
        assert plan.actions
        assert plan.agreed_with

    draft = ebm.get(status=Status.DRAFT)
    assert draft.created_by == persona_user("health-visitor")
    first_two = {item for section in get_spec("every-baby-matters").sections[:2] for item in section.items}
    rest = {item for section in get_spec("every-baby-matters").sections[2:] for item in section.items}
    assert first_two & set(draft.answers)
    assert not (rest - {"baby_born", "baby_age_days", "gestation_at_birth_weeks", "birth_weight_g", "mobility"}) & set(draft.answers)
    assert not Assessment.objects.filter(status=Status.DRAFT).exclude(pk=draft.pk).exists()


def test_demo_safe_space_dogs_and_crying_plans(demo):
    today = timezone.localdate()
    safe_space = Assessment.objects.filter(tool_slug="safe-space", status=Status.COMPLETED).select_related("baby")
    assert safe_space.count() >= 3
    ages = {stage: (low, high) for stage, low, high in SAFE_SPACE_STAGES}
    for assessment in safe_space:
        low, high = ages[assessment.answers["age_stage"]]
        assert assessment.baby.date_of_birth is not None
        assert low <= (today - assessment.baby.date_of_birth).days <= high

    dogs = Assessment.objects.filter(tool_slug="dogs", status=Status.COMPLETED)
    assert dogs.count() >= 3
    assert dogs.filter(answers__dog_in_home_or_visiting="yes").exists()

    crying = CryingPlan.objects.select_related("baby")
    assert crying.exists()
    for plan in crying:
        assert plan.baby.is_born
        assert all((plan.soothing, plan.who_to_call, plan.if_stressed, plan.agreed_with))

    fixed = Family.objects.get(babies__nhs_number=DEMO_BABY_NHS_NUMBER)
    assert not CryingPlan.objects.filter(baby__family=fixed).exists()
    assert list(fixed.assessments.values_list("tool_slug", flat=True)) == ["safer-sleep"]


def test_demo_one_death_with_bereavement_support_and_no_routine_work_after_it(demo):
    death = Death.objects.select_related("baby", "baby__family", "recorded_by").get()
    baby, family = death.baby, death.baby.family

    assert death.bereavement_support_offered
    assert death.bereavement_support_detail
    assert death.recorded_by.is_health_professional
    assert baby.nhs_number != DEMO_BABY_NHS_NUMBER
    # Not a family the health visitor persona works with, nor one of the newest, which head the lists.
    assert not Contact.objects.filter(family=family, practitioner=persona_user("health-visitor")).exists()
    assert family.pk not in Family.objects.order_by("-created_at", "-id").values_list("pk", flat=True)[:10]

    open_routine = Task.objects.filter(routine_tasks(), state=TaskState.OPEN, family=family).filter(
        Q(baby=baby) | Q(baby__isnull=True))
    assert not open_routine.exists()
    assert not Contact.objects.filter(family=family, at__date__gt=death.died_on).exists()
    assert not Assessment.objects.filter(baby=baby).exists()
    assert not CryingPlan.objects.filter(baby=baby).exists()
    assert Contact.objects.filter(family=family).exists()  # the death pack has contacts to show


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (
        Baby, AuditEvent, Assessment, Task, PreBirthCase, MilestoneRecord, DeliverySafetyPlan, SupportPlan,
        CryingPlan, Death)}


def test_demo_load_with_all_of_it_twice_adds_no_rows(demo):
    before = _counts()
    assert all(before[name] for name in ("PreBirthCase", "DeliverySafetyPlan", "SupportPlan", "CryingPlan", "Death"))

    assert load_demo_data(families=FAMILIES) == demo

    assert _counts() == before
