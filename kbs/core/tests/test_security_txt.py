"""/.well-known/security.txt (RFC 9116) and the page it names as its policy: public, plain, no cookies."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kbs.accounts.models import User


def fields(response: Any) -> dict[str, str]:
    lines = [line for line in response.content.decode().splitlines() if line and not line.startswith("#")]
    return dict(line.split(": ", 1) for line in lines)


def test_security_txt_is_plain_text_with_every_field(client: Client, db: Any, settings: Any) -> None:
    settings.KBS_SECURITY_CONTACT = "mailto:security@kbs.example.nhs.uk"
    settings.KBS_BASE_URL = "https://kbs.example.nhs.uk/"
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert not response.cookies
    assert fields(response) == {
        "Contact": "mailto:security@kbs.example.nhs.uk",
        "Expires": fields(response)["Expires"],
        "Preferred-Languages": "en",
        "Policy": "https://kbs.example.nhs.uk/security/",
        "Canonical": "https://kbs.example.nhs.uk/.well-known/security.txt",
    }


def test_security_txt_expires_within_a_year_and_not_soon(client: Client, db: Any) -> None:
    expires = datetime.strptime(fields(client.get(reverse("core:security_txt")))["Expires"], "%Y-%m-%dT%H:%M:%SZ")
    ahead = expires.replace(tzinfo=UTC) - datetime.now(UTC)
    assert timedelta(days=150) < ahead < timedelta(days=365)


def test_security_txt_is_not_found_until_a_contact_is_set(client: Client, db: Any, settings: Any) -> None:
    settings.KBS_SECURITY_CONTACT = ""
    assert client.get(reverse("core:security_txt")).status_code == 404


@pytest.mark.parametrize("persona", [None, "health_visitor", "lead", "midwife", "police", "analyst", "admin", "dpo",
                                     "outsider"])
def test_security_txt_and_policy_are_the_same_for_everyone_and_set_no_cookie(
    client: Client, cast: dict[str, User], persona: str | None
) -> None:
    if persona:
        client.force_login(cast[persona])
    txt = client.get(reverse("core:security_txt"))
    assert txt.status_code == 200
    assert fields(txt)["Contact"] == "mailto:security@example.nhs.uk"
    page = client.get(reverse("core:security"))
    assert page.status_code == 200
    assert "<h1>Reporting a security problem</h1>" in page.content.decode()
    assert "security@example.nhs.uk" in page.content.decode()
    if persona is None:
        assert not txt.cookies
        assert not page.cookies
