"""Every retention page: the data protection officer's happy path, a refusal that looks like "not
found" for every other persona, sign-in for anonymous visitors, bad input, and the list's queries."""

import html
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from kbs.accounts.models import User
from kbs.audit.models import Action, AuditEvent
from kbs.families.models import Family
from kbs.retention import actions
from kbs.retention.models import DisposalRecord, LegalHold, reference_for

OTHERS = ["health_visitor", "lead", "midwife", "police", "analyst", "admin", "outsider"]
PAGES = ["list", "family", "place_hold", "lift_hold", "review", "dispose"]


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


def _url(name: str, family: Family) -> str:
    return reverse("retention:list") if name == "list" else reverse(f"retention:{name}", args=[family.public_id])


@pytest.mark.parametrize("persona", OTHERS)
@pytest.mark.parametrize("name", PAGES)
def test_every_page_is_not_found_for_everyone_else(cast: dict[str, User], due_family: Family, persona: str, name: str) -> None:
    client = _client(cast[persona])
    assert client.get(_url(name, due_family)).status_code == 404
    if name not in ("list", "family"):
        assert client.post(_url(name, due_family), {"reason": "x", "confirm": "on"}).status_code == 404
    assert not LegalHold.objects.exists()
    assert not DisposalRecord.objects.exists()
    assert due_family.babies.count() == 1


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(due_family: Family, name: str) -> None:
    response = _client(None).get(_url(name, due_family))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in") + "?next=")


def test_the_list_shows_due_and_coming_up_by_reference_only(old_family: Callable[..., Family], dpo: User) -> None:
    due = old_family(born_years=30, seen_years=29)
    # The 25th birthday falls in about 60 days.
    coming = old_family(born_years=25, seen_years=24, postcode="DE3 9ZZ")
    from kbs.families.models import Baby
    from kbs.retention.tests.conftest import years_ago
    Baby.objects.filter(family=coming).update(date_of_birth=years_ago(25, days=-60))
    later = old_family(born_years=10, seen_years=9, postcode="DE4 1AA")
    actions.place_legal_hold(by=dpo, family=due, reason="Claim")
    response = _client(dpo).get(reverse("retention:list"))
    assert response.status_code == 200
    page = _text(response)
    assert reference_for(due.public_id) in page
    assert reference_for(coming.public_id) in page
    assert reference_for(later.public_id) not in page
    assert "Past its date" in page or "Legal hold" in page
    assert "Coming up" in page
    assert "Legal hold" in page
    for secret in ("Amelia", "Hart", "Test Street", "DE1 2AB", "DE3 9ZZ"):
        assert secret not in page
    assert AuditEvent.objects.filter(actor=dpo, action=Action.SEARCH).exists()


def test_the_list_costs_the_same_queries_for_more_families(
    old_family: Callable[..., Family], dpo: User, django_assert_num_queries: Any,
) -> None:
    client = _client(dpo)
    old_family()
    client.get(reverse("retention:list"))  # warm the session and caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("retention:list")).status_code == 200
    for _ in range(4):
        family = old_family()
        actions.place_legal_hold(by=dpo, family=family, reason="Claim")
    with CaptureQueriesContext(connection) as five:
        page = _text(client.get(reverse("retention:list")))
    assert page.count("KBS-") >= 5
    assert len(five) == len(one)


def test_the_list_is_paginated(old_family: Callable[..., Family], dpo: User, monkeypatch: pytest.MonkeyPatch) -> None:
    from kbs.retention import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for _ in range(3):
        old_family()
    first = _text(_client(dpo).get(reverse("retention:list")))
    second = _text(_client(dpo).get(reverse("retention:list") + "?page=2"))
    assert first.count('href="/retention/families/') == 2
    assert second.count('href="/retention/families/') == 1


def test_the_review_page_is_an_audited_read(due_family: Family, dpo: User) -> None:
    response = _client(dpo).get(_url("family", due_family))
    assert response.status_code == 200
    page = _text(response)
    assert "Amelia Hart" in page
    assert "Health record" in page
    assert "Past its date" in page
    event = AuditEvent.objects.filter(family=due_family, action=Action.VIEW, actor=dpo).get()
    assert "retention review" in event.summary


def test_the_review_page_of_an_unknown_family_is_not_found(dpo: User) -> None:
    assert _client(dpo).get(reverse("retention:family", args=["not-a-uuid"])).status_code == 404
    assert _client(dpo).get(reverse("retention:family", args=["6f1c2a1e-0000-4000-8000-000000000000"])).status_code == 404


def test_place_and_lift_a_hold_through_the_pages(due_family: Family, dpo: User) -> None:
    client = _client(dpo)
    assert client.get(_url("place_hold", due_family)).status_code == 200
    response = client.post(_url("place_hold", due_family), {"reason": "Civil claim notified",
                                                             "review_on-day": "1", "review_on-month": "1", "review_on-year": "2099"})
    assert response.status_code == 302
    hold = LegalHold.objects.get(family=due_family)
    assert hold.review_on is not None
    assert hold.review_on.year == 2099
    page = _text(client.get(_url("family", due_family)))
    assert "On legal hold" in page
    assert "Civil claim notified" in page
    response = client.post(_url("lift_hold", due_family), {"reason": "Claim settled"})
    assert response.status_code == 302
    hold.refresh_from_db()
    assert not hold.is_active


def test_bad_input_is_shown_with_400_and_nothing_saved(due_family: Family, dpo: User) -> None:
    client = _client(dpo)
    response = client.post(_url("place_hold", due_family), {"reason": "", "review_on-day": "1", "review_on-month": "1", "review_on-year": "2000"})
    assert response.status_code == 400
    page = _text(response)
    assert "There is a problem" in page
    assert "Enter why these records must be kept" in page
    assert "The review date must be in the future" in page
    response = client.post(_url("lift_hold", due_family), {"reason": "Nothing to lift"})
    assert response.status_code == 400
    assert "no legal hold to lift" in _text(response)
    assert not LegalHold.objects.exists()


def test_review_then_dispose_through_the_pages(due_family: Family, dpo: User) -> None:
    client = _client(dpo)
    refused = client.post(_url("dispose", due_family), {"confirm": "on"})
    assert refused.status_code == 400
    assert "Review this family" in _text(refused)
    assert client.post(_url("review", due_family), {"reason": "Past its date, nothing outstanding"}).status_code == 302
    unconfirmed = client.post(_url("dispose", due_family), {})
    assert unconfirmed.status_code == 400
    assert "Confirm that these records should be deleted" in _text(unconfirmed)
    assert client.get(_url("dispose", due_family)).status_code == 200
    assert client.post(_url("dispose", due_family), {"confirm": "on"}).status_code == 302
    assert due_family.babies.count() == 0
    page = _text(client.get(_url("family", due_family)))
    assert "were disposed of" in page
    assert "Amelia" not in page
    assert reference_for(due_family.public_id) not in _text(client.get(reverse("retention:list")))


def test_a_held_family_cannot_be_disposed_of_through_the_page(due_family: Family, dpo: User) -> None:
    actions.review_for_disposal(by=dpo, family=due_family, reason="Past its date")
    actions.place_legal_hold(by=dpo, family=due_family, reason="Inquiry")
    response = _client(dpo).post(_url("dispose", due_family), {"confirm": "on"})
    assert response.status_code == 400
    assert "legal hold" in _text(response)
    assert due_family.babies.count() == 1


def test_a_family_not_due_is_refused_through_the_page(old_family: Callable[..., Family], dpo: User) -> None:
    family = old_family(born_years=5, seen_years=4)
    response = _client(dpo).post(_url("review", family), {"reason": "Tidy up"})
    assert response.status_code == 400
    assert "cannot be disposed of yet" in _text(response)


def test_the_navigation_shows_retention_only_to_the_dpo(cast: dict[str, User]) -> None:
    for key, user in cast.items():
        page = _text(_client(user).get("/", follow=True))
        assert ('href="/retention/"' in page) == (key == "dpo"), key


def test_the_command_prints_counts_and_no_personal_data(old_family: Callable[..., Family], dpo: User,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    due = old_family()
    old_family(born_years=3, seen_years=2, postcode="DE3 9ZZ")
    actions.place_legal_hold(by=dpo, family=due, reason="Claim")
    call_command("retention_review")
    out = capsys.readouterr().out
    assert "Past their retention date: 1 (1 on a legal hold)" in out
    assert "Coming up in the next 90 days: 0" in out
    assert "Legal holds in place: 1" in out
    for secret in ("Amelia", "Hart", "Test Street", "DE1 2AB", "DE3 9ZZ", reference_for(due.public_id), str(due.public_id)):
        assert secret not in out
