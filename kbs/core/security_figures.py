"""Figures that security tests leave for `make security-report`.

When KBS_SECURITY_REPORT_DIR is set, a test calls `write_figures("authorisation-matrix", {...})`
and the report prints what it finds there. Outside the report the call does nothing.
"""

import json
import os
from pathlib import Path
from typing import Any


def report_dir() -> Path | None:
    folder = os.environ.get("KBS_SECURITY_REPORT_DIR")
    return Path(folder) if folder else None


def write_figures(key: str, figures: dict[str, Any]) -> None:
    """Write one part's figures as var/security/<key>.json (or wherever the report asked)."""
    folder = report_dir()
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{key}.json").write_text(json.dumps(figures, indent=2, sort_keys=True, default=str) + "\n")
