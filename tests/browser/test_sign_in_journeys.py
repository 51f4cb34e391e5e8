"""Two-step sign-in in a real Chromium, with an axe scan of every page.

Rachel, a health visitor with a real account (not a demo persona), signs in for the first time on
a service where two-step sign-in is required. She scans nothing: the test reads the key from the
page, as someone typing it into an app would, and works out the code. She sees her recovery codes,
signs out, and signs in again with a code from her app, then once more with a recovery code. Then
someone guessing passwords from her address gets the locked-out page.

This runs its own gunicorn (KBS_MFA_REQUIRED on, demo mode off) on a fresh SQLite database, because
the shared demo server has two-step sign-in off for persona sign-in.
"""

import base64
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from tests.browser.helpers import Server, check, click_link, sign_out, submit, visit
from tests.browser.steps import body_fits

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
USERNAME = "real-rachel"
PASSWORD = "lantern otter marmalade quay"
MAKE_USER = f"""
from kbs.accounts.models import Agency, Role, User
agency = Agency.objects.create(name="Journey Health Visiting", agency_type="health_visiting")
user = User.objects.create_user({USERNAME!r}, password={PASSWORD!r}, email="rachel@example.nhs.uk",
                                first_name="Rachel", last_name="Real", agency=agency, job_title="Health visitor")
user.roles.add(Role.objects.get(slug="health-visitor"))
User.objects.create_user("real-rob", password={PASSWORD!r}, email="rob@example.nhs.uk", agency=agency)
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}", pytrace=False)


@pytest.fixture(scope="module")
def mfa_server() -> Iterator[Server]:
    """A gunicorn with two-step sign-in required and one real account, on its own database."""
    work = Path(tempfile.mkdtemp(prefix="kbs-sign-in-"))
    (work / "mail").mkdir()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KBS_")},
        "DJANGO_SETTINGS_MODULE": "kbs.settings", "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "KBS_ENV": "development", "KBS_DEMO_MODE": "false", "KBS_DEBUG": "false", "KBS_MFA_REQUIRED": "true",
        "KBS_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "KBS_EMAIL_FILE_PATH": str(work / "mail"), "KBS_BASE_URL": url, "PYTHONWARNINGS": "ignore",
    }
    process: subprocess.Popen[bytes] | None = None
    log = work / "gunicorn.log"
    try:
        _run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], env)
        _run([sys.executable, "manage.py", "shell", "-c", MAKE_USER], env)
        with log.open("wb") as out:
            process = subprocess.Popen(  # noqa: S603 - fixed arguments
                [str(Path(sys.executable).parent / "gunicorn"), "kbs.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1",
                 "--threads", "4", "--graceful-timeout", "5"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start:\n{log.read_text()}", pytrace=False)
            try:
                with urllib.request.urlopen(url + "/health/", timeout=2) as response:  # noqa: S310 - our own server
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        yield Server(url=url, mail_dir=work / "mail")
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        shutil.rmtree(work, ignore_errors=True)


def code_from(secret: str, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for this key (as typed, in groups of four)."""
    key = secret.replace(" ", "")
    totp = TOTP(base64.b32decode(key + "=" * (-len(key) % 8)))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def give_password(page: Page, server: Server, next_path: str = "", username: str = USERNAME) -> None:
    visit(page, server("/sign-in/" + (f"?next={next_path}" if next_path else "")))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    submit(page, "Sign in", status=200)


def test_real_account_sets_up_two_step_sign_in_then_signs_in_with_a_code(page: Page, mfa_server: Server) -> None:
    server = mfa_server
    # Any page sends her to sign in, and she comes back to it at the end.
    page.goto(server("/library/"))
    assert "/sign-in/" in page.url
    check(page)
    give_password(page, server, "/library/")

    # Set up: a QR code, and the key in groups of four for typing in.
    assert "/sign-in/set-up/" in page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-step sign-in")
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().strip()
    assert re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{1,4}", secret), secret
    # Until she finishes, other pages send her back here.
    visit(page, server("/families/"))
    assert "/sign-in/set-up/" in page.url
    page.go_back()
    page.get_by_label("Code from your authenticator app").fill(code_from(secret))
    submit(page, "Set up two-step sign-in", status=200)

    # Ten recovery codes, shown once, ready to print.
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    codes = [c.strip() for c in page.locator("main ol code").all_inner_texts()]
    assert len(codes) == 10
    assert all(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", c) for c in codes)
    expect(page.get_by_role("button", name="Print these codes")).to_be_visible()
    click_link(page, "I have kept my codes safe: continue")
    assert page.url == server("/library/")
    assert any("authenticator app was set up" in mail for mail in server.mails())
    sign_out(page, server)

    # Next time: the password, then the code her app shows (the next one: each code works once).
    give_password(page, server)
    assert "/sign-in/code/" in page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter the 6-digit code from your authenticator app")
    page.get_by_label("Code from your authenticator app").fill(code_from(secret, steps_ahead=1))
    submit(page, "Continue", status=200)
    assert "Rachel Real" in page.locator("header").inner_text()
    expect(page.get_by_text("there have been no failed attempts to sign in to your account")).to_be_visible()
    sign_out(page, server)

    # Without her phone: a recovery code, once.
    give_password(page, server)
    click_link(page, "Use a recovery code")
    page.get_by_label("Recovery code").fill(codes[0])
    submit(page, "Continue", status=200)
    assert "Rachel Real" in page.locator("header").inner_text()
    expect(page.get_by_text("You have 9 left", exact=False)).to_be_visible()
    visit(page, server("/account/recovery-codes/"))
    expect(page.get_by_text("You have 9 recovery codes left.")).to_be_visible()
    visit(page, server("/account/password/"))
    sign_out(page, server)


def test_set_up_page_fits_a_phone(page: Page, mfa_server: Server) -> None:
    page.set_viewport_size({"width": 320, "height": 800})
    give_password(page, mfa_server, username="real-rob")
    assert "/sign-in/set-up/" in page.url
    body_fits(page, 320)
    page.get_by_label("Code from your authenticator app").fill("12ab")
    submit(page, "Set up two-step sign-in", status=400)
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    body_fits(page, 320)


def test_guessing_passwords_gets_the_locked_out_page(page: Page, mfa_server: Server) -> None:
    visit(page, mfa_server("/sign-in/"))
    for attempt in range(10):
        page.get_by_label("Username").fill("someone-guessing")
        page.get_by_label("Password", exact=True).fill(f"wrong-password-{attempt}")
        submit(page, "Sign in", status=429 if attempt == 9 else 400)
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot sign in at the moment")
    expect(page.get_by_text(re.compile(r"Try again after \d\d:\d\d"))).to_be_visible()
