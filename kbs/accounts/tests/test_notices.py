"""Sign-in notices: a browser and address not seen in 90 days gets an e-mail and a notice on the
next page; every sign-in says how many attempts failed since the last one; only keyed hashes are
kept."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import SignInActivity, User
from kbs.accounts.tests.test_mfa import PASSWORD, code_for, enrolled

PHONE = "Mozilla/5.0 (Linux; Android 14) Mobile"
LAPTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"


@pytest.fixture(autouse=True)
def _optional(settings: Any) -> None:
    settings.KBS_MFA_REQUIRED = False  # the password alone finishes signing in for these tests


def sign_in(username: str = "hv-harriet", agent: str = LAPTOP, address: str = "127.0.0.1",
            password: str = PASSWORD) -> tuple[Client, Any]:
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    response = client.post(reverse("accounts:sign_in"), {"username": username, "password": password})
    return client, response


def _notices(client: Client, response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_first_sign_in_is_not_unusual(cast: dict[str, User], django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client, response = sign_in()
    assert response.status_code == 302
    assert _notices(client, response) == []
    assert not mail.outbox


def test_same_browser_and_address_again_is_not_unusual(cast: dict[str, User],
                                                       django_capture_on_commit_callbacks: Any) -> None:
    sign_in()
    with django_capture_on_commit_callbacks(execute=True):
        client, response = sign_in()
    notices = _notices(client, response)
    assert not any("new device" in n for n in notices)
    assert any("there have been no failed attempts" in n for n in notices)
    assert not mail.outbox


@pytest.mark.parametrize(("agent", "address"), [(PHONE, "127.0.0.1"), (LAPTOP, "203.0.113.9")])
def test_new_browser_or_address_gets_a_notice_and_an_email(cast: dict[str, User], agent: str, address: str,
                                                           django_capture_on_commit_callbacks: Any) -> None:
    sign_in()
    with django_capture_on_commit_callbacks(execute=True):
        client, response = sign_in(agent=agent, address=address)
    assert any(n.startswith("You signed in from a new device") and "change your password" in n
               for n in _notices(client, response))
    assert [m.to for m in mail.outbox] == [[cast["health_visitor"].email]]
    body = mail.outbox[0].body
    assert reverse("accounts:change_password") in body
    assert "tell your administrator" in body
    assert "203.0.113.9" not in body
    assert agent not in body


def test_notice_shows_on_the_next_page(cast: dict[str, User]) -> None:
    sign_in()
    client, response = sign_in(agent=PHONE)
    page = client.get(response["Location"], follow=True)
    assert "You signed in from a new device" in page.content.decode()


def test_device_not_seen_for_90_days_is_new_again(cast: dict[str, User]) -> None:
    sign_in()
    activity = SignInActivity.objects.get(user=cast["health_visitor"])
    old = (timezone.localdate() - timedelta(days=91)).isoformat()
    activity.known_devices = {key: old for key in activity.known_devices}
    activity.save()
    client, response = sign_in()
    assert any("new device" in n for n in _notices(client, response))
    activity.refresh_from_db()
    assert list(activity.known_devices.values()) == [timezone.localdate().isoformat()]  # the old entry went


def test_only_keyed_hashes_are_kept(cast: dict[str, User]) -> None:
    sign_in(agent=PHONE, address="198.51.100.23")
    activity = SignInActivity.objects.get(user=cast["health_visitor"])
    stored = str(activity.known_devices)
    assert "198.51.100.23" not in stored
    assert "Android" not in stored
    assert all(len(key) == 32 and int(key, 16) >= 0 for key in activity.known_devices)


def test_failed_attempts_since_last_sign_in_are_counted_then_reset(cast: dict[str, User]) -> None:
    sign_in()
    for _ in range(3):
        sign_in(password="wrong-password-1", address="203.0.113.50")
    client, response = sign_in()
    assert any(n.startswith("Since you last signed in") and "3 attempts to sign in to your account failed" in n
               for n in _notices(client, response))
    client, response = sign_in()
    assert any("there have been no failed attempts" in n for n in _notices(client, response))


def test_wrong_codes_count_as_failed_attempts(cast: dict[str, User]) -> None:
    sign_in()
    device = enrolled(cast["health_visitor"], at=timezone.now().timestamp() - 300)
    client, _ = sign_in()
    right = code_for(device, timezone.now().timestamp())
    client.post(reverse("accounts:mfa_verify"), {"code": f"{(int(right) + 1) % 1_000_000:06d}"})
    assert SignInActivity.objects.get(user=cast["health_visitor"]).failures_since_last_sign_in == 1
