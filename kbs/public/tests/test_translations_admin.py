"""Marking a translation as checked by a qualified translator: the action and the administrators' page."""

import html
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kbs.accounts.models import User
from kbs.audit.models import Action, AuditEvent
from kbs.public import actions
from kbs.public.models import TranslationReview, awaiting_review

PAGE = reverse("public:translations")


def _text(response: Any) -> str:
    return " ".join(html.unescape(response.content.decode()).split())


def test_mark_translation_reviewed_records_who_when_and_an_audit_event(cast: dict[str, User]) -> None:
    assert awaiting_review("pl")
    row = actions.mark_translation_reviewed(by=cast["admin"], language="pl")
    assert row.reviewed
    assert row.reviewed_by == cast["admin"]
    assert row.reviewed_at is not None
    assert not awaiting_review("pl")
    assert awaiting_review("ur")
    event = AuditEvent.objects.get(action=Action.SETTING, object_type="translationreview")
    assert event.actor == cast["admin"]
    assert event.detail == {"language": "pl", "reviewed": [False, True]}
    assert "Polish" in event.summary


def test_marking_awaiting_review_again_clears_who_and_when(cast: dict[str, User]) -> None:
    actions.mark_translation_reviewed(by=cast["admin"], language="ur")
    row = actions.mark_translation_reviewed(by=cast["admin"], language="ur", reviewed=False)
    assert not row.reviewed
    assert row.reviewed_by is None
    assert row.reviewed_at is None
    assert awaiting_review("ur")
    assert AuditEvent.objects.filter(action=Action.SETTING).count() == 2


@pytest.mark.parametrize("persona", ["health_visitor", "lead", "analyst", "outsider"])
def test_mark_translation_reviewed_refused_without_the_permission(cast: dict[str, User], persona: str) -> None:
    with pytest.raises(actions.NotAllowed):
        actions.mark_translation_reviewed(by=cast[persona], language="pl")
    assert not TranslationReview.objects.exists()


def test_mark_translation_reviewed_refuses_english_and_unknown_languages(cast: dict[str, User]) -> None:
    for code in ("en", "fr"):
        with pytest.raises(ValueError, match="not a translated language"):
            actions.mark_translation_reviewed(by=cast["admin"], language=code)


def test_translations_page_lists_languages_with_counts_and_status(client: Client, cast: dict[str, User]) -> None:
    client.force_login(cast["admin"])
    response = client.get(PAGE)
    assert response.status_code == 200
    text = _text(response)
    for words in ("Polish", "Urdu", "Romanian", "Awaiting review", "Mark as checked"):
        assert words in text
    assert text.count(" of ") >= 3


def test_administrator_marks_a_translation_reviewed_through_the_page(client: Client, cast: dict[str, User]) -> None:
    client.force_login(cast["admin"])
    response = client.post(reverse("public:review_translation", args=["ro"]), {"reviewed": "yes"}, follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    assert "The Romanian translation is marked as checked by a qualified translator" in _text(response)
    assert not awaiting_review("ro")
    assert AuditEvent.objects.filter(action=Action.SETTING, actor=cast["admin"]).count() == 1
    client.post(reverse("public:review_translation", args=["ro"]), {"reviewed": "no"})
    assert awaiting_review("ro")


@pytest.mark.parametrize("persona", ["health_visitor", "lead", "midwife", "analyst", "outsider"])
def test_translations_page_is_not_found_for_everyone_else(client: Client, cast: dict[str, User], persona: str) -> None:
    client.force_login(cast[persona])
    assert client.get(PAGE).status_code == 404
    assert client.post(reverse("public:review_translation", args=["pl"]), {"reviewed": "yes"}).status_code == 404
    assert awaiting_review("pl")
    assert not AuditEvent.objects.filter(action=Action.SETTING).exists()


def test_translations_page_sends_anonymous_people_to_sign_in(client: Client, db: Any) -> None:
    for response in (client.get(PAGE), client.post(reverse("public:review_translation", args=["pl"]), {"reviewed": "yes"})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:sign_in"))


@pytest.mark.parametrize("code", ["en", "fr"])
def test_review_of_english_or_an_unknown_language_is_not_found(client: Client, cast: dict[str, User], code: str) -> None:
    client.force_login(cast["admin"])
    assert client.post(reverse("public:review_translation", args=[code]), {"reviewed": "yes"}).status_code == 404


def test_review_needs_a_post(client: Client, cast: dict[str, User]) -> None:
    client.force_login(cast["admin"])
    assert client.get(reverse("public:review_translation", args=["pl"])).status_code == 405
