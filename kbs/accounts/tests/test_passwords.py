"""Passwords: at least 12 characters, not on the shipped list of common and breached passwords, no
rules about kinds of character; and the "Change your password" page."""

import gzip
import re
from pathlib import Path
from typing import Any

import django
import pytest
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from kbs.accounts.models import User
from kbs.accounts.passwords import LIST_PATH, BreachedPasswordValidator, refused_passwords
from kbs.accounts.tests.test_mfa import PASSWORD, verified_login
from kbs.audit.models import Action, AuditEvent

GOOD = "lantern otter marmalade quay"


@pytest.mark.parametrize("password", [
    "password1234", "Password1234", "liverpool2024", "LIVERPOOL 2024", "qwertyuiop123", "1q2w3e4r5t6y",
    "111111111111", "123123123123", "welcome12345", "derbyshire2025!", "iloveyouiloveyou", "keepingbabiessafe1",
])
def test_common_and_breached_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValidationError) as refused:
        BreachedPasswordValidator().validate(password)
    assert refused.value.code == "password_too_common"


@pytest.mark.parametrize("password", [GOOD, "Correct-Horse-Battery-Staple-9", "8274 6619 0352 71"])
def test_long_uncommon_passwords_are_accepted(password: str) -> None:
    BreachedPasswordValidator().validate(password)
    password_validation.validate_password(password)


def test_list_holds_djangos_common_passwords_and_our_patterns() -> None:
    source = Path(django.__file__).parent / "contrib" / "auth" / "common-passwords.txt.gz"
    with gzip.open(source, "rt", encoding="utf-8") as lines:
        djangos = {line.strip().lower() for line in lines if line.strip()}
    assert djangos <= refused_passwords()
    assert len(refused_passwords()) > len(djangos) + 5000
    assert (LIST_PATH.parent / "README.md").read_text().count("common-passwords.txt.gz") >= 1


def test_rules_are_length_and_list_only() -> None:
    names = [v["NAME"] for v in settings.AUTH_PASSWORD_VALIDATORS]
    assert "kbs.accounts.passwords.BreachedPasswordValidator" in names
    assert "django.contrib.auth.password_validation.NumericPasswordValidator" not in names
    with pytest.raises(ValidationError, match="at least 12"):
        password_validation.validate_password("Zq8#kLp2!x")
    # No composition rules: all lower case, or all digits, is fine if long and not listed.
    password_validation.validate_password("lanternotterquay")
    password_validation.validate_password("827466190352")


# --- the page ----------------------------------------------------------------------------------


def _post(client: Client, current: str = PASSWORD, new: str = GOOD, again: str | None = None) -> Any:
    return client.post(reverse("accounts:change_password"),
                       {"current_password": current, "new_password": new, "confirm_password": new if again is None else again})


def _errors(response: Any) -> list[str]:
    found = re.search(r'<ul class="nhsuk-list nhsuk-error-summary__list">(.*?)</ul>', response.content.decode(), re.S)
    assert found, "no error summary"
    return [" ".join(re.sub(r"<[^>]+>", "", item).split()) for item in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)]


@pytest.mark.parametrize("key", ["health_visitor", "lead", "midwife", "police", "analyst", "admin", "dpo", "outsider"])
def test_everyone_changes_their_own_password_and_it_is_audited(client: Client, cast: dict[str, User], key: str) -> None:
    user = cast[key]
    verified_login(client, user)
    assert client.get(reverse("accounts:change_password")).status_code == 200
    other = Client()
    verified_login(other, user)
    response = _post(client)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(GOOD)
    event = AuditEvent.objects.get(action=Action.UPDATE, actor=user)
    assert event.detail == {"change": "password"}
    assert GOOD not in str(event.detail)
    # This session carries on; another of theirs has ended.
    assert client.get(reverse("accounts:change_password")).status_code == 200
    assert other.get(reverse("accounts:change_password")).status_code == 302


@pytest.mark.parametrize(("current", "new", "again", "message"), [
    ("wrong-password-9", GOOD, None, "Your current password is not right"),
    (PASSWORD, "liverpool2024", None, "This password is too easy to guess"),
    (PASSWORD, "short-one", None, "Your new password must be at least 12 characters"),
    (PASSWORD, GOOD, GOOD + "x", "The two new passwords are not the same"),
    (PASSWORD, PASSWORD, None, "Choose a new password that is different from your current one"),
    ("", "", "", "Enter your current password"),
])
def test_bad_change_is_explained_and_nothing_changes(client: Client, cast: dict[str, User], current: str, new: str,
                                                     again: str | None, message: str) -> None:
    user = cast["midwife"]
    verified_login(client, user)
    response = _post(client, current, new, again)
    assert response.status_code == 400
    assert any(e.startswith(message) for e in _errors(response)), _errors(response)
    # No password is ever written back into the page.
    assert f'value="{PASSWORD}"' not in response.content.decode()
    assert f'value="{GOOD}"' not in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action=Action.UPDATE).exists()


def test_change_password_anonymous_goes_to_sign_in(client: Client, db: Any) -> None:
    response = client.get(reverse("accounts:change_password"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))


def test_sign_in_page_does_not_echo_the_password(client: Client, cast: dict[str, User]) -> None:
    response = client.post(reverse("accounts:sign_in"), {"username": "hv-harriet", "password": "wrong-password-123"})
    assert response.status_code == 400
    assert "wrong-password-123" not in response.content.decode()
