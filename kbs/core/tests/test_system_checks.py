"""Our own system checks (kbs.E001…) fire when a setting that protects children's data is wrong, and
production passes `manage.py check --deploy --fail-level WARNING` with none silenced."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kbs.core import checks

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION = {
    "KBS_ENV": "production",
    "KBS_SECRET_KEY": "a-long-random-production-secret-used-only-by-this-test-0123456789abcdef",
    "KBS_ALLOWED_HOSTS": "kbs.example.nhs.uk",
    "KBS_BASE_URL": "https://kbs.example.nhs.uk",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KBS_")} | env
    environment["DJANGO_SETTINGS_MODULE"] = "kbs.settings"
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=120, check=False)


def ids() -> list[str]:
    """The ids of every kbs check that fires with the settings in force."""
    found = [
        *checks.check_session_lifetime(), *checks.check_cookies(), *checks.check_multi_factor(),
        *checks.check_content_security_policy(), *checks.check_production_modes(),
    ]
    return sorted(message.id or "" for message in found)


@pytest.fixture
def production(settings: Any) -> Any:
    """The test settings dressed as production (secure cookies, MFA, no demo mode)."""
    settings.KBS_ENV = "production"
    settings.DEBUG = False
    settings.DEMO_MODE = False
    settings.KBS_MFA_REQUIRED = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app != "kbs.nonprod"]
    for app in ("django_otp", "axes"):
        if app not in settings.INSTALLED_APPS:
            settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, app]
    if checks.OTP_MIDDLEWARE not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, checks.OTP_MIDDLEWARE]
    return settings


def test_development_settings_pass_every_check() -> None:
    assert ids() == []


def test_production_like_settings_pass_every_check(production: Any) -> None:
    assert ids() == []


@pytest.mark.parametrize(("seconds", "fires"), [(30 * 60, False), (30 * 60 + 1, True), (0, True), ("1800", True)])
def test_idle_timeout_over_30_minutes_fires_e001(settings: Any, seconds: Any, fires: bool) -> None:
    settings.KBS_SESSION_IDLE_SECONDS = seconds
    assert ("kbs.E001" in ids()) is fires


@pytest.mark.parametrize(("seconds", "fires"), [(12 * 3600, False), (12 * 3600 + 1, True), (0, True)])
def test_session_over_12_hours_fires_e002(settings: Any, seconds: int, fires: bool) -> None:
    settings.SESSION_COOKIE_AGE = seconds
    assert ("kbs.E002" in ids()) is fires


@pytest.mark.parametrize(("setting", "value", "check_id"), [
    ("SESSION_COOKIE_HTTPONLY", False, "kbs.E003"),
    ("SESSION_COOKIE_SAMESITE", "None", "kbs.E004"),
    ("SESSION_COOKIE_SAMESITE", False, "kbs.E004"),
    ("CSRF_COOKIE_HTTPONLY", False, "kbs.E006"),
    ("CSRF_COOKIE_SAMESITE", "None", "kbs.E007"),
])
def test_cookie_without_httponly_or_samesite_fires(settings: Any, setting: str, value: Any, check_id: str) -> None:
    setattr(settings, setting, value)
    assert ids() == [check_id]


def test_strict_samesite_is_accepted(settings: Any) -> None:
    settings.SESSION_COOKIE_SAMESITE = "Strict"
    settings.CSRF_COOKIE_SAMESITE = "Strict"
    assert ids() == []


@pytest.mark.parametrize(("setting", "check_id"), [("SESSION_COOKIE_SECURE", "kbs.E005"), ("CSRF_COOKIE_SECURE", "kbs.E008")])
def test_cookie_not_secure_in_production_fires(production: Any, setting: str, check_id: str) -> None:
    setattr(production, setting, False)
    assert ids() == [check_id]


def test_cookie_not_secure_in_development_is_fine(settings: Any) -> None:
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    assert ids() == []


@pytest.mark.parametrize("value", [False, None, "yes"])
def test_mfa_not_required_outside_demo_mode_fires_e009(settings: Any, value: Any) -> None:
    settings.DEMO_MODE = False
    settings.KBS_MFA_REQUIRED = value
    assert ids() == ["kbs.E009"]


def test_mfa_may_be_off_in_demo_mode(settings: Any) -> None:
    settings.DEMO_MODE = True
    settings.KBS_MFA_REQUIRED = False
    assert ids() == []


def test_mfa_setting_missing_outside_demo_mode_fires_e009(settings: Any) -> None:
    settings.DEMO_MODE = False
    del settings.KBS_MFA_REQUIRED
    assert ids() == ["kbs.E009"]


def test_missing_otp_app_middleware_or_axes_in_production_fires(production: Any) -> None:
    production.INSTALLED_APPS = [app for app in production.INSTALLED_APPS if app not in {"django_otp", "axes"}]
    production.MIDDLEWARE = [name for name in production.MIDDLEWARE if name != checks.OTP_MIDDLEWARE]
    assert ids() == ["kbs.E010", "kbs.E011", "kbs.E012"]


def test_missing_otp_and_axes_outside_production_is_not_an_error(settings: Any) -> None:
    settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app not in {"django_otp", "axes"}]
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != checks.OTP_MIDDLEWARE]
    assert ids() == []


@pytest.mark.parametrize(("policy", "expected"), [
    ("default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'", ["kbs.E013"]),
    ("default-src 'self'; script-src 'self' 'UNSAFE-EVAL'; frame-ancestors 'none'", ["kbs.E013"]),
    ("default-src 'self'", ["kbs.E014"]),
    ("default-src 'self'; frame-ancestors 'self'", ["kbs.E014"]),
    ("default-src 'self'; frame-ancestors 'none' https://partner.example", ["kbs.E014"]),
    ("default-src 'self' 'unsafe-inline'", ["kbs.E013", "kbs.E014"]),
    ("default-src 'self'; script-src 'self' 'nonce-{nonce}'; frame-ancestors 'none'", []),
])
def test_weak_content_security_policy_fires(settings: Any, policy: str, expected: list[str]) -> None:
    settings.KBS_CONTENT_SECURITY_POLICY = policy
    assert ids() == expected


def test_debug_in_production_fires_e015(production: Any) -> None:
    production.DEBUG = True
    assert ids() == ["kbs.E015"]


def test_demo_mode_or_its_app_in_production_fires_e016(production: Any) -> None:
    production.DEMO_MODE = True
    assert ids() == ["kbs.E016"]
    production.DEMO_MODE = False
    production.INSTALLED_APPS = [*production.INSTALLED_APPS, "kbs.nonprod"]
    assert ids() == ["kbs.E016"]


def test_debug_and_demo_outside_production_are_not_errors(settings: Any) -> None:
    settings.DEBUG = True
    settings.DEMO_MODE = True
    assert ids() == []


# --- the real thing, in a subprocess -------------------------------------------------------------

def test_production_deploy_check_is_clean_with_nothing_silenced() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert "WARNING" not in result.stderr


def test_our_checks_are_registered_and_stop_a_bad_production_start() -> None:
    result = manage("check", **(PRODUCTION | {"KBS_SESSION_IDLE_SECONDS": "7200"}))
    assert result.returncode != 0
    assert "kbs.E001" in result.stderr
