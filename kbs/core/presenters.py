"""Display values for templates, so that templates hold no logic."""

from datetime import date, datetime
from typing import Any

from django.utils import timezone

from kbs.core.validators import normalise_nhs_number, today


def nhs_number(value: str | None) -> str:
    digits = normalise_nhs_number(value or "")
    if len(digits) != 10:
        return value or "Not known"
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def day(value: date | datetime | None) -> str:
    if value is None:
        return "Not recorded"
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return f"{value.day} {value:%B %Y}"


def moment(value: datetime | None) -> str:
    if value is None:
        return "Not recorded"
    local = timezone.localtime(value)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}".replace(" at 0", " at 0")


def age(born: date | None, on: date | None = None) -> str:
    """A baby's age the way practitioners say it: days, then weeks, then months."""
    if born is None:
        return "Not known"
    days = ((on or today()) - born).days
    if days < 0:
        return "Not born yet"
    if days < 14:
        return f"{days} day{'s' if days != 1 else ''}"
    if days < 7 * 26:
        return f"{days // 7} weeks"
    months = (on or today()).month - born.month + 12 * ((on or today()).year - born.year)
    if (on or today()).day < born.day:
        months -= 1
    if months < 24:
        return f"{months} months"
    return f"{months // 12} years"


def yes_no(value: bool | None) -> str:
    if value is None:
        return "Not known"
    return "Yes" if value else "No"


def gestation(edd: date | None) -> str:
    if edd is None:
        return "Not known"
    from kbs.core.validators import gestation_from_edd

    weeks, days = gestation_from_edd(edd)
    return f"{weeks} weeks {days} day{'s' if days != 1 else ''} pregnant"


FILTERS: dict[str, Any] = {
    "nhs_number": nhs_number,
    "day": day,
    "moment": moment,
    "age": age,
    "yes_no": yes_no,
}
