"""Idempotency keys: a retried write answers the first answer again and writes nothing more; the
same key with another body is refused; keys are the caller's own and last a day."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kbs.accounts.models import User
from kbs.api.actions import create_api_token
from kbs.api.idempotency import REPLAYED_HEADER, forget_expired
from kbs.api.models import IdempotentResponse
from kbs.contacts.models import Contact
from kbs.families.models import Family

from .test_contacts_api import body, url


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def token(cast: dict[str, User]) -> str:
    return create_api_token(by=None, user=cast["health_visitor"], name="health visiting system")[1]


def post(client: Client, family: Family, token: str, data: Any, key: str | None = "visit-2026-11-26-0001",
         raw: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(url(family), data=raw if raw is not None else json.dumps(data),
                       content_type="application/json", headers=headers)


def test_a_retry_answers_the_same_and_records_one_contact(client: Client, family: Family, token: str) -> None:
    first = post(client, family, token, body(family))
    assert first.status_code == 201
    assert REPLAYED_HEADER not in first
    # The same request again, spaced differently: the same body for the key.
    again = post(client, family, token, None, raw=json.dumps(body(family), indent=2))
    assert again.status_code == 201
    assert again[REPLAYED_HEADER] == "true"
    assert again.json() == first.json()
    assert Contact.objects.count() == 1


def test_retries_one_after_another_record_one_contact(client: Client, family: Family, token: str) -> None:
    answers = [post(client, family, token, body(family)) for _ in range(5)]
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert Contact.objects.count() == 1
    assert IdempotentResponse.objects.count() == 1


def test_the_same_key_with_another_body_is_422(client: Client, family: Family, token: str) -> None:
    assert post(client, family, token, body(family)).status_code == 201
    response = post(client, family, token, body(family, notes="Something else"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["item"] == "Idempotency-Key"
    assert Contact.objects.count() == 1


def test_without_a_key_each_request_writes(client: Client, family: Family, token: str) -> None:
    post(client, family, token, body(family), key=None)
    post(client, family, token, body(family), key=None)
    assert Contact.objects.count() == 2


def test_another_key_is_another_contact(client: Client, family: Family, token: str) -> None:
    post(client, family, token, body(family), key="a")
    post(client, family, token, body(family), key="b")
    assert Contact.objects.count() == 2


def test_keys_are_each_callers_own(client: Client, family: Family, token: str, cast: dict[str, User]) -> None:
    other = create_api_token(by=None, user=cast["midwife"], name="maternity system")[1]
    post(client, family, token, body(family))
    response = post(client, family, other, body(family))
    assert response.status_code == 201
    assert REPLAYED_HEADER not in response
    assert Contact.objects.count() == 2


def test_an_error_is_not_kept(client: Client, family: Family, token: str) -> None:
    assert post(client, family, token, body(family, time="nonsense")).status_code == 400
    assert not IdempotentResponse.objects.exists()
    assert post(client, family, token, body(family)).status_code == 201
    assert Contact.objects.count() == 1


def test_a_key_is_forgotten_after_a_day(client: Client, family: Family, token: str) -> None:
    post(client, family, token, body(family))
    IdempotentResponse.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    again = post(client, family, token, body(family))
    assert again.status_code == 201
    assert REPLAYED_HEADER not in again
    assert Contact.objects.count() == 2
    IdempotentResponse.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert forget_expired() == 1


def test_a_key_is_kept_for_24_hours(client: Client, family: Family, token: str) -> None:
    before = timezone.now()
    post(client, family, token, body(family))
    kept = IdempotentResponse.objects.get()
    assert timedelta(hours=24) <= kept.expires_at - before < timedelta(hours=24, minutes=1)


@pytest.mark.parametrize("key", ["", "x" * 201, "has space", "caf\u00e9"])
def test_a_malformed_key_is_400(client: Client, family: Family, token: str, key: str) -> None:
    response = client.post(url(family), data=json.dumps(body(family)), content_type="application/json",
                           headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key})
    assert response.status_code == 400
    assert not Contact.objects.exists()


def test_the_schema_declares_the_header_and_responses(client: Client, token: str) -> None:
    schema = client.get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {token}"}).json()
    operation = schema["paths"]["/api/v1/families/{family_id}/contacts"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in operation["parameters"])
    assert {"201", "400", "401", "403", "404", "422", "429"} <= set(operation["responses"])
    assert "Idempotent-Replayed" in operation["responses"]["201"]["headers"]


def test_a_request_that_loses_a_race_undoes_its_write(client: Client, family: Family, token: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    first = post(client, family, token, body(family))
    # The second request looks before the first has kept its answer (as two requests at once would
    # on PostgreSQL): it writes, cannot keep its answer, undoes its write and answers as the first.
    monkeypatch.setattr(IdempotentResponse.objects, "select_for_update", IdempotentResponse.objects.none)
    second = post(client, family, token, body(family))
    assert second.status_code == 201
    assert second[REPLAYED_HEADER] == "true"
    assert second.json() == first.json()
    assert Contact.objects.count() == 1
