"""Shared test fixtures: a small named cast, and families made through the real actions.

The cast: a health visitor and a safeguarding lead in the health-visiting agency (which leads on
the test family), a midwife in maternity (also involved), a police officer in the police (not
involved), an analyst, an administrator and a data protection officer in the partnership, and an outsider
with no role at all.
"""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from kbs.accounts.models import Agency, AgencyType, Role, Team, User
from kbs.families import actions
from kbs.families.models import Family

TEST_NHS_NUMBERS = ["9990000018", "9990000026", "9990000034", "9990000042", "9990000050", "9990000069"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """Django's real hasher takes about 0.2 s a user; tests need no such strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def keep_test_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """For tests that close responses themselves or call the WSGI application directly: when a
    request starts and finishes, Django closes a connection whose autocommit differs from its
    settings, which is true of the test's own transaction on PostgreSQL. Django's test client avoids
    this only around its own calls."""
    from django.db.backends.base.base import BaseDatabaseWrapper

    monkeypatch.setattr(BaseDatabaseWrapper, "close_if_unusable_or_obsolete", lambda self: None)


@pytest.fixture
def agencies(db: Any) -> dict[str, Agency]:
    return {
        "hv": Agency.objects.create(name="Test Health Visiting", agency_type=AgencyType.HEALTH_VISITING,
                                    safeguarding_email="hv-safeguarding@example.nhs.uk"),
        "maternity": Agency.objects.create(name="Test Maternity", agency_type=AgencyType.MATERNITY),
        "police": Agency.objects.create(name="Test Police", agency_type=AgencyType.POLICE),
        "partnership": Agency.objects.create(name="Test Partnership", agency_type=AgencyType.PARTNERSHIP),
    }


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    def make(username: str, role: str | None, agency: Agency | None, **extra: Any) -> User:
        team = Team.objects.get_or_create(agency=agency, name=f"{agency.name} team")[0] if agency else None
        user = User.objects.create_user(
            username=username, password="correct-horse-battery", email=f"{username}@example.nhs.uk",
            first_name=username.split("-")[0].capitalize(), last_name="Tester", agency=agency, team=team, **extra,
        )
        if role:
            user.roles.add(Role.objects.get(slug=role))
        return user

    return make


@pytest.fixture
def cast(agencies: dict[str, Agency], make_user: Callable[..., User]) -> dict[str, User]:
    return {
        "health_visitor": make_user("hv-harriet", "health-visitor", agencies["hv"]),
        "lead": make_user("lead-lucy", "safeguarding-lead", agencies["hv"]),
        "midwife": make_user("mw-maya", "midwife", agencies["maternity"]),
        "police": make_user("pc-peter", "practitioner", agencies["police"]),
        "analyst": make_user("an-alex", "analyst", agencies["partnership"]),
        "admin": make_user("ad-ada", "administrator", agencies["partnership"]),
        "dpo": make_user("dp-dana", "data-protection-officer", agencies["partnership"]),
        "outsider": make_user("out-oscar", None, agencies["police"]),
    }


def baby_details(**overrides: Any) -> dict[str, Any]:
    details: dict[str, Any] = {
        "given_name": "Amelia", "family_name": "Hart",
        "date_of_birth": timezone.localdate() - timedelta(weeks=10), "expected_delivery_date": None,
        "nhs_number": TEST_NHS_NUMBERS[0], "sex": "female", "gestation_at_birth_weeks": 39,
        "birth_weight_g": 3400, "multiple_birth": False, "mobility": "not_rolling",
    }
    details.update(overrides)
    return details


def household_details(**overrides: Any) -> dict[str, Any]:
    details: dict[str, Any] = {
        "address_line_1": "1 Test Street", "address_line_2": "", "town": "Derby", "postcode": "DE1 2AB",
        "language": "English", "interpreter_needed": False,
    }
    details.update(overrides)
    return details


@pytest.fixture
def make_family(cast: dict[str, User]) -> Callable[..., Family]:
    def make(by: User | None = None, baby: dict[str, Any] | None = None, **household: Any) -> Family:
        return actions.register_family(
            by=by or cast["health_visitor"], family=household_details(**household), baby=baby or baby_details(),
            reason="New birth notification",
        )

    return make


@pytest.fixture
def family(make_family: Callable[..., Family], cast: dict[str, User]) -> Family:
    """Health visiting leads; maternity is also involved; the police are not."""
    family = make_family()
    actions.add_person(by=cast["health_visitor"], family=family, details={
        "given_name": "Sophie", "family_name": "Hart", "relationship": "birth_mother", "date_of_birth": date(1995, 4, 2),
        "nhs_number": "", "lives_in_household": True, "regular_carer": True, "parental_responsibility": True,
        "last_seen_on": timezone.localdate(),
    })
    actions.record_involvement(by=cast["midwife"], family=family, reason="Postnatal care")
    return family
