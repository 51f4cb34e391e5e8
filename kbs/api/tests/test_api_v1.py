"""The v1 operations × every kind of caller: no token, a revoked token, a role without the API, a
practitioner whose agency is involved with the baby and one whose agency is not; the schema and the
documentation page; and the audit of every search. (Evaluate's own answers: test_evaluate_api.py.)
"""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kbs.accounts.models import Agency, User
from kbs.api.actions import create_api_token, revoke_api_token
from kbs.audit.models import Action, AuditEvent
from kbs.conftest import TEST_NHS_NUMBERS
from kbs.families.models import Family

from .test_evaluate_api import SAFE_SLEEP

LIST = reverse("api:tools")
DETAIL = reverse("api:tool", args=["safer-sleep"])
EVALUATE = reverse("api:evaluate", args=["safer-sleep"])
FIND = reverse("api:find_baby")
SCHEMA = reverse("api:openapi-json")
DOCS = reverse("api:docs")
WITH_API = ["health_visitor", "lead", "midwife", "police"]
WITHOUT_API = ["analyst", "admin", "dpo", "outsider"]
BY_NHS_NUMBER = {"nhs_number": TEST_NHS_NUMBERS[0]}


def call(client: Client, operation: str, token: str | None = None, body: Any = None, **headers: str) -> Any:
    """Make one of the five calls, with a bearer token if given."""
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if operation in ("evaluate", "find"):
        url = EVALUATE if operation == "evaluate" else FIND
        data = body if body is not None else (SAFE_SLEEP if operation == "evaluate" else BY_NHS_NUMBER)
        return client.post(url, data=json.dumps(data), content_type="application/json", headers=headers)
    return client.get({"list": LIST, "detail": DETAIL, "schema": SCHEMA}[operation], headers=headers)


OPERATIONS = ["list", "detail", "evaluate", "find", "schema"]


@pytest.fixture
def token_for(cast: dict[str, User]) -> Callable[[str], str]:
    return lambda persona: create_api_token(by=None, user=cast[persona], name=f"{persona} system")[1]


def _refusal(response: Any, status: int) -> None:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"errors"}
    assert body["errors"]
    assert all(set(error) == {"item", "problem"} for error in body["errors"])


# ---- who may call -------------------------------------------------------------------------------


@pytest.mark.parametrize("operation", OPERATIONS)
def test_no_token_is_401(client: Client, family: Family, operation: str) -> None:
    response = call(client, operation)
    _refusal(response, 401)
    assert response.json()["errors"][0]["item"] == "authentication"


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_wrong_token_is_401(client: Client, family: Family, operation: str) -> None:
    _refusal(call(client, operation, token="kbs_not-a-real-token"), 401)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_revoked_token_is_401(client: Client, cast: dict[str, User], family: Family, operation: str) -> None:
    row, token = create_api_token(by=None, user=cast["health_visitor"], name="old")
    revoke_api_token(by=cast["health_visitor"], token=row)
    _refusal(call(client, operation, token=token), 401)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_the_token_of_someone_who_has_left_is_401(client: Client, cast: dict[str, User], family: Family,
                                                  operation: str) -> None:
    token = create_api_token(by=None, user=cast["health_visitor"], name="left")[1]
    User.objects.filter(pk=cast["health_visitor"].pk).update(is_active=False)
    _refusal(call(client, operation, token=token), 401)


@pytest.mark.parametrize("persona", WITHOUT_API)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_roles_without_the_api_are_403(client: Client, family: Family, token_for: Callable[[str], str],
                                       persona: str, operation: str) -> None:
    response = call(client, operation, token=token_for(persona))
    _refusal(response, 403)
    assert response.json()["errors"] == [{"item": "authentication", "problem": "your role cannot use the API"}]


@pytest.mark.parametrize("persona", WITH_API)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_roles_with_the_api_get_an_answer(client: Client, family: Family, token_for: Callable[[str], str],
                                          persona: str, operation: str) -> None:
    response = call(client, operation, token=token_for(persona))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Cache-Control"] == "no-store"


def test_a_bad_token_is_not_rescued_by_a_session(client: Client, cast: dict[str, User], family: Family) -> None:
    client.force_login(cast["health_visitor"])
    assert call(client, "list").status_code == 200
    _refusal(call(client, "list", token="kbs_wrong"), 401)


def test_a_session_needs_csrf_to_find(cast: dict[str, User], family: Family) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast["health_visitor"])
    _refusal(call(client, "find"), 401)
    client.get(reverse("families:register"))  # a page with a form sets the CSRF cookie
    response = call(client, "find", **{"X-CSRFToken": client.cookies["csrftoken"].value})
    assert response.status_code == 200
    assert response.json()["matches"][0]["visible"] is True
    event = AuditEvent.objects.filter(action=Action.SEARCH).latest("pk")
    assert event.summary == "Searched for a baby through the API with a signed-in session (1 found)"
    assert event.detail["api"] == {"session": True}


# ---- the tools ----------------------------------------------------------------------------------


def test_list_names_every_tool(client: Client, token_for: Callable[[str], str]) -> None:
    tools = call(client, "list", token=token_for("police")).json()
    by_slug = {tool["slug"]: tool for tool in tools}
    assert {"safer-sleep", "bruising", "pre-birth-screening", "dogs"} <= set(by_slug)
    assert set(by_slug["safer-sleep"]) == {"slug", "name", "version"}


def test_detail_gives_the_items_the_contract_lists(client: Client, token_for: Callable[[str], str]) -> None:
    spec = call(client, "detail", token=token_for("midwife")).json()
    items = {item["id"]: item for item in spec["items"]}
    assert set(SAFE_SLEEP) <= set(items)
    assert items["bed_sharing"]["type"] == "choice"
    assert [c["code"] for c in items["bed_sharing"]["choices"]] == ["never", "occasionally_planned",
                                                                    "regularly_planned", "unplanned"]
    assert items["gestation_weeks"]["type"] == "integer"
    assert (items["gestation_weeks"]["min"], items["gestation_weeks"]["max"]) == (22, 44)
    assert items["gestation_weeks"]["required"] is True
    assert items["room_temperature_c"]["required"] is False
    # Required only when a disruption is expected: a condition, not "always".
    assert items["disruption_plan_agreed"]["required"] is False
    assert items["disruption_plan_agreed"]["required_when"] == {
        "item": "routine_disruption_expected", "op": "equals", "value": "yes"}


def test_detail_of_dogs_says_when_items_are_asked(client: Client, token_for: Callable[[str], str]) -> None:
    response = client.get(reverse("api:tool", args=["dogs"]), headers={"Authorization": f"Bearer {token_for('lead')}"})
    items = {item["id"]: item for item in response.json()["items"]}
    assert items["bite_or_aggression_history"]["shown_when"] == {
        "item": "dog_in_home_or_visiting", "op": "equals", "value": "yes"}


def test_detail_of_an_unknown_tool_is_404(client: Client, token_for: Callable[[str], str]) -> None:
    response = client.get(reverse("api:tool", args=["no-such-tool"]),
                          headers={"Authorization": f"Bearer {token_for('health_visitor')}"})
    _refusal(response, 404)
    assert response.json() == {"errors": [{"item": "tool", "problem": "unknown tool 'no-such-tool'"}]}


def test_tools_are_not_personal_data_and_are_not_audited(client: Client, token_for: Callable[[str], str]) -> None:
    token = token_for("health_visitor")
    before = AuditEvent.objects.count()
    for operation in ("list", "detail", "evaluate"):
        assert call(client, operation, token=token).status_code == 200
    assert AuditEvent.objects.count() == before


# ---- finding a baby -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["health_visitor", "lead", "midwife"])
def test_an_involved_agency_sees_the_baby(client: Client, family: Family, token_for: Callable[[str], str],
                                          persona: str) -> None:
    baby = family.babies.get()
    matches = call(client, "find", token=token_for(persona)).json()["matches"]
    assert matches == [{
        "family_id": str(family.public_id), "born": True, "visible": True,
        "agencies": ["Test Health Visiting", "Test Maternity"],
        "baby": {"id": str(baby.public_id), "name": "Amelia Hart"},
    }]


def test_an_agency_not_involved_learns_only_that_a_baby_is_known(client: Client, family: Family,
                                                                 token_for: Callable[[str], str]) -> None:
    response = call(client, "find", token=token_for("police"))
    assert response.json() == {"matches": [{
        "family_id": str(family.public_id), "born": True, "visible": False,
        "agencies": ["Test Health Visiting", "Test Maternity"], "baby": None,
    }]}
    assert "Amelia" not in response.content.decode()
    assert "Hart" not in response.content.decode()


def test_find_by_name_date_of_birth_and_postcode(client: Client, family: Family,
                                                 token_for: Callable[[str], str]) -> None:
    baby = family.babies.get()
    body = {"family_name": "hart", "date_of_birth": baby.date_of_birth.isoformat(), "postcode": "de12ab"}
    matches = call(client, "find", token=token_for("midwife"), body=body).json()["matches"]
    assert [m["baby"]["name"] for m in matches] == ["Amelia Hart"]


def test_find_with_nothing_matching(client: Client, family: Family, token_for: Callable[[str], str]) -> None:
    response = call(client, "find", token=token_for("police"), body={"nhs_number": TEST_NHS_NUMBERS[3]})
    assert response.json() == {"matches": []}


@pytest.mark.parametrize(("body", "item"), [
    ({}, "search"),
    ({"family_name": "Hart"}, "search"),
    ({"nhs_number": "1234567890"}, "nhs_number"),
    ({"family_name": "Hart", "date_of_birth": "2025-01-02", "postcode": "NOT A CODE"}, "postcode"),
    ({"nhs_number": 9990000018}, "nhs_number"),
    ({"nhs_number": "9" * 13}, "nhs_number"),
    ({"family_name": "Hart", "date_of_birth": "yesterday", "postcode": "DE1 2AB"}, "date_of_birth"),
])
def test_find_reports_bad_searches(client: Client, family: Family, token_for: Callable[[str], str],
                                   body: dict[str, Any], item: str) -> None:
    before = AuditEvent.objects.filter(action=Action.SEARCH).count()
    response = call(client, "find", token=token_for("health_visitor"), body=body)
    _refusal(response, 400)
    assert item in {e["item"] for e in response.json()["errors"]}
    assert AuditEvent.objects.filter(action=Action.SEARCH).count() == before  # nothing was searched


def test_find_body_that_is_not_json_is_400(client: Client, token_for: Callable[[str], str]) -> None:
    response = client.post(FIND, data="not json", content_type="application/json",
                           headers={"Authorization": f"Bearer {token_for('health_visitor')}"})
    _refusal(response, 400)


def test_a_practitioner_without_an_agency_cannot_find_babies(client: Client, family: Family,
                                                            make_user: Callable[..., User]) -> None:
    """They may use the API (the tools), but finding babies follows the agency, as on the web: 404."""
    loner = make_user("hv-nobody", "health-visitor", None)
    token = create_api_token(by=None, user=loner, name="loner")[1]
    assert call(client, "list", token=token).status_code == 200
    _refusal(call(client, "find", token=token), 404)
    _refusal(call(client, "find", token=token, body={}), 404)  # refused before the search is looked at


def test_every_search_is_audited_once_with_the_token_name(client: Client, cast: dict[str, User], family: Family) -> None:
    token = create_api_token(by=None, user=cast["police"], name="police case system")[1]
    before = AuditEvent.objects.filter(action=Action.SEARCH).count()
    call(client, "find", token=token)
    events = AuditEvent.objects.filter(action=Action.SEARCH).order_by("pk")
    assert events.count() == before + 1
    event = events.last()
    assert event is not None
    assert event.actor == cast["police"]
    assert event.summary == "Searched for a baby through the API with API token 'police case system' (1 found)"
    assert event.detail == {"terms": {"nhs_number": TEST_NHS_NUMBERS[0]}, "found": [str(family.public_id)],
                            "api": {"token": "police case system"}}
    assert not AuditEvent.objects.filter(action=Action.VIEW, family=family, actor=cast["police"]).exists()


def test_the_token_records_when_it_was_last_used(client: Client, cast: dict[str, User]) -> None:
    row, token = create_api_token(by=None, user=cast["midwife"], name="maternity")
    assert row.last_used_at is None
    call(client, "list", token=token)
    row.refresh_from_db()
    assert row.last_used_at is not None


# ---- the schema, unknown paths, the documentation page -------------------------------------------


def test_the_schema_declares_every_operation_and_its_errors(client: Client, token_for: Callable[[str], str]) -> None:
    schema = call(client, "schema", token=token_for("health_visitor")).json()
    assert schema["openapi"].startswith("3.")
    operations = {(method.upper(), path): op for path, methods in schema["paths"].items() for method, op in methods.items()}
    assert set(operations) == {("GET", "/api/v1/tools"), ("GET", "/api/v1/tools/{slug}"),
                               ("POST", "/api/v1/tools/{slug}/evaluate"), ("POST", "/api/v1/babies/find"),
                               ("GET", "/api/v1/families/{family_id}/contacts"),
                               ("POST", "/api/v1/families/{family_id}/contacts"), ("GET", "/api/v1/contacts/{contact_id}"),
                               ("GET", "/api/v1/families"), ("GET", "/api/v1/families/{family_id}"),
                               ("GET", "/api/v1/people/{person_id}"), ("GET", "/api/v1/families/{family_id}/concerns"),
                               ("POST", "/api/v1/families/{family_id}/concerns"), ("GET", "/api/v1/concerns/{concern_id}"),
                               ("GET", "/api/v1/tasks"), ("GET", "/api/v1/tasks/{task_id}"),
                               ("POST", "/api/v1/tasks/{task_id}/complete"),
                               ("GET", "/api/v1/babies/{baby_id}/assessments"),
                               ("POST", "/api/v1/babies/{baby_id}/assessments"),
                               ("GET", "/api/v1/assessments/{assessment_id}")}
    for op in operations.values():
        assert {"401", "403", "404"} <= set(op["responses"])
        assert {"200", "201"} & set(op["responses"])
        for status in ("401", "403", "404"):
            assert op["responses"][status]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Errors"}
        assert op["security"] == [{"BearerToken": []}, {"SignedInSession": []}]
    assert set(schema["components"]["securitySchemes"]) == {"BearerToken", "SignedInSession"}


def test_an_unknown_api_path_answers_in_the_error_shape(client: Client) -> None:
    response = client.get("/api/v1/no-such-thing/at/all")
    _refusal(response, 404)


def test_evaluate_still_refuses_other_methods(client: Client, token_for: Callable[[str], str]) -> None:
    assert client.get(EVALUATE, headers={"Authorization": f"Bearer {token_for('midwife')}"}).status_code == 405


@pytest.mark.parametrize("persona", WITH_API)
def test_the_documentation_page_lists_every_operation(client: Client, cast: dict[str, User], persona: str) -> None:
    client.force_login(cast[persona])
    response = client.get(DOCS)
    assert response.status_code == 200
    page = response.content.decode()
    for line in ("GET /api/v1/tools", "GET /api/v1/tools/{slug}", "POST /api/v1/tools/{slug}/evaluate",
                 "POST /api/v1/babies/find"):
        assert line in page
    assert "<script>" not in page
    assert " style=" not in page


@pytest.mark.parametrize("persona", WITHOUT_API)
def test_the_documentation_page_is_not_found_for_other_roles(client: Client, cast: dict[str, User], persona: str) -> None:
    client.force_login(cast[persona])
    assert client.get(DOCS).status_code == 404


def test_the_documentation_page_asks_anonymous_people_to_sign_in(client: Client, agencies: dict[str, Agency]) -> None:
    response = client.get(DOCS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))
