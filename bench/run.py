#!/usr/bin/env python
"""The benchmark harness: `make bench-data`, `make bench` and `make bench-quick` call this.

    run.py data  --scale tiny|small|national [--regenerate]   generate the data (kept in var/bench-pg/)
    run.py bench --scale small|national                       generate if missing, then measure

The PostgreSQL cluster lives in var/bench-pg/ (one database per scale) and is started for the
command and stopped at its end. `bench` serves the app with gunicorn (production settings), loads it
with wrk and writes bench/results/latest.json, latest.md and <scale>.json/.md. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pgcluster  # noqa: E402

ROOT = pgcluster.ROOT
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
WORK = ROOT / "var" / "bench"
PYTHON = sys.executable
CORES = os.cpu_count() or 1

# wrk settings per scale: bounded runs.
LOAD = {
    "tiny": {"threads": 2, "connections": 50, "duration": 5, "warmup": 5, "families": 50},
    "small": {"threads": 2, "connections": 50, "duration": 8, "warmup": 5, "families": 100},
    "national": {"threads": 2, "connections": 50, "duration": 15, "warmup": 5, "families": 300},
}
TARGETS = {"T1_ratio": 0.25, "T2_ratio": 0.35, "T3_speedup": 500, "T3_p95_ms": 20}


def log(text: str) -> None:
    sys.stderr.write(f"[bench {datetime.now():%H:%M:%S}] {text}\n")
    sys.stderr.flush()


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def database(scale: str) -> str:
    return f"kbs_bench_{scale}"


def generation(cluster: pgcluster.Cluster, scale: str) -> dict[str, Any] | None:
    """The generator's report if the scale's database holds complete bench data."""
    db = database(scale)
    if db not in cluster.databases():
        return None
    text = cluster.sql(db, "SELECT CASE WHEN to_regclass('bench.meta') IS NULL THEN NULL ELSE "
                           "(SELECT value::text FROM bench.meta WHERE key = 'generation') END")
    return json.loads(text) if text else None


def server_env(url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KBS_")}
    secret_file = WORK / "secret-key"
    if not secret_file.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        secret_file.write_text(secrets.token_urlsafe(50))
    env.update({
        "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.bench_settings", "KBS_ENV": "production",
        "KBS_DEBUG": "false", "KBS_DEMO_MODE": "false", "KBS_SECRET_KEY": secret_file.read_text().strip(),
        "KBS_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver", "KBS_SSL_REDIRECT": "false",
        "KBS_BASE_URL": f"http://127.0.0.1:{port}", "KBS_LOG_LEVEL": "WARNING",
        # No mail server here: notices are made and dropped.
        "KBS_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "PYTHONPATH": str(ROOT),
    })
    return env


def command_exists(env: dict[str, str], name: str) -> bool:
    out = subprocess.run([PYTHON, "manage.py", "help", name], cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    return out.returncode == 0


# --- data ------------------------------------------------------------------------------------------

def complete_rollups(cluster: pgcluster.Cluster, scale: str, report: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """Build the rollups if the generator could not (the command was missing or failed, or skipped)."""
    if str(report.get("rollups", "")).startswith("done"):
        return report
    if not command_exists(env, "rebuild_rollups"):
        log("WARNING: manage.py rebuild_rollups does not exist: the dashboard has no rollups to read")
        return report
    subprocess.run([PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)  # noqa: S603
    log(f"the rollups were not built with the data ({report.get('rollups')}): manage.py rebuild_rollups")
    started = time.monotonic()
    done = subprocess.run([PYTHON, "manage.py", "rebuild_rollups", "--jobs", str(CORES)], cwd=ROOT, env=env, check=False)  # noqa: S603
    if done.returncode != 0:
        log(f"WARNING: manage.py rebuild_rollups failed (exit {done.returncode})")
        return report
    seconds = round(time.monotonic() - started, 1)
    report.update({"rollups": "done (after the base tables)", "seconds_rollups": seconds,
                   "seconds_total": round(float(report.get("seconds_base_tables") or 0) + seconds, 1)})
    cluster.sql(database(scale), f"UPDATE bench.meta SET value = $json${json.dumps(report)}$json$::jsonb "  # noqa: S608
                                 "WHERE key = 'generation'")
    (WORK / f"generate-{scale}.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def generation_env(cluster: pgcluster.Cluster, scale: str) -> dict[str, str]:
    return server_env(cluster.url(database(scale)), 0) | {"DJANGO_SETTINGS_MODULE": "kbs.settings", "KBS_ENV": "development"}


def ensure_data(cluster: pgcluster.Cluster, scale: str, regenerate: bool) -> dict[str, Any]:
    if cluster.running_pid() is None:
        cluster.start("serve")
    else:
        cluster.port = cluster.running_port()
    report = generation(cluster, scale)
    if report and report.get("scale") == scale and not regenerate:
        log(f"var/bench-pg already holds the {scale} data (generated {report['started_at']}, base tables in "
            f"{report['seconds_base_tables']} s, rollups: {report['rollups']}); --regenerate (REGENERATE=1) to make them again")
        if not str(report.get("rollups", "")).startswith("done"):
            cluster.start("load")
            report = complete_rollups(cluster, scale, report, generation_env(cluster, scale))
        return report
    cluster.start("load")
    db = database(scale)
    if report:
        cluster.drop_database(db)
    cluster.create_database(db)
    WORK.mkdir(parents=True, exist_ok=True)
    report_path = WORK / f"generate-{scale}.json"
    log(f"generating the {scale} data into {db}")
    subprocess.run([PYTHON, str(BENCH / "generate.py"), "--scale", scale, "--report", str(report_path)],  # noqa: S603
                   cwd=ROOT, env=generation_env(cluster, scale), check=True)
    report = json.loads(report_path.read_text())
    return report


def cmd_data(args: argparse.Namespace) -> int:
    cluster = pgcluster.Cluster()
    try:
        ensure_data(cluster, args.scale, args.regenerate)
    finally:
        cluster.stop()
    return 0


# --- measuring -------------------------------------------------------------------------------------

class Server:
    def __init__(self, env: dict[str, str], port: int, workers: int) -> None:
        self.env, self.port, self.workers = env, port, workers
        self.process: subprocess.Popen[bytes] | None = None
        self.log = WORK / "gunicorn.log"

    def start(self) -> None:
        with open(self.log, "wb") as log_file:
            self.process = subprocess.Popen(  # noqa: S603
                [str(ROOT / ".venv" / "bin" / "gunicorn"), "kbs.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
                 "--workers", str(self.workers), "--worker-class", "sync", "--timeout", "120",
                 "--backlog", "2048", "--error-logfile", "-"],
                cwd=ROOT, env=self.env, stdout=log_file, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/hello/", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not answer /hello/ within 60 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _ticks(pid: int, children: bool = False) -> int:
    """CPU clock ticks used by a process (and, with children, by the children it has reaped)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    own = int(fields[11]) + int(fields[12])
    return own + (int(fields[13]) + int(fields[14]) if children else 0)


def _children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def cpu_ms(pid: int | None) -> float:
    """Milliseconds of CPU used so far by a server process tree: the process, its live children and
    the children it has reaped (PostgreSQL backends come and go)."""
    if pid is None:
        return 0.0
    ticks = _ticks(pid, children=True) + sum(_ticks(child) for child in _children(pid))
    return ticks * 1000 / os.sysconf("SC_CLK_TCK")


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.getuid() != 0:
        raise SystemExit("wrk is missing: install the Debian package wrk (apt-get install wrk) and run again.")
    log("installing wrk (apt-get install wrk)")
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"], check=False, env=env)  # noqa: S607
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)  # noqa: S607
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"], check=True, env=env)  # noqa: S607
    return shutil.which("wrk") or "wrk"


def write_requests(name: str, lines: list[tuple[str, str, str, str]]) -> Path:
    path = WORK / f"requests-{name}.tsv"
    path.write_text("".join("\t".join(line) + "\n" for line in lines))
    return path


def run_wrk(wrk: str, port: int, requests: Path, settings: dict[str, int], seconds: int, connections: int | None = None,
            threads: int | None = None) -> dict[str, Any]:
    conns = connections or settings["connections"]
    args = [wrk, "-t", str(min(threads or settings["threads"], conns)), "-c", str(conns), "-d", f"{seconds}s",
            "--timeout", "30s", "-s", str(BENCH / "wrk" / "rotate.lua"), f"http://127.0.0.1:{port}", "--", str(requests)]
    out = subprocess.run(args, capture_output=True, text=True, check=True)  # noqa: S603
    line = next((x for x in out.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no summary:\n{out.stdout}\n{out.stderr}")
    data = json.loads(line[len("WRK_JSON "):])
    seconds_run = data["duration_us"] / 1e6
    statuses = {int(k): v for k, v in data["statuses"].items()}
    return {
        "rps": round(data["requests"] / seconds_run, 1), "requests": data["requests"],
        "p50_ms": round(data["latency_us"]["p50"] / 1000, 1), "p95_ms": round(data["latency_us"]["p95"] / 1000, 1),
        "p99_ms": round(data["latency_us"]["p99"] / 1000, 1), "mean_ms": round(data["latency_us"]["mean"] / 1000, 1),
        "statuses": statuses, "non_2xx_3xx": sum(v for k, v in statuses.items() if not 200 <= k < 400),
        "socket_errors": {k: v for k, v in data["errors"].items() if k != "status" and v},
        "connections": conns, "seconds": seconds,
    }


def wait_idle(pid: int | None, seconds: float = 180) -> None:
    """Wait until the app server has worked off what wrk left queued when it stopped."""
    deadline = time.monotonic() + seconds
    quiet = 0
    last = cpu_ms(pid)
    while time.monotonic() < deadline and quiet < 3:
        time.sleep(0.5)
        now = cpu_ms(pid)
        quiet = quiet + 1 if now - last < 30 else 0
        last = now


class Meter:
    """The app server's and the database's CPU per request, measured around a wrk run: steadier than
    requests per second when other work shares the machine."""

    def __init__(self, app_pid: int | None, db_pid: int | None) -> None:
        self.app_pid, self.db_pid = app_pid, db_pid


def measure(wrk: str, port: int, name: str, requests: Path, settings: dict[str, int], meter: Meter,
            **kwargs: Any) -> dict[str, Any]:
    # Warm up (every worker compiles the page's templates on its first request), not recorded.
    wait_idle(meter.app_pid)
    run_wrk(wrk, port, requests, settings, settings["warmup"], **kwargs)
    wait_idle(meter.app_pid)
    before = loadavg()[0]
    app0, db0 = cpu_ms(meter.app_pid), cpu_ms(meter.db_pid)
    result = run_wrk(wrk, port, requests, settings, settings["duration"], **kwargs)
    # Read at once: what wrk left queued is worked off afterwards and is not counted.
    app1, db1 = cpu_ms(meter.app_pid), cpu_ms(meter.db_pid)
    result["loadavg_1min"] = [before, loadavg()[0]]
    served = max(result["requests"], 1)
    result["app_cpu_ms_per_request"] = round((app1 - app0) / served, 2)
    result["db_cpu_ms_per_request"] = round((db1 - db0) / served, 2)
    log(f"{name}: {result['rps']} req/s, p95 {result['p95_ms']} ms, statuses {result['statuses']}, "
        f"1-min load {before} -> {result['loadavg_1min'][1]}; CPU per request: app {result['app_cpu_ms_per_request']} ms, "
        f"database {result['db_cpu_ms_per_request']} ms")
    return result


def csrf_for(port: int, path: str, session: str) -> tuple[str, str]:
    """GET the form page with the session: the csrftoken cookie and the form's token."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Cookie": f"sessionid={session}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        html = response.read().decode()
        cookies = response.headers.get_all("Set-Cookie") or []
    cookie = next((c.split(";")[0].split("=", 1)[1] for c in cookies if c.startswith("csrftoken=")), None)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if cookie is None or match is None:
        raise SystemExit(f"no CSRF token from {path}")
    return cookie, match.group(1)


def row_counts(cluster: pgcluster.Cluster, db: str) -> dict[str, int]:
    tables = ["families_family", "families_baby", "families_person", "families_involvement", "accounts_agency",
              "accounts_user", "contacts_contact", "contacts_contact_present", "contacts_messagedelivery",
              "tools_assessment", "tools_safesleepplan", "concerns_concern", "concerns_referral",
              "prebirth_prebirthcase", "audit_auditevent"]
    present = set(cluster.sql(db, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").split())
    tables += sorted(t for t in present if t.startswith("insights_"))
    return {t: int(cluster.sql(db, f"SELECT count(*) FROM {t}")) for t in tables if t in present}  # noqa: S608


def cmd_bench(args: argparse.Namespace) -> int:
    scale = args.scale
    settings = dict(LOAD[scale])
    for key in ("duration", "connections", "threads"):
        if getattr(args, key):
            settings[key] = getattr(args, key)
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    wrk = ensure_wrk()
    cluster = pgcluster.Cluster()
    server: Server | None = None
    load_before = loadavg()
    started = time.monotonic()
    try:
        report = ensure_data(cluster, scale, args.regenerate)
        cluster.start("serve")
        db = database(scale)
        port = pgcluster._free_port()
        env = server_env(cluster.url(db), port)
        # Migrations added since the data were made (cheap when there are none), static files, rollups.
        subprocess.run([PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)  # noqa: S603
        subprocess.run([PYTHON, "manage.py", "collectstatic", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)  # noqa: S603
        report = complete_rollups(cluster, scale, report, env)
        rollups = report.get("rollups")
        plan_path = WORK / "plan.json"
        log(f"preparing sessions and requests ({settings['families']} families per test)")
        subprocess.run([PYTHON, str(BENCH / "prepare.py"), "setup", "--families", str(settings["families"]),  # noqa: S603
                        "--out", str(plan_path)], cwd=ROOT, env=env, check=True)
        plan = json.loads(plan_path.read_text())

        workers = 2 * CORES + 1
        server = Server(env, port, workers)
        server.start()
        log(f"gunicorn on 127.0.0.1:{port} with {workers} sync workers; wrk -t{settings['threads']} "
            f"-c{settings['connections']} -d{settings['duration']}s (after a {settings['warmup']}s warm-up)")
        hello_req = write_requests("hello", [("GET", "/hello/", "", "")])
        t1_req = write_requests("t1", [("GET", r["path"], r["cookie"], "") for r in plan["T1"]])
        t2_lines = []
        for r in plan["T2"]:
            token_cookie, token = csrf_for(port, r["path"], r["session"])
            t2_lines.append(("POST", r["path"], f"sessionid={r['session']}; csrftoken={token_cookie}",
                             r["body"] + "&csrfmiddlewaretoken=" + token))
        t2_req = write_requests("t2", t2_lines)
        t3_req = write_requests("t3", [("GET", r["path"], r["cookie"], "") for r in plan["T3"]])

        meter = Meter(server.process.pid if server.process else None, cluster.running_pid())
        hello = measure(wrk, port, "hello", hello_req, settings, meter)
        t1 = measure(wrk, port, "T1 family page", t1_req, settings, meter)
        t3_available = all(q["status"] == 200 for q in plan["queries"]["T3"])
        t3 = t3_single = None
        if t3_available:
            t3 = measure(wrk, port, "T3 dashboard", t3_req, settings, meter)
            t3_single = measure(wrk, port, "T3 dashboard, 1 connection", t3_req, settings, meter, connections=1, threads=1)
        else:
            log(f"T3 skipped: /dashboard/ answered {[q['status'] for q in plan['queries']['T3']]}")
        t2 = measure(wrk, port, "T2 record a contact", t2_req, settings, meter)
        server.stop()
        server = None

        log("timing the raw GROUP BY equivalent of the dashboard (no load running)")
        raw_path = WORK / "raw.json"
        budget = "60" if scale == "national" else "30"
        subprocess.run([PYTHON, str(BENCH / "prepare.py"), "raw", "--plan", str(plan_path), "--out", str(raw_path),  # noqa: S603
                        "--budget", budget], cwd=ROOT, env=env, check=True)
        raw = json.loads(raw_path.read_text())
        counts = row_counts(cluster, db)
        pg_version = pgcluster.version()
    finally:
        if server:
            server.stop()
        cluster.stop()
    load_after = loadavg()

    hello_rps = hello["rps"]
    hello["queries"] = plan["queries"]["hello"]["queries"]
    t1_queries = [q["queries"] for q in plan["queries"]["T1"]]
    result: dict[str, Any] = {
        "scale": scale,
        "measured_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "hello_rps": hello_rps,
        "T1": {"rps": t1["rps"], "ratio_to_hello": round(t1["rps"] / hello_rps, 3), "p95_ms": t1["p95_ms"],
               "queries": max(t1_queries), "queries_each": t1_queries, "families": len(plan["T1"]),
               "statuses": t1["statuses"], "non_2xx_3xx": t1["non_2xx_3xx"], "target_ratio": TARGETS["T1_ratio"],
               "p50_ms": t1["p50_ms"], "loadavg_1min": t1["loadavg_1min"],
               "app_cpu_ms_per_request": t1["app_cpu_ms_per_request"], "db_cpu_ms_per_request": t1["db_cpu_ms_per_request"]},
        "T2": {"rps": t2["rps"], "ratio_to_hello": round(t2["rps"] / hello_rps, 3), "p95_ms": t2["p95_ms"],
               "statuses": t2["statuses"], "non_2xx_3xx": t2["non_2xx_3xx"], "families": len(plan["T2"]),
               "target_ratio": TARGETS["T2_ratio"], "p50_ms": t2["p50_ms"], "loadavg_1min": t2["loadavg_1min"],
               "app_cpu_ms_per_request": t2["app_cpu_ms_per_request"], "db_cpu_ms_per_request": t2["db_cpu_ms_per_request"]},
        "T3": None,
        "hello": hello,
        "wrk": {k: settings[k] for k in ("threads", "connections", "duration", "warmup")},
        "gunicorn": {"workers": workers, "worker_class": "sync", "settings": "KBS_ENV=production (bench.bench_settings)"},
        "machine": {"cores": CORES, "loadavg_before": load_before, "loadavg_after": load_after,
                    "postgresql": pg_version, "postgresql_profile": "serve (fsync and synchronous_commit on)"},
        "data": {"generation_seconds": report.get("seconds_total"), "generation_base_tables_seconds": report.get("seconds_base_tables"),
                 "rollups_seconds": report.get("seconds_rollups"), "rollups": rollups, "anchor": report.get("anchor"),
                 "generated_at": report.get("started_at"), "row_counts": counts},
        "harness_seconds": round(time.monotonic() - started, 1),
    }
    raw_by_name = {r["filters"]["name"]: r for r in raw}
    raw_ms = statistics.median(r["median_ms"] for r in raw)
    result["T3_raw"] = raw
    if t3 and t3_single:
        t3_queries = [q["queries"] for q in plan["queries"]["T3"]]
        result["T3"] = {
            "p95_ms": t3["p95_ms"], "rps": t3["rps"], "p50_ms": t3["p50_ms"],
            "p95_ms_1_connection": t3_single["p95_ms"], "p50_ms_1_connection": t3_single["p50_ms"],
            "raw_ms": raw_ms,
            "raw_ms_all_agencies_all_districts": raw_by_name[plan["T3"][0]["filters"]["name"]]["median_ms"],
            "speedup_vs_raw": round(raw_ms / max(t3_single["p50_ms"], 0.1), 1),
            "speedup_basis": "raw_ms (median over the filter combinations of each one's median run) / dashboard "
                             "median latency at 1 connection (both unloaded)",
            "speedup_vs_raw_p95_under_load": round(raw_ms / max(t3["p95_ms"], 0.1), 1),
            "queries": max(t3_queries), "queries_each": t3_queries, "statuses": t3["statuses"],
            "non_2xx_3xx": t3["non_2xx_3xx"], "target_speedup": TARGETS["T3_speedup"], "target_p95_ms": TARGETS["T3_p95_ms"],
            "loadavg_1min": t3["loadavg_1min"], "rollups": rollups,
            "app_cpu_ms_per_request": t3["app_cpu_ms_per_request"], "db_cpu_ms_per_request": t3["db_cpu_ms_per_request"],
        }
    else:
        result["T3"] = {"p95_ms": None, "raw_ms": raw_ms, "speedup_vs_raw": None, "queries": None,
                        "note": "the dashboard did not answer 200; see T3_raw for the raw timings"}
    write_results(result)
    return 0


def write_results(result: dict[str, Any]) -> None:
    text = json.dumps(result, indent=2) + "\n"
    md = markdown(result)
    for name in ("latest", result["scale"]):
        (RESULTS / f"{name}.json").write_text(text)
        (RESULTS / f"{name}.md").write_text(md)
    log(f"results in {RESULTS.relative_to(ROOT)}/latest.json and latest.md")
    sys.stdout.write(md)


def markdown(r: dict[str, Any]) -> str:
    t1, t2, t3 = r["T1"], r["T2"], r["T3"]
    w = r["wrk"]
    m = r["machine"]

    def load(figure: dict[str, Any]) -> str:
        before, after = figure.get("loadavg_1min", ["?", "?"])
        return f"{before}→{after}"

    def cpu(figure: dict[str, Any]) -> str:
        return f"{figure.get('app_cpu_ms_per_request', '?')} + {figure.get('db_cpu_ms_per_request', '?')}"

    def cell(v: Any) -> str:
        return "n/a" if v is None else f"{v:,}" if isinstance(v, int) else str(v)

    lines = [
        f"# Benchmark: {r['scale']} scale, {r['measured_at']}",
        "",
        f"wrk -t{w['threads']} -c{w['connections']} -d{w['duration']}s (after a {w['warmup']}s warm-up), gunicorn "
        f"{r['gunicorn']['workers']} sync workers, production settings. {m['cores']} cores, PostgreSQL {m['postgresql']}. "
        f"Load average before {m['loadavg_before']}, after {m['loadavg_after']}.",
        "",
        "| figure | req/s | ratio to hello | p95 ms | queries | CPU ms/request (app + db) | target | notes |",
        "|---|---:|---:|---:|---:|---:|---|---|",
        f"| hello `/hello/` | {r['hello_rps']} | 1 | {r['hello']['p95_ms']} | {r['hello'].get('queries', 0)} | {cpu(r['hello'])} | | "
        f"load {load(r['hello'])} |",
        f"| T1 family page | {t1['rps']} | {t1['ratio_to_hello']} | {t1['p95_ms']} | {t1['queries']} | {cpu(t1)} | ratio ≥ 0.25 | "
        f"{t1['families']} families, statuses {t1['statuses']}, load {load(t1)} |",
        f"| T2 record a contact | {t2['rps']} | {t2['ratio_to_hello']} | {t2['p95_ms']} | | {cpu(t2)} | ratio ≥ 0.35 | "
        f"statuses {t2['statuses']}, non-2xx/3xx {t2['non_2xx_3xx']}, load {load(t2)} |",
    ]
    if t3.get("rps") is not None:
        lines.append(
            f"| T3 dashboard | {t3['rps']} | | {t3['p95_ms']} (1 conn: {t3['p95_ms_1_connection']}) | {t3['queries']} | {cpu(t3)} | "
            f"p95 ≤ 20 ms, speed-up ≥ 500× | raw {t3['raw_ms']} ms / median {t3['p50_ms_1_connection']} ms = "
            f"**{t3['speedup_vs_raw']}×** (under load, vs p95: {t3['speedup_vs_raw_p95_under_load']}×), "
            f"statuses {t3['statuses']}, load {load(t3)}, rollups {t3.get('rollups')} |")
    else:
        lines.append(f"| T3 dashboard | n/a | | n/a | n/a | | | {t3['note']}; raw {t3['raw_ms']} ms |")
    lines += ["", "Raw GROUP BY on the base tables (bench/raw_query.sql), per filter combination:", "",
              "| filters | median ms | runs | babies (all three) by point, raw | same as the rollup cells |",
              "|---|---:|---|---|---|"]
    lines += [f"| {x['filters']['name']} | {x['median_ms']} | {x['runs_ms']} | "
              + ", ".join(f"{p} {d:,} ({n:,})" for p, (d, n) in sorted(x.get("raw_totals", {}).items()))
              + f" | {'yes' if x.get('rollups_agree') else 'NO: ' + str(x.get('rollup_totals'))} |" for x in r["T3_raw"]]
    d = r["data"]
    lines += ["", f"Data: anchor {d['anchor']}, generated in {d['generation_seconds']} s "
                  f"(base tables {d['generation_base_tables_seconds']} s, rollups {d['rollups_seconds']} s: {d['rollups']}).", "",
              "| table | rows |", "|---|---:|"]
    lines += [f"| {t} | {cell(n)} |" for t, n in d["row_counts"].items()]
    lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("data", help="generate the data of a scale, unless already there")
    p.add_argument("--scale", choices=sorted(LOAD), default="small")
    p.add_argument("--regenerate", action="store_true")
    p = sub.add_parser("bench", help="measure (generating the data first if missing)")
    p.add_argument("--scale", choices=sorted(LOAD), default="national")
    p.add_argument("--regenerate", action="store_true")
    p.add_argument("--duration", type=int, help="seconds per wrk run")
    p.add_argument("--connections", type=int)
    p.add_argument("--threads", type=int)
    args = parser.parse_args()
    return {"data": cmd_data, "bench": cmd_bench}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
