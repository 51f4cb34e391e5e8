"""System tokens as the API sees them: each scope × operation allowed and refused, expiry,
revocation, rotation with its grace period, the rate limit (429 with Retry-After), hashed storage,
and the token's name in the audit of every search. (The pages: test_tokens_pages.py.)"""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import User
from kbs.api.actions import Refused, create_api_token, revoke_api_token, rotate_api_token
from kbs.api.auth import RateLimited, check_rate, required_scope
from kbs.api.models import SCOPES, ApiToken, hash_token
from kbs.api.v1 import api
from kbs.audit.models import Action, AuditEvent
from kbs.conftest import TEST_NHS_NUMBERS
from kbs.families.models import Family

from .test_evaluate_api import SAFE_SLEEP

# operation → (method, url, body, the scope it needs)
OPERATIONS: dict[str, tuple[str, str, Any, str]] = {
    "list": ("get", reverse("api:tools"), None, "tools:read"),
    "detail": ("get", reverse("api:tool", args=["safer-sleep"]), None, "tools:read"),
    "evaluate": ("post", reverse("api:evaluate", args=["safer-sleep"]), SAFE_SLEEP, "tools:read"),
    "find": ("post", reverse("api:find_baby"), {"nhs_number": TEST_NHS_NUMBERS[0]}, "babies:read"),
}


@pytest.fixture(autouse=True)
def _empty_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


def call(client: Client, operation: str, token: str) -> Any:
    method, url, body, _ = OPERATIONS[operation]
    headers = {"Authorization": f"Bearer {token}"}
    if method == "post":
        return client.post(url, data=json.dumps(body), content_type="application/json", headers=headers)
    return client.get(url, headers=headers)


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == {"errors"}
    assert all(set(e) == {"item", "problem"} for e in body["errors"])
    return body


@pytest.mark.parametrize("operation", list(OPERATIONS))
@pytest.mark.parametrize("scope", ["tools:read", "tools:write", "babies:read", "babies:write"])
def test_each_scope_against_each_operation(client: Client, cast: dict[str, User], family: Family,
                                           operation: str, scope: str) -> None:
    token = create_api_token(by=None, user=cast["health_visitor"], name="hv system", scopes=[scope])[1]
    response = call(client, operation, token)
    if scope == OPERATIONS[operation][3]:
        assert response.status_code == 200, response.content
    else:
        body = _error(response, 403)
        assert OPERATIONS[operation][3] in body["errors"][0]["problem"]


def test_a_token_with_several_scopes_may_do_each(client: Client, cast: dict[str, User], family: Family) -> None:
    token = create_api_token(by=None, user=cast["midwife"], name="maternity", scopes=["tools:read", "babies:read"])[1]
    assert all(call(client, operation, token).status_code == 200 for operation in OPERATIONS)


def test_scopes_follow_the_path_and_method_for_other_operations(rf: Any) -> None:
    assert required_scope(rf.get("/api/fhir/Questionnaire/safer-sleep")) == "fhir:read"
    assert required_scope(rf.post("/api/v1/contacts")) == "contacts:write"
    assert required_scope(rf.get("/api/v1/families/abc")) == "families:read"


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_an_expired_token_is_401(client: Client, cast: dict[str, User], family: Family, operation: str) -> None:
    row, token = create_api_token(by=None, user=cast["health_visitor"], name="old")
    assert call(client, operation, token).status_code == 200
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    _error(call(client, operation, token), 401)


def test_expiry_defaults_to_90_days_and_is_at_most_a_year(cast: dict[str, User]) -> None:
    row = create_api_token(by=None, user=cast["midwife"], name="m")[0]
    assert timedelta(days=89) < row.expires_at - timezone.now() <= timedelta(days=90)
    with pytest.raises(Refused):
        create_api_token(by=None, user=cast["midwife"], name="m", days=367)
    with pytest.raises(Refused):
        create_api_token(by=None, user=cast["midwife"], name="m", days=0)
    with pytest.raises(Refused):
        create_api_token(by=None, user=cast["midwife"], name="m", scopes=["babies:destroy"])
    with pytest.raises(Refused):
        create_api_token(by=None, user=cast["midwife"], name="m", scopes=[])


def test_a_revoked_token_stops_at_once_and_keeps_its_reason(client: Client, cast: dict[str, User]) -> None:
    row, token = create_api_token(by=None, user=cast["midwife"], name="maternity")
    assert call(client, "list", token).status_code == 200
    revoke_api_token(by=cast["admin"], token=row, reason="The laptop was stolen")
    _error(call(client, "list", token), 401)
    row.refresh_from_db()
    assert row.revoked_reason == "The laptop was stolen"
    event = AuditEvent.objects.filter(action=Action.UPDATE, object_id=str(row.pk)).latest("pk")
    assert event.detail["reason"] == "The laptop was stolen"
    with pytest.raises(Refused):
        revoke_api_token(by=cast["admin"], token=row, reason="again")


def test_rotation_gives_a_successor_and_the_old_token_works_until_its_grace_ends(
        client: Client, cast: dict[str, User], family: Family) -> None:
    old_row, old = create_api_token(by=None, user=cast["health_visitor"], name="hv system", scopes=["babies:read"])
    new_row, new = rotate_api_token(by=cast["admin"], token=old_row, grace_days=7)
    assert new != old
    assert new_row.scopes == ["babies:read"]
    assert new_row.name == "hv system"
    assert new_row.agency == cast["health_visitor"].agency
    old_row.refresh_from_db()
    assert old_row.successor == new_row
    assert timedelta(days=6) < old_row.expires_at - timezone.now() <= timedelta(days=7)
    # Both work during the grace period: no downtime while the other system switches over.
    assert call(client, "find", old).status_code == 200
    assert call(client, "find", new).status_code == 200
    # After the grace expiry, only the successor works.
    ApiToken.objects.filter(pk=old_row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    _error(call(client, "find", old), 401)
    assert call(client, "find", new).status_code == 200
    with pytest.raises(Refused):
        rotate_api_token(by=cast["admin"], token=old_row)


def test_revoking_the_old_token_ends_its_grace_early(client: Client, cast: dict[str, User]) -> None:
    old_row, old = create_api_token(by=None, user=cast["midwife"], name="m")
    new = rotate_api_token(by=cast["admin"], token=old_row, grace_days=7)[1]
    revoke_api_token(by=cast["admin"], token=old_row, reason="switched over")
    _error(call(client, "list", old), 401)
    assert call(client, "list", new).status_code == 200


def test_over_the_rate_is_429_with_retry_after(client: Client, cast: dict[str, User]) -> None:
    row, token = create_api_token(by=None, user=cast["midwife"], name="busy", rate_per_minute=3)
    assert [call(client, "list", token).status_code for _ in range(3)] == [200, 200, 200]
    response = call(client, "list", token)
    body = _error(response, 429)
    assert body["errors"][0]["item"] == "authentication"
    assert 1 <= int(response["Retry-After"]) <= 60
    # Another token has its own count.
    other = create_api_token(by=None, user=cast["midwife"], name="quiet", rate_per_minute=3)[1]
    assert call(client, "list", other).status_code == 200


def test_the_rate_counts_per_minute(cast: dict[str, User]) -> None:
    row = create_api_token(by=None, user=cast["midwife"], name="busy", rate_per_minute=1)[0]
    check_rate(row, now=600.0)
    with pytest.raises(RateLimited) as refused:
        check_rate(row, now=630.0)
    assert refused.value.retry_after == 30
    check_rate(row, now=661.0)  # a new minute


def test_every_operation_declares_429_in_the_schema() -> None:
    schema = api.get_openapi_schema()
    for path in schema["paths"].values():
        for operation in path.values():
            assert 429 in operation["responses"] or "429" in operation["responses"], operation["operationId"]


def test_only_the_hash_is_stored(cast: dict[str, User]) -> None:
    row, token = create_api_token(by=None, user=cast["midwife"], name="maternity")
    row.refresh_from_db()
    assert row.token_hash == hash_token(token)
    assert len(row.token_hash) == 64
    stored = [str(value) for value in ApiToken.objects.filter(pk=row.pk).values().get().values()]
    assert token not in stored
    assert not any(token in value for value in stored)
    assert token not in json.dumps(list(AuditEvent.objects.values("summary", "detail")), default=str)


def test_the_token_records_its_agency_and_last_use(client: Client, cast: dict[str, User]) -> None:
    row, token = create_api_token(by=None, user=cast["midwife"], name="maternity")
    assert row.agency == cast["midwife"].agency
    assert row.last_used_at is None
    call(client, "list", token)
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_every_search_records_the_token_name(client: Client, cast: dict[str, User], family: Family) -> None:
    token = create_api_token(by=None, user=cast["health_visitor"], name="Community system", scopes=["babies:read"])[1]
    assert call(client, "find", token).status_code == 200
    event = AuditEvent.objects.filter(action=Action.SEARCH).latest("pk")
    assert event.detail["api"] == {"token": "Community system"}
    assert "Community system" in event.summary


def test_the_command_takes_scopes_and_days(cast: dict[str, User], capsys: Any) -> None:
    call_command("create_api_token", "mw-maya", "--name", "maternity", "--scope", "babies:read", "--days", "30")
    token = capsys.readouterr().out.strip()
    row = ApiToken.objects.get(token_hash=hash_token(token))
    assert row.scopes == ["babies:read"]
    assert timedelta(days=29) < row.expires_at - timezone.now() <= timedelta(days=30)
    call_command("create_api_token", "mw-maya", "--name", "everything")
    assert ApiToken.objects.get(name="everything").scopes == list(SCOPES)
    with pytest.raises(CommandError):
        call_command("create_api_token", "mw-maya", "--name", "x", "--days", "400")


def test_the_schema_says_when_to_try_again() -> None:
    schema = api.get_openapi_schema()
    too_many = schema["paths"]["/api/v1/tools"]["get"]["responses"][429]
    assert too_many["headers"]["Retry-After"]["schema"] == {"type": "integer"}
