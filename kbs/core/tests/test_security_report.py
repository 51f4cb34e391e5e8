"""scripts/security-report.py judges the figure files against the targets, says which are missing,
prints one table and writes report.md. Tested on made-up figure files; nothing is run."""

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("security_report", ROOT / "scripts" / "security-report.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


report = load_script()

GOOD: dict[str, dict[str, Any]] = {
    "authorisation-matrix": {"urls": 120, "personas": 9, "cells": 2160, "expected_allows": 400,
                             "expected_refusals": 1760, "unexpected_allows": 0, "unexpected_refusals": 0},
    "audit-per-read": {"sequences": 50, "steps": 1000, "reads": 420, "missing_events": 0, "extra_events": 0},
    "schemathesis": {"operations": 6, "cases": 600, "server_errors": 0, "schema_violations": 0},
    "crash-test": {"acknowledged": 812, "found": 812, "missing": 0, "app_kills": 2, "database_kills": 1, "seconds": 95},
    "concurrent-edits": {"attempts": 40, "stale_refused": 40, "lost_updates": 0},
    "backup-restore": {"tables": 70, "rows": 5000, "mismatched_tables": 0},
    "dependencies": {"packages_in_lock": 118, "packages_audited": 118, "packages_not_audited": 0, "vulnerabilities": 1,
                     "waived": 1, "unwaived": 0, "bandit_high": 0, "bandit_medium": 12, "bandit_low": 35},
}


def write(folder: Path, figures: dict[str, dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for key, values in figures.items():
        (folder / f"{key}.json").write_text(json.dumps(values))
    return folder


def statuses(lines: list[Any]) -> dict[str, str]:
    return {line.check: line.status for line in lines}


def test_good_figures_pass_every_line(tmp_path: Path) -> None:
    lines = report.judge_figures(write(tmp_path, GOOD))
    assert len(lines) == 8
    assert {line.status for line in lines} == {"PASS"}
    by_check = {line.check: line.result for line in lines}
    assert by_check["Authorisation matrix"] == (
        "0 unexpected allows in 2,160 cells (120 URLs × 9 personas; 0 unexpected refusals)")
    assert by_check["Crash test (SIGKILL)"].startswith("812 of 812 acknowledged writes found (0 missing)")
    assert by_check["bandit (kbs/)"] == "0 high, 12 medium, 35 low"
    assert by_check["pip-audit (requirements.lock)"].startswith("0 unwaived of 1 known vulnerabilities (1 waived)")


@pytest.mark.parametrize(("key", "change", "check"), [
    ("authorisation-matrix", {"unexpected_allows": 1}, "Authorisation matrix"),
    ("authorisation-matrix", {"cells": 0}, "Authorisation matrix"),
    ("audit-per-read", {"missing_events": 2}, "One audit event per read"),
    ("audit-per-read", {"extra_events": 1}, "One audit event per read"),
    ("schemathesis", {"server_errors": 1}, "API against its schema"),
    ("schemathesis", {"schema_violations": 3}, "API against its schema"),
    ("schemathesis", {"cases": 0}, "API against its schema"),
    ("crash-test", {"found": 811, "missing": 1}, "Crash test (SIGKILL)"),
    ("crash-test", {"database_kills": 0}, "Crash test (SIGKILL)"),
    ("crash-test", {"acknowledged": 0, "found": 0}, "Crash test (SIGKILL)"),
    ("concurrent-edits", {"lost_updates": 1}, "Concurrent edits"),
    ("backup-restore", {"mismatched_tables": 1}, "Backup and restore"),
    ("dependencies", {"unwaived": 1}, "pip-audit (requirements.lock)"),
    ("dependencies", {"bandit_high": 1}, "bandit (kbs/)"),
])
def test_a_missed_target_fails_its_line_only(tmp_path: Path, key: str, change: dict[str, Any], check: str) -> None:
    lines = report.judge_figures(write(tmp_path, GOOD | {key: GOOD[key] | change}))
    assert [line.check for line in report.failed(lines)] == [check]


def test_unwaived_is_worked_out_when_not_given(tmp_path: Path) -> None:
    figures = {k: v for k, v in GOOD["dependencies"].items() if k != "unwaived"} | {"vulnerabilities": 3, "waived": 1}
    lines = report.judge_figures(write(tmp_path, GOOD | {"dependencies": figures}))
    assert statuses(lines)["pip-audit (requirements.lock)"] == "FAIL"


def test_a_missing_figure_file_fails_and_says_which(tmp_path: Path) -> None:
    lines = report.judge_figures(write(tmp_path, {k: v for k, v in GOOD.items() if k != "crash-test"}))
    crash = next(line for line in lines if line.check == "Crash test (SIGKILL)")
    assert crash.status == "FAIL"
    assert crash.result == "no figures: crash-test.json was not written"


def test_a_figure_file_missing_a_figure_fails(tmp_path: Path) -> None:
    matrix = {k: v for k, v in GOOD["authorisation-matrix"].items() if k != "cells"}
    lines = report.judge_figures(write(tmp_path, GOOD | {"authorisation-matrix": matrix}))
    assert [(line.check, line.result) for line in report.failed(lines)] == [
        ("Authorisation matrix", "authorisation-matrix.json lacks cells")]


def test_packages_pip_audit_could_not_check_are_a_note_not_a_failure(tmp_path: Path) -> None:
    figures = GOOD["dependencies"] | {"packages_audited": 100, "packages_not_audited": 18}
    lines = report.judge_figures(write(tmp_path, GOOD | {"dependencies": figures}))
    assert statuses(lines)["pip-audit coverage"] == "NOTE"
    assert report.failed(lines) == []


def test_step_lines_fail_a_missing_or_failing_test() -> None:
    lines = report.step_lines([("A", 0, 3.2), ("B", 1, 10.0), ("C", None, 0.0)])
    assert [(line.check, line.status) for line in lines] == [("A", "PASS"), ("B", "FAIL"), ("C", "FAIL")]
    assert lines[2].result == "not run: its test file is missing"


def test_table_lines_up_its_columns() -> None:
    lines = [report.Line("Short", "0 lost updates", "0", "PASS"), report.Line("A longer check", "x", "0 high", "FAIL")]
    text = report.table(lines).splitlines()
    assert text[0].split() == ["Check", "Result", "Target", "Status"]
    assert set(text[1]) == {"-", " "}
    assert text[2].index("0 lost updates") == text[3].index("x") == text[0].index("Result")
    assert text[3].endswith("FAIL")


def test_no_run_judges_the_folder_writes_report_md_and_exits_by_the_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write(tmp_path / "security", GOOD)
    assert report.main(["--no-run", "--folder", str(folder)]) == 0
    printed = capsys.readouterr().out
    assert "All targets met." in printed
    assert "Authorisation matrix" in printed
    written = (folder / "report.md").read_text()
    assert written.startswith("# Security report")
    assert "| Authorisation matrix | 0 unexpected allows in 2,160 cells" in written
    (folder / "backup-restore.json").unlink()
    assert report.main(["--no-run", "--folder", str(folder)]) == 1
    assert "FAILED: 1 line(s) above." in capsys.readouterr().out
    assert "backup-restore.json was not written" in (folder / "report.md").read_text()


def test_every_step_names_a_test_file_or_script_in_this_project() -> None:
    for _name, command in report.STEPS:
        files = [part for part in command if part.endswith(".py") and "/" in part]
        assert files
        assert all(file.startswith(("kbs/", "scripts/")) for file in files)
