import random
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from kbs.accounts.models import Agency, User
from kbs.audit.models import AuditEvent
from kbs.core.validators import nhs_number_is_valid
from kbs.families.models import Baby, Family, Involvement, Person, Relationship
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
        for model in (Agency, User, Family, Baby, Person, Involvement, AuditEvent)
    }


def test_load_demo_data_returns_counts(demo):
    assert demo["families"] == FAMILIES
    assert demo["babies"] >= FAMILIES
    assert demo["people"] > FAMILIES
    assert demo["involvements"] >= FAMILIES
    assert demo["agencies"] == Agency.objects.count()
    assert demo["users"] == User.objects.count()


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
