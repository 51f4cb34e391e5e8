"""Posting a FHIR R4 QuestionnaireResponse from another system: it is checked against the R4 model,
then its answers as if entered in KBS, and it always becomes a draft assessment for a practitioner to
confirm in KBS (ADR 16). Every problem is a 400 OperationOutcome and saves nothing; every refusal is
as the reads' (401, 403, or 404 for a baby the caller may not assess)."""

import json
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from kbs.api.v1.fhir import NHS_NUMBER_SYSTEM, OUTCOME_URL, STILL_NEEDED_URL
from kbs.audit.models import Action, AuditEvent
from kbs.conftest import TEST_NHS_NUMBERS
from kbs.families.models import Baby, Family
from kbs.tools.fhir import questionnaire_response_for
from kbs.tools.models import Assessment, Status
from kbs.tools.spec import get_spec
from kbs.tools.tests.test_actions import sample

URL = "/api/fhir/QuestionnaireResponse"
FHIR_JSON = "application/fhir+json"


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def baby(family: Family) -> Baby:
    return family.babies.get()


def response_for(family: Family, slug: str = "safer-sleep", answers: dict[str, Any] | None = None,
                 **changes: Any) -> dict[str, Any]:
    """What another system would send: our own QuestionnaireResponse shape, status completed."""
    given = sample("safer-sleep-high" if slug == "safer-sleep" else "bruising-non-mobile") if answers is None else answers
    resource = questionnaire_response_for(get_spec(slug), given, authored=timezone.now(),
                                          subject_reference=f"Patient/{baby(family).public_id}") if answers is None else {
        "resourceType": "QuestionnaireResponse", "status": "in-progress",
        "questionnaire": f"https://kbs.example.nhs.uk/fhir/Questionnaire/{slug}",
        "subject": {"reference": f"Patient/{baby(family).public_id}"},
        "item": [{"linkId": k, "answer": [v]} for k, v in given.items()],
    }
    resource.update(changes)
    return resource


def post(client: Client, token: str | None, data: Any, **headers: str) -> Any:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    body = data if isinstance(data, str) else json.dumps(data)
    return client.post(URL, data=body, content_type="application/fhir+json", headers=headers)


def problem_in(response: Any, code: str, words: str) -> None:
    assert response.status_code == 400, response.content
    outcome = response.json()
    OperationOutcome.model_validate(outcome)
    assert any(i["code"] == code and words in i["diagnostics"] for i in outcome["issue"]), outcome


def nothing_saved() -> None:
    assert not Assessment.objects.exists()
    assert not AuditEvent.objects.filter(summary__startswith="Received").exists()


def outcome_extension(resource: dict[str, Any]) -> dict[str, Any]:
    return next(e for e in resource.get("extension", []) if e["url"] == OUTCOME_URL)


def test_a_safer_sleep_response_becomes_a_draft_with_its_outcome(client: Client, family: Family,
                                                                 token_for: Callable[..., str]) -> None:
    response = post(client, token_for("health_visitor", ["fhir:write"]), response_for(family),
                    Accept=FHIR_JSON)
    assert response.status_code == 201, response.content
    assert response["Content-Type"] == FHIR_JSON
    held = response.json()
    QuestionnaireResponse.model_validate(held)
    assessment = Assessment.objects.get(public_id=held["id"])
    assert response["Location"] == f"/api/fhir/QuestionnaireResponse/{assessment.public_id}"
    # Always a draft: a practitioner confirms the suggested actions in KBS.
    assert assessment.status == Status.DRAFT
    assert held["status"] == "in-progress"
    assert assessment.answers == sample("safer-sleep-high")
    assert assessment.created_by.username == "hv-harriet"
    assert held["subject"] == {"reference": f"Patient/{baby(family).public_id}"}
    parts = outcome_extension(held)["extension"]
    assert {"url": "level", "valueCode": "high"} in parts
    rules = [next(p["valueString"] for p in f["extension"] if p["url"] == "rule") for f in parts if f["url"] == "flag"]
    assert rules == ["SS-SOFA"]
    assert {p["valueCode"] for p in parts if p["url"] == "suggestedAction"} == {
        "discuss_safeguarding_lead_same_day", "give_universal_messages", "make_safe_sleep_plan"}
    event = AuditEvent.objects.get(action=Action.CREATE, family=family, summary__startswith="Received")
    assert "as a FHIR QuestionnaireResponse through the API with API token 'health_visitor system'" in event.summary
    # The answers it holds are the answers sent.
    sent = {i["linkId"]: i["answer"] for i in response_for(family)["item"]}
    assert {i["linkId"]: i["answer"] for i in held["item"]} == sent


def test_a_bruising_response_found_by_nhs_number(client: Client, family: Family,
                                                 token_for: Callable[..., str]) -> None:
    resource = response_for(family, "bruising", subject={"identifier": {"system": NHS_NUMBER_SYSTEM,
                                                                        "value": TEST_NHS_NUMBERS[0]}})
    response = post(client, token_for("midwife"), resource)
    assert response.status_code == 201, response.content
    assessment = Assessment.objects.get(public_id=response.json()["id"])
    assert assessment.baby == baby(family)
    assert assessment.status == Status.DRAFT
    assert {"url": "level", "valueCode": "urgent"} in outcome_extension(response.json())["extension"]
    # An urgent outcome tells the agency's safeguarding lead at once, as the page does.
    assert assessment.lead_notified_at is not None


def test_missing_answers_never_give_a_low_level(client: Client, family: Family, token_for: Callable[..., str]) -> None:
    few = {"sofa_sleeping": {"valueCoding": {"code": "never"}}, "has_own_sleep_space": {"valueBoolean": True}}
    response = post(client, token_for("health_visitor"), response_for(family, answers=few))
    assert response.status_code == 201, response.content
    held = response.json()
    assert not any(e["url"] == OUTCOME_URL for e in held["extension"])
    needed = {e["valueString"] for e in held["extension"] if e["url"] == STILL_NEEDED_URL}
    assert {"night_sleep_place", "carer_smokes"} <= needed
    assert Assessment.objects.get().answers == {"baby_age_days": 70, "gestation_weeks": 39, "birth_weight_g": 3400,
                                                "sofa_sleeping": "never", "has_own_sleep_space": "yes"}


@pytest.mark.parametrize(("data", "code", "words"), [
    ("not json", "invalid", "JSON"),
    ({"resourceType": "Patient", "id": "x"}, "invalid", "resourceType QuestionnaireResponse"),
    ({"resourceType": "QuestionnaireResponse", "status": "completed", "item": "many"}, "structure", "item"),
    ({"resourceType": "QuestionnaireResponse", "item": []}, "structure", "status"),
])
def test_an_invalid_resource_is_an_operation_outcome(client: Client, family: Family, token_for: Callable[..., str],
                                                     data: Any, code: str, words: str) -> None:
    problem_in(post(client, token_for("health_visitor"), data), code, words)
    nothing_saved()


@pytest.mark.parametrize(("changes", "code", "words"), [
    ({"questionnaire": "https://kbs.example.nhs.uk/fhir/Questionnaire/horoscope"}, "not-supported", "horoscope"),
    ({"questionnaire": "https://elsewhere.example/Questionnaire/safer-sleep"}, "not-supported", "our Questionnaires"),
    ({"questionnaire": "https://kbs.example.nhs.uk/fhir/Questionnaire/safer-sleep|0.1"}, "not-supported", "version"),
    ({"status": "stopped"}, "not-supported", "status"),
    ({"subject": {"reference": "Group/1"}}, "required", "subject"),
])
def test_a_response_kbs_cannot_take_is_400(client: Client, family: Family, token_for: Callable[..., str],
                                           changes: dict[str, Any], code: str, words: str) -> None:
    problem_in(post(client, token_for("health_visitor"), response_for(family, **changes)), code, words)
    nothing_saved()


def test_a_tool_not_used_for_the_baby_is_400(client: Client, family: Family, token_for: Callable[..., str]) -> None:
    resource = response_for(family, "pre-birth-screening", answers={"mother_age_years": {"valueInteger": 30}})
    problem_in(post(client, token_for("health_visitor"), resource), "business-rule", "not used for this baby")
    nothing_saved()


@pytest.mark.parametrize(("answers", "words"), [
    ({"bed_share": {"valueBoolean": True}}, "bed_share: not a question of safer-sleep"),
    ({"carer_smokes": {"valueString": "no"}}, "carer_smokes: the answer must be valueBoolean"),
    ({"gestation_weeks": {"valueDecimal": 38.5}}, "gestation_weeks: the answer must be valueInteger"),
    ({"gestation_weeks": {"valueInteger": 60}}, "gestation_weeks: must be a whole number from 22 to 44"),
    ({"night_sleep_place": {"valueCoding": {"code": "hammock"}}}, "night_sleep_place: must be one of"),
    ({"night_sleep_place": {"valueCoding": {"system": "http://snomed.info/sct", "code": "cot"}}}, "codes come from"),
])
def test_each_wrong_answer_is_named(client: Client, family: Family, token_for: Callable[..., str],
                                    answers: dict[str, Any], words: str) -> None:
    problem_in(post(client, token_for("health_visitor"), response_for(family, answers=answers)), "invalid", words)
    nothing_saved()


def test_a_question_answered_twice_is_400(client: Client, family: Family, token_for: Callable[..., str]) -> None:
    resource = response_for(family, answers={"carer_smokes": {"valueBoolean": True}})
    resource["item"].append({"linkId": "carer_smokes", "answer": [{"valueBoolean": False}]})
    problem_in(post(client, token_for("health_visitor"), resource), "invalid", "answered more than once")
    nothing_saved()


def test_a_baby_you_may_not_assess_is_404(client: Client, family: Family, token_for: Callable[..., str]) -> None:
    police = token_for("police")
    for resource in (response_for(family),
                     response_for(family, subject={"identifier": {"system": NHS_NUMBER_SYSTEM,
                                                                  "value": TEST_NHS_NUMBERS[0]}}),
                     response_for(family, subject={"reference": f"Patient/{uuid4()}"})):
        response = post(client, police, resource)
        assert response.status_code == 404
        assert response.json()["issue"][0]["code"] == "not-found"
    assert post(client, token_for("health_visitor"),
                response_for(family, subject={"reference": f"Patient/{uuid4()}"})).status_code == 404
    nothing_saved()


def test_no_token_is_401(client: Client, family: Family) -> None:
    assert post(client, None, response_for(family)).status_code == 401
    nothing_saved()


@pytest.mark.parametrize("scopes", [["fhir:read"], ["assessments:write"]])
def test_a_token_without_fhir_write_is_403(client: Client, family: Family, token_for: Callable[..., str],
                                           scopes: list[str]) -> None:
    response = post(client, token_for("health_visitor", scopes), response_for(family))
    assert response.status_code == 403
    nothing_saved()


@pytest.mark.parametrize("persona", ["analyst", "admin", "dpo", "outsider"])
def test_a_role_without_the_api_is_403(client: Client, family: Family, token_for: Callable[..., str],
                                       persona: str) -> None:
    assert post(client, token_for(persona), response_for(family)).status_code == 403
    nothing_saved()


def test_the_schema_declares_the_operation(client: Client, token_for: Callable[..., str]) -> None:
    schema = client.get(reverse("api:fhir:openapi-json"),
                        headers={"Authorization": f"Bearer {token_for('health_visitor')}"}).json()
    operation = schema["paths"]["/api/fhir/QuestionnaireResponse"]["post"]
    assert sorted(operation["responses"]) == ["201", "400", "401", "403", "404"]
    assert FHIR_JSON in operation["requestBody"]["content"]
