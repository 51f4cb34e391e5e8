"""Assessments through the API: recording one from answers (a draft, or completed with the
practitioner's confirmations), reading one with its outcome, listing a baby's, every bad input (400,
nothing saved), idempotent retries, and every refusal (no token, no scope, a role without the API, an
agency not involved)."""

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import User
from kbs.api.tests.calls import get
from kbs.audit.models import Action, AuditEvent
from kbs.chronology.models import Entry
from kbs.families.models import Baby, Family
from kbs.tools.models import Assessment, Status
from kbs.tools.tests.test_actions import sample

SLEEP_ACTIONS = ["discuss_safeguarding_lead_same_day", "give_universal_messages", "make_safe_sleep_plan"]
BRUISING_ACTIONS = ["discuss_safeguarding_lead_same_day", "give_universal_messages", "paediatric_assessment_same_day",
                    "record_explanation", "refer_childrens_social_care_same_day"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def baby(family: Family) -> Baby:
    return family.babies.get()


def url(family: Family) -> str:
    return reverse("api:baby_assessments", args=[baby(family).public_id])


def steps() -> dict[str, Any]:
    earlier = timezone.now() - timedelta(hours=1)
    return {"csc_referral_at": earlier.isoformat(), "csc_referral_reference": "CSC-123",
            "medical_review_at": (earlier + timedelta(hours=3)).isoformat(), "medical_review_where": "Royal Derby"}


def sleep_body(**changes: Any) -> dict[str, Any]:
    return {"tool": "safer-sleep", "answers": sample("safer-sleep-high"), "confirmed_actions": SLEEP_ACTIONS,
            "complete": True, **changes}


def bruising_body(**changes: Any) -> dict[str, Any]:
    return {"tool": "bruising", "answers": sample("bruising-non-mobile"), "confirmed_actions": BRUISING_ACTIONS,
            "same_day_steps": steps(), "complete": True, **changes}


def post(client: Client, path: str, token: str | None, data: Any, **headers: str) -> Any:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.post(path, data=json.dumps(data), content_type="application/json", headers=headers)


def nothing_saved() -> None:
    assert not Assessment.objects.exists()
    assert not AuditEvent.objects.filter(summary__contains="safer sleep").exists()
    assert not AuditEvent.objects.filter(summary__contains="bruising").exists()
    assert not Entry.objects.filter(kind="assessment").exists()


def test_a_safer_sleep_assessment_is_completed_as_on_the_page(client: Client, family: Family,
                                                              token_for: Callable[..., str]) -> None:
    response = post(client, url(family), token_for("health_visitor", ["assessments:write"]), sleep_body())
    assert response.status_code == 201, response.content
    answer = response.json()
    assessment = Assessment.objects.get(public_id=answer["id"])
    assert assessment.status == Status.COMPLETED
    assert assessment.level == "high"
    assert answer["state"] == "completed"
    assert answer["baby_id"] == str(baby(family).public_id)
    assert answer["answers"] == sample("safer-sleep-high")
    assert answer["still_needed"] == []
    outcome = answer["outcome"]
    assert outcome["level"] == "high"
    assert outcome["preview"] is False
    sofa = next(flag for flag in outcome["flags"] if flag["rule"] == "SS-SOFA")
    assert sofa["because"] == {"sofa_sleeping": "once"}
    assert sofa["source"]["url"].startswith("http")
    assert {a["code"] for a in outcome["actions"]} == set(SLEEP_ACTIONS)
    assert all(a["confirmed"] for a in outcome["actions"])
    assert assessment.confirmed_actions == sorted(SLEEP_ACTIONS)
    # Audited as the pages are, and with the token's name; in the chronology.
    received = AuditEvent.objects.get(action=Action.CREATE, family=family, summary__startswith="Received")
    assert "API token 'health_visitor system'" in received.summary
    assert received.detail["api"] == {"token": "health_visitor system"}
    assert AuditEvent.objects.filter(action=Action.UPDATE, family=family,
                                     summary__startswith="Completed a safer sleep").exists()
    assert Entry.objects.filter(family=family, kind="assessment").count() == 1


def test_an_urgent_bruising_assessment_needs_the_same_day_steps(client: Client, family: Family,
                                                                token_for: Callable[..., str]) -> None:
    token = token_for("health_visitor")
    refused = post(client, url(family), token, bruising_body(same_day_steps=None))
    assert refused.status_code == 400
    assert [e["item"] for e in refused.json()["errors"]] == ["same_day_steps"]
    nothing_saved()
    response = post(client, url(family), token, bruising_body())
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["state"] == "completed"
    assert answer["outcome"]["level"] == "urgent"
    assert answer["outcome"]["flags"][0]["rule"] == "BR-NON-MOBILE"
    assert answer["same_day_steps"]["csc_referral_reference"] == "CSC-123"
    assert Assessment.objects.get(public_id=answer["id"]).medical_review_where == "Royal Derby"


def test_steps_that_cannot_be_recorded_go_to_the_lead(client: Client, family: Family,
                                                      token_for: Callable[..., str]) -> None:
    body = bruising_body(same_day_steps={"steps_not_recorded_reason": "The duty desk did not answer"})
    response = post(client, url(family), token_for("health_visitor"), body)
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "awaiting_sign_off"
    assert response.json()["same_day_steps"]["steps_not_recorded_reason"] == "The duty desk did not answer"


def test_a_draft_waits_for_the_practitioner_with_a_preview(client: Client, family: Family,
                                                           token_for: Callable[..., str]) -> None:
    response = post(client, url(family), token_for("midwife"), sleep_body(complete=False, confirmed_actions=[]))
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["state"] == "draft"
    assert answer["outcome"]["preview"] is True
    assert answer["outcome"]["level"] == "high"
    assert not any(a["confirmed"] for a in answer["outcome"]["actions"])
    assert Assessment.objects.get(public_id=answer["id"]).status == Status.DRAFT
    assert not Entry.objects.filter(kind="assessment").exists()


def test_missing_answers_never_give_a_low_level(client: Client, family: Family,
                                                token_for: Callable[..., str]) -> None:
    token = token_for("health_visitor")
    few = {"has_own_sleep_space": "yes", "sofa_sleeping": "never"}
    draft = post(client, url(family), token, sleep_body(answers=few, complete=False))
    assert draft.status_code == 201
    assert draft.json()["outcome"] is None
    assert "night_sleep_place" in draft.json()["still_needed"]
    completing = post(client, url(family), token, sleep_body(answers=few))
    assert completing.status_code == 400
    problems = completing.json()["errors"]
    assert {"item": "night_sleep_place", "problem": "is required"} in problems
    assert all(p["problem"] == "is required" for p in problems)
    assert Assessment.objects.count() == 1  # only the draft


@pytest.mark.parametrize(("changes", "item", "problem"), [
    ({"tool": "horoscope"}, "tool", "unknown tool"),
    ({"tool": "pre-birth-screening"}, "tool", "not used for this baby"),
    ({"answers": {**sample("safer-sleep-high"), "bed_share": "yes"}}, "bed_share", "unknown item"),
    ({"answers": {**sample("safer-sleep-high"), "gestation_weeks": "thirty"}}, "gestation_weeks", "whole number"),
    ({"answers": {**sample("safer-sleep-high"), "night_sleep_place": "hammock"}}, "night_sleep_place", "must be one of"),
    ({"confirmed_actions": SLEEP_ACTIONS[1:]}, "confirmed_actions", "discuss_safeguarding_lead_same_day"),
    ({"confirmed_actions": [*SLEEP_ACTIONS, "report_to_police"]}, "confirmed_actions", "not a suggested action"),
    ({"confirmed_actions": "all"}, "confirmed_actions", ""),
    ({"complete": "maybe"}, "complete", ""),
])
def test_bad_input_is_400_and_saves_nothing(client: Client, family: Family, token_for: Callable[..., str],
                                            changes: dict[str, Any], item: str, problem: str) -> None:
    response = post(client, url(family), token_for("health_visitor"), sleep_body(**changes))
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert any(e["item"] == item and problem in e["problem"] for e in errors), errors
    nothing_saved()


def test_an_unconfirmed_action_with_a_reason_completes(client: Client, family: Family,
                                                       token_for: Callable[..., str]) -> None:
    body = sleep_body(confirmed_actions=SLEEP_ACTIONS[1:], actions_not_taken_reason="Lead is on leave: manager told")
    response = post(client, url(family), token_for("health_visitor"), body)
    assert response.status_code == 201, response.content
    confirmed = {a["code"]: a["confirmed"] for a in response.json()["outcome"]["actions"]}
    assert confirmed["discuss_safeguarding_lead_same_day"] is False
    assert response.json()["actions_not_taken_reason"] == "Lead is on leave: manager told"


def test_a_retry_with_the_same_key_records_once(client: Client, family: Family, token_for: Callable[..., str]) -> None:
    token = token_for("health_visitor")
    first = post(client, url(family), token, sleep_body(), **{"Idempotency-Key": "visit-42"})
    again = post(client, url(family), token, sleep_body(), **{"Idempotency-Key": "visit-42"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Assessment.objects.count() == 1
    different = post(client, url(family), token, sleep_body(complete=False), **{"Idempotency-Key": "visit-42"})
    assert different.status_code == 422
    assert Assessment.objects.count() == 1


def test_a_refused_request_with_a_key_can_be_retried(client: Client, family: Family,
                                                     token_for: Callable[..., str]) -> None:
    token = token_for("health_visitor")
    refused = post(client, url(family), token, sleep_body(confirmed_actions=[]), **{"Idempotency-Key": "k1"})
    assert refused.status_code == 400
    nothing_saved()
    assert post(client, url(family), token, sleep_body(confirmed_actions=[]) | {"confirmed_actions": SLEEP_ACTIONS},
                **{"Idempotency-Key": "k2"}).status_code == 201


def test_read_and_list(client: Client, family: Family, token_for: Callable[..., str]) -> None:
    created = post(client, url(family), token_for("health_visitor"), sleep_body()).json()
    post(client, url(family), token_for("health_visitor"), bruising_body(complete=False))
    reader = token_for("midwife", ["assessments:read"])
    read = get(client, reverse("api:assessment", args=[created["id"]]), reader)
    assert read.status_code == 200
    assert read.json() == created
    listed = get(client, url(family), reader)
    assert listed.status_code == 200
    assert listed.json()["count"] == 2
    assert listed.json()["pages"] == 1
    assert {a["tool"] for a in listed.json()["assessments"]} == {"safer-sleep", "bruising"}
    assert AuditEvent.objects.filter(action=Action.VIEW, summary__contains="API token 'midwife system'").count() == 2
    assert get(client, f"{url(family)}?page=0", reader).status_code == 400


def test_a_completed_assessment_reads_back_as_fhir_with_the_same_answers(
        client: Client, family: Family, token_for: Callable[..., str]) -> None:
    created = post(client, url(family), token_for("health_visitor"), bruising_body()).json()
    fhir = get(client, reverse("api:fhir:questionnaire_response", args=[created["id"]]), token_for("midwife"))
    assert fhir.status_code == 200
    resource = fhir.json()
    assert resource["status"] == "completed"
    assert resource["subject"]["reference"] == f"Patient/{created['baby_id']}"
    answers: dict[str, Any] = {}
    for item in resource["item"]:
        values = [a.get("valueCoding", {}).get("code") or a.get("valueInteger")
                  or ("yes" if a.get("valueBoolean") else "no") for a in item["answer"]]
        answers[item["linkId"]] = values if item["linkId"] in {"mark_regions", "other_injury_signs"} else values[0]
    assert answers == created["answers"] == sample("bruising-non-mobile")


def test_no_token_is_401(client: Client, family: Family) -> None:
    assert post(client, url(family), None, sleep_body()).status_code == 401
    assert get(client, url(family), None).status_code == 401
    nothing_saved()


@pytest.mark.parametrize("scopes", [["assessments:read"], ["babies:write"], ["contacts:write"]])
def test_a_token_without_assessments_write_is_403(client: Client, family: Family, token_for: Callable[..., str],
                                                  scopes: list[str]) -> None:
    response = post(client, url(family), token_for("health_visitor", scopes), sleep_body())
    assert response.status_code == 403
    assert "assessments:write" in response.json()["errors"][0]["problem"]
    nothing_saved()


def test_reading_needs_assessments_read(client: Client, family: Family, token_for: Callable[..., str]) -> None:
    created = post(client, url(family), token_for("health_visitor"), sleep_body()).json()
    writer = token_for("health_visitor", ["assessments:write", "babies:read"])
    assert get(client, url(family), writer).status_code == 403
    assert get(client, reverse("api:assessment", args=[created["id"]]), writer).status_code == 403


@pytest.mark.parametrize("persona", ["analyst", "admin", "dpo", "outsider"])
def test_a_role_without_the_api_is_403(client: Client, family: Family, token_for: Callable[..., str],
                                       persona: str) -> None:
    created = post(client, url(family), token_for("health_visitor"), sleep_body()).json()
    token = token_for(persona)
    assert post(client, url(family), token, sleep_body()).status_code == 403
    assert get(client, url(family), token).status_code == 403
    assert get(client, reverse("api:assessment", args=[created["id"]]), token).status_code == 403
    assert Assessment.objects.count() == 1


@pytest.mark.parametrize("data", [sleep_body(), {}, "not json"])
def test_an_agency_not_involved_gets_404_whatever_the_body(client: Client, family: Family,
                                                           token_for: Callable[..., str], data: Any) -> None:
    police = token_for("police")
    response = post(client, url(family), police, data)
    assert response.status_code == 404
    assert response.json() == {"errors": [{"item": "request", "problem": "not found"}]}
    nothing_saved()


def test_a_baby_or_assessment_you_may_not_see_is_404(client: Client, family: Family,
                                                     token_for: Callable[..., str]) -> None:
    created = post(client, url(family), token_for("health_visitor"), sleep_body()).json()
    police = token_for("police")
    assert get(client, url(family), police).status_code == 404
    assert get(client, reverse("api:assessment", args=[created["id"]]), police).status_code == 404
    nobody = reverse("api:baby_assessments", args=[uuid4()])
    assert post(client, nobody, token_for("health_visitor"), sleep_body()).status_code == 404
    assert get(client, reverse("api:assessment", args=[uuid4()]), token_for("health_visitor")).status_code == 404
    assert Assessment.objects.count() == 1


def test_a_lead_of_an_involved_agency_may_record(client: Client, family: Family,
                                                 token_for: Callable[..., str]) -> None:
    assert post(client, url(family), token_for("lead"), sleep_body()).status_code == 201


def test_a_signed_in_session_needs_csrf(family: Family, cast: dict[str, User]) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast["health_visitor"])
    assert post(browser, url(family), None, sleep_body()).status_code == 401
    nothing_saved()
