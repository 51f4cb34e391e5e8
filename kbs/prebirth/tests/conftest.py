"""Fixtures for pre-birth cases, made through the real actions: an unborn baby registered by the
health visitor (whose agency leads), with maternity also involved and the police not; and a
pre-birth screening completed by the midwife that finds a reason to refer."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kbs.accounts.models import User
from kbs.conftest import baby_details
from kbs.families import actions as family_actions
from kbs.families.models import Baby, Family
from kbs.prebirth.models import PreBirthCase
from kbs.tools import actions as tool_actions
from kbs.tools.models import Assessment

NO_TRIGGERS: dict[str, Any] = {
    "gestation_weeks": 12, "mother_age_years": 28, "concerns_about_self_care": "no",
    "concealed_or_late_booked_pregnancy": "no", "previous_child_removed_or_died": "no",
    "sibling_on_protection_plan": "no", "person_posing_risk_in_household": "no", "parental_mental_illness": "no",
    "parental_learning_disability": "no", "parental_substance_misuse": "no", "domestic_abuse": "no",
    "concern_ability_to_protect": "no",
}
# 12 weeks pregnant today.
WEEKS_NOW = 12


def unborn(weeks_now: int = WEEKS_NOW, **overrides: Any) -> dict[str, Any]:
    edd = timezone.localdate() + timedelta(weeks=40 - weeks_now)
    return baby_details(given_name="", date_of_birth=None, expected_delivery_date=edd, nhs_number="", sex="",
                        gestation_at_birth_weeks=None, birth_weight_g=None, **overrides)


@pytest.fixture
def make_unborn_family(make_family: Callable[..., Family], cast: dict[str, User]) -> Callable[..., Family]:
    def make(weeks_now: int = WEEKS_NOW) -> Family:
        family = make_family(baby=unborn(weeks_now))
        family_actions.add_person(by=cast["health_visitor"], family=family, details={
            "given_name": "Sophie", "family_name": "Hart", "relationship": "birth_mother", "date_of_birth": None,
            "nhs_number": "", "lives_in_household": True, "regular_carer": True, "parental_responsibility": True,
            "last_seen_on": None,
        })
        family_actions.record_involvement(by=cast["midwife"], family=family, reason="Antenatal care")
        return family

    return make


@pytest.fixture
def unborn_family(make_unborn_family: Callable[..., Family]) -> Family:
    return make_unborn_family()


@pytest.fixture
def unborn_baby(unborn_family: Family) -> Baby:
    return unborn_family.babies.get()


@pytest.fixture
def screen(cast: dict[str, User]) -> Callable[..., Assessment]:
    """Complete a pre-birth screening for a baby with these answers changed from "no triggers"."""
    def complete(baby: Baby, by: User | None = None, **answers: Any) -> Assessment:
        by = by or cast["midwife"]
        assessment = tool_actions.start_assessment(by=by, baby=baby, tool_slug="pre-birth-screening")
        tool_actions.save_answers(by=by, assessment=assessment, answers={**NO_TRIGGERS, **answers})
        outcome = tool_actions.preview(assessment)
        assert outcome is not None
        return tool_actions.complete_assessment(by=by, assessment=assessment, confirmed_actions=list(outcome.actions))

    return complete


@pytest.fixture
def case(unborn_baby: Baby, screen: Callable[..., Assessment]) -> PreBirthCase:
    screen(unborn_baby, domestic_abuse="yes")
    return PreBirthCase.objects.get(baby=unborn_baby)
