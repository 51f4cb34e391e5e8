#!/usr/bin/env python3
"""`make security-report`: run the security tests and print their figures against the targets.

Each test below writes its figures (kbs.core.security_figures.write_figures) into var/security/ as
<key>.json. This script empties that folder, runs the tests one after another (their own output
shows progress), then prints one table: each figure, its target, PASS or FAIL. The same table goes
to var/security/report.md. It exits 1 if any test failed, any target was missed, or any figure file
is missing (the table says which), and 0 only when everything passed.

    scripts/security-report.py              # everything (the crash test needs PostgreSQL binaries)
    scripts/security-report.py --no-run     # only judge the figures already in var/security/
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REPORT_DIR = ROOT / "var" / "security"

# (name, command). Paths are relative to the project root; the tests are run with the project's
# own Python, so the script works from `make` and from a bare checkout's .venv alike.
PYTEST = [sys.executable, "-m", "pytest", "-q", "--no-header"]
STEPS: list[tuple[str, list[str]]] = [
    ("Authorisation matrix", [*PYTEST, "kbs/core/tests/test_authorisation_matrix.py"]),
    ("Audit event per read", [*PYTEST, "kbs/audit/tests/test_audit_per_read.py"]),
    ("API schema (schemathesis)", [*PYTEST, "kbs/api/tests/test_schemathesis.py"]),
    ("Concurrent edits", [*PYTEST, "kbs/core/tests/test_concurrent_edits.py"]),
    ("Backup and restore", [*PYTEST, "kbs/core/tests/test_backup_restore.py"]),
    ("Dependencies (pip-audit, bandit)", [*PYTEST, "kbs/core/tests/test_dependencies_audit.py"]),
    ("Headers, cookies and system checks", [*PYTEST, "kbs/core/tests/test_security_headers.py",
                                            "kbs/core/tests/test_system_checks.py",
                                            "kbs/core/tests/test_security_txt.py"]),
    ("Crash test (gunicorn + PostgreSQL, SIGKILL)", [sys.executable, "scripts/crash-test.py"]),
]


@dataclass(frozen=True)
class Line:
    """One line of the report: what was measured, what it came to, the target, and the verdict."""

    check: str
    result: str
    target: str
    status: str  # PASS, FAIL, or NOTE (shown, but never fails the report)


@dataclass(frozen=True)
class Figure:
    key: str
    check: str
    target: str
    needs: tuple[str, ...]
    judge: Callable[[dict[str, Any]], tuple[str, bool]]


def _n(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _matrix(f: dict[str, Any]) -> tuple[str, bool]:
    text = (f"{_n(f['unexpected_allows'])} unexpected allows in {_n(f['cells'])} cells ({_n(f['urls'])} URLs × "
            f"{_n(f['personas'])} personas; {_n(f['unexpected_refusals'])} unexpected refusals)")
    return text, f["unexpected_allows"] == 0 and f["cells"] > 0


def _audit(f: dict[str, Any]) -> tuple[str, bool]:
    text = (f"{_n(f['missing_events'])} missing and {_n(f['extra_events'])} extra events over {_n(f['reads'])} reads "
            f"({_n(f['sequences'])} sequences, {_n(f['steps'])} steps)")
    return text, f["missing_events"] == 0 and f["extra_events"] == 0 and f["reads"] > 0


def _schemathesis(f: dict[str, Any]) -> tuple[str, bool]:
    text = (f"{_n(f['server_errors'])} server errors, {_n(f['schema_violations'])} schema violations in "
            f"{_n(f['cases'])} cases over {_n(f['operations'])} operations")
    return text, f["server_errors"] == 0 and f["schema_violations"] == 0 and f["cases"] > 0


def _crash(f: dict[str, Any]) -> tuple[str, bool]:
    text = (f"{_n(f['found'])} of {_n(f['acknowledged'])} acknowledged writes found ({_n(f['missing'])} missing); "
            f"{_n(f['app_kills'])} app and {_n(f['database_kills'])} database kills in {f['seconds']} s")
    passed = (f["acknowledged"] > 0 and f["found"] >= f["acknowledged"] and f["missing"] == 0
              and f["app_kills"] > 0 and f["database_kills"] > 0)
    return text, passed


def _concurrent(f: dict[str, Any]) -> tuple[str, bool]:
    text = f"{_n(f['lost_updates'])} lost updates in {_n(f['attempts'])} attempts ({_n(f['stale_refused'])} stale writes refused)"
    return text, f["lost_updates"] == 0 and f["attempts"] > 0


def _backup(f: dict[str, Any]) -> tuple[str, bool]:
    text = f"{_n(f['mismatched_tables'])} mismatched tables of {_n(f['tables'])} ({_n(f['rows'])} rows)"
    return text, f["mismatched_tables"] == 0 and f["tables"] > 0


def _unwaived(f: dict[str, Any]) -> int:
    return int(f.get("unwaived", f["vulnerabilities"] - f["waived"]))


def _pip_audit(f: dict[str, Any]) -> tuple[str, bool]:
    text = (f"{_n(_unwaived(f))} unwaived of {_n(f['vulnerabilities'])} known vulnerabilities "
            f"({_n(f['waived'])} waived); {_n(f['packages_audited'])} of {_n(f.get('packages_in_lock', '?'))} packages audited")
    return text, _unwaived(f) == 0


def _bandit(f: dict[str, Any]) -> tuple[str, bool]:
    return f"{_n(f['bandit_high'])} high, {_n(f['bandit_medium'])} medium, {_n(f['bandit_low'])} low", f["bandit_high"] == 0


FIGURES = [
    Figure("authorisation-matrix", "Authorisation matrix", "0 unexpected allows",
           ("urls", "personas", "cells", "unexpected_allows", "unexpected_refusals"), _matrix),
    Figure("audit-per-read", "One audit event per read", "0 missing, 0 extra",
           ("sequences", "steps", "reads", "missing_events", "extra_events"), _audit),
    Figure("schemathesis", "API against its schema", "0 server errors, 0 violations",
           ("operations", "cases", "server_errors", "schema_violations"), _schemathesis),
    Figure("crash-test", "Crash test (SIGKILL)", "every acknowledged write found",
           ("acknowledged", "found", "missing", "app_kills", "database_kills", "seconds"), _crash),
    Figure("concurrent-edits", "Concurrent edits", "0 lost updates", ("attempts", "stale_refused", "lost_updates"),
           _concurrent),
    Figure("backup-restore", "Backup and restore", "0 mismatched tables", ("tables", "rows", "mismatched_tables"),
           _backup),
    Figure("dependencies", "pip-audit (requirements.lock)", "0 unwaived",
           ("packages_audited", "vulnerabilities", "waived"), _pip_audit),
    Figure("dependencies", "bandit (kbs/)", "0 high severity", ("bandit_high", "bandit_medium", "bandit_low"), _bandit),
]


def judge_figures(folder: Path) -> list[Line]:
    """One line per target, from the figure files in `folder`; a missing file or figure fails its line."""
    lines = []
    for figure in FIGURES:
        path = folder / f"{figure.key}.json"
        if not path.exists():
            lines.append(Line(figure.check, f"no figures: {path.name} was not written", figure.target, "FAIL"))
            continue
        try:
            figures = json.loads(path.read_text())
        except ValueError as error:
            lines.append(Line(figure.check, f"{path.name} is not JSON ({error})", figure.target, "FAIL"))
            continue
        missing = [name for name in figure.needs if name not in figures]
        if missing:
            lines.append(Line(figure.check, f"{path.name} lacks {', '.join(missing)}", figure.target, "FAIL"))
            continue
        result, passed = figure.judge(figures)
        lines.append(Line(figure.check, result, figure.target, "PASS" if passed else "FAIL"))
        if figure.judge is _pip_audit and figures.get("packages_not_audited"):
            lines.append(Line(
                "pip-audit coverage",
                f"{_n(figures['packages_not_audited'])} of {_n(figures.get('packages_in_lock', '?'))} packages could not be "
                "checked: the vulnerability service had no record of their versions",
                "every package audited", "NOTE",
            ))
    return lines


def step_lines(outcomes: list[tuple[str, int | None, float]]) -> list[Line]:
    """A line per test run: None as the exit code means its file is not there yet."""
    lines = []
    for name, code, seconds in outcomes:
        if code is None:
            lines.append(Line(name, "not run: its test file is missing", "passes", "FAIL"))
        else:
            lines.append(Line(name, f"exit code {code} after {seconds:.0f} s", "passes", "PASS" if code == 0 else "FAIL"))
    return lines


def table(lines: list[Line]) -> str:
    """A plain text table, columns padded to their widest cell."""
    rows = [("Check", "Result", "Target", "Status"), *((ln.check, ln.result, ln.target, ln.status) for ln in lines)]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    text = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    text.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(text)


def markdown(lines: list[Line]) -> str:
    out = ["| Check | Result | Target | Status |", "|---|---|---|---|"]
    out += [f"| {ln.check} | {ln.result} | {ln.target} | {ln.status} |" for ln in lines]
    return "\n".join(out)


def failed(lines: list[Line]) -> list[Line]:
    return [line for line in lines if line.status == "FAIL"]


def write_markdown(path: Path, when: datetime, figures: list[Line], steps: list[Line]) -> None:
    verdict = "All targets met." if not failed(figures + steps) else f"{len(failed(figures + steps))} line(s) failed."
    parts = [
        "# Security report",
        "",
        f"Made by `make security-report` on {when:%Y-%m-%d %H:%M} UTC. {verdict}",
        "",
        "## Figures against the targets",
        "",
        markdown(figures),
    ]
    if steps:
        parts += ["", "## Tests run", "", markdown(steps)]
    path.write_text("\n".join(parts) + "\n")


def run_steps(folder: Path) -> list[tuple[str, int | None, float]]:
    env = os.environ | {"KBS_SECURITY_REPORT_DIR": str(folder)}
    outcomes: list[tuple[str, int | None, float]] = []
    for number, (name, command) in enumerate(STEPS, start=1):
        files = [part for part in command if part.endswith(".py") and "/" in part]
        print(f"\n[{number}/{len(STEPS)}] {name}: {' '.join(files)}", flush=True)
        if not all((ROOT / file).exists() for file in files):
            print("    missing: " + ", ".join(f for f in files if not (ROOT / f).exists()), flush=True)
            outcomes.append((name, None, 0.0))
            continue
        started = time.monotonic()
        code = subprocess.run(command, cwd=ROOT, env=env, check=False).returncode  # noqa: S603 - our own commands
        outcomes.append((name, code, time.monotonic() - started))
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-run", action="store_true", help="judge the figures already written; run nothing")
    parser.add_argument("--folder", type=Path, default=REPORT_DIR, help="where the figures are (default var/security)")
    args = parser.parse_args(argv)
    folder: Path = args.folder
    steps: list[Line] = []
    if not args.no_run:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        steps = step_lines(run_steps(folder))
    figures = judge_figures(folder)
    when = datetime.now(UTC)
    print(f"\nSecurity report, {when:%Y-%m-%d %H:%M} UTC\n")
    print(table(figures))
    if steps:
        print("\nTests run\n")
        print(table(steps))
    folder.mkdir(parents=True, exist_ok=True)
    write_markdown(folder / "report.md", when, figures, steps)
    bad = failed(figures + steps)
    print(f"\n{'All targets met.' if not bad else f'FAILED: {len(bad)} line(s) above.'} "
          f"Written to {(folder / 'report.md').relative_to(ROOT) if folder.is_relative_to(ROOT) else folder / 'report.md'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
