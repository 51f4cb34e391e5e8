"""Two-step sign-in: setting up an app, codes, recovery codes, the gate in front of every page,
and administrators resetting someone's app. Codes are worked out from the device's own key with
django-otp's TOTP, on a clock the test controls."""

import re
import types
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from kbs.accounts import mfa
from kbs.accounts.models import User
from kbs.audit.models import Action, AuditEvent
from kbs.core.tests.test_settings import PRODUCTION, manage

PASSWORD = "correct-horse-battery"
T0 = 1_800_000_000.0  # a fixed moment, well away from a 30-second boundary


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The time TOTP devices verify against; move it by changing clock[0]."""
    now = [T0]
    monkeypatch.setattr("django_otp.plugins.otp_totp.models.time", types.SimpleNamespace(time=lambda: now[0]))
    return now


@pytest.fixture
def required(settings: Any) -> None:
    settings.KBS_MFA_REQUIRED = True


def code_for(device: TOTPDevice, at: float, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = at + steps_ahead * device.step
    return f"{totp.token():06d}"


def enrolled(user: User, at: float = T0 - 300) -> TOTPDevice:
    """Give `user` a confirmed app, as if they set it up five minutes ago."""
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    device.last_t = int((at - device.t0) // device.step)
    device.save()
    return device


def recovery(user: User, codes: list[str]) -> StaticDevice:
    device = StaticDevice.objects.create(user=user, name="Recovery codes")
    for code in codes:
        StaticToken.objects.create(device=device, token=mfa.hash_recovery_code(code))
    return device


def verified_login(client: Client, user: User) -> None:
    """A session that has passed both steps."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or enrolled(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def password_step(client: Client, username: str, next_url: str = "") -> Any:
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("accounts:sign_in"), data)


def _location(response: Any) -> tuple[str, str]:
    parts = urlsplit(response["Location"])
    return parts.path, parse_qs(parts.query).get("next", [""])[0]


def _verified(client: Client) -> bool:
    return DEVICE_ID_SESSION_KEY in client.session


def _errors(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# --- setting up an app -------------------------------------------------------------------------


def test_sign_in_without_an_app_goes_to_set_up_keeping_next(client: Client, cast: dict[str, User],
                                                           required: None) -> None:
    response = password_step(client, "hv-harriet", "/library/")
    assert _location(response) == (reverse("accounts:mfa_enrol"), "/library/")
    assert "_auth_user_id" in client.session
    assert not _verified(client)
    # Until the app is set up, every other page sends them back here.
    assert _location(client.get("/library/")) == (reverse("accounts:mfa_enrol"), "/library/")


def test_set_up_page_shows_qr_code_and_key_in_groups_of_four(client: Client, cast: dict[str, User],
                                                             required: None) -> None:
    password_step(client, "hv-harriet")
    page = client.get(reverse("accounts:mfa_enrol"), {"next": "/library/"})
    assert page.status_code == 200
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=cast["health_visitor"], confirmed=False)
    assert re.search(r'<img src="data:image/svg\+xml[^"]+" alt="QR code', html)
    secret = re.search(r'<code id="totp-secret">([^<]+)</code>', html).group(1)  # type: ignore[union-attr]
    assert all(len(group) == 4 for group in secret.split()[:-1])
    assert secret == mfa.secret_for_typing(device)
    assert "<script>" not in html
    assert "style=" not in html
    # Opening the page again shows the same key, not a new one.
    client.get(reverse("accounts:mfa_enrol"))
    assert TOTPDevice.objects.filter(user=cast["health_visitor"]).count() == 1


def test_set_up_with_right_code_shows_ten_codes_once_stored_hashed(client: Client, cast: dict[str, User],
                                                                   required: None, clock: list[float],
                                                                   django_capture_on_commit_callbacks: Any) -> None:
    hv = cast["health_visitor"]
    password_step(client, "hv-harriet")
    client.get(reverse("accounts:mfa_enrol"))
    device = TOTPDevice.objects.get(user=hv)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:mfa_enrol"), {"code": code_for(device, clock[0]), "next": "/library/"})
    assert response.status_code == 200
    codes = re.findall(r'<code class="nhsuk-body-l">([a-z0-9-]+)</code>', response.content.decode())
    assert len(codes) == len(set(codes)) == 10
    assert 'href="/library/"' in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert _verified(client)
    stored = set(StaticToken.objects.filter(device__user=hv).values_list("token", flat=True))
    assert stored == {mfa.hash_recovery_code(c) for c in codes}
    assert not stored & set(codes)
    assert not stored & {c.replace("-", "") for c in codes}
    event = AuditEvent.objects.get(action=Action.MFA, detail__change="enrolled")
    assert event.actor == hv
    assert [m.to for m in mail.outbox] == [[hv.email]]
    assert "authenticator app" in mail.outbox[0].body
    assert client.get("/library/").status_code == 200


def test_set_up_with_wrong_code_is_refused(client: Client, cast: dict[str, User], required: None,
                                           clock: list[float]) -> None:
    password_step(client, "hv-harriet")
    client.get(reverse("accounts:mfa_enrol"))
    device = TOTPDevice.objects.get(user=cast["health_visitor"])
    wrong = f"{(int(code_for(device, clock[0])) + 1) % 1_000_000:06d}"
    response = client.post(reverse("accounts:mfa_enrol"), {"code": wrong})
    assert response.status_code == 400
    assert "The code is not right" in _errors(response)
    device.refresh_from_db()
    assert not device.confirmed
    assert not _verified(client)
    assert not StaticToken.objects.exists()


@pytest.mark.parametrize(("typed", "message"), [("", "Enter the 6-digit code"), ("12ab56", "using numbers only"),
                                                ("12345", "using numbers only")])
def test_code_that_is_not_six_digits_is_explained(client: Client, cast: dict[str, User], required: None,
                                                  typed: str, message: str) -> None:
    enrolled(cast["health_visitor"])
    password_step(client, "hv-harriet")
    response = client.post(reverse("accounts:mfa_verify"), {"code": typed})
    assert response.status_code == 400
    assert message in _errors(response)


def test_someone_with_an_app_cannot_set_up_another_before_the_code(client: Client, cast: dict[str, User],
                                                                   required: None) -> None:
    enrolled(cast["health_visitor"])
    password_step(client, "hv-harriet")
    response = client.get(reverse("accounts:mfa_enrol"), {"next": "/library/"})
    assert _location(response) == (reverse("accounts:mfa_verify"), "/library/")
    assert TOTPDevice.objects.filter(user=cast["health_visitor"]).count() == 1


# --- the code at every sign-in ------------------------------------------------------------------


def test_sign_in_with_an_app_asks_for_the_code_then_goes_to_next(client: Client, cast: dict[str, User],
                                                                required: None, clock: list[float]) -> None:
    device = enrolled(cast["health_visitor"])
    response = password_step(client, "hv-harriet", "/families/find/")
    assert _location(response) == (reverse("accounts:mfa_verify"), "/families/find/")
    page = client.get(response["Location"])
    assert "Enter the 6-digit code from your authenticator app" in page.content.decode()
    assert "Use a recovery code" in page.content.decode()
    response = client.post(reverse("accounts:mfa_verify"), {"code": code_for(device, clock[0]), "next": "/families/find/"})
    assert response.status_code == 302
    assert response["Location"] == "/families/find/"
    assert _verified(client)
    assert AuditEvent.objects.filter(action=Action.MFA, actor=cast["health_visitor"], detail__change="verified").exists()


def test_wrong_code_is_refused_and_audited(client: Client, cast: dict[str, User], required: None,
                                           clock: list[float]) -> None:
    device = enrolled(cast["health_visitor"])
    password_step(client, "hv-harriet")
    wrong = f"{(int(code_for(device, clock[0])) + 500_000) % 1_000_000:06d}"
    response = client.post(reverse("accounts:mfa_verify"), {"code": wrong})
    assert response.status_code == 400
    assert "The code is not right" in _errors(response)
    assert not _verified(client)
    assert AuditEvent.objects.filter(action=Action.SIGN_IN_FAILED, actor_name="hv-harriet").count() == 1


def test_a_code_works_once_and_the_next_one_after_it(client: Client, cast: dict[str, User], required: None,
                                                     clock: list[float], settings: Any) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = enrolled(cast["health_visitor"])
    code = code_for(device, clock[0])
    password_step(client, "hv-harriet")
    assert client.post(reverse("accounts:mfa_verify"), {"code": code}).status_code == 302
    other = Client()
    password_step(other, "hv-harriet")
    assert other.post(reverse("accounts:mfa_verify"), {"code": code}).status_code == 400
    clock[0] += 30
    assert other.post(reverse("accounts:mfa_verify"), {"code": code_for(device, clock[0])}).status_code == 302


def test_old_code_is_refused(client: Client, cast: dict[str, User], required: None, clock: list[float]) -> None:
    device = enrolled(cast["health_visitor"])
    password_step(client, "hv-harriet")
    stale = code_for(device, clock[0] - 120)
    assert client.post(reverse("accounts:mfa_verify"), {"code": stale}).status_code == 400


def test_right_code_straight_after_a_wrong_one_waits(client: Client, cast: dict[str, User], required: None,
                                                     clock: list[float]) -> None:
    device = enrolled(cast["health_visitor"])
    password_step(client, "hv-harriet")
    client.post(reverse("accounts:mfa_verify"), {"code": "000000" if code_for(device, clock[0]) != "000000" else "111111"})
    response = client.post(reverse("accounts:mfa_verify"), {"code": code_for(device, clock[0])})
    assert response.status_code == 400
    assert "Wait a minute" in _errors(response)


@pytest.mark.parametrize("key", ["health_visitor", "lead", "midwife", "police", "analyst", "admin", "dpo", "outsider"])
def test_everyone_is_asked_for_their_own_code(client: Client, cast: dict[str, User], key: str, required: None,
                                             clock: list[float]) -> None:
    device = enrolled(cast[key])
    password_step(client, cast[key].username)
    assert client.get(reverse("accounts:mfa_verify")).status_code == 200
    assert client.get(reverse("accounts:mfa_recovery")).status_code == 200
    assert client.post(reverse("accounts:mfa_verify"), {"code": code_for(device, clock[0])}).status_code == 302
    assert _verified(client)


@pytest.mark.parametrize("key", ["health_visitor", "lead", "midwife", "police", "analyst", "admin", "dpo", "outsider"])
def test_everyone_without_an_app_is_asked_to_set_one_up(client: Client, cast: dict[str, User], key: str,
                                                        required: None) -> None:
    password_step(client, cast[key].username)
    assert client.get(reverse("accounts:mfa_enrol")).status_code == 200
    assert _location(client.get(reverse("accounts:mfa_verify")))[0] == reverse("accounts:mfa_enrol")


def test_code_pages_need_a_password_first(client: Client, db: Any) -> None:
    for name in ("accounts:mfa_verify", "accounts:mfa_recovery", "accounts:mfa_enrol", "accounts:recovery_codes"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:sign_in"))


# --- recovery codes ----------------------------------------------------------------------------


def test_recovery_code_signs_in_once(client: Client, cast: dict[str, User], required: None) -> None:
    hv = cast["health_visitor"]
    enrolled(hv)
    recovery(hv, ["abcd-efgh-jkmn", "pqrs-tuvw-xyz2"])
    password_step(client, "hv-harriet", "/library/")
    page = client.get(reverse("accounts:mfa_recovery"), {"next": "/library/"})
    assert page.status_code == 200
    response = client.post(reverse("accounts:mfa_recovery"), {"code": "ABCD EFGH JKMN", "next": "/library/"})
    assert response.status_code == 302
    assert response["Location"] == "/library/"
    assert _verified(client)
    event = AuditEvent.objects.get(action=Action.MFA, detail__change="verified_with_recovery_code")
    assert event.actor == hv
    assert event.detail["recovery_codes_left"] == 1
    again = Client()
    password_step(again, "hv-harriet")
    refused = again.post(reverse("accounts:mfa_recovery"), {"code": "abcd-efgh-jkmn"})
    assert refused.status_code == 400
    assert "not right, or has been used already" in _errors(refused)
    assert not _verified(again)


def test_right_recovery_code_straight_after_a_wrong_one_waits(client: Client, cast: dict[str, User],
                                                             required: None) -> None:
    hv = cast["health_visitor"]
    enrolled(hv)
    recovery(hv, ["abcd-efgh-jkmn"])
    password_step(client, "hv-harriet")
    assert client.post(reverse("accounts:mfa_recovery"), {"code": "zzzz-zzzz-zzzz"}).status_code == 400
    response = client.post(reverse("accounts:mfa_recovery"), {"code": "abcd-efgh-jkmn"})
    assert response.status_code == 400
    assert "Wait a minute" in _errors(response)
    assert StaticToken.objects.filter(device__user=hv).count() == 1  # not spent


def test_recovery_codes_page_makes_new_codes_and_old_ones_stop(client: Client, cast: dict[str, User],
                                                              required: None) -> None:
    hv = cast["health_visitor"]
    verified_login(client, hv)
    recovery(hv, ["abcd-efgh-jkmn"])
    page = client.get(reverse("accounts:recovery_codes"))
    assert page.status_code == 200
    assert "You have 1 recovery code left" in page.content.decode()
    response = client.post(reverse("accounts:recovery_codes"))
    assert response.status_code == 200
    codes = re.findall(r'<code class="nhsuk-body-l">([a-z0-9-]+)</code>', response.content.decode())
    assert len(codes) == 10
    assert set(StaticToken.objects.filter(device__user=hv).values_list("token", flat=True)) == {
        mfa.hash_recovery_code(c) for c in codes}
    assert AuditEvent.objects.filter(action=Action.MFA, actor=hv, detail__change="recovery_codes_regenerated").exists()


@pytest.mark.parametrize("key", ["health_visitor", "lead", "midwife", "police", "analyst", "admin", "dpo", "outsider"])
def test_everyone_may_open_their_own_recovery_codes_page(client: Client, cast: dict[str, User], key: str,
                                                         required: None) -> None:
    verified_login(client, cast[key])
    assert client.get(reverse("accounts:recovery_codes")).status_code == 200


def test_recovery_codes_page_without_an_app_goes_to_set_up(client: Client, cast: dict[str, User]) -> None:
    client.force_login(cast["midwife"])
    response = client.get(reverse("accounts:recovery_codes"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:mfa_enrol"))


# --- the gate ----------------------------------------------------------------------------------


SAMPLES = {"int": "1", "uuid": "00000000-0000-0000-0000-000000000001"}


def _routes(patterns: list[Any], prefix: str = "") -> list[str]:
    found = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
        if isinstance(pattern, URLResolver):
            found += _routes(pattern.url_patterns, route)
        else:
            found.append(route)
    return found


def _every_path() -> list[str]:
    """One concrete path for every URL pattern, with a sample value for each parameter."""
    def sample(match: re.Match[str]) -> str:
        return SAMPLES.get(match.group(1) or "str", "x")

    return sorted({"/" + re.sub(r"<(?:(\w+):)?\w+>", sample, route) for route in _routes(get_resolver().url_patterns)})


EXEMPT = {"/sign-in/", "/sign-out/", "/signed-out/", "/sign-in/code/", "/sign-in/recovery-code/", "/sign-in/set-up/",
          "/privacy/", "/accessibility/", "/cookies/", "/health/", "/security/"}


def test_gate_sends_a_half_signed_in_session_from_every_other_url(client: Client, cast: dict[str, User],
                                                                 required: None) -> None:
    enrolled(cast["health_visitor"])
    password_step(client, "hv-harriet")
    paths = [p for p in _every_path() if p not in EXEMPT and not p.startswith(("/keeping-babies-safe/", "/.well-known/"))]
    assert len(paths) > 50
    assert any(p.startswith("/api/") for p in paths)
    for path in paths:
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code == 302, (path, response.status_code)
            assert _location(response)[0] == reverse("accounts:mfa_verify"), path


def test_gate_covers_the_api_with_a_session_but_not_a_bearer_token(client: Client, cast: dict[str, User],
                                                                  required: None) -> None:
    password_step(client, "hv-harriet")
    for path in ("/api/v1/tools/ict/evaluate", "/api/v1/"):
        assert _location(client.post(path, content_type="application/json", data="{}"))[0] == reverse("accounts:mfa_enrol")
    machine = client.post("/api/v1/tools/ict/evaluate", content_type="application/json", data="{}",
                          HTTP_AUTHORIZATION="Bearer kbs_not-a-real-token")
    assert not (machine.status_code == 302 and "/sign-in/" in machine.get("Location", ""))


def test_gate_lets_the_exempt_pages_through(client: Client, cast: dict[str, User], required: None) -> None:
    enrolled(cast["health_visitor"])
    password_step(client, "hv-harriet")
    for path in ["/keeping-babies-safe/", "/privacy/", "/accessibility/", "/cookies/", "/sign-out/",
                 reverse("accounts:mfa_verify"), reverse("accounts:mfa_recovery")]:
        assert client.get(path).status_code == 200, path


def test_gate_lets_a_verified_session_through(client: Client, cast: dict[str, User], required: None) -> None:
    verified_login(client, cast["health_visitor"])
    assert client.get(reverse("families:mine")).status_code == 200


def test_without_the_requirement_an_app_is_still_asked_for(client: Client, cast: dict[str, User],
                                                           settings: Any) -> None:
    settings.KBS_MFA_REQUIRED = False
    enrolled(cast["health_visitor"])
    response = password_step(client, "hv-harriet")
    assert _location(response)[0] == reverse("accounts:mfa_verify")
    assert _location(client.get(reverse("families:mine")))[0] == reverse("accounts:mfa_verify")


def test_without_the_requirement_and_no_app_the_password_is_enough(client: Client, cast: dict[str, User],
                                                                  settings: Any) -> None:
    settings.KBS_MFA_REQUIRED = False
    response = password_step(client, "hv-harriet", "/families/find/")
    assert response["Location"] == "/families/find/"
    assert client.get(reverse("families:mine")).status_code == 200


# --- administrators reset someone's app ---------------------------------------------------------


def test_administrator_resets_an_app_and_the_person_sets_up_again(client: Client, cast: dict[str, User],
                                                                 required: None,
                                                                 django_capture_on_commit_callbacks: Any) -> None:
    hv = cast["health_visitor"]
    enrolled(hv)
    recovery(hv, ["abcd-efgh-jkmn"])
    theirs = Client()
    verified_login(theirs, hv)
    verified_login(client, cast["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:reset_mfa", args=[hv.pk]), {"reason": "Lost phone"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:locked_out")
    assert not TOTPDevice.objects.filter(user=hv).exists()
    assert not StaticDevice.objects.filter(user=hv).exists()
    event = AuditEvent.objects.get(action=Action.MFA, detail__change="reset_by_administrator")
    assert (event.actor, event.object_id, event.detail["reason"]) == (cast["admin"], str(hv.pk), "Lost phone")
    assert [m.to for m in mail.outbox] == [[hv.email]]
    # Their session is no longer verified: the gate sends them to set up an app.
    assert _location(theirs.get(reverse("families:mine")))[0] == reverse("accounts:mfa_enrol")


@pytest.mark.parametrize("key", ["health_visitor", "lead", "midwife", "police", "analyst", "dpo", "outsider"])
def test_reset_refused_for_everyone_but_administrators(client: Client, cast: dict[str, User], key: str,
                                                      required: None) -> None:
    target = cast["midwife"] if key != "midwife" else cast["police"]
    enrolled(target)
    verified_login(client, cast[key])
    assert client.post(reverse("accounts:reset_mfa", args=[target.pk])).status_code == 404
    assert TOTPDevice.objects.filter(user=target).exists()
    assert not AuditEvent.objects.filter(action=Action.MFA).exists()


def test_reset_of_someone_who_does_not_exist_is_not_found(client: Client, cast: dict[str, User]) -> None:
    verified_login(client, cast["admin"])
    assert client.post(reverse("accounts:reset_mfa", args=[999_999])).status_code == 404


def test_reset_anonymous_goes_to_sign_in_and_get_is_not_allowed(client: Client, cast: dict[str, User]) -> None:
    url = reverse("accounts:reset_mfa", args=[cast["midwife"].pk])
    assert client.post(url)["Location"].startswith(reverse("accounts:sign_in"))
    verified_login(client, cast["admin"])
    assert client.get(url).status_code == 405


# --- settings ----------------------------------------------------------------------------------


def test_production_refuses_two_step_sign_in_turned_off() -> None:
    result = manage("check", **(PRODUCTION | {"KBS_MFA_REQUIRED": "false"}))
    assert result.returncode != 0
    assert "KBS_MFA_REQUIRED cannot be off in production" in result.stderr


def test_production_requires_two_step_sign_in_by_default() -> None:
    result = manage("shell", "-c", "from django.conf import settings; print(settings.KBS_MFA_REQUIRED)", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True"
