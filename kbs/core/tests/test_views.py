"""Pages that belong to no single record, and the headers every signed-in page carries."""

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import Role, User
from kbs.conftest import TEST_NHS_NUMBERS, baby_details
from kbs.families.models import Family


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # Django's PBKDF2 costs about 0.2 s a user and the cast has seven; these tests are not about hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _text(response: Any) -> str:
    return response.content.decode()


def _card(page: str, label: str) -> str:
    """The figure on the overview card with this label."""
    found = re.search(rf">\s*([^<>]*?)\s*</h2>\s*<p class=\"nhsuk-card__description\">{label}</p>", page)
    assert found, f"no card for {label}"
    return found.group(1)


# --- home ------------------------------------------------------------------------------------


def test_home_sends_anonymous_to_sign_in(client: Client, db: Any) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:sign_in")


@pytest.mark.parametrize(
    ("persona", "target"),
    [("health_visitor", "families:mine"), ("police", "families:mine"), ("lead", "families:mine"),
     ("analyst", "core:overview"), ("admin", "core:overview")],
)
def test_home_sends_each_role_to_its_start(client: Client, cast: dict[str, User], persona: str, target: str) -> None:
    client.force_login(cast[persona])
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse(target)


def test_home_sends_auditor_to_audit_trail(client: Client, make_user: Callable[..., User], db: Any) -> None:
    Role.objects.create(slug="auditor", name="Auditor", description="Test role", permissions=["search_audit_all"])
    client.force_login(make_user("au-ali", "auditor", None))
    assert client.get("/")["Location"] == reverse("audit:search")


def test_home_tells_user_without_role_they_have_no_access(client: Client, cast: dict[str, User]) -> None:
    client.force_login(cast["outsider"])
    response = client.get("/")
    assert response.status_code == 200
    assert "You have no access yet" in _text(response)


# --- overview --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["analyst", "admin"])
def test_overview_shows_counts_without_names(client: Client, cast: dict[str, User], family: Family,
                                             make_family: Callable[..., Family], persona: str) -> None:
    for n in range(1, 6):
        make_family(baby=baby_details(given_name=f"Baby{n}", nhs_number=TEST_NHS_NUMBERS[n]), postcode="DE22 1AA")
    client.force_login(cast[persona])
    response = client.get(reverse("core:overview"))
    page = _text(response)
    assert response.status_code == 200
    assert _card(page, "Families") == "6"
    assert _card(page, "Babies born") == "6"
    assert _card(page, "Unborn babies") == "0"
    assert _card(page, "Active agency involvements") == "7"
    # Health visiting leads on 6 families; maternity on 1, which is small enough to pick someone out.
    assert re.search(r"Test Health Visiting</td><td[^>]*>6</td>", page)
    assert re.search(r"Test Maternity</td><td[^>]*>&lt;5</td>", page)
    for private in ("Amelia", "Hart", "Sophie", "Baby1", "1 Test Street", "DE1 2AB", "DE22 1AA",
                    *TEST_NHS_NUMBERS, "999 000 0018", str(family.public_id)):
        assert private not in page


def test_overview_suppresses_small_numbers(client: Client, cast: dict[str, User], family: Family) -> None:
    client.force_login(cast["analyst"])
    page = _text(client.get(reverse("core:overview")))
    assert _card(page, "Families") == "&lt;5"
    assert _card(page, "Active agency involvements") == "&lt;5"
    assert _card(page, "Unborn babies") == "0"  # nought picks nobody out


def test_overview_counts_babies_under_one_on_29_february(
    client: Client, cast: dict[str, User], make_family: Callable[..., Family], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 29 February 2028 has no twin a year earlier: a baby born on 28 February 2027 has just turned one.
    for born in [date(2027, 2, 28)] * 5 + [date(2027, 3, 1)] * 5:
        make_family(baby=baby_details(nhs_number="", date_of_birth=born))
    monkeypatch.setattr(timezone, "localdate", lambda *args: date(2028, 2, 29))
    client.force_login(cast["analyst"])
    response = client.get(reverse("core:overview"))
    assert response.status_code == 200
    assert _card(_text(response), "Babies born") == "10"
    assert _card(_text(response), "Babies under one") == "5"


@pytest.mark.parametrize("persona", ["health_visitor", "lead", "midwife", "police", "outsider"])
def test_overview_refused(client: Client, cast: dict[str, User], family: Family, persona: str) -> None:
    client.force_login(cast[persona])
    response = client.get(reverse("core:overview"))
    assert response.status_code == 404
    assert "Page not found" in _text(response)
    assert "Partnership overview" not in _text(response)


def test_overview_sends_anonymous_to_sign_in(client: Client) -> None:
    response = client.get(reverse("core:overview"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))


# --- public pages ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "heading"), [("core:accessibility", "Accessibility statement"),
                                               ("core:privacy", "Privacy notice")])
@pytest.mark.parametrize("persona", [None, "health_visitor"])
def test_statement_page_opens_for_everyone(client: Client, cast: dict[str, User], name: str, heading: str,
                                           persona: str | None) -> None:
    if persona:
        client.force_login(cast[persona])
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert heading in _text(response)


def test_health_check_says_ok(client: Client, db: Any) -> None:
    response = client.get(reverse("core:health"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"ok"


def test_hello_says_hello(client: Client) -> None:
    response = client.get(reverse("core:hello"))
    assert response.status_code == 200
    assert response.content == b"hello"


def test_unknown_url_gives_not_found_page(client: Client, cast: dict[str, User]) -> None:
    client.force_login(cast["health_visitor"])
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in _text(response)


# --- headers on every signed-in page ---------------------------------------------------------


def _signed_in_pages(family: Family) -> list[tuple[str, str]]:
    baby = family.babies.get()
    person = family.people.get()
    return [
        ("health_visitor", reverse("families:mine")),
        ("health_visitor", reverse("families:register")),
        ("health_visitor", family.get_absolute_url()),
        ("health_visitor", reverse("families:edit_household", args=[family.public_id])),
        ("health_visitor", reverse("families:add_person", args=[family.public_id])),
        ("health_visitor", person.get_absolute_url()),
        ("health_visitor", reverse("families:edit_person", args=[person.public_id])),
        ("health_visitor", baby.get_absolute_url()),
        ("health_visitor", reverse("families:edit_baby", args=[baby.public_id])),
        ("police", reverse("families:find") + "?nhs_number=9990000018"),
        ("police", reverse("families:involve", args=[family.public_id])),
        ("police", reverse("families:break_glass", args=[family.public_id])),
        ("police", family.get_absolute_url()),  # refused: the 404 page carries the headers too
        ("lead", reverse("audit:search")),
        ("analyst", reverse("core:overview")),
        ("outsider", "/"),
        ("midwife", reverse("accounts:sign_out")),
        ("midwife", reverse("core:accessibility")),
        ("midwife", reverse("core:privacy")),
    ]


def test_every_signed_in_page_has_csp_nonce_and_no_store(client: Client, cast: dict[str, User], family: Family) -> None:
    nonces = set()
    for persona, url in _signed_in_pages(family):
        client.force_login(cast[persona])
        response = client.get(url)
        assert response.status_code in (200, 404), url
        policy = response["Content-Security-Policy"]
        found = re.search(r"script-src 'self' 'nonce-([A-Za-z0-9_-]{16,})'", policy)
        assert found, url
        assert "default-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        # The page's one inline script carries the same nonce as the header.
        assert f'<script nonce="{found.group(1)}">' in _text(response), url
        assert response["Cache-Control"] == "no-store", url
        nonces.add(found.group(1))
    assert len(nonces) == len(_signed_in_pages(family))  # a fresh nonce for every response


def test_signed_in_post_responses_are_not_stored(client: Client, cast: dict[str, User], family: Family) -> None:
    client.force_login(cast["police"])
    response = client.post(reverse("families:break_glass", args=[family.public_id]), {"reason": "short"})
    assert response.status_code == 400
    assert response["Cache-Control"] == "no-store"
    assert "'nonce-" in response["Content-Security-Policy"]


def test_anonymous_page_has_csp_but_may_be_cached(client: Client, db: Any) -> None:
    response = client.get(reverse("accounts:sign_in"))
    assert "'nonce-" in response["Content-Security-Policy"]
    assert "no-store" not in response.get("Cache-Control", "")

