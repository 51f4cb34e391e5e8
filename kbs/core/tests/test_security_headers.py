"""Every response carries the security headers: a strict Content Security Policy with a fresh nonce,
frame denial, the cross-origin policies, no-store for anything signed in; and the cookies are
HttpOnly, SameSite=Lax and, in production, Secure, with HSTS.

The pages checked: a signed-in page with SVG charts, a family page, a public page, a PDF, the API
(with a token, and refused), security.txt and "not found".
"""

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from kbs.accounts.models import User
from kbs.api.actions import create_api_token
from kbs.core.middleware import CONTENT_SECURITY_POLICY
from kbs.families.models import Family

ROOT = Path(__file__).resolve().parents[3]
API_EVALUATE = "/api/v1/tools/safer-sleep/evaluate"
EVERY_RESPONSE = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
NONCE = re.compile(r"script-src 'self' 'nonce-([A-Za-z0-9_-]{16,})'")


def directives(policy: str) -> dict[str, str]:
    return {part.split()[0]: " ".join(part.split()[1:]) for part in policy.split(";") if part.strip()}


def assert_security_headers(response: Any, *, no_store: bool) -> str:
    """Check every header; answer the response's nonce."""
    for name, value in EVERY_RESPONSE.items():
        assert response.get(name) == value, f"{name}: {response.get(name)!r}"
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    found = directives(policy)
    assert found["default-src"] == "'self'"
    assert found["style-src"] == "'self'"
    assert found["object-src"] == "'none'"
    assert found["base-uri"] == "'self'"
    assert found["form-action"] == "'self'"
    assert found["frame-ancestors"] == "'none'"
    match = NONCE.search(policy)
    assert match, policy
    assert policy == CONTENT_SECURITY_POLICY.replace("{nonce}", match.group(1))
    if no_store:
        assert response["Cache-Control"] == "no-store"
    return match.group(1)


class InlineCode(HTMLParser):
    """Collects what a strict CSP would block: style attributes, <style> elements and scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.style_attributes: list[str] = []
        self.style_elements = 0
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if "style" in found:
            self.style_attributes.append(f"<{tag} style={found['style']!r}>")
        if tag == "style":
            self.style_elements += 1
        if tag == "script":
            self.scripts.append(found)


def assert_no_inline_code_without_nonce(response: Any, nonce: str) -> None:
    parser = InlineCode()
    parser.feed(response.content.decode())
    assert parser.style_attributes == []
    assert parser.style_elements == 0
    assert parser.scripts, "the NHS.UK page template always has scripts"
    for script in parser.scripts:
        assert script.get("src") or script.get("nonce") == nonce, script


@pytest.fixture
def analyst(client: Client, cast: dict[str, User]) -> Client:
    client.force_login(cast["analyst"])
    return client


def test_signed_in_page_with_charts_has_every_header_and_no_inline_code(analyst: Client) -> None:
    response = analyst.get(reverse("insights:dashboard"))
    assert response.status_code == 200
    assert b"<svg" in response.content  # the SVG charts are on the page, drawn with attributes only
    nonce = assert_security_headers(response, no_store=True)
    assert_no_inline_code_without_nonce(response, nonce)


def test_family_page_has_every_header_and_no_inline_code(client: Client, cast: dict[str, User], family: Family) -> None:
    client.force_login(cast["health_visitor"])
    response = client.get(reverse("families:family", args=[family.public_id]))
    assert response.status_code == 200
    assert_no_inline_code_without_nonce(response, assert_security_headers(response, no_store=True))


def test_each_response_has_its_own_nonce(analyst: Client) -> None:
    url = reverse("core:overview")
    first = assert_security_headers(analyst.get(url), no_store=True)
    second = assert_security_headers(analyst.get(url), no_store=True)
    assert first != second


def test_public_page_has_every_header_and_no_inline_code(client: Client, db: Any) -> None:
    response = client.get(reverse("public:index"))
    assert response.status_code == 200
    assert_no_inline_code_without_nonce(response, assert_security_headers(response, no_store=False))
    assert response.get("Cache-Control") != "no-store"  # the advice for parents may be cached


def test_pdf_has_every_header(client: Client, cast: dict[str, User], family: Family) -> None:
    client.force_login(cast["health_visitor"])
    response = client.get(reverse("chronology:family_pdf", args=[family.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert_security_headers(response, no_store=True)


def test_api_with_a_token_has_every_header(client: Client, cast: dict[str, User]) -> None:
    token = create_api_token(by=None, user=cast["health_visitor"], name="maternity system")[1]
    response = client.post(API_EVALUATE, data="{}", content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in {200, 400, 422}
    assert response["Content-Type"].startswith("application/json")
    assert_security_headers(response, no_store=True)  # bearer calls are not cached either


def test_api_refusal_has_every_header(client: Client, db: Any) -> None:
    response = client.post(API_EVALUATE, data="{}", content_type="application/json")
    assert response.status_code == 401
    assert_security_headers(response, no_store=False)


def test_not_found_and_security_txt_have_every_header(client: Client, db: Any) -> None:
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert_no_inline_code_without_nonce(missing, assert_security_headers(missing, no_store=False))
    assert_security_headers(client.get(reverse("core:security_txt")), no_store=False)


def test_policy_from_settings_is_used(client: Client, db: Any, settings: Any) -> None:
    settings.KBS_CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'nonce-{nonce}'; frame-ancestors 'none'"
    policy = client.get(reverse("core:security"))["Content-Security-Policy"]
    assert re.fullmatch(r"default-src 'none'; script-src 'nonce-[A-Za-z0-9_-]{16,}'; frame-ancestors 'none'", policy)


# --- cookies -------------------------------------------------------------------------------------

def session_cookie(*, secure: bool = False) -> Any:
    """The cookie Django's session middleware sets when a session is written (as at sign-in)."""
    def view(request: HttpRequest) -> HttpResponse:
        request.session["signed_in"] = True
        return HttpResponse()

    request = RequestFactory().get("/", secure=secure)
    response = SessionMiddleware(view)(request)
    assert isinstance(response, HttpResponse)
    return response.cookies[django_settings.SESSION_COOKIE_NAME]


def test_session_cookie_is_httponly_and_lax(db: Any) -> None:
    cookie = session_cookie()
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]  # development serves plain HTTP on 127.0.0.1
    assert cookie["max-age"] == 12 * 60 * 60


def test_csrf_cookie_is_httponly_and_lax(client: Client, db: Any) -> None:
    response = client.get(reverse("accounts:sign_in"))
    cookie = response.cookies[django_settings.CSRF_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_cookies_are_secure_and_hsts_sent_when_production_says_so(client: Client, db: Any, settings: Any) -> None:
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get(reverse("accounts:sign_in"), secure=True)
    assert response.cookies[settings.CSRF_COOKIE_NAME]["secure"] is True
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert session_cookie(secure=True)["secure"] is True


PRODUCTION = {
    "KBS_ENV": "production",
    "KBS_SECRET_KEY": "a-long-random-production-secret-used-only-by-this-test-0123456789abcdef",
    "KBS_ALLOWED_HOSTS": "kbs.example.nhs.uk",
    "KBS_BASE_URL": "https://kbs.example.nhs.uk",
}
SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
names = ["SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SECURE",
         "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_SAMESITE", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
         "SECURE_HSTS_PRELOAD", "SECURE_SSL_REDIRECT", "X_FRAME_OPTIONS", "SECURE_CONTENT_TYPE_NOSNIFF",
         "SECURE_REFERRER_POLICY", "SECURE_CROSS_ORIGIN_OPENER_POLICY", "DEBUG", "DEMO_MODE"]
print(json.dumps({name: getattr(s, name) for name in names}))
"""


def test_production_settings_make_cookies_secure_and_turn_on_hsts() -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KBS_")} | PRODUCTION
    environment["DJANGO_SETTINGS_MODULE"] = "kbs.settings"
    done = subprocess.run([sys.executable, "-c", SHOW_SETTINGS], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "SESSION_COOKIE_SECURE": True, "SESSION_COOKIE_HTTPONLY": True, "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True, "CSRF_COOKIE_HTTPONLY": True, "CSRF_COOKIE_SAMESITE": "Lax",
        "SECURE_HSTS_SECONDS": 31536000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True, "SECURE_HSTS_PRELOAD": True,
        "SECURE_SSL_REDIRECT": True, "X_FRAME_OPTIONS": "DENY", "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin", "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
        "DEBUG": False, "DEMO_MODE": False,
    }


# --- templates -----------------------------------------------------------------------------------

def browser_templates() -> list[Path]:
    """Every template a browser may be sent: all but the standalone print documents, which become
    PDFs (WeasyPrint reads their <style>; no browser ever runs them)."""
    found = []
    for path in sorted((ROOT / "kbs").glob("*/jinja2/**/*.jinja")):
        text = path.read_text()
        if "<html" in text and "{% extends" not in text:
            continue
        found.append(path)
    return found


def test_no_template_a_browser_sees_has_inline_style_or_script() -> None:
    templates = browser_templates()
    assert len(templates) > 50
    offences = []
    for path in templates:
        text = path.read_text()
        for pattern in (r"\bstyle\s*=", r"<style\b", r"<script(?![^>]*\bsrc=)[^>]*>"):
            offences += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert offences == []


def test_the_nhsuk_page_templates_only_inline_script_carries_the_nonce() -> None:
    import nhsuk_frontend_jinja

    template = Path(nhsuk_frontend_jinja.__file__).parent / "templates" / "nhsuk" / "template.jinja"
    scripts = re.findall(r"<script[^>]*>", template.read_text())
    assert scripts == ['<script {%- if cspNonce %} nonce="{{ cspNonce }}"{% endif %}>']
    assert "{% set cspNonce = request.csp_nonce %}" in (ROOT / "kbs/core/jinja2/layout.jinja").read_text()
