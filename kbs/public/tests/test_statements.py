"""The privacy notice, accessibility statement and cookie statement: open to everyone, no cookies."""

import html
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kbs.accounts.models import User
from kbs.families.models import LawfulBasis

STATEMENTS = [("core:privacy", "Privacy notice"), ("core:accessibility", "Accessibility statement"), ("core:cookies", "Cookies")]


def _text(response: Any) -> str:
    return " ".join(html.unescape(response.content.decode()).split())


@pytest.mark.parametrize(("name", "heading"), STATEMENTS)
def test_statement_opens_without_sign_in_and_sets_no_cookie(client: Client, db: Any, name: str, heading: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in response.content.decode()
    assert not response.cookies


def test_cookie_statement_names_the_cookies_from_settings(client: Client, db: Any, settings: Any) -> None:
    settings.SESSION_COOKIE_NAME = "kbs_session"
    settings.CSRF_COOKIE_NAME = "kbs_csrf"
    text = _text(client.get(reverse("core:cookies")))
    for words in ("kbs_session", "kbs_csrf", "messages", "The public pages set no cookies", "after 12 hours"):
        assert words in text


def test_privacy_notice_lists_every_lawful_basis(client: Client, db: Any) -> None:
    text = _text(client.get(reverse("core:privacy")))
    for _value, label in LawfulBasis.choices:
        assert label in text
    for words in ("retention schedule", "Information Commissioner", "Your rights"):
        assert words in text


def test_accessibility_statement_says_how_we_test_and_how_to_complain(client: Client, cast: dict[str, User]) -> None:
    client.force_login(cast["midwife"])
    text = _text(client.get(reverse("core:accessibility")))
    for words in ("WCAG", "2.2", "axe-core", "320 pixels", "JavaScript", "Known issues",
                  "Equality and Human Rights Commission", "Equality Advisory and Support Service"):
        assert words in text
