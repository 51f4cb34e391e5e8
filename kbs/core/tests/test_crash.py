"""The crash test (issue 9, part 7) as part of the suite's PostgreSQL run: scripts/crash-test.py
starts its own PostgreSQL cluster and gunicorn, writes contacts while killing both with SIGKILL,
and every acknowledged write must be found afterwards.

It needs PostgreSQL, so the test exists only when the suite itself runs on PostgreSQL
(DATABASE_URL set, as in CI's PostgreSQL phase and `make test-postgres`); on SQLite this module
holds no test at all rather than a skipped one. It takes about a minute.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://", "pgsql://"))
LIMIT_SECONDS = 240

if ON_POSTGRES:

    def test_crash_of_app_server_and_database_loses_no_acknowledged_write() -> None:
        started = time.monotonic()
        done = subprocess.run([sys.executable, str(ROOT / "scripts" / "crash-test.py")], cwd=ROOT,  # noqa: S603
                              capture_output=True, text=True, timeout=LIMIT_SECONDS, check=False)
        seconds = time.monotonic() - started
        assert done.returncode == 0, done.stderr[-4000:]
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        assert figures["missing"] == 0
        assert figures["found"] == figures["acknowledged"] > 0
        assert (figures["app_kills"], figures["database_kills"]) == (1, 1)
        assert seconds < LIMIT_SECONDS
