"""Searching the audit trail: safeguarding leads (their agency) and administrators (everything)."""

import html
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import User
from kbs.audit.actions import record_event
from kbs.audit.models import Action, AuditEvent
from kbs.conftest import TEST_NHS_NUMBERS, baby_details
from kbs.families import actions
from kbs.families.models import Family

URL = reverse("audit:search")


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # Django's PBKDF2 costs about 0.2 s a user and the cast has seven; these tests are not about hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def trail(family: Family, make_family: Callable[..., Family], cast: dict[str, User]) -> dict[str, Any]:
    """Our family (health visiting leads) with a police break-glass on it, and another family that
    health visiting has nothing to do with, with a police break-glass on it too."""
    elsewhere = make_family(by=cast["midwife"], baby=baby_details(nhs_number=TEST_NHS_NUMBERS[1]), postcode="NG1 1AA")
    actions.take_break_glass(by=cast["police"], family=family, reason="Baby found alone at the address")
    actions.take_break_glass(by=cast["police"], family=elsewhere, reason="Report of a fall down the stairs")
    return {"ours": family, "elsewhere": elsewhere}


def _count(response: Any) -> int:
    found = re.search(r"<p>(\d+) events?\.</p>", response.content.decode())
    assert found, "no event count"
    return int(found.group(1))


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


def _date(name: str, value: Any) -> dict[str, str]:
    return {f"{name}-day": str(value.day), f"{name}-month": str(value.month), f"{name}-year": str(value.year)}


def test_audit_search_for_lead_shows_agency_events_and_audits_the_search(client: Client, cast: dict[str, User],
                                                                         trail: dict[str, Any]) -> None:
    client.force_login(cast["lead"])
    response = client.get(URL)
    page = _text(response)
    assert response.status_code == 200
    assert "Reason: Baby found alone at the address" in page  # another agency's emergency access to our family
    assert "Report of a fall down the stairs" not in page  # a family health visiting has nothing to do with
    assert str(trail["ours"].public_id) in page
    assert str(trail["elsewhere"].public_id) not in page
    event = AuditEvent.objects.filter(action=Action.SEARCH).latest("id")
    assert (event.actor, event.summary) == (cast["lead"], "Searched the audit trail")


def test_audit_search_for_admin_shows_everything(client: Client, cast: dict[str, User], trail: dict[str, Any]) -> None:
    client.force_login(cast["admin"])
    response = client.get(URL)
    page = _text(response)
    assert response.status_code == 200
    assert "Baby found alone at the address" in page
    assert "Report of a fall down the stairs" in page
    assert _count(response) == AuditEvent.objects.count()


def test_audit_search_filters_by_action_and_who(client: Client, cast: dict[str, User], trail: dict[str, Any]) -> None:
    client.force_login(cast["admin"])
    response = client.get(URL, {"action": "break_glass"})
    assert _count(response) == 2
    response = client.get(URL, {"action": "break_glass", "who": "pc tester"})
    assert _count(response) == 2
    response = client.get(URL, {"action": "break_glass", "who": "Hv"})
    assert _count(response) == 0
    search = AuditEvent.objects.filter(action=Action.SEARCH).latest("id")
    assert search.detail["action"] == "break_glass"
    assert search.detail["who"] == "Hv"


def test_audit_search_filters_by_family(client: Client, cast: dict[str, User], trail: dict[str, Any]) -> None:
    client.force_login(cast["admin"])
    response = client.get(URL, {"family": str(trail["elsewhere"].public_id)})
    page = _text(response)
    assert _count(response) == AuditEvent.objects.filter(family=trail["elsewhere"]).count() == 2
    assert "Report of a fall down the stairs" in page
    assert "Baby found alone at the address" not in page


def test_audit_search_filters_by_dates(client: Client, cast: dict[str, User], trail: dict[str, Any]) -> None:
    client.force_login(cast["admin"])
    today = timezone.localdate()
    response = client.get(URL, {"action": "break_glass", **_date("since", today), **_date("until", today)})
    assert response.status_code == 200
    assert _count(response) == 2
    response = client.get(URL, {"action": "break_glass", **_date("since", today + timedelta(days=1))})
    assert _count(response) == 0
    response = client.get(URL, {"action": "break_glass", **_date("until", today - timedelta(days=1))})
    assert _count(response) == 0


def test_audit_search_refuses_date_range_backwards(client: Client, cast: dict[str, User], trail: dict[str, Any]) -> None:
    client.force_login(cast["lead"])
    today = timezone.localdate()
    response = client.get(URL, {**_date("since", today), **_date("until", today - timedelta(days=3))})
    assert response.status_code == 400
    assert "The 'to' date must be the same as or after the 'from' date" in _text(response)
    assert 'id="id_until-error"' in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [({"family": "not-a-reference"}, "Enter a family reference as shown on the family page"),
     ({"since-day": "31", "since-month": "2", "since-year": "2026"}, "The from must be a real date")],
)
def test_audit_search_explains_bad_filters(client: Client, cast: dict[str, User], db: Any,
                                           query: dict[str, str], message: str) -> None:
    client.force_login(cast["admin"])
    response = client.get(URL, query)
    assert response.status_code == 400
    assert message in _text(response)


def test_audit_search_pages_by_50(client: Client, cast: dict[str, User], db: Any) -> None:
    for n in range(60):
        record_event(by=cast["police"], action=Action.SIGN_IN, summary=f"Paging test {n}")
    client.force_login(cast["admin"])
    first = client.get(URL, {"who": "Pc"})
    assert _count(first) == 60
    assert first.content.decode().count("Paging test ") == 50
    second = client.get(URL, {"who": "Pc", "page": "2"})
    assert second.content.decode().count("Paging test ") == 10
    assert "who=Pc&amp;page=1" in second.content.decode()


@pytest.mark.parametrize("persona", ["health_visitor", "midwife", "police", "analyst", "outsider"])
def test_audit_search_refused(client: Client, cast: dict[str, User], trail: dict[str, Any], persona: str) -> None:
    client.force_login(cast[persona])
    searches = AuditEvent.objects.filter(action=Action.SEARCH).count()
    response = client.get(URL)
    assert response.status_code == 404
    assert "Page not found" in _text(response)
    assert "Baby found alone" not in _text(response)
    assert AuditEvent.objects.filter(action=Action.SEARCH).count() == searches


def test_audit_search_sends_anonymous_to_sign_in(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:sign_in')}?next={URL}"
