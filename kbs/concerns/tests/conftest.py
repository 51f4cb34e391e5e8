"""Fixtures for concerns, referrals and tasks, made through the real actions.

The cast's health visitor raises concerns for the health-visiting agency, whose safeguarding lead
(`lead`) decides them. The midwife is in another agency that works with the family; the police are
not involved.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kbs.accounts.models import User
from kbs.concerns import actions
from kbs.concerns.models import Concern, Referral, Task, TaskKind
from kbs.families.models import Family


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def raise_concern(family: Family, cast: dict[str, User]) -> Callable[..., Concern]:
    def make(by: User | None = None, severity: str = "medium", category: str = "injury", **extra: Any) -> Concern:
        return actions.raise_concern(
            by=by or cast["health_visitor"], family=family, baby=extra.pop("baby", family.babies.first()),
            category=category, what_was_seen=extra.pop("what_was_seen", "A small bruise on the baby's cheek"),
            severity=severity,
        )

    return make


@pytest.fixture
def concern(raise_concern: Callable[..., Concern]) -> Concern:
    return raise_concern()


@pytest.fixture
def decide(cast: dict[str, User]) -> Callable[..., Concern]:
    def make(concern: Concern, decision: str = "refer_csc", rationale: str = "Non-mobile baby with a bruise") -> Concern:
        return actions.decide_concern(by=cast["lead"], concern=concern, decision=decision, rationale=rationale)

    return make


@pytest.fixture
def decided(concern: Concern, decide: Callable[..., Concern]) -> Concern:
    return decide(concern)


@pytest.fixture
def refer(cast: dict[str, User]) -> Callable[..., Referral]:
    def make(concern: Concern | None = None, family: Family | None = None, by: User | None = None, **extra: Any) -> Referral:
        details: dict[str, Any] = {
            "to": "csc", "how": "phone", "to_whom": "Duty social worker, front door", "reference": "MASH-1",
            "made_at": timezone.now() - timedelta(minutes=30),
        }
        details.update(extra)
        return actions.record_referral(
            by=by or cast["lead"], family=family or concern.family, concern=concern, **details,  # type: ignore[union-attr]
        )

    return make


@pytest.fixture
def referral(decided: Concern, refer: Callable[..., Referral]) -> Referral:
    return refer(decided)


@pytest.fixture
def hv_task(family: Family, cast: dict[str, User]) -> Task:
    """A routine task assigned to the health visitor."""
    return actions.create_task(
        by=cast["lead"], family=family, kind=TaskKind.REVISIT_SLEEP_PLAN, title="Revisit the safe sleep plan",
        agency=cast["health_visitor"].agency, due_at=timezone.now() + timedelta(days=3), assigned_to=cast["health_visitor"],  # type: ignore[arg-type]
    )
