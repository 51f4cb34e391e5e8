"""Production settings refuse demo mode and missing secrets, and pass Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION = {
    "KBS_ENV": "production",
    "KBS_SECRET_KEY": "a-long-random-production-secret-used-only-by-this-test-0123456789abcdef",
    "KBS_ALLOWED_HOSTS": "kbs.example.nhs.uk",
    "KBS_BASE_URL": "https://kbs.example.nhs.uk",
    "KBS_DEMO_MODE": "",
    "KBS_DEBUG": "",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KBS_")} | env
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60,
        check=False,
    )


def test_production_deploy_check_is_clean() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_demo_mode() -> None:
    result = manage("check", **(PRODUCTION | {"KBS_DEMO_MODE": "true"}))
    assert result.returncode != 0
    assert "KBS_DEMO_MODE cannot be on in production" in result.stderr


def test_production_refuses_missing_secret_key() -> None:
    env = dict(PRODUCTION)
    del env["KBS_SECRET_KEY"]
    result = manage("check", **env)
    assert result.returncode != 0
    assert "KBS_SECRET_KEY must be set in production" in result.stderr


def test_production_refuses_debug() -> None:
    result = manage("check", **(PRODUCTION | {"KBS_DEBUG": "true"}))
    assert result.returncode != 0
    assert "KBS_DEBUG cannot be on in production" in result.stderr
