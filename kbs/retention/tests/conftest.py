"""Fixtures for retention: families made through the real actions, then aged by moving their dates
back (the only way to have records decades old), and the other apps' record-making fixtures."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from kbs.accounts.models import User
from kbs.concerns.models import Concern, Referral
from kbs.concerns.tests.conftest import decide, raise_concern, refer  # noqa: F401 - fixtures
from kbs.conftest import TEST_NHS_NUMBERS, baby_details
from kbs.contacts.models import Contact
from kbs.contacts.tests.conftest import record  # noqa: F401 - fixture
from kbs.families.models import Baby, Family
from kbs.tools.models import Assessment


def years_ago(years: int, days: int = 0) -> date:
    today = timezone.localdate()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:
        day = today.replace(year=today.year - years, day=28)
    return day - timedelta(days=days)


def age_family(family: Family, *, last_contact: date, born: date | None = None) -> Family:
    """Move every date the schedule reads back, so the family's last contact is `last_contact`."""
    at = timezone.make_aware(datetime.combine(last_contact, time(12)))
    Family.objects.filter(pk=family.pk).update(created_at=at)
    Contact.objects.filter(family=family).update(at=at)
    Assessment.objects.filter(family=family).update(created_at=at)
    Assessment.objects.filter(family=family, completed_at__isnull=False).update(completed_at=at)
    Concern.objects.filter(family=family).update(raised_at=at)
    Referral.objects.filter(family=family).update(made_at=at)
    if born is not None:
        Baby.objects.filter(family=family).update(date_of_birth=born)
    family.refresh_from_db()
    return family


@pytest.fixture
def old_family(make_family: Callable[..., Family]) -> Callable[..., Family]:
    """A health family (no concerns) whose baby was born `born_years` ago and was last seen `seen_years` ago."""
    counter = iter(range(1, len(TEST_NHS_NUMBERS)))

    def make(born_years: int = 30, seen_years: int = 29, **household: Any) -> Family:
        family = make_family(baby=baby_details(nhs_number=TEST_NHS_NUMBERS[next(counter)]), **household)
        return age_family(family, last_contact=years_ago(seen_years), born=years_ago(born_years))

    return make


@pytest.fixture
def due_family(old_family: Callable[..., Family]) -> Family:
    """Past its retention date: the baby turned 25 five years ago; last seen at 1."""
    return old_family()


@pytest.fixture
def dpo(cast: dict[str, User]) -> User:
    return cast["dpo"]
