"""The rollups kept current by the real actions agree with rollups rebuilt from scratch.

Ordinary pytest-django tests never run on-commit callbacks, so these tests call `refresh_pending()`
(what the sweep does) unless they ask for the callbacks to run.
"""

from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbs.accounts.models import User
from kbs.concerns import actions as concern_actions
from kbs.conftest import baby_details
from kbs.contacts import actions as contact_actions
from kbs.families import access
from kbs.families import actions as family_actions
from kbs.families.models import Family, Person
from kbs.insights import rollups
from kbs.insights.models import ALL_AGENCIES, ALL_DISTRICTS, Cell, DirtyFamily, FamilyRollup

pytestmark = pytest.mark.django_db
ALL_THREE = ("safe_sleep", "safe_handling", "safe_space")


def contact(by: User, family: Family, given: dict[Person, tuple[str, ...]], *, contact_type: str = "new_baby_review",
            days_ago: int = 1) -> None:
    contact_actions.record_contact(
        by=by, family=family,
        details={"at": timezone.now() - timedelta(days=days_ago), "contact_type": contact_type, "setting": "home",
                 "baby_seen": True, "sleep_place_observed": "cot", "language": "English", "interpreter_used": False,
                 "notes": "", "shared": True},
        present=list(given),
        deliveries=[{"person": p, "message": m, "leaflet_given": False, "understanding_checked": True}
                    for p, messages in given.items() for m in messages],
        life_events=[],
    )


def total(key: str, breakdown: str | None = None) -> int:
    cells = Cell.objects.filter(key=key, agency_id=ALL_AGENCIES, district=ALL_DISTRICTS)
    if breakdown is not None:
        cells = cells.filter(breakdown=breakdown)
    return sum(c.value for c in cells)


def assert_incremental_equals_rebuilt() -> None:
    rollups.refresh_pending()
    incremental = rollups.cell_totals()
    stored = {r.pk: r.contributions for r in FamilyRollup.objects.all()}
    rollups.rebuild()
    assert rollups.cell_totals() == incremental
    assert {r.pk: r.contributions for r in FamilyRollup.objects.all()} == stored


def test_a_contact_marks_the_family_and_the_sweep_updates_the_cells(family: Family, cast: dict[str, User]) -> None:
    mother = family.people.get()
    rollups.refresh_pending()
    assert total("point.babies", "new_baby_review") == 0
    contact(cast["health_visitor"], family, {mother: ALL_THREE})
    assert DirtyFamily.objects.filter(family=family).exists()
    assert rollups.refresh_pending() == 1
    assert not DirtyFamily.objects.exists()
    assert total("point.babies", "new_baby_review") == 1
    assert total("point.all_three", "new_baby_review") == 1
    assert total("messages.given") == 3
    # The agency's own cell and the district's cell agree with the partnership's; there is no cell
    # for an agency within a district (ADR 9).
    hv = cast["health_visitor"].agency_id
    assert Cell.objects.get(key="point.all_three", agency_id=hv, district="", breakdown="new_baby_review").value == 1
    assert Cell.objects.get(key="point.all_three", agency_id=0, district="DE1", breakdown="new_baby_review").value == 1
    assert not Cell.objects.filter(agency_id=hv, district="DE1").exists()


def test_the_refresh_runs_when_the_write_commits(family: Family, cast: dict[str, User],
                                                 django_capture_on_commit_callbacks: Any) -> None:
    rollups.refresh_pending()
    mother = family.people.get()
    with django_capture_on_commit_callbacks(execute=True):
        contact(cast["health_visitor"], family, {mother: ("safe_sleep",)})
    assert not DirtyFamily.objects.exists()
    assert total("messages.given", "safe_sleep") == 1


def test_reading_a_family_does_not_mark_it(family: Family, cast: dict[str, User]) -> None:
    rollups.refresh_pending()
    access.family_for(cast["health_visitor"], str(family.public_id))
    assert not DirtyFamily.objects.exists()


def test_refreshing_twice_changes_nothing(family: Family, cast: dict[str, User]) -> None:
    contact(cast["health_visitor"], family, {family.people.get(): ALL_THREE})
    rollups.refresh_pending()
    before = rollups.cell_totals()
    rollups.refresh([family.pk])
    rollups.refresh([family.pk])
    assert rollups.cell_totals() == before


def test_incremental_equals_rebuilt_through_a_familys_first_year(
    make_family: Any, cast: dict[str, User]
) -> None:
    hv, lead = cast["health_visitor"], cast["lead"]
    family = make_family(baby=baby_details(date_of_birth=None, expected_delivery_date=timezone.localdate() + timedelta(weeks=8),
                                           nhs_number="", gestation_at_birth_weeks=None, birth_weight_g=None, sex=""))
    mum = family_actions.add_person(by=hv, family=family, details={
        "given_name": "Jo", "family_name": "Hart", "relationship": "birth_mother", "lives_in_household": True})
    contact(hv, family, {mum: ALL_THREE}, contact_type="hv_antenatal")
    rollups.refresh_pending()
    baby = family.babies.get()
    family_actions.record_birth(by=hv, baby=baby, expected_version=baby.version, birth={
        "date_of_birth": timezone.localdate() - timedelta(days=2), "given_name": "Ava", "nhs_number": "",
        "sex": "female", "gestation_at_birth_weeks": 39, "birth_weight_g": 3300, "multiple_birth": False})
    dad = family_actions.add_person(by=hv, family=family, details={
        "given_name": "Sam", "family_name": "Hart", "relationship": "father", "lives_in_household": True})
    contact(hv, family, {mum: ALL_THREE, dad: ("safe_handling",)}, contact_type="new_baby_review")
    rollups.refresh_pending()
    dad.refresh_from_db()  # the contact moved "last seen" on
    family_actions.update_person(by=hv, person=dad, expected_version=dad.version, changes={"relationship": "other_adult"})
    concern = concern_actions.raise_concern(by=hv, family=family, baby=None, category="unsafe_sleep",
                                            what_was_seen="Baby asleep on the sofa", severity="medium")
    concern_actions.decide_concern(by=lead, concern=concern, decision="advice", rationale="Advice given on a safe space")
    assert_incremental_equals_rebuilt()
    assert total("babies.recorded", "born") == 1
    assert total("carers.recorded", "other_adult") == 1
    assert total("concerns.decided_in_time") == 1


RELATIONSHIPS = ["birth_mother", "father", "mothers_partner", "grandparent", "other_adult", "sibling"]
CONTACT_TYPES = ["antenatal_booking", "birth_discharge", "community_midwife", "new_baby_review",
                 "six_eight_week_review", "gp_six_eight_week", "home_visit", "police_attendance"]

person_step = st.tuples(st.just("person"), st.sampled_from(RELATIONSHIPS), st.booleans())
contact_step = st.tuples(
    st.just("contact"), st.sampled_from(CONTACT_TYPES), st.integers(0, 200),
    st.lists(st.tuples(st.integers(0, 5), st.sets(st.sampled_from(ALL_THREE))), max_size=4),
)
change_step = st.tuples(st.just("change"), st.integers(0, 5), st.sampled_from(RELATIONSHIPS))
refresh_step = st.tuples(st.just("refresh"))
steps = st.lists(st.one_of(person_step, contact_step, change_step, refresh_step), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps, second_family=st.booleans())
def test_incremental_equals_rebuilt_for_any_sequence_of_writes(
    steps: list[tuple[Any, ...]], second_family: bool, make_family: Any, cast: dict[str, User]
) -> None:
    with transaction.atomic():
        hv, police = cast["health_visitor"], cast["police"]
        families = [make_family(baby=baby_details(nhs_number=""))]
        if second_family:
            families.append(make_family(baby=baby_details(nhs_number="", date_of_birth=timezone.localdate() - timedelta(days=400)),
                                        postcode="NG7 1AA"))
        people: list[Person] = []
        for i, step in enumerate(steps):
            family = families[i % len(families)]
            if step[0] == "person":
                people.append(family_actions.add_person(by=hv, family=family, details={
                    "given_name": f"P{i}", "family_name": "Test", "relationship": step[1], "lives_in_household": step[2]}))
            elif step[0] == "contact":
                own = [p for p in people if p.family_id == family.pk]
                given: dict[Person, tuple[str, ...]] = {}
                for index, messages in step[3]:
                    if own:
                        given[own[index % len(own)]] = tuple(sorted(messages))
                by = police if step[1] == "police_attendance" else hv
                if by == police and not family.involvements.filter(agency=police.agency, ended_on__isnull=True).exists():
                    family_actions.record_involvement(by=police, family=family, reason="Attended an incident")
                contact(by, family, given, contact_type=step[1], days_ago=step[2])
            elif step[0] == "change" and people:
                person = Person.objects.get(pk=people[step[1] % len(people)].pk)
                family_actions.update_person(by=hv, person=person, expected_version=person.version,
                                             changes={"relationship": step[2]})
            elif step[0] == "refresh":
                rollups.refresh_pending()
        assert_incremental_equals_rebuilt()
        transaction.set_rollback(True)


def test_incremental_equals_rebuilt_for_the_demo_data() -> None:
    # Tests run outside production, where the demo app is always installed.
    from kbs.nonprod.demo import load_demo_data

    load_demo_data()
    assert DirtyFamily.objects.count() == Family.objects.count()
    assert_incremental_equals_rebuilt()
    assert total("babies.recorded") == sum(1 for _ in Family.objects.values_list("babies"))


def test_commands_rebuild_and_refresh(family: Family, cast: dict[str, User]) -> None:
    contact(cast["health_visitor"], family, {family.people.get(): ALL_THREE})
    out = StringIO()
    call_command("refresh_rollups", stdout=out)
    assert "Refreshed the rollups of 1 families" in out.getvalue()
    before = rollups.cell_totals()
    out = StringIO()
    call_command("rebuild_rollups", stdout=out, stderr=StringIO())
    assert "Rebuilt the rollups of 1 families" in out.getvalue()
    assert rollups.cell_totals() == before


def test_run_clocks_sweeps_families_left_behind(family: Family) -> None:
    assert DirtyFamily.objects.exists()  # registering the family marked it
    out = StringIO()
    call_command("run_clocks", stdout=out)
    assert not DirtyFamily.objects.exists()
    assert "Refreshed the rollups of 1 family" in out.getvalue()


def test_a_babys_month_follows_a_changed_date_of_birth(family: Family, cast: dict[str, User]) -> None:
    rollups.refresh_pending()
    baby = family.babies.get()
    old_month = f"{baby.date_of_birth:%Y-%m}"
    assert Cell.objects.filter(key="babies.recorded", month=old_month, agency_id=ALL_AGENCIES, district="").get().value == 1
    new_dob = date(2025, 1, 15)
    family_actions.update_baby(by=cast["health_visitor"], baby=baby, expected_version=baby.version,
                               changes={"date_of_birth": new_dob})
    rollups.refresh_pending()
    assert total("babies.recorded") == 1
    assert Cell.objects.get(key="babies.recorded", month="2025-01", agency_id=ALL_AGENCIES, district="").value == 1
