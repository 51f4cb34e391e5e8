"""Sessions end after 30 minutes idle and 12 hours after signing in."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.sessions import SEEN, STARTED, expired

pytestmark = pytest.mark.django_db
MINUTE, HOUR = 60, 3600


def test_the_rules() -> None:
    now = 100 * HOUR
    assert expired(now - HOUR, now - 29 * MINUTE, now) == ""
    assert "30 minutes without using" in expired(now - HOUR, now - 30 * MINUTE, now)
    assert "more than 12 hours ago" in expired(now - 12 * HOUR, now - MINUTE, now)
    assert expired(now - 12 * HOUR + 1, now, now) == ""


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def set_times(client: Client, *, started_ago: float, seen_ago: float) -> None:
    session = client.session
    now = timezone.now().timestamp()
    session[STARTED], session[SEEN] = now - started_ago, now - seen_ago
    session.save()


def test_signing_in_starts_both_clocks(cast: dict[str, Any]) -> None:
    session = signed_in(cast["health_visitor"]).session
    assert abs(session[STARTED] - timezone.now().timestamp()) < 60
    assert session[SEEN] == session[STARTED]


def test_an_active_session_carries_on(cast: dict[str, Any]) -> None:
    client = signed_in(cast["health_visitor"])
    set_times(client, started_ago=11 * HOUR, seen_ago=29 * MINUTE)
    assert client.get(reverse("families:mine")).status_code == 200
    assert timezone.now().timestamp() - client.session[SEEN] < 60  # seen again just now


@pytest.mark.parametrize(("started_ago", "seen_ago", "reason"), [
    (HOUR, 31 * MINUTE, "You were signed out after 30 minutes without using the service."),
    (12 * HOUR + MINUTE, MINUTE, "You were signed out because you signed in more than 12 hours ago."),
])
def test_an_expired_session_is_signed_out(cast: dict[str, Any], started_ago: float, seen_ago: float, reason: str) -> None:
    client = signed_in(cast["health_visitor"])
    set_times(client, started_ago=started_ago, seen_ago=seen_ago)
    mine = reverse("families:mine")
    response = client.get(mine)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:sign_in')}?next=%2Ffamilies%2F"
    page = client.get(response["Location"])
    assert reason in page.content.decode()
    assert client.get(mine).status_code == 302  # still signed out


def test_last_seen_is_written_at_most_once_a_minute(cast: dict[str, Any]) -> None:
    client = signed_in(cast["health_visitor"])
    set_times(client, started_ago=HOUR, seen_ago=20)
    before = client.session[SEEN]
    client.get(reverse("families:mine"))
    assert client.session[SEEN] == before


@pytest.mark.parametrize("cookie", ["abc\x00defghijk", "ABCDEFGHIJKLMNOP", "a" * 8 + "'; --"])
def test_a_malformed_session_cookie_is_no_session_not_an_error(client: Any, db: Any, cookie: str) -> None:
    """A NUL byte in the cookie used to reach PostgreSQL and fail the request (found by schemathesis)."""
    client.cookies["sessionid"] = cookie
    response = client.get("/sign-in/")
    assert response.status_code == 200
    response = client.get("/families/")
    assert response.status_code == 302
    assert "/sign-in/" in response["Location"]
