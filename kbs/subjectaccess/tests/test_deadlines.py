"""The one-month deadline: the same day next month, or the last day of a shorter month, and up to
two more months when extended."""

from datetime import date

import pytest

from kbs.subjectaccess.deadlines import add_months, days_left, due_date


@pytest.mark.parametrize(("received", "due"), [
    (date(2026, 3, 15), date(2026, 4, 15)),
    (date(2026, 1, 31), date(2026, 2, 28)),
    (date(2028, 1, 31), date(2028, 2, 29)),  # a leap year
    (date(2026, 1, 29), date(2026, 2, 28)),
    (date(2028, 1, 29), date(2028, 2, 29)),
    (date(2026, 3, 31), date(2026, 4, 30)),
    (date(2026, 8, 31), date(2026, 9, 30)),
    (date(2026, 12, 31), date(2027, 1, 31)),  # over the year end
    (date(2026, 12, 15), date(2027, 1, 15)),
    (date(2026, 2, 28), date(2026, 3, 28)),
    (date(2028, 2, 29), date(2028, 3, 29)),
])
def test_due_date_is_one_calendar_month_on(received: date, due: date) -> None:
    assert due_date(received) == due


@pytest.mark.parametrize(("received", "months", "due"), [
    (date(2026, 1, 31), 1, date(2026, 3, 31)),
    (date(2026, 1, 31), 2, date(2026, 4, 30)),
    (date(2027, 11, 30), 2, date(2028, 2, 29)),  # counted from receipt, landing on a leap day
    (date(2026, 11, 30), 2, date(2027, 2, 28)),
    (date(2026, 11, 15), 2, date(2027, 2, 15)),
])
def test_extension_counts_further_months_from_receipt(received: date, months: int, due: date) -> None:
    assert due_date(received, months) == due


@pytest.mark.parametrize("months", [-1, 3, 4])
def test_extension_beyond_two_months_is_refused(months: int) -> None:
    with pytest.raises(ValueError, match="0 to 2 months"):
        due_date(date(2026, 1, 1), months)


def test_add_months_over_several_years() -> None:
    assert add_months(date(2026, 5, 31), 21) == date(2028, 2, 29)
    assert add_months(date(2026, 5, 31), 0) == date(2026, 5, 31)


def test_days_left_is_negative_once_overdue() -> None:
    due = date(2026, 4, 15)
    assert days_left(due, date(2026, 4, 10)) == 5
    assert days_left(due, date(2026, 4, 15)) == 0
    assert days_left(due, date(2026, 4, 18)) == -3
