"""Browser journeys: a real gunicorn serving the demo data, driven by the system Chromium.

Why not pytest-django's `live_server`: its teardown flushes the database, and a flush DELETEs from
the append-only audit table, whose triggers refuse it. So one server runs for the whole session,
on its own throwaway database (a fresh PostgreSQL database when DATABASE_URL points at PostgreSQL,
otherwise a temporary SQLite file), loaded once with `load_demo`. These tests take no `db`
fixture, so pytest-django never sets up a test database for them, and they never touch the ORM:
everything they know comes through the browser or the mail folder.

Every page a test visits goes through `check(page)`, which runs axe-core's WCAG 2.2 AA rules.
"""

import json
import os
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
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.browser.helpers import AXE_LOG, Server, new_context

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("KBS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
DEMO_FAMILIES = 30
SERVER_START_SECONDS = 60


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://", "pgsql://"))


def _with_database(url: str, name: str) -> str:
    """The same server URL with another database name (keeping any query string)."""
    head, _, query = url.partition("?")
    scheme, _, rest = head.partition("://")
    server = rest.split("/", 1)[0]
    return f"{scheme}://{server}/{name}" + (f"?{query}" if query else "")


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    # libpq reads postgres:// and postgresql:// URLs alike; CREATE DATABASE needs autocommit.
    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql)


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}", pytrace=False)


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()}", pytrace=False)
        try:
            with urllib.request.urlopen(url + "/health/", timeout=2) as response:  # noqa: S310 - our own server
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer /health/ within {SERVER_START_SECONDS} s:\n{log.read_text()}", pytrace=False)


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    """A gunicorn on a free port, serving a fresh database loaded with the demo data."""
    work = Path(tempfile.mkdtemp(prefix="kbs-browser-"))
    mail_dir = work / "mail"
    mail_dir.mkdir()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"

    configured = os.environ.get("DATABASE_URL", "")
    pg_name = f"kbs_browser_{os.getpid()}"
    if _is_postgres(configured):
        _pg_admin(configured, f'DROP DATABASE IF EXISTS "{pg_name}"')
        _pg_admin(configured, f'CREATE DATABASE "{pg_name}"')
        database_url = _with_database(configured, pg_name)
    else:
        database_url = f"sqlite:///{work / 'browser.sqlite3'}"

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kbs.settings",
        "DATABASE_URL": database_url,
        "KBS_ENV": "development",
        "KBS_DEMO_MODE": "true",
        "KBS_DEBUG": "false",
        "KBS_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "KBS_EMAIL_FILE_PATH": str(mail_dir),
        "KBS_BASE_URL": url,
        "PYTHONWARNINGS": "ignore",
    }
    bin_dir = Path(sys.executable).parent
    log = work / "gunicorn.log"
    process: subprocess.Popen[bytes] | None = None
    try:
        _run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], env)
        _run([sys.executable, "manage.py", "load_demo", "--families", str(DEMO_FAMILIES)], env)
        with log.open("wb") as out:
            process = subprocess.Popen(  # noqa: S603 - fixed arguments
                [str(bin_dir / "gunicorn"), "kbs.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2", "--threads", "4",
                 "--graceful-timeout", "5"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            )
        _wait_until_healthy(url, process, log)
        yield Server(url=url, mail_dir=mail_dir)
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        if _is_postgres(configured):
            _pg_admin(configured, f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        # Never skip: a browser test that silently does not run is worse than a red build.
        where = "CI" if os.environ.get("CI") else "this machine"
        pytest.fail(
            f"Chromium is missing at {CHROMIUM} on {where}. Install it with "
            "`apt-get install -y --no-install-recommends chromium chromium-driver` "
            "(never `playwright install`), or run the other tests with `-m 'not browser'`.",
            pytrace=False,
        )
    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = new_context(browser)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With KBS_AXE_REPORT=<file>, write every page checked and what axe found there."""
    target = os.environ.get("KBS_AXE_REPORT")
    if target:
        Path(target).write_text(json.dumps(AXE_LOG, indent=2), encoding="utf-8")
