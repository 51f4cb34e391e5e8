"""The learning pages: reviews, a review, and a tool rule's "why" page, for staff only."""

import html
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import User
from kbs.learning import actions
from kbs.learning.models import ChangeKind, Recommendation, Review
from kbs.library import actions as library_actions
from kbs.library.demo import pdf_file
from kbs.library.models import Audience, Kind

STAFF = ["health_visitor", "lead", "midwife", "police", "analyst", "admin"]


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def changes(cast: dict[str, User], recommendation: Recommendation) -> Recommendation:
    today = timezone.localdate()
    brief = library_actions.add_document(
        by=cast["admin"], title="Partnership audit brief", kind=Kind.LEARNING_BRIEF, summary="For partnership staff.",
        owner=cast["admin"], agency=cast["admin"].agency, audience=Audience.PARTNERSHIP, topics=[],
        published_on=today - timedelta(days=10), review_by=today + timedelta(days=300),
        file=pdf_file("brief.pdf", "Brief", ["Text."]),
    )
    for kind, reference, document in [(ChangeKind.TOOL_RULE, "safer-sleep:SS-OUT-OF-ROUTINE", None),
                                      (ChangeKind.TRAINING_MODULE, "sleep-crying-and-invisible-men", None),
                                      (ChangeKind.MESSAGE, "safe_sleep", None),
                                      (ChangeKind.DOCUMENT, "", brief)]:
        actions.record_change(by=cast["admin"], recommendation=recommendation, kind=kind, reference=reference,
                              document=document, changed_on=today - timedelta(days=5), note=f"Changed {kind}.")
    return recommendation


@pytest.mark.parametrize("persona", STAFF)
def test_reviews_list(cast: dict[str, User], review: Review, persona: str) -> None:
    response = _client(cast[persona]).get(reverse("learning:reviews"))
    assert response.status_code == 200
    page = _text(response)
    assert "Out of routine" in page
    assert "National review" in page
    assert "Safer sleep" in page


@pytest.mark.parametrize("persona", STAFF)
def test_review_page_shows_recommendations_and_what_changed(cast: dict[str, User], changes: Recommendation, persona: str) -> None:
    response = _client(cast[persona]).get(reverse("learning:review", args=[changes.review_id]))
    assert response.status_code == 200
    page = _text(response)
    assert "Plan for disrupted routines." in page
    assert f'href="{reverse("learning:rule", args=["safer-sleep", "SS-OUT-OF-ROUTINE"])}"' in page
    assert f'href="{reverse("workforce:module", args=["sleep-crying-and-invisible-men"])}"' in page
    assert "The safe sleep message" in page
    # The brief is for partnership staff only: its title and link only for them.
    assert ("Partnership audit brief" in page) == (persona in ("analyst", "admin"))
    assert ("A document for partnership staff" in page) == (persona not in ("analyst", "admin"))


@pytest.mark.parametrize("persona", STAFF)
def test_rule_page_shows_the_rule_and_the_learning_behind_it(cast: dict[str, User], changes: Recommendation, persona: str) -> None:
    response = _client(cast[persona]).get(reverse("learning:rule", args=["safer-sleep", "SS-OUT-OF-ROUTINE"]))
    assert response.status_code == 200
    page = _text(response)
    assert "<h1>Why rule SS-OUT-OF-ROUTINE: A change of routine is coming without a plan for sleep</h1>" in page
    assert "Where it comes from:" in page
    assert "Out of routine, recommendation 1" in page
    assert f'href="{reverse("learning:review", args=[changes.review_id])}"' in page


def test_rule_page_without_learning_says_so(cast: dict[str, User]) -> None:
    page = _text(_client(cast["health_visitor"]).get(reverse("learning:rule", args=["bruising", "BR-NON-MOBILE"])))
    assert "No review has been linked to this rule yet" in page
    assert "Bruise or possible bruise on a non-mobile baby" in page


def test_rule_page_shows_each_variant(cast: dict[str, User]) -> None:
    page = _text(_client(cast["health_visitor"]).get(reverse("learning:rule", args=["bruising", "BR-NON-MOBILE"])))
    assert page.count("When the partnership has chosen:") == 2


@pytest.mark.parametrize(("slug", "rule_id"), [("bruising", "NOPE"), ("no-tool", "BR-NON-MOBILE")])
def test_unknown_rule_is_not_found(cast: dict[str, User], slug: str, rule_id: str) -> None:
    assert _client(cast["health_visitor"]).get(reverse("learning:rule", args=[slug, rule_id])).status_code == 404


def test_unknown_review_is_not_found(cast: dict[str, User]) -> None:
    assert _client(cast["health_visitor"]).get(reverse("learning:review", args=[999])).status_code == 404


def test_learning_pages_are_not_found_for_people_with_no_role(cast: dict[str, User], review: Review) -> None:
    client = _client(cast["outsider"])
    for url in (reverse("learning:reviews"), reverse("learning:review", args=[review.pk]),
                reverse("learning:rule", args=["bruising", "BR-NON-MOBILE"])):
        assert client.get(url).status_code == 404


def test_learning_pages_ask_strangers_to_sign_in(review: Review) -> None:
    for url in (reverse("learning:reviews"), reverse("learning:review", args=[review.pk]),
                reverse("learning:rule", args=["bruising", "BR-NON-MOBILE"])):
        response = _client(None).get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:sign_in"))


def test_document_page_shows_the_learning_behind_it(cast: dict[str, User], changes: Recommendation) -> None:
    brief = changes.changes.get(kind=ChangeKind.DOCUMENT).document
    assert brief is not None
    page = _text(_client(cast["admin"]).get(reverse("library:document", args=[brief.pk])))
    assert "Learning behind this document" in page
    assert "Out of routine" in page
    assert "Plan for disrupted routines." in page
