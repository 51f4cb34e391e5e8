#!/usr/bin/env python
"""Crash test (issue 9, part 7): is every write the client saw acknowledged still there after the
application server and then PostgreSQL are killed with SIGKILL?

    scripts/crash-test.py [--threads 3] [--rate 4] [--phase 6]

1. Starts a throwaway PostgreSQL cluster on 127.0.0.1 (durable settings: fsync, synchronous commit,
   full-page writes) in a temporary folder, migrates it, and makes a health visitor (with a
   confirmed authenticator app and a signed-in, verified session: no sign-in is needed), a family
   and a parent through the real actions.
2. Serves KBS with gunicorn in production settings (as bench/run.py does) on 127.0.0.1.
3. 2-4 client threads record contacts through the real "Record a contact" form at a bounded rate;
   each contact's notes carry a unique marker, and a write counts as acknowledged when the server
   answers 302 to the family page.
4. After a phase of writing: SIGKILL gunicorn's master and workers, and start it again; after
   another phase: SIGKILL the PostgreSQL postmaster and every backend, and start it again (crash
   recovery). The clients keep writing throughout, a failed request being simply not acknowledged.
5. Stops, counts the acknowledged markers found in contacts_contact and prints the figures (and
   writes them as "crash-test" when KBS_SECURITY_REPORT_DIR is set).

Exit 0 only when every acknowledged write is found (and some writes were acknowledged after each
restart); 1 otherwise. Everything it starts is stopped by process id in a `finally`, and the
temporary folder is removed. Takes about a minute.
"""

from __future__ import annotations

import argparse
import ctypes
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from glob import glob
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
MARKER = "crash-test"
DURABLE = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on", "listen_addresses": "127.0.0.1",
           "max_connections": "50", "timezone": "UTC"}
STARTED_AT = time.monotonic()


def say(text: str) -> None:
    sys.stderr.write(f"[crash-test {time.monotonic() - STARTED_AT:6.1f}s] {text}\n")
    sys.stderr.flush()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- processes ---------------------------------------------------------------------------------------

def become_subreaper() -> None:
    """Orphans of what we start (gunicorn's workers once their master is killed, the postmaster that
    pg_ctl leaves running) become our children, so we can reap them and know that they are gone."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in glob(f"/proc/{pid}/task/*/children"):
        try:
            found += [int(x) for x in Path(task).read_text().split()]
        except OSError:
            continue
    return found


def gone(pid: int) -> bool:
    """True when the process has exited (reaped, or a zombie nobody has reaped yet)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in {"Z", "X"}


def kill_now(pids: list[int], wait: float = 10) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and not all(gone(pid) for pid in pids):
        time.sleep(0.05)


def as_postgres(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    if os.getuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=True, text=True, capture_output=True, **kwargs)  # noqa: S603


class Postgres:
    """A throwaway cluster in a temporary folder (like scripts/with-postgres.sh, but durable)."""

    def __init__(self, folder: Path) -> None:
        found = sorted(glob("/usr/lib/postgresql/*/bin"), key=lambda p: [int(x) for x in p.split("/")[4].split(".")])
        if not found:
            raise SystemExit("PostgreSQL is not installed (make system-packages installs it).")
        self.bin = Path(found[-1])
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/kbs"

    def init(self) -> None:
        if os.getuid() == 0:
            shutil.chown(self.folder, "postgres")
        as_postgres([str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                     "--locale=C.UTF-8"])

    def start(self) -> None:
        options = {**DURABLE, "port": str(self.port), "unix_socket_directories": str(self.folder)}
        as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-t", "120", "-l", str(self.folder / "postgres.log"),
                     "-o", " ".join(f"-c {k}={v}" for k, v in options.items()), "start"])

    def postmaster(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split("\n")[0])
        except (OSError, ValueError):
            return None

    def crash(self) -> int:
        """SIGKILL the postmaster and all its processes at once, as a power cut would. Returns how
        many processes were killed."""
        pid = self.postmaster()
        if pid is None:
            raise RuntimeError("PostgreSQL is not running")
        family = [pid, *children(pid)]
        kill_now(family)
        if all(gone(p) for p in family):
            # A dead postmaster's lock file is stale; PostgreSQL would take a zombie's pid as alive.
            (self.data / "postmaster.pid").unlink(missing_ok=True)
        return len(family)

    def stop(self) -> None:
        pid = self.postmaster()
        if pid is None or gone(pid):
            return
        family = [pid, *children(pid)]
        try:
            as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop"])
        except subprocess.CalledProcessError:
            kill_now(family)
        kill_now([p for p in family if not gone(p)])

    def sql(self, statement: str) -> str:
        done = subprocess.run([str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "kbs",  # noqa: S603
                               "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", statement],
                              check=True, text=True, capture_output=True)
        return done.stdout


class Gunicorn:
    def __init__(self, env: dict[str, str], port: int, workers: int, log: Path) -> None:
        self.env, self.port, self.workers, self.log = env, port, workers, log
        self.process: subprocess.Popen[bytes] | None = None
        self.known: set[int] = set()

    def start(self) -> None:
        with open(self.log, "ab") as log_file:
            self.process = subprocess.Popen(  # noqa: S603
                [GUNICORN, "kbs.wsgi:application", "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
                 "--worker-class", "sync", "--timeout", "30", "--graceful-timeout", "5", "--error-logfile", "-"],
                cwd=ROOT, env=self.env, stdout=log_file, stderr=subprocess.STDOUT,
            )
        self.known.add(self.process.pid)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log.read_text()[-3000:]}")
            try:
                status, _, _ = http_request(self.port, "GET", "/hello/", timeout=2)
                if status == 200:
                    self.known.update(children(self.process.pid))
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /hello/ within 90 s")

    def crash(self) -> int:
        """SIGKILL the master and every worker at once. Returns how many processes were killed."""
        assert self.process is not None
        family = [self.process.pid, *children(self.process.pid)]
        self.known.update(family)
        kill_now(family)
        self.process.wait(timeout=10)
        return len(family)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.known.update(children(self.process.pid))
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        kill_now([pid for pid in self.known if not gone(pid)])
        if self.process is not None and self.process.poll() is None:
            self.process.wait(timeout=10)


# --- HTTP ----------------------------------------------------------------------------------------------

def http_request(port: int, method: str, path: str, *, body: str = "", cookie: str = "",
                 timeout: float = 15) -> tuple[int, dict[str, str], str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Host": "127.0.0.1"}
        if cookie:
            headers["Cookie"] = cookie
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body.encode() if body else None, headers=headers)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
        set_cookies = [v for k, v in response.getheaders() if k.lower() == "set-cookie"]
        head = {k.lower(): v for k, v in response.getheaders()}
        head["set-cookie"] = "\n".join(set_cookies)
        return response.status, head, text
    finally:
        connection.close()


@dataclass
class Tally:
    acknowledged: list[str] = field(default_factory=list)
    failed: int = 0
    refused: dict[int, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    first_error: str = ""

    def ack(self, marker: str) -> None:
        with self.lock:
            self.acknowledged.append(marker)

    def fail(self, status: int | None, detail: str) -> None:
        with self.lock:
            self.failed += 1
            if status is not None:
                self.refused[status] = self.refused.get(status, 0) + 1
            if not self.first_error:
                self.first_error = detail[:500]

    def count(self) -> int:
        with self.lock:
            return len(self.acknowledged)


def contact_body(people: list[str], notes: str, token: str) -> str:
    day = date.today() - timedelta(days=1)
    fields: list[tuple[str, str]] = [
        ("csrfmiddlewaretoken", token), ("date-day", str(day.day)), ("date-month", str(day.month)),
        ("date-year", str(day.year)), ("time", "12:00"), ("contact_type", "home_visit"), ("setting", "home"),
        ("baby_seen", "yes"), ("sleep_place_observed", "cot"), ("language", "English"), ("interpreter_used", "no"),
        ("life_event_note", ""), ("notes", notes), ("shared", "yes"),
    ]
    fields += [("present", person) for person in people]
    for person in people:
        fields += [(f"msg-{person}-{m}", "yes") for m in ("safe_sleep", "safe_handling", "safe_space", "leaflet")]
    return urlencode(fields)


def writer(number: int, port: int, plan: dict[str, Any], run_id: str, rate: float, stop: threading.Event,
           tally: Tally) -> None:
    path = f"/families/{plan['family']}/contacts/new/"
    family_page = f"/families/{plan['family']}/"
    session = f"sessionid={plan['session']}"
    token = csrf_cookie = ""
    sequence = 0
    while not stop.is_set():
        started = time.monotonic()
        try:
            if not token:
                status, head, text = http_request(port, "GET", path, cookie=session)
                cookie = re.search(r"csrftoken=([^;]+)", head.get("set-cookie", ""))
                field_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)
                if status != 200 or not cookie or not field_token:
                    tally.fail(status, f"the contact form answered {status}")
                    stop.wait(0.5)
                    continue
                csrf_cookie, token = cookie.group(1), field_token.group(1)
            sequence += 1
            marker = f"{MARKER} {run_id} w{number}-{sequence:05d}"
            status, head, text = http_request(port, "POST", path, body=contact_body(plan["people"], marker, token),
                                              cookie=f"{session}; csrftoken={csrf_cookie}")
            if status == 302 and head.get("location", "").endswith(family_page):
                tally.ack(marker)
            else:
                tally.fail(status, f"{status} {head.get('location', '')} {text[:300]}")
        except (OSError, http.client.HTTPException) as error:  # refused, reset, timed out: not acknowledged
            tally.fail(None, f"{type(error).__name__}: {error}")
        stop.wait(max(0.0, 1 / rate - (time.monotonic() - started)))


# --- setting up ------------------------------------------------------------------------------------------

def prepare(out: Path) -> None:
    """Run inside Django (the server's environment): a health visitor with a verified session, a family
    and a parent, made through the real actions."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from kbs.accounts.models import Agency, AgencyType, Role, Team, User
    from kbs.accounts.sessions import SEEN, STARTED
    from kbs.families import actions

    agency = Agency.objects.create(name="Crash Test Health Visiting", agency_type=AgencyType.HEALTH_VISITING)
    team = Team.objects.create(agency=agency, name="Crash test team")
    user = User.objects.create(username="crash-test-hv", first_name="Crash", last_name="Tester", agency=agency, team=team,
                               email="crash-test-hv@example.nhs.uk", job_title="Health visitor (crash test)")
    user.set_unusable_password()
    user.save()
    user.roles.add(Role.objects.get(slug="health-visitor"))
    family = actions.register_family(
        by=user, reason="Crash test",
        family={"address_line_1": "1 Test Street", "address_line_2": "", "town": "Derby", "postcode": "DE1 2AB",
                "language": "English", "interpreter_needed": False},
        baby={"given_name": "Ava", "family_name": "Tester", "date_of_birth": timezone.localdate() - timedelta(weeks=8),
              "expected_delivery_date": None, "nhs_number": "9990000018", "sex": "female", "gestation_at_birth_weeks": 39,
              "birth_weight_g": 3300, "multiple_birth": False, "mobility": "not_rolling"},
    )
    parent = actions.add_person(by=user, family=family, details={
        "given_name": "Sam", "family_name": "Tester", "relationship": "birth_mother", "date_of_birth": date(1994, 5, 6),
        "nhs_number": "", "lives_in_household": True, "regular_carer": True, "parental_responsibility": True,
    })
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    now = timezone.now().timestamp()
    store[STARTED], store[SEEN] = now, now
    if "django_otp.plugins.otp_totp" in settings.INSTALLED_APPS:
        # Signed in with the second step done, as after entering a code from the app.
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.create(user=user, name="Crash test app", confirmed=True)
        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store.save()
    out.write_text(json.dumps({"session": store.session_key, "family": str(family.public_id),
                               "people": [str(parent.public_id)]}))


def server_env(folder: Path, url: str, port: int) -> dict[str, str]:
    """Production settings, as bench/run.py serves them, with static files collected into the
    temporary folder (through a two-line settings module there)."""
    (folder / "crash_settings.py").write_text(
        f"from kbs.settings import *  # noqa: F403\nSTATIC_ROOT = {str(folder / 'static')!r}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KBS_") and k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update({
        "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "crash_settings", "PYTHONPATH": f"{folder}{os.pathsep}{ROOT}",
        "KBS_ENV": "production", "KBS_DEBUG": "false", "KBS_DEMO_MODE": "false", "KBS_SECRET_KEY": secrets.token_urlsafe(50),
        "KBS_ALLOWED_HOSTS": "127.0.0.1,localhost", "KBS_SSL_REDIRECT": "false", "KBS_BASE_URL": f"http://127.0.0.1:{port}",
        "KBS_LOG_LEVEL": "ERROR", "KBS_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "KBS_UPLOAD_ROOT": str(folder / "uploads"),
    })
    return env


def manage(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")


# --- the run ---------------------------------------------------------------------------------------------

def wait_for_acks(tally: Tally, after: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if tally.count() > after:
            return True
        time.sleep(0.2)
    return False


def run(args: argparse.Namespace) -> int:
    become_subreaper()
    folder = Path(tempfile.mkdtemp(prefix="kbs-crash-"))
    if os.getuid() == 0:
        os.chmod(folder, 0o711)  # noqa: S103 - the postgres user must pass through to its data folder
    postgres = Postgres(folder / "pg")
    (folder / "pg").mkdir()
    port = free_port()
    env = server_env(folder, postgres.url, port)
    server = Gunicorn(env, port, args.workers, folder / "gunicorn.log")
    stop = threading.Event()
    tally = Tally()
    threads: list[threading.Thread] = []
    figures: dict[str, Any] = {"app_kills": 0, "database_kills": 0}
    ok = False
    try:
        say(f"starting PostgreSQL (fsync and synchronous_commit on) in {postgres.folder}")
        postgres.init()
        postgres.start()
        subprocess.run([str(postgres.bin / "createdb"), "-h", "127.0.0.1", "-p", str(postgres.port), "-U", "postgres", "kbs"],  # noqa: S603
                       check=True, capture_output=True)
        say("migrating, collecting static files, making a health visitor, a family and a parent")
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "collectstatic", "--no-input", "-v", "0")
        plan_path = folder / "plan.json"
        subprocess.run([PYTHON, str(Path(__file__).resolve()), "--prepare", str(plan_path)], cwd=ROOT, env=env,  # noqa: S603
                       check=True, capture_output=True, text=True)
        plan = json.loads(plan_path.read_text())
        server.start()
        say(f"gunicorn ({args.workers} sync workers, production settings) on 127.0.0.1:{port}; "
            f"{args.threads} writers at {args.rate} contacts a second each")
        run_id = secrets.token_hex(4)
        started = time.monotonic()
        threads = [threading.Thread(target=writer, args=(n, port, plan, run_id, args.rate, stop, tally), daemon=True)
                   for n in range(1, args.threads + 1)]
        for thread in threads:
            thread.start()
        if not wait_for_acks(tally, 0, 30):
            raise RuntimeError(f"no write was acknowledged in 30 s: {tally.first_error}")
        time.sleep(args.phase)

        say(f"{tally.count()} writes acknowledged; SIGKILL gunicorn (master and workers)")
        killed = server.crash()
        figures["app_kills"] += 1
        say(f"killed {killed} gunicorn processes; starting gunicorn again")
        server.start()
        before = tally.count()
        if not wait_for_acks(tally, before, 30):
            raise RuntimeError(f"no write was acknowledged after gunicorn restarted: {tally.first_error}")
        time.sleep(args.phase)

        say(f"{tally.count()} writes acknowledged; SIGKILL the PostgreSQL postmaster and its processes")
        killed = postgres.crash()
        figures["database_kills"] += 1
        say(f"killed {killed} PostgreSQL processes; writes fail while it is down")
        time.sleep(1.5)
        say("starting PostgreSQL again (crash recovery from the write-ahead log)")
        postgres.start()
        before = tally.count()
        if not wait_for_acks(tally, before, 45):
            raise RuntimeError(f"no write was acknowledged after PostgreSQL restarted: {tally.first_error}")
        time.sleep(args.phase)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        writing = round(time.monotonic() - started, 1)

        found_markers = set(postgres.sql(f"SELECT notes FROM contacts_contact WHERE notes LIKE '{MARKER} {run_id} %'").split("\n")) - {""}  # noqa: S608
        acknowledged = set(tally.acknowledged)
        missing = sorted(acknowledged - found_markers)
        figures.update({
            "acknowledged": len(acknowledged), "found": len(acknowledged & found_markers), "missing": len(missing),
            "seconds": round(time.monotonic() - STARTED_AT, 1),
        })
        say(f"wrote for {writing} s: {len(acknowledged)} acknowledged, {tally.failed} not acknowledged "
            f"(statuses {tally.refused or '-'}, the rest connection errors while a server was down), "
            f"{len(found_markers - acknowledged)} saved without an acknowledgement reaching the client")
        print(json.dumps(figures, sort_keys=True))
        if missing:
            say(f"MISSING {len(missing)} acknowledged writes, e.g. {missing[:5]}")
        else:
            say(f"every acknowledged write is present: {figures['found']} of {figures['acknowledged']}, 0 missing")
        ok = not missing and figures["acknowledged"] > 0
        sys.path.insert(0, str(ROOT))
        from kbs.core.security_figures import write_figures

        write_figures("crash-test", figures)
    except (RuntimeError, subprocess.CalledProcessError) as error:
        detail = error.stderr if isinstance(error, subprocess.CalledProcessError) else ""
        say(f"CRASH TEST FAILED: {error} {detail or ''}")
        log = folder / "gunicorn.log"
        if log.exists():
            sys.stderr.write(log.read_text()[-3000:])
        ok = False
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=20)
        server.stop()
        postgres.stop()
        shutil.rmtree(folder, ignore_errors=True)
        say("stopped gunicorn and PostgreSQL, removed the temporary folder")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=3, choices=range(1, 9), metavar="2-4", help="writers (default 3)")
    parser.add_argument("--rate", type=float, default=4.0, help="contacts a second per writer, at most (default 4)")
    parser.add_argument("--phase", type=float, default=6.0, help="seconds of writing between the kills (default 6)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument("--prepare", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(Path(args.prepare))
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
