"""Signing in and out: every attempt is audited, and a bad attempt never says which part was wrong."""

import html
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kbs.accounts.models import User
from kbs.audit.models import Action, AuditEvent

PASSWORD = "correct-horse-battery"  # what kbs/conftest.py's make_user gives everyone


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # Django's PBKDF2 costs about 0.2 s a user and the cast has seven; these tests are not about hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _error_summary(response: Any) -> list[str]:
    found = re.search(r'<ul class="nhsuk-list nhsuk-error-summary__list">(.*?)</ul>', response.content.decode(), re.S)
    assert found, "no error summary"
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", item)).split())
            for item in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)]


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- sign in ---------------------------------------------------------------------------------


def test_sign_in_page_opens(client: Client, db: Any) -> None:
    response = client.get(reverse("accounts:sign_in"))
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()
    assert 'type="password"' in response.content.decode()


def test_sign_in_with_good_password_signs_in_and_audits(client: Client, cast: dict[str, User]) -> None:
    response = client.post(reverse("accounts:sign_in"), {"username": "hv-harriet", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert _signed_in(client)
    event = AuditEvent.objects.get(action=Action.SIGN_IN)
    assert (event.actor, event.actor_agency, event.ip_address) == (cast["health_visitor"], cast["health_visitor"].agency, "127.0.0.1")
    assert client.get(reverse("families:mine")).status_code == 200


def test_sign_in_follows_safe_next(client: Client, cast: dict[str, User]) -> None:
    response = client.post(reverse("accounts:sign_in"),
                           {"username": "hv-harriet", "password": PASSWORD, "next": "/families/find/"})
    assert response["Location"] == "/families/find/"


@pytest.mark.parametrize("target", ["https://evil.example.com/", "//evil.example.com/"])
def test_sign_in_ignores_next_to_another_site(client: Client, cast: dict[str, User], target: str) -> None:
    response = client.post(reverse("accounts:sign_in"), {"username": "hv-harriet", "password": PASSWORD, "next": target})
    assert response["Location"] == "/"


def test_sign_in_keeps_next_through_the_form(client: Client, db: Any) -> None:
    response = client.get(reverse("accounts:sign_in"), {"next": "/families/"})
    assert 'name="next" value="/families/"' in response.content.decode()


@pytest.mark.parametrize(
    "credentials",
    [{"username": "hv-harriet", "password": "wrong-password-1"}, {"username": "nobody-here", "password": PASSWORD}],
    ids=["wrong_password", "unknown_user"],
)
def test_sign_in_refused_with_one_message_and_audited(client: Client, cast: dict[str, User],
                                                      credentials: dict[str, str]) -> None:
    response = client.post(reverse("accounts:sign_in"), credentials)
    assert response.status_code == 400
    assert _error_summary(response) == ["The username or password is not right"]
    assert not _signed_in(client)
    event = AuditEvent.objects.get(action=Action.SIGN_IN_FAILED)
    assert event.actor is None
    assert event.actor_name == credentials["username"]
    assert event.detail == {"username": credentials["username"]}
    assert "password" not in str(event.detail)
    assert not AuditEvent.objects.filter(action=Action.SIGN_IN).exists()


def test_sign_in_refused_for_unknown_user_same_page_as_wrong_password(client: Client, cast: dict[str, User]) -> None:
    User.objects.create_user(username="someone", password=PASSWORD)
    wrong = client.post(reverse("accounts:sign_in"), {"username": "someone", "password": "wrong-password-1"})
    unknown = client.post(reverse("accounts:sign_in"), {"username": "someone-else", "password": "wrong-password-1"})

    def page(response: Any) -> str:
        text = re.sub(r'nonce="[^"]*"', "", response.content.decode())
        text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
        return text.replace("someone-else", "someone")

    assert wrong.status_code == unknown.status_code == 400
    assert page(wrong) == page(unknown)


def test_sign_in_refused_for_inactive_user(client: Client, cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    hv.is_active = False
    hv.save()
    response = client.post(reverse("accounts:sign_in"), {"username": "hv-harriet", "password": PASSWORD})
    assert response.status_code == 400
    assert _error_summary(response) == ["The username or password is not right"]
    assert not _signed_in(client)


def test_sign_in_missing_fields_explained(client: Client, db: Any) -> None:
    response = client.post(reverse("accounts:sign_in"), {"username": "", "password": ""})
    assert response.status_code == 400
    assert _error_summary(response) == ["Enter your username", "Enter your password"]
    assert not AuditEvent.objects.exists()


def test_sign_in_refuses_other_methods(client: Client, db: Any) -> None:
    assert client.put(reverse("accounts:sign_in")).status_code == 405


# --- sign out --------------------------------------------------------------------------------


def test_sign_out_get_asks_to_confirm(client: Client, cast: dict[str, User]) -> None:
    client.force_login(cast["midwife"])
    response = client.get(reverse("accounts:sign_out"))
    assert response.status_code == 200
    assert 'method="post"' in response.content.decode()
    assert _signed_in(client)
    assert not AuditEvent.objects.filter(action=Action.SIGN_OUT).exists()


def test_sign_out_post_signs_out_and_audits(client: Client, cast: dict[str, User]) -> None:
    client.force_login(cast["midwife"])
    response = client.post(reverse("accounts:sign_out"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:signed_out")
    assert not _signed_in(client)
    event = AuditEvent.objects.get(action=Action.SIGN_OUT)
    assert event.actor == cast["midwife"]
    assert client.get(reverse("families:mine")).status_code == 302


def test_sign_out_get_sends_anonymous_to_sign_in(client: Client, db: Any) -> None:
    response = client.get(reverse("accounts:sign_out"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:sign_in")


def test_sign_out_post_when_anonymous_audits_nothing(client: Client, db: Any) -> None:
    response = client.post(reverse("accounts:sign_out"))
    assert response["Location"] == reverse("accounts:signed_out")
    assert not AuditEvent.objects.exists()


def test_signed_out_page_opens(client: Client, db: Any) -> None:
    response = client.get(reverse("accounts:signed_out"))
    assert response.status_code == 200
    assert "You have signed out" in response.content.decode()
    assert reverse("accounts:sign_in") in response.content.decode()
