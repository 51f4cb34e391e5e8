"""The benchmark's own PostgreSQL cluster, kept in var/bench-pg/ between runs.

Like scripts/with-postgres.sh (initdb with trust auth on 127.0.0.1, run as the `postgres` user when
we are root), but the data directory stays, so that generated data survives from `make bench-data`
to `make bench`. One database per scale (`kbs_bench_tiny`, `kbs_bench_small`, `kbs_bench_national`).

Two profiles: "load" (no fsync, minimal WAL: only for generating data) and "serve" (durable,
production-like: fsync and synchronous commit on) for the measurements.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOME = ROOT / "var" / "bench-pg"
DATA = HOME / "data"
RUN = HOME / "run"
LOG = HOME / "postgres.log"

COMMON = {
    "listen_addresses": "127.0.0.1",
    "max_connections": "100",
    "shared_buffers": "2GB",
    "effective_cache_size": "8GB",
    "work_mem": "32MB",
    "maintenance_work_mem": "1GB",
    "random_page_cost": "1.1",
    "max_worker_processes": "4",
    "max_parallel_workers": "2",
    "max_parallel_workers_per_gather": "2",
    "max_parallel_maintenance_workers": "2",
    "checkpoint_timeout": "30min",
    "max_wal_size": "4GB",
    "timezone": "UTC",
}
PROFILES = {
    # Generating data: nothing needs to survive a crash (we would generate again).
    "load": {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "wal_level": "minimal",
             "max_wal_senders": "0", "autovacuum": "on"},
    # Measuring: durable commits, as in production.
    "serve": {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on", "wal_level": "replica",
              "max_wal_senders": "10", "autovacuum": "on"},
}


def binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: [int(x) for x in p.split("/")[4].split(".")])
    if not found:
        raise SystemExit("PostgreSQL is not installed (make system-packages installs it).")
    return Path(found[-1])


def _as_postgres(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    if os.getuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=True, text=True, **kwargs)  # noqa: S603


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def version() -> str:
    out = subprocess.run([str(binaries() / "postgres"), "--version"], check=True, text=True, capture_output=True)  # noqa: S603
    return out.stdout.strip().split()[2]


class Cluster:
    def __init__(self) -> None:
        self.bin = binaries()
        self.port: int | None = None
        self.profile: str | None = None

    # --- lifecycle -------------------------------------------------------------------------------

    def ensure_initialised(self) -> None:
        if (DATA / "PG_VERSION").exists():
            return
        HOME.mkdir(parents=True, exist_ok=True)
        RUN.mkdir(parents=True, exist_ok=True)
        if os.getuid() == 0:
            shutil.chown(HOME, "postgres")
            shutil.chown(RUN, "postgres")
        _as_postgres([str(self.bin / "initdb"), "-D", str(DATA), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                      "--locale=C.UTF-8"], capture_output=True)

    def running_pid(self) -> int | None:
        pidfile = DATA / "postmaster.pid"
        if not pidfile.exists():
            return None
        try:
            pid = int(pidfile.read_text().split("\n")[0])
            os.kill(pid, 0)
        except (ValueError, ProcessLookupError):
            return None
        return pid

    def running_port(self) -> int | None:
        lines = (DATA / "postmaster.pid").read_text().split("\n")
        return int(lines[3]) if len(lines) > 3 and lines[3].strip().isdigit() else None

    def start(self, profile: str) -> None:
        """Start the cluster with a profile; restart it if it runs with another one."""
        self.ensure_initialised()
        marker = HOME / "profile"
        if self.running_pid() is not None:
            if marker.exists() and marker.read_text().strip() == profile:
                self.port, self.profile = self.running_port(), profile
                return
            self.stop()
        port = _free_port()
        options = {**COMMON, **PROFILES[profile], "port": str(port), "unix_socket_directories": str(RUN)}
        opts = " ".join(f"-c {k}={v}" for k, v in options.items())
        RUN.mkdir(parents=True, exist_ok=True)
        if os.getuid() == 0:
            shutil.chown(RUN, "postgres")
            if LOG.exists():
                shutil.chown(LOG, "postgres")
            else:
                LOG.touch()
                shutil.chown(LOG, "postgres")
        _as_postgres([str(self.bin / "pg_ctl"), "-D", str(DATA), "-w", "-t", "120", "-l", str(LOG), "-o", opts, "start"],
                     capture_output=True)
        marker.write_text(profile)
        self.port, self.profile = port, profile

    def stop(self) -> None:
        if self.running_pid() is None:
            return
        self.port = self.port or self.running_port()
        if self.profile == "load" or (HOME / "profile").exists() and (HOME / "profile").read_text().strip() == "load":
            # fsync was off: make sure what was written reaches the disk before durable settings apply.
            self.sql("postgres", "CHECKPOINT")
            os.sync()
        _as_postgres([str(self.bin / "pg_ctl"), "-D", str(DATA), "-m", "fast", "-w", "-t", "300", "stop"],
                     capture_output=True)
        (HOME / "profile").unlink(missing_ok=True)
        self.port = None

    # --- databases -------------------------------------------------------------------------------

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def sql(self, database: str, statement: str) -> str:
        out = subprocess.run(  # noqa: S603
            [str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database,
             "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", statement],
            check=True, text=True, capture_output=True,
        )
        return out.stdout.strip()

    def databases(self) -> list[str]:
        return self.sql("postgres", "SELECT datname FROM pg_database").split()

    def create_database(self, database: str) -> None:
        if database not in self.databases():
            self.sql("postgres", f'CREATE DATABASE "{database}"')

    def drop_database(self, database: str) -> None:
        self.sql("postgres", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def wait_until_stopped(pid: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
