"""The safe space checklist: each stage asks its own questions, and answers to another stage's
questions never count. Each rule's own cases are the spec's examples (test_examples.py)."""

import html
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
from kbs.tools.engine import AnswersInvalid, evaluate, required_items
from kbs.tools.models import Assessment
from kbs.tools.spec import get_spec

SLUG = "safe-space"
SPEC = get_spec(SLUG)
EVERY_STAGE = {"smoke_alarm_working", "hot_drinks_away", "nappy_sacks_safe", "button_batteries_secured",
               "medicines_locked_away", "changing_on_floor", "bath_supervision", "dog_plan"}
ON_THE_MOVE = {"stair_gates_fitted", "window_restrictors", "blind_cords_tied", "high_chair_straps"}
SAFE = {item: "yes" for item in EVERY_STAGE | ON_THE_MOVE | {"car_seat_on_floor"}} | {"dog_plan": "no_dog"}


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize(("stage", "car_seat", "moving"), [
    ("new_baby_review", True, False),
    ("six_to_eight_weeks", True, False),
    ("six_months", True, True),
    ("nine_to_twelve_months", False, True),
])
def test_safe_space_each_stage_asks_its_own_questions(stage: str, car_seat: bool, moving: bool) -> None:
    asked = set(required_items(SPEC, {"age_stage": stage})) - {"age_stage"}
    expected = EVERY_STAGE | ({"car_seat_on_floor"} if car_seat else set()) | (ON_THE_MOVE if moving else set())
    assert asked == expected


def test_safe_space_answers_for_another_stage_never_count() -> None:
    answers = SAFE | {"age_stage": "new_baby_review", "stair_gates_fitted": "no", "window_restrictors": "no"}
    outcome = evaluate(SPEC, answers)
    assert (outcome.level, outcome.fired) == ("universal", [])
    later = evaluate(SPEC, answers | {"age_stage": "six_months"})
    assert later.level == "raised"
    assert later.fired == ["SPACE-STAIR-GATES", "SPACE-WINDOWS"]
    assert set(later.actions) == {"give_universal_messages", "tailored_advice", "equipment_support"}


def test_safe_space_a_missing_stage_question_is_an_error() -> None:
    answers = {k: v for k, v in SAFE.items() if k != "stair_gates_fitted"} | {"age_stage": "nine_to_twelve_months"}
    with pytest.raises(AnswersInvalid) as caught:
        evaluate(SPEC, answers)
    assert caught.value.errors == [{"item": "stair_gates_fitted", "problem": "is required"}]


def test_safe_space_every_no_gives_specific_advice() -> None:
    for item in sorted(EVERY_STAGE | ON_THE_MOVE):
        outcome = evaluate(SPEC, SAFE | {"age_stage": "six_months", item: "no"})
        (flag,) = outcome.flags
        assert flag.level == "raised"
        assert "tailored_advice" in flag.actions
        assert flag.because == {item: "no"}
        assert flag.advice
        assert flag.message_for_parents


def test_safe_space_only_for_born_babies(make_family: Callable[..., Family], family: Family) -> None:
    unborn = make_family(baby=baby_details(date_of_birth=None, nhs_number="", gestation_at_birth_weeks=None,
                                           birth_weight_g=None, expected_delivery_date=timezone.localdate() + timedelta(weeks=12)))
    assert SLUG in actions.tools_for(family.babies.get())
    assert SLUG not in actions.tools_for(unborn.babies.get())


def _post(client: Client, assessment: Assessment, section_id: str, answers: dict[str, Any]) -> Any:
    assessment.refresh_from_db()
    section = next(s for s in SPEC.sections if s.id == section_id)
    data = {"version": assessment.version, **{item: answers.get(item, "") for item in section.items}}
    return client.post(reverse("tools:section", args=[assessment.public_id, section_id]), data)


@pytest.mark.parametrize(("stage", "status"), [("new_baby_review", 302), ("nine_to_twelve_months", 400)])
def test_safe_space_moving_page_required_only_once_the_baby_moves(
    cast: dict[str, User], family: Family, stage: str, status: int,
) -> None:
    client = Client()
    client.force_login(cast["health_visitor"])
    client.post(reverse("tools:start", args=[family.babies.get().public_id, SLUG]))
    assessment = Assessment.objects.get(tool_slug=SLUG)
    assert _post(client, assessment, "stage", {"age_stage": stage}).status_code == 302
    response = _post(client, assessment, "on_the_move", {})
    assert response.status_code == status
    if status == 400:
        assert "Select an answer: are stair gates fitted at the top and bottom of the stairs" in _text(response)


def test_safe_space_completed_through_the_pages(cast: dict[str, User], family: Family) -> None:
    client = Client()
    client.force_login(cast["health_visitor"])
    client.post(reverse("tools:start", args=[family.babies.get().public_id, SLUG]))
    assessment = Assessment.objects.get(tool_slug=SLUG)
    answers = SAFE | {"age_stage": "six_to_eight_weeks", "smoke_alarm_working": "no"}
    for section in SPEC.sections:
        assert _post(client, assessment, section.id, answers).status_code == 302
    assessment.refresh_from_db()
    outcome = actions.preview(assessment)
    assert outcome is not None
    response = client.post(reverse("tools:complete", args=[assessment.public_id]),
                           {"confirmed_actions": list(outcome.actions), "actions_not_taken_reason": ""})
    assert response.status_code == 302
    page = _text(client.get(assessment.get_absolute_url()))
    assert "No working smoke alarm" in page
    assert "Test it once a month" in page
