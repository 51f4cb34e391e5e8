"""Lockout (django-axes): 10 failures lock the account and, separately, the address; wrong codes
count; a password alone cannot reset the count; administrators see and unlock, with a reason."""

import re
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import User
from kbs.accounts.tests.test_mfa import PASSWORD, code_for, enrolled, verified_login
from kbs.audit.models import Action, AuditEvent

LIMIT = 10


@pytest.fixture(autouse=True)
def _required(settings: Any) -> None:
    settings.KBS_MFA_REQUIRED = True


WRONG_PASSWORD = "wrong-password-1"


def attempt(client: Client, username: str, password: str | None = None, address: str = "127.0.0.1") -> Any:
    return client.post(reverse("accounts:sign_in"), {"username": username, "password": password or WRONG_PASSWORD},
                       REMOTE_ADDR=address)


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_ten_wrong_passwords_lock_the_account(client: Client, cast: dict[str, User],
                                              django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(LIMIT - 1):
            assert attempt(client, "hv-harriet").status_code == 400
        assert not AuditEvent.objects.filter(action=Action.LOCKED_OUT).exists()
        tenth = attempt(client, "hv-harriet")
    assert tenth.status_code == 429
    # Now even the right password is refused, with the time to try again.
    response = attempt(client, "hv-harriet", PASSWORD)
    assert response.status_code == 429
    text = _text(response)
    assert "You cannot sign in at the moment" in text
    until = timezone.localtime(timezone.now() + timezone.timedelta(hours=1))
    assert re.search(r"Try again after (\d\d:\d\d)", text).group(1) in {  # type: ignore[union-attr]
        f"{until:%H:%M}", f"{until - timezone.timedelta(minutes=1):%H:%M}"}
    assert "ask your administrator" in text
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action=Action.LOCKED_OUT)
    assert event.detail["account_locked"]
    assert event.object_id == str(cast["health_visitor"].pk)
    assert [m.to for m in mail.outbox] == [[cast["health_visitor"].email]]
    body = mail.outbox[0].body
    assert "locked" in body
    assert reverse("accounts:change_password") in body


def test_lockout_page_is_the_same_for_an_unknown_username(client: Client, cast: dict[str, User]) -> None:
    for _ in range(LIMIT):
        attempt(client, "nobody-at-all")
    response = attempt(client, "nobody-at-all")
    assert response.status_code == 429
    assert "You cannot sign in at the moment" in _text(response)
    assert not mail.outbox


def test_account_lock_holds_from_another_address(client: Client, cast: dict[str, User]) -> None:
    for n in range(LIMIT):
        attempt(client, "mw-maya", address=f"10.0.0.{n + 1}")
    assert attempt(client, "mw-maya", PASSWORD, address="10.9.9.9").status_code == 429
    # Someone else at one of those addresses is not held up by it.
    assert attempt(Client(), "hv-harriet", PASSWORD, address="10.0.0.1").status_code == 302


def test_address_lock_holds_for_every_account_from_it(client: Client, cast: dict[str, User]) -> None:
    for n in range(LIMIT):
        attempt(client, f"guess-{n}", address="192.0.2.7")
    assert attempt(client, "hv-harriet", PASSWORD, address="192.0.2.7").status_code == 429
    assert attempt(Client(), "hv-harriet", PASSWORD, address="192.0.2.8").status_code == 302
    event = AuditEvent.objects.get(action=Action.LOCKED_OUT)
    assert event.detail["address_locked"]
    assert event.detail["ip_address"] == "192.0.2.7"


def test_wrong_codes_count_and_lock_the_account(client: Client, cast: dict[str, User]) -> None:
    device = enrolled(cast["health_visitor"], at=timezone.now().timestamp() - 300)
    attempt(client, "hv-harriet", PASSWORD)
    wrong = _wrong(code_for(device, timezone.now().timestamp()))
    statuses = [client.post(reverse("accounts:mfa_verify"), {"code": wrong}).status_code for _ in range(LIMIT)]
    # Some of these are only asked to wait (django-otp slows repeated guesses); they are not counted.
    counted = AccessAttempt.objects.filter(username="hv-harriet").values_list("failures_since_start", flat=True)
    assert statuses[0] == 400
    assert sum(counted) >= 1


def test_password_and_wrong_code_loop_cannot_guess_for_ever(client: Client, cast: dict[str, User],
                                                            settings: Any) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # only the lockout stands in the way here
    device = enrolled(cast["health_visitor"], at=timezone.now().timestamp() - 300)
    wrong = _wrong(code_for(device, timezone.now().timestamp()))
    statuses = []
    for _ in range(4):  # sign in with the right password, then guess three codes, and again
        statuses.append(attempt(client, "hv-harriet", PASSWORD).status_code)
        for _ in range(3):
            statuses.append(client.post(reverse("accounts:mfa_verify"), {"code": wrong}).status_code)
    assert statuses[:4] == [302, 400, 400, 400]
    assert 429 in statuses
    first_lock = statuses.index(429)
    # The tenth wrong code is the one that locks: nine were answered "not right", then locked.
    assert statuses.count(400) == LIMIT - 1
    # After that the password is refused, and a code cannot even be tried (signed out: to sign-in).
    assert all(s in {429, 302} for s in statuses[first_lock:])
    assert all(statuses[i] == 429 for i in range(first_lock, len(statuses)) if i % 4 == 0)
    assert "_auth_user_id" not in client.session
    assert attempt(client, "hv-harriet", PASSWORD).status_code == 429


def test_full_sign_in_forgives_only_that_persons_failures(client: Client, cast: dict[str, User]) -> None:
    device = enrolled(cast["health_visitor"], at=timezone.now().timestamp() - 300)
    for _ in range(LIMIT - 2):
        attempt(client, "hv-harriet")
    attempt(client, "other-name")  # nine from this address in all: not yet locked
    assert attempt(client, "hv-harriet", PASSWORD).status_code == 302
    assert client.post(reverse("accounts:mfa_verify"), {"code": code_for(device, timezone.now().timestamp())}).status_code == 302
    assert not AccessAttempt.objects.filter(username="hv-harriet").exists()
    assert AccessAttempt.objects.filter(username="other-name").exists()


def test_a_locked_half_signed_in_session_is_signed_out(client: Client, cast: dict[str, User]) -> None:
    enrolled(cast["health_visitor"], at=timezone.now().timestamp() - 300)
    attempt(client, "hv-harriet", PASSWORD)
    for n in range(LIMIT):  # someone else hammers the account meanwhile
        attempt(Client(), "hv-harriet", address=f"203.0.113.{n + 1}")
    response = client.get(reverse("accounts:mfa_verify"))
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


# --- administrators ----------------------------------------------------------------------------


def test_administrator_sees_locked_account_and_address_and_unlocks(client: Client, cast: dict[str, User]) -> None:
    for n in range(LIMIT):
        attempt(Client(), "hv-harriet", address=f"198.51.100.{n + 10}")
        attempt(Client(), f"guess-{n}", address="198.51.100.4")
    verified_login(client, cast["admin"])
    page = client.get(reverse("accounts:locked_out"))
    assert page.status_code == 200
    text = _text(page)
    assert "Account hv-harriet" in text
    assert "Hv Tester, Test Health Visiting" in text
    assert "Address 198.51.100.4" in text
    response = client.post(reverse("accounts:locked_out"),
                           {"kind": "account", "value": "hv-harriet", "reason": "Phoned her: it was her"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=Action.UNLOCK)
    assert (event.actor, event.detail["reason"], event.object_id) == (
        cast["admin"], "Phoned her: it was her", str(cast["health_visitor"].pk))
    # She can sign in again; the address is still locked for everyone until it is unlocked too.
    assert attempt(Client(), "hv-harriet", PASSWORD, address="198.51.100.5").status_code == 302
    assert attempt(Client(), "lead-lucy", PASSWORD, address="198.51.100.4").status_code == 429
    client.post(reverse("accounts:locked_out"), {"kind": "address", "value": "198.51.100.4", "reason": "Our office"})
    assert attempt(Client(), "lead-lucy", PASSWORD, address="198.51.100.4").status_code == 302


def test_unlock_without_a_reason_is_explained(client: Client, cast: dict[str, User]) -> None:
    for _ in range(LIMIT):
        attempt(Client(), "hv-harriet")
    verified_login(client, cast["admin"])
    response = client.post(reverse("accounts:locked_out"), {"kind": "account", "value": "hv-harriet", "reason": ""})
    assert response.status_code == 400
    assert "Enter a reason for unlocking" in _text(response)
    assert not AuditEvent.objects.filter(action=Action.UNLOCK).exists()
    assert AccessAttempt.objects.filter(username="hv-harriet").exists()


def test_locked_list_when_nothing_is_locked(client: Client, cast: dict[str, User]) -> None:
    verified_login(client, cast["admin"])
    assert "Nothing is locked at the moment" in _text(client.get(reverse("accounts:locked_out")))


@pytest.mark.parametrize("key", ["health_visitor", "lead", "midwife", "police", "analyst", "dpo", "outsider"])
def test_locked_list_and_unlock_refused_for_everyone_but_administrators(client: Client, cast: dict[str, User],
                                                                       key: str) -> None:
    for _ in range(LIMIT):
        attempt(Client(), "mw-maya" if key != "midwife" else "hv-harriet")
    verified_login(client, cast[key])
    assert client.get(reverse("accounts:locked_out")).status_code == 404
    response = client.post(reverse("accounts:locked_out"), {"kind": "account", "value": "mw-maya", "reason": "x"})
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=Action.UNLOCK).exists()


def test_locked_list_anonymous_goes_to_sign_in(client: Client, db: Any) -> None:
    response = client.get(reverse("accounts:locked_out"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))
