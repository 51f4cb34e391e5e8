import random
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from kbs.accounts.models import Agency, User
from kbs.audit.models import AuditEvent
from kbs.concerns import access as concerns_access
from kbs.concerns.models import Concern, ConcernState, Decision, Referral, ReferralState, Task, TaskKind, TaskState
from kbs.contacts.coverage import coverage_for_families, families_with_gaps
from kbs.contacts.models import Contact, LifeEvent, Message, MessageDelivery
from kbs.core.validators import nhs_number_is_valid
from kbs.families.models import Baby, Birthmark, BirthmarkKind, Family, Involvement, Person, Relationship
from kbs.families.notices import safeguarding_lead_addresses
from kbs.nonprod.demo import (
    DEMO_BABY_AGE_DAYS,
    DEMO_BABY_NAME,
    DEMO_BABY_NHS_NUMBER,
    load_demo_data,
    test_range_nhs_number,
)
from kbs.nonprod.management.commands.load_demo import Command, check_demo_mode
from kbs.nonprod.personas import HEALTH_VISITING_AGENCY, MATERNITY_AGENCY, PERSONAS, POLICE_AGENCY, persona_user
from kbs.tools.models import Assessment, SafeSleepPlan, Status

FAMILIES = 12


@pytest.fixture(autouse=True)
def _demo_mode(settings):
    # Whatever the environment says: tests that need demo mode off turn it off themselves.
    settings.DEMO_MODE = True


@pytest.fixture
def demo(db):
    return load_demo_data(families=FAMILIES)


def _row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Agency, User, Family, Baby, Person, Involvement, AuditEvent, Contact, MessageDelivery, LifeEvent,
                      Assessment, SafeSleepPlan, Birthmark, Concern, Referral, Task)
    }


def test_load_demo_data_returns_counts(demo):
    assert demo["families"] == FAMILIES
    assert demo["babies"] >= FAMILIES
    assert demo["people"] > FAMILIES
    assert demo["involvements"] >= FAMILIES
    assert demo["agencies"] == Agency.objects.count()
    assert demo["users"] == User.objects.count()
    for name in ("contacts", "messages_given", "assessments", "birthmarks", "concerns", "referrals", "tasks"):
        assert demo[name] > 0, name


def test_load_demo_data_twice_adds_no_rows(demo):
    before = _row_counts()

    counts = load_demo_data(families=FAMILIES)

    assert _row_counts() == before
    assert counts == demo


def test_test_range_nhs_number_is_valid_and_in_999_range():
    rng = random.Random(1)
    for _ in range(500):
        number = test_range_nhs_number(rng)
        assert number.startswith("999")
        assert nhs_number_is_valid(number)


def test_demo_babies_have_unique_valid_test_range_nhs_numbers(demo):
    numbers = [baby.nhs_number for baby in Baby.objects.filter(date_of_birth__isnull=False)]
    assert numbers
    assert all(number.startswith("999") and nhs_number_is_valid(number) for number in numbers)
    assert len(set(numbers)) == len(numbers)
    assert not Baby.objects.filter(date_of_birth__isnull=True).exclude(nhs_number="").exists()


def test_demo_families_each_have_an_active_involvement(demo):
    assert not Family.objects.exclude(involvements__ended_on__isnull=True).exists()


def test_demo_families_each_have_a_birth_mother(demo):
    assert not Family.objects.exclude(people__relationship=Relationship.BIRTH_MOTHER).exists()


def test_demo_load_writes_audit_events(demo):
    assert AuditEvent.objects.count() > 0
    assert AuditEvent.objects.filter(family__isnull=False).values("family").distinct().count() == FAMILIES


def test_demo_unborn_babies_are_all_known_to_the_midwife_agency(db):
    load_demo_data(families=40)
    unborn_families = Family.objects.filter(babies__date_of_birth__isnull=True).distinct()
    assert unborn_families.exists()
    for family in unborn_families:
        assert family.involvements.filter(agency__name=MATERNITY_AGENCY, ended_on__isnull=True).exists()


@pytest.mark.parametrize("persona", PERSONAS, ids=lambda p: p.key)
def test_persona_user_has_role_agency_and_no_password(demo, persona):
    user = persona_user(persona.key)

    assert list(user.roles.values_list("slug", flat=True)) == [persona.role_slug]
    assert user.agency.name == persona.agency_name
    assert (user.team.name if user.team else "") == persona.team_name
    assert user.get_full_name() == persona.full_name
    assert user.email
    assert not user.has_usable_password()


def test_health_visiting_agency_lead_is_the_safeguarding_lead_persona(demo):
    agency = Agency.objects.get(name=HEALTH_VISITING_AGENCY)

    assert safeguarding_lead_addresses(agency) == [persona_user("safeguarding-lead").email]


def test_demo_agencies_with_staff_have_a_safeguarding_lead(demo):
    for agency in Agency.objects.exclude(staff=None).exclude(agency_type="partnership"):
        assert agency.staff.filter(roles__slug="safeguarding-lead").exists(), agency.name
        assert agency.safeguarding_email


def test_demo_first_family_has_the_documented_shape(demo):
    baby = Baby.objects.get(nhs_number=DEMO_BABY_NHS_NUMBER)
    family = baby.family

    assert baby.display_name == DEMO_BABY_NAME
    assert baby.date_of_birth == timezone.localdate() - timedelta(days=DEMO_BABY_AGE_DAYS)
    assert family.babies.count() == 1
    people = {person.relationship: person for person in family.people.all()}
    assert str(people[Relationship.BIRTH_MOTHER]) == "Sophie Hart"
    assert str(people[Relationship.FATHER]) == "Daniel Hart"
    assert people[Relationship.FATHER].last_seen_on is None
    assert people[Relationship.GRANDPARENT].regular_carer
    involvement = family.involvements.get()
    assert involvement.agency.name == HEALTH_VISITING_AGENCY
    assert involvement.is_lead_agency
    assert involvement.is_active
    assert involvement.lead_professional == persona_user("health-visitor")
    assert not family.involvements.filter(agency__name=POLICE_AGENCY).exists()
    # The health visitor has seen Sophie (with Janet once) and given them the messages; never Daniel.
    contacts = family.contacts.all()
    assert contacts.exists()
    assert set(contacts.values_list("practitioner", flat=True)) == {persona_user("health-visitor").pk}
    assert not contacts.filter(present=people[Relationship.FATHER]).exists()
    assert contacts.filter(present=people[Relationship.GRANDPARENT]).filter(present=people[Relationship.BIRTH_MOTHER]).exists()
    assert not MessageDelivery.objects.filter(person=people[Relationship.FATHER]).exists()
    assert MessageDelivery.objects.filter(person=people[Relationship.BIRTH_MOTHER]).count() >= 3
    assessments = family.assessments.all()
    assert [(a.tool_slug, a.status) for a in assessments] == [("safer-sleep", Status.COMPLETED)]
    assert not family.concerns.exists()
    assert not family.referrals.exists()


def test_check_demo_mode_refuses_when_demo_mode_is_off(settings):
    settings.DEMO_MODE = False

    with pytest.raises(CommandError, match="KBS_DEMO_MODE"):
        check_demo_mode()


def test_load_demo_command_refuses_when_demo_mode_is_off(db, settings):
    settings.DEMO_MODE = False

    with pytest.raises(CommandError):
        Command(stdout=StringIO()).handle(families=FAMILIES, seed=1, verbosity=0)
    assert not Family.objects.exists()


def test_load_demo_data_refuses_when_demo_mode_is_off(db, settings):
    settings.DEMO_MODE = False

    with pytest.raises(ImproperlyConfigured):
        load_demo_data(families=FAMILIES)
    assert not User.objects.exists()


def test_load_demo_command_loads_then_says_already_loaded(db):
    out = StringIO()
    call_command(Command(), "--families", str(FAMILIES), stdout=out)
    assert "Loaded the demo data" in out.getvalue()
    assert f"families: {FAMILIES}" in out.getvalue()

    out = StringIO()
    call_command(Command(), "--families", str(FAMILIES), stdout=out)
    assert "already loaded" in out.getvalue()


def _fingerprint() -> dict[str, list[tuple[object, ...]]]:
    """What a demo is made of, without database ids or the times actions stamp themselves."""
    return {
        "contacts": list(Contact.objects.order_by("at", "family__postcode", "contact_type").values_list(
            "at", "family__postcode", "contact_type", "practitioner__username", "baby_seen")),
        "deliveries": sorted(MessageDelivery.objects.values_list("contact__at", "person__given_name", "message")),
        "assessments": sorted(Assessment.objects.values_list("baby__nhs_number", "tool_slug", "status", "level")),
        "concerns": sorted(Concern.objects.values_list("family__postcode", "category", "state", "decision")),
        "referrals": sorted(Referral.objects.values_list("family__postcode", "to", "state")),
        "tasks": sorted(Task.objects.values_list("family__postcode", "title", "state")),
    }


class _Rollback(Exception):
    pass


def test_demo_load_is_deterministic(db):
    try:
        with transaction.atomic():
            load_demo_data(families=8)
            first = _fingerprint()
            raise _Rollback
    except _Rollback:
        pass
    assert not Family.objects.exists()

    load_demo_data(families=8)

    assert _fingerprint() == first
    assert first["contacts"]
    assert first["assessments"]
    assert first["concerns"]


def test_demo_load_stays_fast(db):
    started = time.monotonic()
    load_demo_data(families=60)
    # About 2 seconds with SQLite (200 families take about 7; the budget for 200 is 20).
    assert time.monotonic() - started < 8


def test_demo_load_of_only_the_first_family(db):
    counts = load_demo_data(families=1)

    assert counts["families"] == 1
    assert counts["contacts"] == 3
    assert counts["concerns"] == 0


def test_demo_contacts_are_spread_over_the_babies_lives_and_give_the_messages(demo):
    now = timezone.now()
    assert Contact.objects.filter(at__lt=now - timedelta(days=28)).exists()
    assert Contact.objects.filter(at__gt=now - timedelta(days=14)).exists()
    assert not Contact.objects.filter(at__gt=now).exists()
    assert {d for d in MessageDelivery.objects.values_list("message", flat=True)} == set(Message.values)
    assert MessageDelivery.objects.filter(person__relationship=Relationship.FATHER).exists()
    assert MessageDelivery.objects.filter(person__relationship=Relationship.GRANDPARENT).exists()
    for contact in Contact.objects.select_related("practitioner", "family"):
        # By someone from an agency that works with the family, and after the birth unless antenatal.
        assert contact.practitioner.agency_id == contact.agency_id
        assert contact.family.involvements.filter(agency_id=contact.agency_id).exists()
        born = [b.date_of_birth for b in contact.family.babies.all() if b.date_of_birth]
        if born and contact.contact_type not in ("antenatal_booking", "hv_antenatal"):
            assert timezone.localtime(contact.at).date() >= min(born)


def test_demo_leaves_gaps_and_an_invisible_carer(demo):
    coverage = coverage_for_families(Family.objects.values_list("pk", flat=True))
    invisible = [i for c in coverage.values() for i in c.invisible_carers
                 if i.person.relationship == Relationship.MOTHERS_PARTNER]

    assert invisible
    assert all(i.never_seen and i.never_given_messages and i.person.lives_in_household for i in invisible)
    assert not Contact.objects.filter(present__relationship=Relationship.MOTHERS_PARTNER).exists()
    assert families_with_gaps(Family.objects.all()).exists()
    assert any(c.complete for c in coverage.values())


def test_demo_life_events_give_the_practitioner_a_task(demo):
    event = LifeEvent.objects.select_related("contact").first()

    assert event is not None
    assert Task.objects.filter(kind=TaskKind.REVISIT_SLEEP_PLAN, source_id=str(event.contact.public_id),
                               assigned_to=event.contact.practitioner).exists()


def test_demo_assessments_at_every_level_that_matters(demo):
    completed = Assessment.objects.filter(status=Status.COMPLETED)
    assert completed.filter(tool_slug="safer-sleep").exists()
    high = completed.filter(tool_slug="safer-sleep", level="high")
    assert high.exists()
    assert all(a.sleep_plans.exists() for a in high)

    urgent = completed.filter(tool_slug="bruising", level="urgent")
    assert urgent.exists()
    for assessment in urgent:
        assert assessment.csc_referral_reference
        assert assessment.medical_review_where
        assert assessment.baby.mobility in ("not_rolling", "rolling")
        assert assessment.family.referrals.filter(reference=assessment.csc_referral_reference).exists()

    awaiting = Assessment.objects.get(status=Status.AWAITING_SIGN_OFF)
    assert awaiting.level == "urgent"
    assert awaiting.steps_not_recorded_reason
    assert awaiting.created_by.agency == persona_user("safeguarding-lead").agency  # she can sign it off


def test_demo_birthmark_is_recorded_by_a_health_professional(demo):
    mark = Birthmark.objects.select_related("confirmed_by").first()

    assert mark is not None
    assert mark.kind == BirthmarkKind.CDM
    assert set(mark.regions) <= {"back", "buttocks"}
    assert mark.confirmed_by.is_health_professional


def test_demo_concerns_and_referrals_at_every_stage(demo):
    assert set(Concern.objects.values_list("state", flat=True)) == set(ConcernState.values)
    decisions = set(Concern.objects.values_list("decision", flat=True))
    assert {Decision.ADVICE, Decision.EARLY_HELP, Decision.REFER_CSC} <= decisions
    assert set(Referral.objects.values_list("state", flat=True)) == set(ReferralState.values)
    overdue = Referral.objects.filter(state=ReferralState.MADE, acknowledgement_due_at__lt=timezone.now())
    assert overdue.count() == 1
    assert Concern.objects.filter(agency__agency_type__in=["police", "housing"]).count() >= 2
    lead = persona_user("safeguarding-lead")
    assert concerns_access.inbox(lead).count() >= 3
    assert concerns_access.overdue(lead).referrals == list(overdue)
    # Every concern's family is one its agency works with, so its staff can open it.
    for concern in Concern.objects.all():
        assert concern.family.involvements.filter(agency=concern.agency).exists()


def test_demo_health_visitor_persona_has_tasks_due_today_overdue_upcoming_and_done(demo):
    helen = persona_user("health-visitor")
    now, today = timezone.now(), timezone.localdate()
    tasks = Task.objects.filter(assigned_to=helen)
    open_tasks = tasks.filter(state=TaskState.OPEN)

    assert open_tasks.filter(due_at__lt=now).exists()
    assert any(timezone.localtime(t.due_at).date() == today and t.due_at >= now for t in open_tasks)
    assert open_tasks.filter(due_at__date__gt=today).exists()
    assert tasks.filter(state=TaskState.DONE).exists()
    assert concerns_access.my_work(helen).count() == open_tasks.count()
