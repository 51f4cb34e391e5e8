"""The one-month deadline for answering a subject access request (UK GDPR Article 12(3)).

A month runs from the day the request is received to the same day of the next month, or to the last
day of the next month when it has no such day (31 January gives 28 February, or 29 in a leap year).
The deadline may be extended by up to two further months, counted the same way from receipt.
"""

import calendar
from datetime import date

MAX_EXTENSION_MONTHS = 2


def add_months(start: date, months: int) -> date:
    """The same day `months` calendar months on, or the last day of that month when it is shorter."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def due_date(received_on: date, extended_months: int = 0) -> date:
    """The day the response is due: one month from receipt, plus any extension."""
    if not 0 <= extended_months <= MAX_EXTENSION_MONTHS:
        raise ValueError(f"an extension is 0 to {MAX_EXTENSION_MONTHS} months, not {extended_months}")
    return add_months(received_on, 1 + extended_months)


def days_left(due_on: date, today: date) -> int:
    """Days from today to the deadline: 0 on the day itself, negative once overdue."""
    return (due_on - today).days
