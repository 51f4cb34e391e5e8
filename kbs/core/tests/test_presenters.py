"""Display values: spaced NHS numbers, ages the way practitioners say them, and dates."""

from datetime import UTC, date, datetime, timedelta

import pytest

from kbs.core import presenters
from kbs.core.validators import today


@pytest.mark.parametrize(
    ("value", "shown"),
    [("9990000018", "999 000 0018"), ("999 000 0018", "999 000 0018"), ("999-000-0018", "999 000 0018"),
     ("", "Not known"), (None, "Not known"), ("12345", "12345")],
)
def test_nhs_number_spaced_3_3_4(value: str | None, shown: str) -> None:
    assert presenters.nhs_number(value) == shown


@pytest.mark.parametrize(
    ("born", "on", "shown"),
    [
        (date(2026, 3, 10), date(2026, 3, 10), "0 days"),
        (date(2026, 3, 10), date(2026, 3, 11), "1 day"),
        (date(2026, 3, 10), date(2026, 3, 23), "13 days"),
        (date(2026, 3, 10), date(2026, 3, 24), "2 weeks"),
        (date(2026, 1, 1), date(2026, 7, 1), "25 weeks"),
        (date(2026, 1, 1), date(2026, 7, 2), "6 months"),
        (date(2024, 1, 15), date(2026, 1, 14), "23 months"),
        (date(2024, 1, 15), date(2026, 1, 15), "2 years"),
        (date(2026, 3, 10), date(2026, 3, 9), "Not born yet"),
        (None, date(2026, 3, 9), "Not known"),
    ],
)
def test_age_worded_in_days_weeks_months_years(born: date | None, on: date, shown: str) -> None:
    assert presenters.age(born, on=on) == shown


def test_age_defaults_to_today() -> None:
    assert presenters.age(today() - timedelta(weeks=10)) == "10 weeks"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (date(2026, 3, 5), "5 March 2026"),
        (date(2026, 12, 25), "25 December 2026"),
        # 23:30 UTC in summer is already the next day in London.
        (datetime(2026, 6, 30, 23, 30, tzinfo=UTC), "1 July 2026"),
        (None, "Not recorded"),
    ],
)
def test_day_without_leading_zero(value: date | datetime | None, shown: str) -> None:
    assert presenters.day(value) == shown


def test_moment_in_london_time() -> None:
    assert presenters.moment(datetime(2026, 1, 5, 9, 7, tzinfo=UTC)) == "5 January 2026 at 09:07"
    assert presenters.moment(None) == "Not recorded"


@pytest.mark.parametrize(("value", "shown"), [(True, "Yes"), (False, "No"), (None, "Not known")])
def test_yes_no_worded(value: bool | None, shown: str) -> None:
    assert presenters.yes_no(value) == shown


def test_gestation_worded_in_weeks_and_days() -> None:
    assert presenters.gestation(today() + timedelta(days=10)) == "38 weeks 4 days pregnant"
    assert presenters.gestation(today() + timedelta(days=279)) == "0 weeks 1 day pregnant"
    assert presenters.gestation(None) == "Not known"
