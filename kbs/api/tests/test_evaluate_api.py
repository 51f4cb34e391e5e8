"""POST /api/v1/tools/<slug>/evaluate: the contract's output, with token or session authentication."""

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kbs.api.actions import create_api_token, revoke_api_token

SAFE_SLEEP = {
    "baby_age_days": 30, "gestation_weeks": 39, "birth_weight_g": 3400, "has_own_sleep_space": "yes",
    "night_sleep_place": "cot", "day_sleep_place": "moses_basket", "same_room_as_carer": "yes",
    "mattress_firm_flat": "yes", "sleep_space_clear": "yes", "sleep_position": "back_always",
    "bed_sharing": "never", "sofa_sleeping": "once", "pets_or_children_in_bed": "no", "carer_smokes": "no",
    "carer_alcohol": "no", "carer_drugs_or_sedating_medication": "no", "carer_extremely_tired": "no",
    "routine_disruption_expected": "no",
}
URL = reverse("api:evaluate", args=["safer-sleep"])


def post(client: Client, url: str, body: Any, **headers: str) -> Any:
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", headers=headers)


@pytest.fixture
def token(cast: dict[str, Any]) -> str:
    return create_api_token(by=None, user=cast["health_visitor"], name="maternity system")[1]


def test_evaluate_with_token_returns_contract_output(client: Client, token: str) -> None:
    response = post(client, URL, SAFE_SLEEP, Authorization=f"Bearer {token}")
    assert response.status_code == 200
    body = response.json()
    assert body["tool"] == "safer-sleep"
    assert body["level"] == "high"
    assert "give_universal_messages" in body["actions"]
    assert [f["rule"] for f in body["flags"]] == ["SS-SOFA"]
    assert body["flags"][0]["because"] == {"sofa_sleeping": "once"}


def test_evaluate_with_session_needs_csrf(cast: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast["health_visitor"])
    assert post(client, URL, SAFE_SLEEP).status_code == 401
    client.get(reverse("families:register"))  # a page with a form sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    response = post(client, URL, SAFE_SLEEP, **{"X-CSRFToken": csrf})
    assert response.status_code == 200
    assert response.json()["level"] == "high"


def test_evaluate_without_authentication_is_refused(client: Client, db: Any) -> None:
    response = post(client, URL, SAFE_SLEEP)
    assert response.status_code == 401
    assert response.json()["errors"][0]["item"] == "authentication"


def test_evaluate_with_revoked_token_is_refused(client: Client, cast: dict[str, Any]) -> None:
    row, token = create_api_token(by=None, user=cast["midwife"], name="old")
    revoke_api_token(by=cast["midwife"], token=row)
    assert post(client, URL, SAFE_SLEEP, Authorization=f"Bearer {token}").status_code == 401


@pytest.mark.parametrize("persona", ["analyst", "outsider"])
def test_evaluate_refused_for_roles_without_api(client: Client, cast: dict[str, Any], persona: str) -> None:
    token = create_api_token(by=None, user=cast[persona], name="x")[1]
    assert post(client, URL, SAFE_SLEEP, Authorization=f"Bearer {token}").status_code == 403


def test_evaluate_unknown_tool_is_an_error(client: Client, token: str) -> None:
    response = post(client, reverse("api:evaluate", args=["no-such-tool"]), SAFE_SLEEP, Authorization=f"Bearer {token}")
    assert response.status_code == 404
    assert response.json() == {"errors": [{"item": "tool", "problem": "unknown tool 'no-such-tool'"}]}


def test_evaluate_reports_every_bad_answer_at_once(client: Client, token: str) -> None:
    answers = dict(SAFE_SLEEP, gestation_weeks=50, bed_share="yes")
    del answers["carer_smokes"]
    response = post(client, URL, answers, Authorization=f"Bearer {token}")
    assert response.status_code == 400
    items = {e["item"] for e in response.json()["errors"]}
    assert items == {"gestation_weeks", "bed_share", "carer_smokes"}


@pytest.mark.parametrize("body", ["not json", "[1, 2]", "null"])
def test_evaluate_refuses_a_body_that_is_not_an_object(client: Client, token: str, body: str) -> None:
    response = post(client, URL, body, Authorization=f"Bearer {token}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["item"] == "answers"


def test_evaluate_only_accepts_post(client: Client, token: str) -> None:
    assert client.get(URL, headers={"Authorization": f"Bearer {token}"}).status_code == 405
