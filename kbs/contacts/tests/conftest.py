"""Fixtures for contacts: people added and contacts recorded through the real actions."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from kbs.accounts.models import User
from kbs.contacts import actions
from kbs.contacts.models import Contact
from kbs.families import actions as family_actions
from kbs.families.models import Family, Person

ALL_THREE = ("safe_sleep", "safe_handling", "safe_space")


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # PBKDF2 costs about 0.2 s a user and the cast has seven; these tests are not about hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def an_hour_ago() -> datetime:
    return timezone.now() - timedelta(hours=1)


@pytest.fixture
def add_person(cast: dict[str, User]) -> Callable[..., Person]:
    def add(family: Family, given_name: str, relationship: str, **flags: Any) -> Person:
        return family_actions.add_person(by=cast["health_visitor"], family=family, details={
            "given_name": given_name, "family_name": "Hart", "relationship": relationship, **flags,
        })

    return add


@pytest.fixture
def mother(family: Family) -> Person:
    """Sophie Hart, from the shared `family` fixture: lives with the baby, seen today."""
    return family.people.get(given_name="Sophie")


@pytest.fixture
def record(cast: dict[str, User]) -> Callable[..., Contact]:
    """Record a contact: `given` maps each person to the messages they were given."""

    def make(family: Family, *, by: User | None = None, given: dict[Person, tuple[str, ...]] | None = None,
             present: list[Person] | None = None, life_events: list[dict[str, Any]] | None = None,
             **details: Any) -> Contact:
        given = given or {}
        return actions.record_contact(
            by=by or cast["health_visitor"], family=family,
            details={"at": an_hour_ago(), "contact_type": "home_visit", "setting": "home", "baby_seen": True,
                     "sleep_place_observed": "cot", "language": "English", "interpreter_used": False,
                     "notes": "", "shared": True, **details},
            present=present if present is not None else list(given),
            deliveries=[{"person": p, "message": m, "leaflet_given": True, "understanding_checked": False}
                        for p, messages in given.items() for m in messages],
            life_events=life_events or [],
        )

    return make
