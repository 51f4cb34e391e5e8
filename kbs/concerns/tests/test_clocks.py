"""The decision and acknowledgement clocks: same day, and working days across weekends and bank holidays."""

from datetime import datetime

import pytest
from django.utils import timezone

from kbs.concerns.actions import acknowledgement_due_at, decision_due_at
from kbs.core.clocks import add_working_days, is_overdue, is_working_day, same_day_deadline, working_days_deadline


def at(text: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(text))


def test_high_severity_decision_is_due_by_the_end_of_the_same_day() -> None:
    assert decision_due_at("high", at("2026-12-24 10:15")) == at("2026-12-24 23:59:59")


def test_high_severity_raised_on_a_saturday_is_still_due_that_day() -> None:
    assert decision_due_at("high", at("2026-11-28 09:00")) == at("2026-11-28 23:59:59")


@pytest.mark.parametrize("severity", ["medium", "low"])
def test_medium_and_low_decisions_are_due_by_the_end_of_the_next_working_day(severity: str) -> None:
    assert decision_due_at(severity, at("2026-11-26 16:00")) == at("2026-11-27 23:59:59")  # Thursday → Friday


def test_next_working_day_skips_christmas_the_weekend_and_the_boxing_day_substitute() -> None:
    # Thursday 24 December 2026: Friday is Christmas Day, Monday 28th is the Boxing Day holiday.
    assert decision_due_at("medium", at("2026-12-24 11:00")) == at("2026-12-29 23:59:59")
    assert acknowledgement_due_at(at("2026-12-24 11:00")) == at("2026-12-29 23:59:59")


def test_a_friday_afternoon_referral_is_due_on_monday() -> None:
    assert acknowledgement_due_at(at("2026-11-27 17:30")) == at("2026-11-30 23:59:59")


def test_a_saturday_start_counts_from_the_next_working_day() -> None:
    assert add_working_days(at("2026-11-28 12:00").date(), 1).isoformat() == "2026-11-30"
    assert working_days_deadline(at("2026-11-28 12:00"), 1) == at("2026-11-30 23:59:59")


def test_easter_is_skipped() -> None:
    # Thursday 2 April 2026: Good Friday 3rd and Easter Monday 6th are bank holidays.
    assert working_days_deadline(at("2026-04-02 09:00"), 1) == at("2026-04-07 23:59:59")


def test_two_working_days_across_a_bank_holiday_weekend() -> None:
    assert working_days_deadline(at("2026-12-23 09:00"), 2) == at("2026-12-29 23:59:59")


def test_same_day_deadline_follows_the_local_day_in_summer_time() -> None:
    # 23:30 UTC on 30 June is 00:30 on 1 July in London.
    assert same_day_deadline(datetime.fromisoformat("2026-06-30T23:30:00+00:00")) == at("2026-07-01 23:59:59")


def test_working_days_and_overdue() -> None:
    assert is_working_day(at("2026-11-26 00:00").date())
    assert not is_working_day(at("2026-12-25 00:00").date())
    assert not is_working_day(at("2026-11-29 00:00").date())
    assert is_overdue(at("2026-11-26 10:00"), now=at("2026-11-26 10:01"))
    assert not is_overdue(at("2026-11-26 10:00"), now=at("2026-11-26 10:00"))
