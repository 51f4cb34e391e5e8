"""Every Baby Matters through the pages: started from the baby, filled in over two visits, and
never completed (let alone universal) while a judgement is unanswered. The rules themselves are
checked by the spec's own examples (test_examples.py)."""

import html
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import User
from kbs.conftest import baby_details
from kbs.families.models import Family
from kbs.tools import actions
from kbs.tools.engine import AnswersInvalid, evaluate
from kbs.tools.models import Assessment, Status
from kbs.tools.spec import get_spec

SLUG = "every-baby-matters"
SPEC = get_spec(SLUG)
# Everything a practitioner types for a born baby; the record fills in the rest (see prefill).
TYPED: dict[str, Any] = {
    "parent_factors": ["care_leaver"],
    "baby_factors": ["none"],
    "environment_factors": ["none"],
    "protective_factors": ["supportive_network", "safe_sleep_space"],
    "responds_to_cues": "usually",
    "negative_intent_to_crying": "no",
    "bonding_observed": "Lots of eye contact and chatting while feeding.",
    "bonding_judgement": "strength",
    "development_judgement": "strength",
    "carer_mental_health": "current_coping",
    "alcohol_use": "none",
    "drug_use": ["none"],
    "smoking_in_household": ["no_one"],
    "da_enquiry_made": "yes",
    "domestic_abuse_disclosed": "no",
    "health_family_view": "Mum says the talking therapy is helping.",
    "health_judgement": "some_support",
    "knowledge_judgement": "strength",
    "upcoming_disruption": "no",
    "dog_in_home": "no",
    "community_judgement": "concern",
    "adult_with_known_risk": "no",
    "new_partner": "no",
    "people_judgement": "strength",
}


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


def _section_post(assessment: Assessment, section_id: str, answers: dict[str, Any]) -> dict[str, Any]:
    """A section's form as a browser sends it; questions not in `answers` are left empty."""
    section = next(s for s in SPEC.sections if s.id == section_id)
    data: dict[str, Any] = {"version": assessment.version}
    for item_id in section.items:
        value = answers.get(item_id, assessment.answers.get(item_id))
        if value is None and SPEC.item(item_id).type == "multi_choice":
            continue  # a browser sends nothing for a group of boxes none of which is ticked
        data[item_id] = "" if value is None else value if isinstance(value, list) else str(value)
    return data


def _save(client: Client, assessment: Assessment, section_id: str, answers: dict[str, Any]) -> Any:
    assessment.refresh_from_db()
    url = reverse("tools:section", args=[assessment.public_id, section_id])
    return client.post(url, _section_post(assessment, section_id, answers))


@pytest.fixture
def hv(cast: dict[str, User]) -> Client:
    client = Client()
    client.force_login(cast["health_visitor"])
    return client


def _start(client: Client, family: Family) -> Assessment:
    response = client.post(reverse("tools:start", args=[family.babies.get().public_id, SLUG]))
    assessment = Assessment.objects.get(tool_slug=SLUG)
    assert response["Location"] == reverse("tools:section", args=[assessment.public_id, "vulnerability"])
    return assessment


def test_ebm_offered_for_born_and_unborn_babies(family: Family, make_family: Callable[..., Family]) -> None:
    unborn = make_family(baby=baby_details(date_of_birth=None, nhs_number="", gestation_at_birth_weeks=None,
                                           birth_weight_g=None, expected_delivery_date=timezone.localdate() + timedelta(weeks=12)))
    assert SLUG in actions.tools_for(family.babies.get())
    assert SLUG in actions.tools_for(unborn.babies.get())


def test_ebm_prefill_from_a_born_baby_record(family: Family) -> None:
    baby = family.babies.get()
    known = actions.prefill(SPEC, baby)
    assert known == {"baby_born": "yes", "baby_age_days": (timezone.localdate() - baby.date_of_birth).days,
                     "gestation_at_birth_weeks": 39, "birth_weight_g": 3400, "mobility": "not_rolling"}


def test_ebm_prefill_from_an_unborn_baby_record(make_family: Callable[..., Family]) -> None:
    family = make_family(baby=baby_details(date_of_birth=None, nhs_number="", gestation_at_birth_weeks=None,
                                           birth_weight_g=None, expected_delivery_date=timezone.localdate() + timedelta(weeks=12)))
    assert actions.prefill(SPEC, family.babies.get()) == {"baby_born": "no", "weeks_pregnant": 28}


def test_ebm_completed_over_two_visits(cast: dict[str, User], family: Family, hv: Client) -> None:
    assessment = _start(hv, family)
    # First visit: the vulnerability factors and bonding, then the practitioner has to leave.
    response = _save(hv, assessment, "vulnerability", TYPED)
    assert response["Location"] == reverse("tools:section", args=[assessment.public_id, "bonding"])
    response = _save(hv, assessment, "bonding", TYPED)
    assert response["Location"] == reverse("tools:section", args=[assessment.public_id, "development"])
    assessment.refresh_from_db()
    assert assessment.status == Status.DRAFT
    assert assessment.answers["bonding_judgement"] == "strength"

    # Second visit, a new session: what was saved is still there, and the check page lists what is not.
    later = Client()
    later.force_login(cast["health_visitor"])
    page = _text(later.get(reverse("tools:section", args=[assessment.public_id, "bonding"])))
    assert "Lots of eye contact and chatting while feeding." in page
    check = _text(later.get(reverse("tools:check", args=[assessment.public_id])))
    assert "Select an answer: your judgement about health and well-being" in check
    for section_id in ("development", "health", "knowledge", "community", "people"):
        response = _save(later, assessment, section_id, TYPED)
        assert response.status_code == 302, _text(response)
    assessment.refresh_from_db()
    outcome = actions.preview(assessment)
    assert outcome is not None
    assert (outcome.level, outcome.fired) == ("raised", ["EBM-AREA-CONCERN"])
    response = later.post(reverse("tools:complete", args=[assessment.public_id]),
                          {"confirmed_actions": list(outcome.actions), "actions_not_taken_reason": ""})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.status, assessment.level) == (Status.COMPLETED, "raised")
    assert assessment.answers["gestation_at_birth_weeks"] == 39  # from the record, never typed
    outcome_page = _text(later.get(assessment.get_absolute_url()))
    assert "Support plan" in outcome_page
    assert reverse("tools:support_plan_new", args=[assessment.public_id]) in outcome_page


def test_ebm_judgement_left_blank_is_an_error_next_to_it(family: Family, hv: Client) -> None:
    assessment = _start(hv, family)
    response = _save(hv, assessment, "health", {**TYPED, "health_judgement": None})
    assert response.status_code == 400
    found = re.search(r'id="id_health_judgement-error"\s*>\s*<span class="nhsuk-u-visually-hidden">Error: </span>(.*?)</span>',
                      response.content.decode(), re.S)
    assert found
    assert " ".join(found.group(1).split()) == "Select an answer: your judgement about health and well-being"
    assessment.refresh_from_db()
    assert "carer_mental_health" not in assessment.answers  # the page is saved whole or not at all


def test_ebm_complete_with_an_unanswered_judgement_is_an_error_never_universal(
    cast: dict[str, User], family: Family, hv: Client,
) -> None:
    by = cast["health_visitor"]
    assessment = actions.start_assessment(by=by, baby=family.babies.get(), tool_slug=SLUG)
    everything_but = {k: v for k, v in TYPED.items() if k != "people_judgement"} | {"community_judgement": "strength",
                                                                                    "health_judgement": "strength"}
    actions.save_answers(by=by, assessment=assessment, answers=everything_but)
    with pytest.raises(AnswersInvalid) as caught:
        evaluate(SPEC, assessment.answers)
    assert caught.value.errors == [{"item": "people_judgement", "problem": "is required"}]
    assert actions.preview(assessment) is None

    response = hv.post(reverse("tools:complete", args=[assessment.public_id]),
                       {"confirmed_actions": ["give_universal_messages"], "actions_not_taken_reason": ""})
    assert response.status_code == 400
    assert "Select an answer: your judgement about who is in the baby" in _text(response)
    with pytest.raises(AnswersInvalid):
        actions.complete_assessment(by=by, assessment=assessment, confirmed_actions=["give_universal_messages"])
    assessment.refresh_from_db()
    assert (assessment.status, assessment.level, assessment.outcome) == (Status.DRAFT, "", None)


def test_ebm_nothing_ticked_is_a_gap_but_none_is_an_answer(family: Family, hv: Client) -> None:
    assessment = _start(hv, family)
    response = _save(hv, assessment, "vulnerability", {**TYPED, "baby_factors": None})
    assert response.status_code == 400
    assert "Select an answer: which of these apply to the baby" in _text(response)
    response = _save(hv, assessment, "vulnerability", {**TYPED, "baby_factors": ["none", "premature"]})
    assert response.status_code == 400
    assert '"none" cannot be combined with other answers' in _text(response)
    assert _save(hv, assessment, "vulnerability", TYPED).status_code == 302


def test_ebm_unborn_baby_asks_pregnancy_questions_only(make_family: Callable[..., Family], cast: dict[str, User]) -> None:
    family = make_family(baby=baby_details(date_of_birth=None, nhs_number="", gestation_at_birth_weeks=None,
                                           birth_weight_g=None, expected_delivery_date=timezone.localdate() + timedelta(weeks=12)))
    by = cast["health_visitor"]
    assessment = actions.start_assessment(by=by, baby=family.babies.get(), tool_slug=SLUG)
    answers = {**TYPED, "parent_factors": ["previous_child_removed_or_died"], "community_judgement": "strength"}
    actions.save_answers(by=by, assessment=assessment, answers=answers)
    outcome = actions.preview(assessment)
    assert outcome is not None
    assert outcome.fired == ["EBM-PRE-BIRTH-TRIGGER"]
    assert "refer_childrens_social_care" in outcome.actions
    assert "gestation_at_birth_weeks" not in assessment.answers
