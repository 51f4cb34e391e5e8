"""Coverage of the three messages: the rules as pure functions, then the loaders and the SQL version."""

from collections.abc import Callable
from datetime import date, timedelta
from itertools import count
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kbs.accounts.models import User
from kbs.conftest import TEST_NHS_NUMBERS, baby_details
from kbs.contacts.coverage import (
    NEVER_GIVEN_MESSAGES,
    NEVER_SEEN,
    Given,
    babies_with_gaps,
    build_coverage,
    coverage_for_families,
    coverage_for_family,
    families_with_gaps,
)
from kbs.contacts.models import Contact
from kbs.contacts.tests.conftest import ALL_THREE
from kbs.families.models import Family, Person

_ids = count(1)
SEEN = date(2026, 3, 2)


def _person(name: str, relationship: str, *, lives: bool = False, carer: bool = False, seen: date | None = SEEN) -> Person:
    return Person(pk=next(_ids), given_name=name, family_name="Hart", relationship=relationship,
                  lives_in_household=lives, regular_carer=carer, last_seen_on=seen)


def _given(*pairs: tuple[Person, str]) -> dict[tuple[int, str], Given]:
    at = timezone.now() - timedelta(days=3)
    return {(p.pk, m): Given(at, "Test Health Visiting", "Harriet Tester") for p, m in pairs}


def _all(person: Person) -> list[tuple[Person, str]]:
    return [(person, m) for m in ALL_THREE]


# --- the rules -------------------------------------------------------------------------------


def test_coverage_complete_when_every_carer_has_every_message() -> None:
    mum = _person("Sophie", "birth_mother", lives=True, carer=True)
    dad = _person("Jack", "father", lives=True)
    coverage = build_coverage([mum, dad], _given(*_all(mum), *_all(dad)), set())
    assert coverage.complete
    assert [c.person for c in coverage.carers] == [mum, dad]
    assert coverage.invisible_carers == []
    assert coverage.gaps == []
    assert all(given is not None and given.agency == "Test Health Visiting" for _, given in coverage.carers[0].cells)


def test_coverage_gaps_name_the_missing_messages() -> None:
    mum = _person("Sophie", "birth_mother", lives=True)
    dad = _person("Jack", "father", lives=True)
    coverage = build_coverage([mum, dad], _given(*_all(mum), (dad, "safe_sleep")), set())
    assert not coverage.complete
    assert coverage.carers[1].missing == ["Safe handling", "Safe space"]
    assert [label for label, given in coverage.carers[1].cells if given is None] == ["Safe handling", "Safe space"]
    assert coverage.gaps == ["Jack Hart: no safe handling and safe space"]


def test_live_in_partner_never_seen_is_an_invisible_carer() -> None:
    mum = _person("Sophie", "birth_mother", lives=True)
    partner = _person("Daniel", "mothers_partner", lives=True, seen=None)
    coverage = build_coverage([mum, partner], _given(*_all(mum)), set())
    [invisible] = coverage.invisible_carers
    assert invisible.person == partner
    assert invisible.reasons == (NEVER_SEEN, NEVER_GIVEN_MESSAGES)
    assert coverage.never_seen == [partner]
    assert coverage.never_given_messages == [partner]
    assert coverage.gaps == ["Daniel Hart: never seen by a practitioner and never given any of the three messages"]


def test_present_at_a_contact_counts_as_seen_even_without_a_last_seen_date() -> None:
    partner = _person("Daniel", "mothers_partner", lives=True, seen=None)
    coverage = build_coverage([partner], _given((partner, "safe_sleep")), {partner.pk})
    assert coverage.invisible_carers == []
    assert not coverage.complete


def test_grandmother_regular_carer_with_safe_space_only() -> None:
    mum = _person("Sophie", "birth_mother", lives=True)
    nan = _person("Linda", "grandparent", carer=True)
    coverage = build_coverage([mum, nan], _given(*_all(mum), (nan, "safe_space")), set())
    grandmother = coverage.carers[1]
    assert grandmother.person == nan
    assert grandmother.missing == ["Safe sleep", "Safe handling"]
    assert coverage.invisible_carers == []  # seen, and has had one message
    assert not coverage.complete


def test_grandparent_who_does_not_look_after_the_baby_is_not_counted() -> None:
    mum = _person("Sophie", "birth_mother", lives=True)
    nan = _person("Linda", "grandparent")
    coverage = build_coverage([mum, nan], _given(*_all(mum)), set())
    assert [c.person for c in coverage.carers] == [mum]
    assert coverage.complete


def test_siblings_and_other_children_are_excluded_even_living_in_the_home() -> None:
    mum = _person("Sophie", "birth_mother", lives=True)
    sister = _person("Ella", "sibling", lives=True, carer=True, seen=None)
    cousin = _person("Tom", "other_child", lives=True, seen=None)
    visitor = _person("Kim", "family_friend", seen=None)
    coverage = build_coverage([mum, sister, cousin, visitor], _given(*_all(mum)), set())
    assert [c.person for c in coverage.carers] == [mum]
    assert coverage.invisible_carers == []
    assert coverage.complete
    assert coverage.people == [mum, sister, cousin, visitor]


def test_father_living_elsewhere_needs_the_messages_but_is_not_an_invisible_carer() -> None:
    mum = _person("Sophie", "birth_mother", lives=True)
    dad = _person("Jack", "father", seen=None)
    coverage = build_coverage([mum, dad], _given(*_all(mum)), set())
    assert [c.person for c in coverage.carers] == [mum, dad]
    assert coverage.invisible_carers == []
    assert not coverage.complete
    assert coverage.gaps == ["Jack Hart: no safe sleep, safe handling and safe space"]


def test_family_with_nobody_recorded_is_not_complete() -> None:
    coverage = build_coverage([], {}, set())
    assert not coverage.complete
    assert coverage.gaps == ["No parents or carers recorded"]


# --- loading from the database ---------------------------------------------------------------


def test_coverage_for_family_shows_the_latest_delivery(
    cast: dict[str, User], family: Family, mother: Person, record: Callable[..., Contact],
) -> None:
    record(family, given={mother: ("safe_sleep",)}, at=timezone.now() - timedelta(days=5))
    record(family, by=cast["midwife"], given={mother: ("safe_sleep", "safe_handling")}, at=timezone.now() - timedelta(days=2))
    record(family, given={mother: ("safe_sleep",)}, at=timezone.now() - timedelta(days=9))  # recorded late, older
    [carer] = coverage_for_family(family).carers
    sleep, handling, space = (given for _, given in carer.cells)
    assert sleep is not None
    assert sleep.agency == "Test Maternity"
    assert sleep.practitioner == "Mw Tester"
    assert handling is not None
    assert handling.agency == "Test Maternity"
    assert space is None


def test_coverage_for_families_runs_two_queries_however_many(
    make_family: Callable[..., Family], cast: dict[str, User], add_person: Callable[..., Person],
    record: Callable[..., Contact],
) -> None:
    families = [make_family(baby=_baby(n)) for n in range(4)]
    for family in families:
        dad = add_person(family, "Jack", "father", lives_in_household=True)
        record(family, given={dad: ALL_THREE})
        record(family, given={dad: ("safe_sleep",)})
    with CaptureQueriesContext(connection) as queries:
        found = coverage_for_families(f.pk for f in families)
    assert len(queries.captured_queries) == 2
    assert all(c.complete for c in found.values())


def _baby(n: int) -> dict[str, Any]:
    return baby_details(nhs_number=TEST_NHS_NUMBERS[n], family_name=f"Family{n}",
                        date_of_birth=timezone.localdate() - timedelta(days=10 + n))


@pytest.mark.parametrize("setup", ["complete", "missing_message", "never_seen", "nobody", "only_children"])
def test_sql_rule_agrees_with_the_python_rule(
    setup: str, make_family: Callable[..., Family], add_person: Callable[..., Person], record: Callable[..., Contact],
) -> None:
    family = make_family()
    if setup == "complete":
        mum = add_person(family, "Sophie", "birth_mother", lives_in_household=True)
        record(family, given={mum: ALL_THREE})
    elif setup == "missing_message":
        mum = add_person(family, "Sophie", "birth_mother", lives_in_household=True)
        record(family, given={mum: ("safe_sleep", "safe_space")})
    elif setup == "never_seen":
        mum = add_person(family, "Sophie", "birth_mother", lives_in_household=True)
        record(family, given={mum: ALL_THREE})
        add_person(family, "Daniel", "mothers_partner", lives_in_household=True)
    elif setup == "only_children":
        add_person(family, "Ella", "sibling", lives_in_household=True)
    has_gap = families_with_gaps(Family.objects.all()).filter(pk=family.pk).exists()
    assert has_gap == (not coverage_for_family(family).complete or bool(coverage_for_family(family).invisible_carers))
    assert has_gap == (setup != "complete")
    assert babies_with_gaps(Family.objects.all()).filter(family=family).exists() == has_gap
