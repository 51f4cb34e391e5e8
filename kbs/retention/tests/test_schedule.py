"""The retention schedule: worked examples for each rule, the settings override, and properties that
hold for any family (hypothesis)."""

from datetime import date

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from kbs.retention.schedule import (
    DEFAULT_SCHEDULE,
    BabyFacts,
    FamilyFacts,
    Rule,
    Schedule,
    add_years,
    candidates,
    configured_schedule,
    retention_due,
    schedule_from,
)


def born(day: date) -> BabyFacts:
    return BabyFacts(date_of_birth=day, expected_delivery_date=None)


def facts(*babies: BabyFacts, last: date, cp: bool = False) -> FamilyFacts:
    return FamilyFacts(babies=babies, last_contact=last, child_protection=cp)


def test_health_record_is_kept_to_the_25th_birthday() -> None:
    due = retention_due(facts(born(date(2020, 3, 14)), last=date(2021, 1, 5)))
    assert (due.on, due.rule) == (date(2045, 3, 14), Rule.HEALTH)


def test_health_record_is_kept_to_the_26th_birthday_when_17_at_the_last_contact() -> None:
    due = retention_due(facts(born(date(2000, 6, 1)), last=date(2017, 6, 1)))
    assert (due.on, due.rule) == (date(2026, 6, 1), Rule.HEALTH)


def test_a_day_short_of_17_at_the_last_contact_keeps_to_the_25th() -> None:
    due = retention_due(facts(born(date(2000, 6, 1)), last=date(2017, 5, 31)))
    assert due.on == date(2025, 6, 1)


def test_the_youngest_baby_decides_for_a_family_with_two() -> None:
    due = retention_due(facts(born(date(2018, 1, 1)), born(date(2021, 2, 2)), last=date(2021, 5, 1)))
    assert due.on == date(2046, 2, 2)


def test_child_protection_is_kept_35_years_after_the_last_contact() -> None:
    due = retention_due(facts(born(date(2020, 3, 14)), last=date(2021, 1, 5), cp=True))
    assert (due.on, due.rule) == (date(2056, 1, 5), Rule.CHILD_PROTECTION)


def test_an_unborn_baby_is_kept_25_years_after_the_expected_date() -> None:
    unborn = BabyFacts(date_of_birth=None, expected_delivery_date=date(2024, 9, 30))
    due = retention_due(facts(unborn, last=date(2024, 5, 1)))
    assert (due.on, due.rule) == (date(2049, 9, 30), Rule.UNBORN)


def test_adults_records_are_kept_8_years_after_a_late_last_contact() -> None:
    # The baby turns 25 in 2025, but the adults were last seen in 2024.
    due = retention_due(facts(born(date(2000, 1, 1)), last=date(2024, 1, 1)))
    assert due.rule == Rule.ADULTS
    assert due.on == date(2032, 1, 1)
    assert retention_due(facts(last=date(2024, 1, 1))).on == date(2032, 1, 1)


def test_29_february_becomes_28_february() -> None:
    assert add_years(date(2024, 2, 29), 25) == date(2049, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_settings_override_the_defaults(settings: object) -> None:
    settings.KBS_RETENTION_SCHEDULE = {"child_protection_years_after_last_contact": 40, "health_birthday": 21}  # type: ignore[attr-defined]
    schedule = configured_schedule()
    assert schedule.child_protection_years_after_last_contact == 40
    assert schedule.health_birthday == 21
    assert schedule.adults_years_after_last_contact == 8
    assert retention_due(facts(born(date(2020, 3, 14)), last=date(2021, 1, 5)), schedule).on == date(2041, 3, 14)
    assert retention_due(facts(born(date(2020, 3, 14)), last=date(2021, 1, 5), cp=True), schedule).on == date(2061, 1, 5)


def test_no_setting_gives_the_defaults(settings: object) -> None:
    if hasattr(settings, "KBS_RETENTION_SCHEDULE"):
        del settings.KBS_RETENTION_SCHEDULE  # type: ignore[attr-defined]
    assert configured_schedule() == DEFAULT_SCHEDULE


@pytest.mark.parametrize(("value", "message"), [
    ([25], "must be a dict"),
    ({"health_years": 25}, "unknown rule(s) health_years"),
    ({"health_birthday": "25"}, "whole number of years"),
    ({"health_birthday": 0}, "whole number of years"),
    ({"health_birthday": True}, "whole number of years"),
    ({"health_birthday": 25.5}, "whole number of years"),
    ({"health_birthday_if_older": 20}, "must not be earlier than health_birthday"),
    ({"older_age_at_last_contact": 30}, "must be younger than health_birthday"),
])
def test_bad_settings_are_refused_clearly(settings: object, value: object, message: str) -> None:
    settings.KBS_RETENTION_SCHEDULE = value  # type: ignore[attr-defined]
    with pytest.raises(ImproperlyConfigured, match="KBS_RETENTION_SCHEDULE") as refused:
        configured_schedule()
    assert message in str(refused.value)


# --- properties --------------------------------------------------------------------------------

days = st.dates(min_value=date(1950, 1, 1), max_value=date(2060, 12, 31))
babies = st.lists(
    st.one_of(
        st.builds(BabyFacts, date_of_birth=days, expected_delivery_date=st.none()),
        st.builds(BabyFacts, date_of_birth=st.none(), expected_delivery_date=days),
    ),
    max_size=3,
)
family_facts = st.builds(FamilyFacts, babies=babies.map(tuple), last_contact=days, child_protection=st.booleans())
years = st.integers(min_value=1, max_value=60)
schedules = st.builds(
    lambda birthday, extra, older, unborn, adults, cp: Schedule(
        health_birthday=birthday, health_birthday_if_older=birthday + extra,
        older_age_at_last_contact=min(older, birthday - 1) or 1, unborn_years_after_expected_date=unborn,
        adults_years_after_last_contact=adults, child_protection_years_after_last_contact=cp,
    ),
    st.integers(min_value=2, max_value=40), st.integers(min_value=0, max_value=5), years, years, years, years,
)


@given(family_facts, schedules)
def test_the_due_date_is_never_earlier_than_any_rule(facts: FamilyFacts, schedule: Schedule) -> None:
    due = retention_due(facts, schedule)
    for _, on in candidates(facts, schedule):
        assert due.on >= on
    assert due.on > facts.last_contact
    assert (due.rule, due.on) in candidates(facts, schedule)


@given(family_facts, schedules)
def test_child_protection_wins_over_health_when_later(facts: FamilyFacts, schedule: Schedule) -> None:
    due = retention_due(facts, schedule)
    found = candidates(facts, schedule)
    cp = [on for rule, on in found if rule == Rule.CHILD_PROTECTION]
    health = [on for rule, on in found if rule in (Rule.HEALTH, Rule.UNBORN)]
    if cp and all(cp[0] >= on for on in health):
        assert due.on == cp[0] or due.rule == Rule.ADULTS and due.on > cp[0]
        if due.on == cp[0]:
            assert due.rule == Rule.CHILD_PROTECTION
    if not facts.child_protection:
        assert due.rule != Rule.CHILD_PROTECTION


@given(family_facts, schedules)
def test_child_protection_never_shortens_retention(facts: FamilyFacts, schedule: Schedule) -> None:
    without = FamilyFacts(babies=facts.babies, last_contact=facts.last_contact, child_protection=False)
    with_cp = FamilyFacts(babies=facts.babies, last_contact=facts.last_contact, child_protection=True)
    assert retention_due(with_cp, schedule).on >= retention_due(without, schedule).on


def test_schedule_from_none_is_the_default() -> None:
    assert schedule_from(None) is DEFAULT_SCHEDULE
