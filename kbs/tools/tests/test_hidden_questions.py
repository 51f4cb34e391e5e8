"""Questions that do not apply, given earlier answers, are neither asked nor listed."""

from typing import Any

from django.test import Client
from django.urls import reverse

from kbs.tools import actions


def test_safe_space_at_six_weeks_skips_the_on_the_move_page(client: Client, cast: dict[str, Any], family: Any) -> None:
    hv = cast["health_visitor"]
    assessment = actions.start_assessment(by=hv, baby=family.babies.first(), tool_slug="safe-space")
    actions.save_answers(by=hv, assessment=assessment, answers={"age_stage": "six_to_eight_weeks"})
    client.force_login(hv)
    response = client.get(reverse("tools:section", args=[assessment.public_id, "on_the_move"]))
    assert response.status_code == 302
    assert "on_the_move" not in response.url
    check = client.get(reverse("tools:check", args=[assessment.public_id])).content.decode()
    assert "stair gate" not in check.lower()


def test_questions_shown_at_the_right_stage(client: Client, cast: dict[str, Any], family: Any) -> None:
    hv = cast["health_visitor"]
    assessment = actions.start_assessment(by=hv, baby=family.babies.first(), tool_slug="safe-space")
    actions.save_answers(by=hv, assessment=assessment, answers={"age_stage": "six_months"})
    client.force_login(hv)
    response = client.get(reverse("tools:section", args=[assessment.public_id, "on_the_move"]))
    assert response.status_code == 200
    assert 'name="stair_gates_fitted"' in response.content.decode()
