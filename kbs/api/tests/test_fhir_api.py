"""The FHIR R4 operations at /api/fhir/ × every kind of caller: no token, a role without the API, a
practitioner whose agency is involved with the baby and one whose agency is not; every answer checked
against the fhir.resources R4B model; the content type; and the audit of every read of a record.
"""

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest
from django.test import Client
from django.urls import reverse
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.relatedperson import RelatedPerson

from kbs.accounts.models import User
from kbs.api.actions import create_api_token
from kbs.audit.models import Action, AuditEvent
from kbs.conftest import TEST_NHS_NUMBERS
from kbs.families.models import Family
from kbs.tools.models import Assessment
from kbs.tools.tests.test_actions import completed, draft, sample

FHIR_JSON = "application/fhir+json"
WITH_API = ["health_visitor", "lead", "midwife"]  # all involved with `family`
WITHOUT_API = ["analyst", "admin", "dpo", "outsider"]
RECORDS = ["questionnaire_response", "patient", "related_person"]
MODELS: dict[str, Any] = {"questionnaire": Questionnaire, "questionnaire_response": QuestionnaireResponse,
                          "patient": Patient, "related_person": RelatedPerson}


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def token_for(cast: dict[str, User]) -> Callable[[str], str]:
    return lambda persona: create_api_token(by=None, user=cast[persona], name=f"{persona} system")[1]


@pytest.fixture
def assessment(cast: dict[str, User], family: Family) -> Assessment:
    return completed(cast["health_visitor"], family)


@pytest.fixture
def urls(family: Family, assessment: Assessment) -> dict[str, str]:
    return {
        "questionnaire": reverse("api:fhir:questionnaire", args=["safer-sleep"]),
        "questionnaire_response": reverse("api:fhir:questionnaire_response", args=[assessment.public_id]),
        "patient": reverse("api:fhir:patient", args=[family.babies.get().public_id]),
        "related_person": reverse("api:fhir:related_person", args=[family.people.get().public_id]),
    }


def get(client: Client, url: str, token: str | None = None, accept: str = "") -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if accept:
        headers["Accept"] = accept
    return client.get(url, headers=headers)


def outcome_of(response: Any, status: int, code: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    OperationOutcome.model_validate(body)
    assert [issue["code"] for issue in body["issue"]] == [code]


def views(family: Family) -> int:
    return AuditEvent.objects.filter(action=Action.VIEW, family=family).count()


# --- who may call ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(MODELS))
def test_no_token_is_401_as_an_operation_outcome(client: Client, urls: dict[str, str], name: str) -> None:
    outcome_of(get(client, urls[name]), 401, "login")


@pytest.mark.parametrize("name", list(MODELS))
def test_a_wrong_token_is_401(client: Client, urls: dict[str, str], name: str) -> None:
    outcome_of(get(client, urls[name], "kbs_not-a-token"), 401, "login")


@pytest.mark.parametrize("persona", WITHOUT_API)
@pytest.mark.parametrize("name", list(MODELS))
def test_a_role_without_the_api_is_403(client: Client, urls: dict[str, str], token_for: Callable[[str], str],
                                       family: Family, persona: str, name: str) -> None:
    before = views(family)
    outcome_of(get(client, urls[name], token_for(persona)), 403, "forbidden")
    assert views(family) == before


@pytest.mark.parametrize("persona", WITH_API)
@pytest.mark.parametrize("name", list(MODELS))
def test_an_involved_practitioner_reads_a_valid_r4_resource(client: Client, urls: dict[str, str],
                                                            token_for: Callable[[str], str], persona: str,
                                                            name: str) -> None:
    response = get(client, urls[name], token_for(persona))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    MODELS[name].model_validate(response.json())


@pytest.mark.parametrize("name", RECORDS)
def test_a_practitioner_not_involved_gets_exactly_not_found(client: Client, urls: dict[str, str],
                                                            token_for: Callable[[str], str], family: Family,
                                                            name: str) -> None:
    before = views(family)
    refused = get(client, urls[name], token_for("police"))
    missing = get(client, urls[name].rsplit("/", 1)[0] + f"/{uuid4()}", token_for("health_visitor"))
    outcome_of(refused, 404, "not-found")
    assert (refused.status_code, refused.content) == (missing.status_code, missing.content)
    assert views(family) == before


def test_the_police_may_read_a_tool_they_have_no_family_for(client: Client, urls: dict[str, str],
                                                             token_for: Callable[[str], str]) -> None:
    assert get(client, urls["questionnaire"], token_for("police")).status_code == 200


def test_a_signed_in_session_may_read(client: Client, cast: dict[str, User], urls: dict[str, str]) -> None:
    client.force_login(cast["health_visitor"])
    Patient.model_validate(get(client, urls["patient"]).json())


# --- content -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(MODELS))
def test_fhir_clients_get_fhir_json(client: Client, urls: dict[str, str], token_for: Callable[[str], str],
                                    name: str) -> None:
    response = get(client, urls[name], token_for("health_visitor"), accept=f"{FHIR_JSON}, */*;q=0.5")
    assert (response.status_code, response["Content-Type"]) == (200, FHIR_JSON)
    refused = get(client, urls[name], accept=FHIR_JSON)
    assert (refused.status_code, refused["Content-Type"]) == (401, FHIR_JSON)


def test_questionnaire_is_the_tool(client: Client, urls: dict[str, str], token_for: Callable[[str], str]) -> None:
    body = get(client, urls["questionnaire"], token_for("health_visitor")).json()
    assert (body["resourceType"], body["id"], body["status"]) == ("Questionnaire", "safer-sleep", "active")
    assert body["url"] == "https://kbs.example.nhs.uk/fhir/Questionnaire/safer-sleep"


def test_an_unknown_tool_is_not_found(client: Client, token_for: Callable[[str], str]) -> None:
    response = get(client, reverse("api:fhir:questionnaire", args=["no-such-tool"]), token_for("health_visitor"))
    outcome_of(response, 404, "not-found")


def test_questionnaire_response_is_the_completed_assessment(client: Client, urls: dict[str, str], family: Family,
                                                            assessment: Assessment,
                                                            token_for: Callable[[str], str]) -> None:
    body = get(client, urls["questionnaire_response"], token_for("health_visitor")).json()
    assert body["id"] == str(assessment.public_id)
    assert body["status"] == "completed"
    assert body["subject"] == {"reference": f"Patient/{family.babies.get().public_id}"}
    assert body["questionnaire"] == f"https://kbs.example.nhs.uk/fhir/Questionnaire/safer-sleep|{assessment.tool_version}"
    answered = {item["linkId"]: item["answer"] for item in body["item"]}
    assert answered["sofa_sleeping"][0]["valueCoding"]["code"] == sample("safer-sleep-high")["sofa_sleeping"]


def test_a_draft_reads_as_in_progress(client: Client, cast: dict[str, User], family: Family,
                                     token_for: Callable[[str], str]) -> None:
    unfinished = draft(cast["health_visitor"], family, "safer-sleep", sample("safer-sleep-high"))
    url = reverse("api:fhir:questionnaire_response", args=[unfinished.public_id])
    response = get(client, url, token_for("health_visitor"))
    assert response.status_code == 200
    body = response.json()
    QuestionnaireResponse.model_validate(body)
    assert body["status"] == "in-progress"
    assert body["id"] == str(unfinished.public_id)


def test_patient_has_the_nhs_number_system(client: Client, urls: dict[str, str], family: Family,
                                           token_for: Callable[[str], str]) -> None:
    body = get(client, urls["patient"], token_for("midwife")).json()
    baby = family.babies.get()
    assert baby.date_of_birth is not None
    assert body["identifier"] == [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": TEST_NHS_NUMBERS[0]}]
    assert (body["id"], body["gender"], body["birthDate"]) == (str(baby.public_id), "female",
                                                               baby.date_of_birth.isoformat())
    assert body["name"] == [{"family": "Hart", "given": ["Amelia"]}]
    assert body["address"][0]["postalCode"] == "DE1 2AB"


def test_related_person_is_linked_to_the_babys_patient(client: Client, urls: dict[str, str], family: Family,
                                                       token_for: Callable[[str], str]) -> None:
    body = get(client, urls["related_person"], token_for("health_visitor")).json()
    assert body["patient"] == {"reference": f"Patient/{family.babies.get().public_id}"}
    assert body["relationship"][0]["coding"][0]["code"] == "NMTH"
    assert body["relationship"][0]["text"] == "Birth mother"
    assert "identifier" not in body  # the mother's NHS number is not recorded


# --- audit ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "record"), [("questionnaire_response", "assessment"), ("patient", "baby"),
                                              ("related_person", "person")])
def test_every_read_of_a_record_is_audited(client: Client, cast: dict[str, User], urls: dict[str, str],
                                           family: Family, assessment: Assessment, token_for: Callable[[str], str],
                                           name: str, record: str) -> None:
    before = views(family)
    assert get(client, urls[name], token_for("midwife")).status_code == 200
    event = AuditEvent.objects.filter(action=Action.VIEW, family=family).latest("id")
    assert views(family) == before + 1
    assert event.actor == cast["midwife"]
    # The event names the token the read came through (kbs.audit.actions.through_api).
    assert event.detail["api"] == {"token": "midwife system"}
    assert event.summary.endswith("(through the API with API token 'midwife system')")
    subject: Any = {"assessment": assessment, "baby": family.babies.get(), "person": family.people.get()}[record]
    assert event.object_id == str(subject.public_id)


def test_reading_a_tool_writes_no_audit_event(client: Client, urls: dict[str, str],
                                              token_for: Callable[[str], str]) -> None:
    token = token_for("health_visitor")
    before = AuditEvent.objects.count()
    assert get(client, urls["questionnaire"], token).status_code == 200
    assert AuditEvent.objects.count() == before


# --- the schema ----------------------------------------------------------------------------------


def test_schema_declares_every_operation_and_both_content_types(client: Client,
                                                                token_for: Callable[[str], str]) -> None:
    assert get(client, reverse("api:fhir:openapi-json")).status_code == 401
    schema = get(client, reverse("api:fhir:openapi-json"), token_for("health_visitor")).json()
    assert sorted(schema["paths"]) == ["/api/fhir/Patient/{baby_id}", "/api/fhir/Questionnaire/{slug}",
                                       "/api/fhir/QuestionnaireResponse",
                                       "/api/fhir/QuestionnaireResponse/{assessment_id}",
                                       "/api/fhir/RelatedPerson/{person_id}"]
    assert sorted(schema["paths"]["/api/fhir/QuestionnaireResponse"]) == ["post"]
    assert sorted(schema["paths"]["/api/fhir/QuestionnaireResponse"]["post"]["responses"]) == [
        "201", "400", "401", "403", "404"]
    for name, path in schema["paths"].items():
        if "get" not in path:
            continue
        responses = path["get"]["responses"]
        assert sorted(responses) == ["200", "401", "403", "404"], name
        for response in responses.values():
            assert sorted(response["content"]) == ["application/fhir+json", "application/json"]
