"""ICON: which contacts count for which of the five touchpoints, each touchpoint's state by the baby's
age, who has heard the coping-with-crying message, and the query count."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kbs.accounts.models import AgencyType, User
from kbs.conftest import baby_details
from kbs.contacts.icon import (
    BY_SLUG,
    TOUCHPOINTS,
    State,
    build_icon_status,
    icon_status,
    touchpoints_for_contact,
)
from kbs.contacts.models import Contact, ContactType
from kbs.families.models import Family, Person

HV = AgencyType.HEALTH_VISITING


# --- the mapping -------------------------------------------------------------------------------


@pytest.mark.parametrize(("contact_type", "agency_type", "expected"), [
    (ContactType.ANTENATAL_BOOKING, AgencyType.MATERNITY, ["antenatal"]),
    (ContactType.HV_ANTENATAL, HV, ["antenatal"]),
    (ContactType.BIRTH_DISCHARGE, AgencyType.MATERNITY, ["birth"]),
    (ContactType.COMMUNITY_MIDWIFE, AgencyType.MATERNITY, ["community_midwife"]),
    (ContactType.NEW_BABY_REVIEW, HV, ["health_visitor"]),
    (ContactType.SIX_EIGHT_WEEK_REVIEW, HV, ["health_visitor"]),
    (ContactType.HOME_VISIT, HV, ["health_visitor"]),
    (ContactType.GP_SIX_EIGHT_WEEK, AgencyType.GP_PRACTICE, ["gp"]),
])
def test_touchpoint_mapping_counts_the_right_contacts(contact_type: str, agency_type: str, expected: list[str]) -> None:
    assert [t.slug for t in touchpoints_for_contact(contact_type, agency_type)] == expected


@pytest.mark.parametrize(("contact_type", "agency_type"), [
    (ContactType.HOME_VISIT, AgencyType.POLICE),
    (ContactType.HOME_VISIT, AgencyType.MATERNITY),
    (ContactType.IMMUNISATION, HV),
    (ContactType.CLINIC, HV),
    (ContactType.PHONE_OR_VIDEO, HV),
    (ContactType.POLICE_ATTENDANCE, AgencyType.POLICE),
    (ContactType.OTHER, AgencyType.GP_PRACTICE),
])
def test_touchpoint_mapping_ignores_other_contacts(contact_type: str, agency_type: str) -> None:
    assert touchpoints_for_contact(contact_type, agency_type) == []


def test_touchpoints_are_five_in_order() -> None:
    assert [t.number for t in TOUCHPOINTS] == [1, 2, 3, 4, 5]
    assert BY_SLUG["gp"].in_words == "the GP touchpoint (5 of 5)"
    assert BY_SLUG["community_midwife"].title == "Community midwife"


@pytest.mark.parametrize(("age_days", "slug", "state"), [
    (-100, "antenatal", State.NOT_YET),
    (-84, "antenatal", State.DUE),
    (5, "antenatal", State.MISSED),
    (5, "health_visitor", State.NOT_YET),
    (12, "health_visitor", State.DUE),
    (41, "gp", State.NOT_YET),
    (42, "gp", State.DUE),
    (92, "gp", State.MISSED),
    (None, "gp", State.NOT_DONE),
])
def test_touchpoint_state_follows_the_babys_age(age_days: int | None, slug: str, state: str) -> None:
    status = build_icon_status([], [], age_days)
    assert status.status_of(slug).state == state


# --- status from recorded contacts ---------------------------------------------------------------


@pytest.fixture
def father(family: Family, add_person: Callable[..., Person]) -> Person:
    """Jack Hart: lives with the baby, never seen by anybody."""
    return add_person(family, "Jack", "father", lives_in_household=True)


def test_status_touchpoint_done_when_safe_handling_given_at_such_a_contact(
    family: Family, mother: Person, father: Person, record: Callable[..., Contact], cast: dict[str, User],
) -> None:
    record(family, by=cast["midwife"], given={mother: ("safe_handling",)}, contact_type="community_midwife")
    record(family, given={mother: ("safe_sleep",)}, contact_type="new_baby_review")  # not the crying message
    status = icon_status(family.babies.get())
    done = status.status_of("community_midwife")
    assert done.is_done
    assert done.state == State.DONE
    assert done.done is not None
    assert done.done.agency == "Test Maternity"
    assert not status.status_of("health_visitor").is_done
    assert status.done_count == 1


def test_status_father_never_present_is_not_heard(
    family: Family, mother: Person, father: Person, record: Callable[..., Contact],
) -> None:
    record(family, given={mother: ("safe_handling",)}, contact_type="new_baby_review")
    status = icon_status(family.babies.get())
    assert status.not_heard == [father]
    assert status.fathers_and_partners_not_heard == [father]
    by_person = {c.person: c for c in status.carers}
    assert [t.slug for t in by_person[mother].touchpoints] == ["health_visitor"]
    assert by_person[father].touchpoints == []


def test_status_per_carer_lists_each_touchpoint_heard(
    family: Family, mother: Person, father: Person, record: Callable[..., Contact], cast: dict[str, User],
) -> None:
    record(family, by=cast["midwife"], given={mother: ("safe_handling",), father: ("safe_handling",)},
           contact_type="community_midwife")
    record(family, given={father: ("safe_handling",)}, contact_type="home_visit")  # by health visiting
    status = icon_status(family.babies.get())
    assert status.not_heard == []
    carers = {c.person: [t.slug for t in c.touchpoints] for c in status.carers}
    assert carers == {mother: ["community_midwife"], father: ["community_midwife", "health_visitor"]}


def test_status_message_at_a_non_touchpoint_contact_counts_as_heard(
    family: Family, mother: Person, father: Person, record: Callable[..., Contact], cast: dict[str, User],
) -> None:
    record(family, given={father: ("safe_handling",)}, contact_type="clinic")
    status = icon_status(family.babies.get())
    assert father not in status.not_heard
    assert status.done_count == 0


def test_status_children_and_occasional_visitors_are_not_carers(
    family: Family, mother: Person, add_person: Callable[..., Person],
) -> None:
    add_person(family, "Ella", "sibling", lives_in_household=True)
    add_person(family, "Rita", "family_friend")
    assert [c.person for c in icon_status(family.babies.get()).carers] == [mother]


def test_status_contacts_before_this_pregnancy_do_not_count(
    family: Family, mother: Person, record: Callable[..., Contact],
) -> None:
    # The baby is 10 weeks old: a year and a half ago was an earlier baby's contact.
    record(family, given={mother: ("safe_handling",)}, contact_type="gp_six_eight_week",
           at=timezone.now() - timedelta(weeks=80))
    assert not icon_status(family.babies.get()).status_of("gp").is_done
    # For the family as a whole, it still counts.
    assert icon_status(family).status_of("gp").is_done


def test_status_for_an_unborn_baby(
    make_family: Callable[..., Family], add_person: Callable[..., Person], record: Callable[..., Contact],
) -> None:
    family = make_family(baby=baby_details(date_of_birth=None, nhs_number="",
                                           expected_delivery_date=timezone.localdate() + timedelta(weeks=8)))
    mum = add_person(family, "Zoe", "birth_mother", lives_in_household=True)
    record(family, given={mum: ("safe_handling",)}, contact_type="hv_antenatal", baby_seen=False)
    status = icon_status(family.babies.get())
    assert status.status_of("antenatal").state == State.DONE
    assert status.status_of("birth").state == State.NOT_YET


def test_status_query_count_does_not_grow_with_contacts(
    family: Family, mother: Person, father: Person, record: Callable[..., Contact],
) -> None:
    baby = family.babies.get()
    record(family, given={mother: ("safe_handling",)}, contact_type="new_baby_review")
    with CaptureQueriesContext(connection) as few:
        icon_status(baby)
    for contact_type in ("community_midwife", "home_visit", "six_eight_week_review", "clinic"):
        record(family, given={mother: ("safe_handling",), father: ("safe_handling",)}, contact_type=contact_type)
    with CaptureQueriesContext(connection) as many:
        icon_status(baby)
    assert len(few) == len(many) == 2
