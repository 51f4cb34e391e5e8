"""Our dependencies and our own code, checked for known weaknesses (issue 9, part 7):

- pip-audit on requirements.lock: no known vulnerability unless waived, with a reason, in
  security/pip-audit-waivers.toml. It asks PyPI's JSON API about each pinned version, so this test
  needs the package registry (the only network these tests use).
- bandit on kbs/ (not tests or migrations): no high-severity finding; medium and low are counted.

With KBS_SECURITY_REPORT_DIR set, both leave their figures under "dependencies".
"""

import json
import re
import subprocess
import sys
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kbs.core.security_figures import report_dir, write_figures

ROOT = Path(__file__).resolve().parents[3]
LOCK = ROOT / "requirements.lock"
WAIVERS = ROOT / "security" / "pip-audit-waivers.toml"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", re.M)
BANDIT_EXCLUDE = "*/tests/*,*/migrations/*,kbs/conftest.py"


def record(figures: dict[str, Any]) -> None:
    """Add these figures to the "dependencies" file (pip-audit and bandit each write their half)."""
    folder = report_dir()
    if folder is None:
        return
    existing = folder / "dependencies.json"
    merged = json.loads(existing.read_text()) if existing.exists() else {}
    write_figures("dependencies", merged | figures)


def load_waivers(path: Path = WAIVERS) -> list[dict[str, str]]:
    waivers = tomllib.loads(path.read_text()).get("waiver", [])
    for waiver in waivers:
        missing = [key for key in ("id", "package", "reason", "review_by") if not str(waiver.get(key, "")).strip()]
        assert not missing, f"waiver {waiver} lacks {missing}"
        date.fromisoformat(str(waiver["review_by"]))
    return list(waivers)


def judge(report: dict[str, Any], waivers: list[dict[str, str]]) -> dict[str, Any]:
    """Sort pip-audit's findings into waived and unwaived, and find waivers no longer needed."""
    audited = [dep for dep in report["dependencies"] if "skip_reason" not in dep]
    found = [(dep["name"], dep["version"], vuln) for dep in audited for vuln in dep.get("vulns", [])]

    def waiver_for(name: str, vuln: dict[str, Any]) -> dict[str, str] | None:
        names = {vuln["id"], *vuln.get("aliases", [])}
        return next((w for w in waivers if w["package"].lower() == name.lower() and w["id"] in names), None)

    used = [waiver_for(name, vuln) for name, _version, vuln in found]
    unwaived = [f"{name} {version}: {vuln['id']} (fixed in {', '.join(vuln.get('fix_versions', [])) or 'nothing yet'})"
                for (name, version, vuln), waiver in zip(found, used, strict=True) if waiver is None]
    audited_names = {dep["name"].lower() for dep in audited}
    stale = [w["id"] for w in waivers if w["package"].lower() in audited_names and w not in used]
    return {"audited": len(audited), "skipped": len(report["dependencies"]) - len(audited),
            "vulnerabilities": len(found), "waived": len(found) - len(unwaived), "unwaived": unwaived, "stale": stale}


def test_pip_audit_finds_no_unwaived_vulnerability(tmp_path: Path) -> None:
    output = tmp_path / "pip-audit.json"
    done = subprocess.run(
        [sys.executable, "-m", "pip_audit", "--requirement", str(LOCK), "--require-hashes", "--disable-pip",
         "--progress-spinner", "off", "--format", "json", "--output", str(output)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode in {0, 1}, done.stderr  # 1 means "vulnerabilities found", judged below
    report = json.loads(output.read_text())
    pins = PIN.findall(LOCK.read_text())
    assert len(report["dependencies"]) == len(pins), "pip-audit must see every pinned package"
    verdict = judge(report, load_waivers())
    record({
        "packages_in_lock": len(pins), "packages_audited": verdict["audited"],
        "packages_not_audited": verdict["skipped"], "vulnerabilities": verdict["vulnerabilities"],
        "waived": verdict["waived"], "unwaived": len(verdict["unwaived"]),
    })
    assert verdict["unwaived"] == [], "known vulnerabilities: upgrade, or waive with a reason"
    assert verdict["stale"] == [], "waivers for advisories pip-audit no longer reports: remove them"


def test_bandit_finds_no_high_severity_issue(tmp_path: Path) -> None:
    output = tmp_path / "bandit.json"
    done = subprocess.run(
        [sys.executable, "-m", "bandit", "--recursive", "kbs", "--exclude", BANDIT_EXCLUDE, "--format", "json",
         "--output", str(output), "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode in {0, 1}, done.stderr  # 1 means "issues found", judged below
    results = json.loads(output.read_text())["results"]
    assert json.loads(output.read_text())["metrics"]["_totals"]["loc"] > 10_000, "bandit must read our code"
    by_severity = {level: [r for r in results if r["issue_severity"] == level] for level in ("HIGH", "MEDIUM", "LOW")}
    record({"bandit_high": len(by_severity["HIGH"]), "bandit_medium": len(by_severity["MEDIUM"]),
            "bandit_low": len(by_severity["LOW"])})
    assert [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}" for r in by_severity["HIGH"]] == []


# --- the judging, on made-up reports --------------------------------------------------------------

def fake_report(*deps: dict[str, Any]) -> dict[str, Any]:
    return {"dependencies": list(deps)}


VULN = {"id": "PYSEC-2099-1", "aliases": ["CVE-2099-0001", "GHSA-aaaa-bbbb-cccc"], "fix_versions": ["2.0"]}
WAIVER = {"id": "GHSA-aaaa-bbbb-cccc", "package": "Example", "reason": "never called", "review_by": "2099-01-01"}


def test_a_vulnerability_without_a_waiver_is_unwaived() -> None:
    verdict = judge(fake_report({"name": "example", "version": "1.0", "vulns": [VULN]}), [])
    assert verdict["unwaived"] == ["example 1.0: PYSEC-2099-1 (fixed in 2.0)"]
    assert (verdict["vulnerabilities"], verdict["waived"]) == (1, 0)


def test_a_waiver_matches_by_alias_and_package() -> None:
    verdict = judge(fake_report({"name": "example", "version": "1.0", "vulns": [VULN]}), [WAIVER])
    assert (verdict["unwaived"], verdict["waived"], verdict["stale"]) == ([], 1, [])
    other = judge(fake_report({"name": "other", "version": "1.0", "vulns": [VULN]}), [WAIVER])
    assert len(other["unwaived"]) == 1


def test_a_waiver_for_a_fixed_advisory_is_stale() -> None:
    verdict = judge(fake_report({"name": "example", "version": "2.0", "vulns": []}), [WAIVER])
    assert verdict["stale"] == ["GHSA-aaaa-bbbb-cccc"]


def test_skipped_packages_are_counted_not_audited() -> None:
    verdict = judge(fake_report({"name": "example", "skip_reason": "not found"}, {"name": "b", "version": "1", "vulns": []}),
                    [WAIVER])
    assert (verdict["audited"], verdict["skipped"], verdict["stale"]) == (1, 1, [])


def test_a_waiver_without_a_reason_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "waivers.toml"
    path.write_text('[[waiver]]\nid = "X"\npackage = "example"\nreason = ""\nreview_by = "2099-01-01"\n')
    with pytest.raises(AssertionError, match="reason"):
        load_waivers(path)


def test_the_waivers_file_is_valid() -> None:
    load_waivers()
