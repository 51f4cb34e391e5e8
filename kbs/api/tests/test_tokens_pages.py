"""The API token pages: administrators list, make (shown once), rotate and revoke tokens, each
audited; everyone else gets "not found", and someone not signed in is sent to sign in."""

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kbs.accounts.models import User
from kbs.api.actions import create_api_token
from kbs.api.models import ApiToken, hash_token
from kbs.audit.models import Action, AuditEvent

LIST, NEW, ROTATE, REVOKE = (reverse(f"api_tokens:{n}") for n in ("list", "new", "rotate", "revoke"))
NOT_ADMINS = ["health_visitor", "lead", "midwife", "police", "analyst", "dpo", "outsider"]
TOKEN = re.compile(r"kbs_[A-Za-z0-9_-]{20,}")


@pytest.fixture
def admin(client: Client, cast: dict[str, User]) -> Client:
    client.force_login(cast["admin"])
    return client


@pytest.fixture
def made(cast: dict[str, User]) -> ApiToken:
    return create_api_token(by=cast["admin"], user=cast["midwife"], name="Maternity system",
                            scopes=["babies:read"])[0]


def test_the_list_shows_scopes_expiry_and_last_use(admin: Client, made: ApiToken) -> None:
    page = admin.get(LIST)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Maternity system" in text
    assert "Read babies" in text
    assert "Never" in text
    assert "Test Maternity" in text
    assert made.token_hash not in text


def test_making_a_token_shows_it_once(admin: Client, cast: dict[str, User]) -> None:
    assert admin.get(NEW).status_code == 200
    page = admin.post(NEW, {"account": cast["midwife"].pk, "name": "Maternity system",
                            "scopes": ["babies:read", "tools:read"], "days": "30"})
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    token = TOKEN.search(page.content.decode()).group(0)  # type: ignore[union-attr]
    row = ApiToken.objects.get(token_hash=hash_token(token))
    assert row.scopes == ["tools:read", "babies:read"]
    assert row.created_by == cast["admin"]
    assert row.agency == cast["midwife"].agency
    # Never again: neither the list nor the form shows it.
    assert token not in admin.get(LIST).content.decode()
    assert token not in admin.get(NEW).content.decode()
    event = AuditEvent.objects.filter(action=Action.CREATE, object_id=str(row.pk)).get()
    assert event.actor == cast["admin"]


def test_only_accounts_that_may_use_the_api_are_offered(admin: Client, cast: dict[str, User]) -> None:
    page = admin.post(NEW, {"account": cast["analyst"].pk, "name": "x", "scopes": ["tools:read"], "days": "30"})
    assert page.status_code == 400
    assert "There is a problem" in page.content.decode()
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("data", [
    {"name": "", "scopes": ["tools:read"], "days": "30"},
    {"name": "x", "days": "30"},
    {"name": "x", "scopes": ["tools:read"], "days": "400"},
    {"name": "x", "scopes": ["tools:read", "everything:write"], "days": "30"},
])
def test_bad_input_is_400_with_nothing_saved(admin: Client, cast: dict[str, User], data: dict[str, Any]) -> None:
    page = admin.post(NEW, {"account": cast["midwife"].pk, **data})
    assert page.status_code == 400
    assert "There is a problem" in page.content.decode()
    assert not ApiToken.objects.exists()


def test_rotating_shows_the_successor_once(admin: Client, made: ApiToken) -> None:
    page = admin.post(ROTATE, {"token": made.pk, "grace_days": "3"})
    assert page.status_code == 200
    token = TOKEN.search(page.content.decode()).group(0)  # type: ignore[union-attr]
    successor = ApiToken.objects.get(token_hash=hash_token(token))
    made.refresh_from_db()
    assert made.successor == successor
    assert made.revoked_at is None
    assert "keeps working until" in page.content.decode()
    assert AuditEvent.objects.filter(action=Action.UPDATE, object_id=str(made.pk), summary__startswith="Rotated").exists()


def test_rotating_twice_or_with_a_bad_grace_is_400(admin: Client, made: ApiToken) -> None:
    assert admin.post(ROTATE, {"token": made.pk, "grace_days": "90"}).status_code == 400
    assert admin.post(ROTATE, {"token": made.pk}).status_code == 400
    assert admin.post(ROTATE, {}).status_code == 400
    assert admin.post(ROTATE, {"token": made.pk, "grace_days": "1"}).status_code == 200
    assert admin.post(ROTATE, {"token": made.pk, "grace_days": "1"}).status_code == 400
    assert ApiToken.objects.count() == 2


def test_revoking_needs_a_reason_and_is_audited(admin: Client, made: ApiToken) -> None:
    page = admin.post(REVOKE, {"token": made.pk, "reason": ""})
    assert page.status_code == 400
    assert "Enter why the token is being revoked" in page.content.decode()
    made.refresh_from_db()
    assert made.revoked_at is None
    response = admin.post(REVOKE, {"token": made.pk, "reason": "Supplier changed"})
    assert response.status_code == 302
    assert response["Location"] == LIST
    made.refresh_from_db()
    assert made.revoked_at is not None
    assert made.revoked_reason == "Supplier changed"
    assert "Revoked: Supplier changed" in admin.get(LIST).content.decode()


def test_an_unknown_token_is_not_found(admin: Client) -> None:
    assert admin.post(REVOKE, {"token": "999999", "reason": "x"}).status_code == 404
    assert admin.post(ROTATE, {"token": "999999", "grace_days": "1"}).status_code == 404


@pytest.mark.parametrize("persona", NOT_ADMINS)
def test_everyone_else_is_told_not_found(client: Client, cast: dict[str, User], made: ApiToken, persona: str) -> None:
    client.force_login(cast[persona])
    assert client.get(LIST).status_code == 404
    assert client.get(NEW).status_code == 404
    assert client.post(NEW, {"account": cast["midwife"].pk, "name": "x", "scopes": ["tools:read"],
                             "days": "30"}).status_code == 404
    assert client.post(ROTATE, {"token": made.pk, "grace_days": "1"}).status_code == 404
    assert client.post(REVOKE, {"token": made.pk, "reason": "x"}).status_code == 404
    made.refresh_from_db()
    assert made.revoked_at is None
    assert made.successor is None
    assert ApiToken.objects.count() == 1


def test_someone_not_signed_in_is_sent_to_sign_in(client: Client, made: ApiToken) -> None:
    for response in (client.get(LIST), client.get(NEW), client.post(ROTATE, {"token": made.pk}),
                     client.post(REVOKE, {"token": made.pk, "reason": "x"})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:sign_in"))
    made.refresh_from_db()
    assert made.revoked_at is None
