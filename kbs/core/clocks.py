"""Clocks for safeguarding timescales: "same day" and "within N working days".

Working days are Monday to Friday except England's bank holidays. Same day means by 23:59 local
time on the day the clock starts. The bank holiday list is data: extend it each year.
"""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

ENGLAND_BANK_HOLIDAYS = frozenset(
    date.fromisoformat(d)
    for d in [
        "2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25", "2025-12-25", "2025-12-26",
        "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28",
        "2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-27", "2027-12-28",
        "2028-01-03", "2028-04-14", "2028-04-17", "2028-05-01", "2028-05-29", "2028-08-28", "2028-12-25", "2028-12-26",
    ]
)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in ENGLAND_BANK_HOLIDAYS


def add_working_days(day: date, days: int) -> date:
    """The date `days` working days after `day` (a start on a non-working day counts from the next one)."""
    current = day
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def end_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def same_day_deadline(start: datetime) -> datetime:
    """By the end of the local day the clock started."""
    return end_of_day(timezone.localtime(start).date())


def working_days_deadline(start: datetime, days: int) -> datetime:
    """By the end of the `days`-th working day after the clock started."""
    return end_of_day(add_working_days(timezone.localtime(start).date(), days))


def is_overdue(due_at: datetime, now: datetime | None = None) -> bool:
    return (now or timezone.now()) > due_at
