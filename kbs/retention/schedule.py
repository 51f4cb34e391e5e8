"""The retention schedule: how long a family's records are kept, as a pure function of a few facts.

`retention_due(facts, schedule)` works out every rule that applies to the family and keeps the
records until the latest of them: keeping too long can be put right later, disposing too early
cannot. The rules, with the partnership's defaults:

- health: a born baby's records are kept until the baby's 25th birthday, or the 26th if the young
  person was 17 or older at the last contact (the end of treatment);
- unborn: a baby whose birth was never recorded here is kept until 25 years after the expected
  date of delivery. The birth may have happened without reaching KBS, so the expected date stands
  in for the date of birth and the health rule applies to it;
- adults: the adults' own records (parents, carers) are kept 8 years after the last contact, as
  for adult health records. It is the floor for every family, so a family whose baby is nearly 25
  at a late contact is still kept 8 years after it;
- child protection: a family with any concern, referral or pre-birth safeguarding case is kept 35
  years after the last contact.

The years are settings: `KBS_RETENTION_SCHEDULE` in settings is a dict overriding any of the
`Schedule` fields below by name; anything else there is refused with ImproperlyConfigured.
"""

from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any

from django.core.exceptions import ImproperlyConfigured


class Rule:
    """The rule that decided a family's retention date (stored on review and disposal records)."""

    HEALTH = "health"
    UNBORN = "unborn"
    ADULTS = "adults"
    CHILD_PROTECTION = "child_protection"


RULE_NAMES = {
    Rule.HEALTH: "Health record",
    Rule.UNBORN: "Health record (unborn baby)",
    Rule.ADULTS: "Adults' health record",
    Rule.CHILD_PROTECTION: "Child protection record",
}
RULE_CHOICES = list(RULE_NAMES.items())

# When two rules give the same date, the first here names it: the most protective reason wins.
_PRECEDENCE = [Rule.CHILD_PROTECTION, Rule.HEALTH, Rule.UNBORN, Rule.ADULTS]


@dataclass(frozen=True)
class Schedule:
    health_birthday: int = 25
    health_birthday_if_older: int = 26
    older_age_at_last_contact: int = 17
    unborn_years_after_expected_date: int = 25
    adults_years_after_last_contact: int = 8
    child_protection_years_after_last_contact: int = 35

    def describe(self) -> list[tuple[str, str]]:
        """Each rule in plain English, for the review pages."""
        return [
            (RULE_NAMES[Rule.HEALTH], f"Kept until the baby's {_ordinal(self.health_birthday)} birthday, or the "
             f"{_ordinal(self.health_birthday_if_older)} if they were {self.older_age_at_last_contact} or older at "
             "the last contact."),
            (RULE_NAMES[Rule.UNBORN], f"A baby whose birth was never recorded: kept until "
             f"{self.unborn_years_after_expected_date} years after the expected date of delivery."),
            (RULE_NAMES[Rule.ADULTS], f"The parents' and carers' records: kept {self.adults_years_after_last_contact} "
             "years after the last contact. Every family is kept at least this long."),
            (RULE_NAMES[Rule.CHILD_PROTECTION], "A family with any concern, referral or pre-birth safeguarding case: "
             f"kept {self.child_protection_years_after_last_contact} years after the last contact."),
        ]


DEFAULT_SCHEDULE = Schedule()


@dataclass(frozen=True)
class BabyFacts:
    date_of_birth: date | None
    expected_delivery_date: date | None


@dataclass(frozen=True)
class FamilyFacts:
    """What the schedule needs to know about a family, and nothing more."""

    babies: tuple[BabyFacts, ...]
    # The latest contact, assessment, concern or referral; the registration date if none.
    last_contact: date
    child_protection: bool


@dataclass(frozen=True)
class Due:
    on: date
    rule: str
    # Every rule that applied and its date, for showing the working.
    candidates: tuple[tuple[str, date], ...]

    @property
    def rule_name(self) -> str:
        return RULE_NAMES[self.rule]


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a year that has none."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def age_on(born: date, on: date) -> int:
    """Age in whole years on a day."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def candidates(facts: FamilyFacts, schedule: Schedule) -> list[tuple[str, date]]:
    """Every rule that applies to the family, with the date it gives."""
    found = [(Rule.ADULTS, add_years(facts.last_contact, schedule.adults_years_after_last_contact))]
    for baby in facts.babies:
        if baby.date_of_birth is not None:
            older = age_on(baby.date_of_birth, facts.last_contact) >= schedule.older_age_at_last_contact
            birthday = schedule.health_birthday_if_older if older else schedule.health_birthday
            found.append((Rule.HEALTH, add_years(baby.date_of_birth, birthday)))
        elif baby.expected_delivery_date is not None:
            found.append((Rule.UNBORN, add_years(baby.expected_delivery_date, schedule.unborn_years_after_expected_date)))
    if facts.child_protection:
        found.append((Rule.CHILD_PROTECTION, add_years(facts.last_contact, schedule.child_protection_years_after_last_contact)))
    return found


def retention_due(facts: FamilyFacts, schedule: Schedule = DEFAULT_SCHEDULE) -> Due:
    """When the family's records may be disposed of, and the rule that decided it: the latest date
    of every rule that applies (ties go to the most protective rule)."""
    found = candidates(facts, schedule)
    latest = max(on for _, on in found)
    rule = min((r for r, on in found if on == latest), key=_PRECEDENCE.index)
    return Due(on=latest, rule=rule, candidates=tuple(sorted(found, key=lambda c: (c[1], c[0]))))


def schedule_from(value: Any) -> Schedule:
    """A Schedule from the `KBS_RETENTION_SCHEDULE` setting (None for the defaults). Every mistake is
    refused with ImproperlyConfigured saying what to fix."""
    if value is None:
        return DEFAULT_SCHEDULE
    if not isinstance(value, dict):
        raise ImproperlyConfigured("KBS_RETENTION_SCHEDULE must be a dict of rule names to whole years")
    known = {f.name for f in fields(Schedule)}
    unknown = sorted(set(map(str, value)) - known)
    if unknown:
        raise ImproperlyConfigured(
            f"KBS_RETENTION_SCHEDULE has unknown rule(s) {', '.join(unknown)}; the rules are {', '.join(sorted(known))}"
        )
    for name, years in value.items():
        if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= 100:
            raise ImproperlyConfigured(f"KBS_RETENTION_SCHEDULE[{name!r}] must be a whole number of years from 1 to 100")
    schedule = replace(DEFAULT_SCHEDULE, **value)
    if schedule.health_birthday_if_older < schedule.health_birthday:
        raise ImproperlyConfigured(
            "KBS_RETENTION_SCHEDULE: health_birthday_if_older must not be earlier than health_birthday"
        )
    if schedule.older_age_at_last_contact >= schedule.health_birthday:
        raise ImproperlyConfigured(
            "KBS_RETENTION_SCHEDULE: older_age_at_last_contact must be younger than health_birthday"
        )
    return schedule


def configured_schedule() -> Schedule:
    """The schedule in force: the defaults with any overrides from settings."""
    from django.conf import settings

    return schedule_from(getattr(settings, "KBS_RETENTION_SCHEDULE", None))


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
