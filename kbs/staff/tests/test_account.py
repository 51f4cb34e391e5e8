"""Your account, and signing out of every device: your other sessions end and so does this one;
an administrator can do it for someone else; and checking for it costs one small query."""

import html
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kbs.accounts import sessions
from kbs.accounts.models import User
from kbs.audit.models import Action, AuditEvent
from kbs.staff.models import SessionCutoff

pytestmark = pytest.mark.django_db

PERSONAS = ["health_visitor", "lead", "midwife", "police", "analyst", "admin", "dpo", "outsider"]


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


def _assert_sign_in_redirect(response: Any) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in") + "?next=")


@pytest.mark.parametrize("persona", PERSONAS)
def test_everyone_signed_in_has_an_account_page(cast: dict[str, User], persona: str) -> None:
    user = cast[persona]
    response = _client(user).get(reverse("staff:account"))
    assert response.status_code == 200
    page = _text(response)
    assert "Your account" in page
    assert str(user) in page
    assert user.agency is not None
    assert user.agency.name in page
    for role in user.roles.all():
        assert role.name in page
        assert role.description in page
    if persona == "outsider":
        assert "You have no roles yet" in page
    assert "Sign out of every device" in page


def test_signing_out_of_every_device_ends_every_session_this_one_included(cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    laptop, phone = _client(hv), _client(hv)
    mine = reverse("families:mine")
    assert laptop.get(mine).status_code == 200
    assert phone.get(mine).status_code == 200

    response = laptop.post(reverse("staff:sign_out_everywhere"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:sign_in")
    assert "You have signed out of every device, this one included" in _text(laptop.get(response["Location"]))
    _assert_sign_in_redirect(laptop.get(mine))

    # The other device finds out on its very next request, and is told why.
    response = phone.get(mine)
    _assert_sign_in_redirect(response)
    assert sessions.ENDED_EVERYWHERE in _text(phone.get(response["Location"]))
    _assert_sign_in_redirect(phone.get(mine))

    # Signing in again afterwards works as usual.
    assert _client(hv).get(mine).status_code == 200

    event = AuditEvent.objects.get(action=Action.SIGN_OUT, summary="Signed out of every device")
    assert (event.actor, event.object_id) == (hv, str(hv.pk))
    assert event.detail["everywhere"] is True


def test_an_administrator_signs_someone_else_out_of_every_device(cast: dict[str, User]) -> None:
    midwife = cast["midwife"]
    hers = _client(midwife)
    admin = _client(cast["admin"])
    response = admin.post(reverse("staff:sign_out_person", args=[midwife.pk]))
    assert response.status_code == 302
    page = _text(admin.get(response["Location"]))
    assert "Mw Tester has been signed out of every device" in page
    assert "Last signed out of every device on" in page
    _assert_sign_in_redirect(hers.get(reverse("staff:account")))
    assert admin.get(reverse("staff:list")).status_code == 200  # the administrator carries on
    event = AuditEvent.objects.get(action=Action.SIGN_OUT, summary="Signed Mw Tester out of every device")
    assert event.actor == cast["admin"]


def test_an_administrator_signing_themselves_out_from_their_page_ends_their_session(cast: dict[str, User]) -> None:
    admin = cast["admin"]
    client = _client(admin)
    response = client.post(reverse("staff:sign_out_person", args=[admin.pk]))
    assert response["Location"] == reverse("accounts:sign_in")
    _assert_sign_in_redirect(client.get(reverse("staff:list")))
    assert SessionCutoff.objects.filter(user=admin).exists()


def test_signing_out_everywhere_needs_a_post(cast: dict[str, User]) -> None:
    client = _client(cast["health_visitor"])
    assert client.get(reverse("staff:sign_out_everywhere")).status_code == 405
    assert client.get(reverse("staff:account")).status_code == 200
    assert not SessionCutoff.objects.exists()


def test_signing_out_everywhere_needs_the_csrf_token(cast: dict[str, User]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast["health_visitor"])
    assert client.post(reverse("staff:sign_out_everywhere")).status_code == 403
    assert not SessionCutoff.objects.exists()


def test_a_cutoff_ends_only_sessions_that_started_before_it(cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    client = _client(hv)
    started = client.session[sessions.STARTED]
    assert not sessions.ended_everywhere(hv.pk, started)
    client.post(reverse("staff:sign_out_everywhere"))
    cutoff = SessionCutoff.objects.get(user=hv).valid_from.timestamp()
    assert sessions.ended_everywhere(hv.pk, started)
    assert not sessions.ended_everywhere(hv.pk, cutoff)
    assert not sessions.ended_everywhere(cast["midwife"].pk, started)  # only this person's


def _queries(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_checking_for_a_cutoff_costs_one_small_query_per_request(cast: dict[str, User], family: Any, monkeypatch: Any) -> None:
    """Measured on the family page: the same queries as without the check, plus one lookup of the
    cutoff by primary key."""
    client = _client(cast["health_visitor"])
    url = family.get_absolute_url()
    _queries(client, url)  # warm up (the first request writes "last seen")
    with_check = _queries(client, url)
    monkeypatch.setattr(sessions, "ended_everywhere", lambda user_id, since: False)
    without_check = _queries(client, url)
    assert len(with_check) == len(without_check) + 1
    cutoff_queries = [sql for sql in with_check if "staff_sessioncutoff" in sql]
    assert len(cutoff_queries) == 1
    assert "LIMIT 1" in cutoff_queries[0]
    assert "JOIN" not in cutoff_queries[0]


def test_anonymous_requests_make_no_cutoff_query(db: Any) -> None:
    with CaptureQueriesContext(connection) as captured:
        Client().get(reverse("accounts:sign_in"))
    assert not [q for q in captured.captured_queries if "staff_sessioncutoff" in q["sql"]]
