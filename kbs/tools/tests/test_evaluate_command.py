"""``manage.py evaluate``: JSON on stdout and exit 0, or errors on stderr, nothing on stdout, exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
MANAGE = Path(__file__).resolve().parents[3] / "manage.py"


def run(*args: str) -> tuple[int, str, str]:
    """Call the command in-process; return (exit status, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("evaluate", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_sample_safer_sleep_answers_print_the_outcome() -> None:
    status, out, err = run("--tool", "safer-sleep", "--answers", str(SAMPLES / "safer-sleep-high.json"))
    assert (status, err) == (0, "")
    result = json.loads(out)
    assert result["level"] == "high"
    assert result["flags"][0]["rule"] == "SS-SOFA"
    assert result["flags"][0]["because"] == {"sofa_sleeping": "once"}


def test_settings_json_chooses_the_pathway_model() -> None:
    status, out, _ = run(
        "--tool",
        "bruising",
        "--answers",
        str(SAMPLES / "bruising-non-mobile.json"),
        "--settings-json",
        '{"bruising.pathway_model": "initial_health_appraisal"}',
    )
    result = json.loads(out)
    assert status == 0
    assert result["settings"] == {"bruising.pathway_model": "initial_health_appraisal"}
    assert "same_day_medical_review" in result["actions"]


def test_empty_settings_json_means_the_default() -> None:
    status, out, _ = run(
        "--tool", "bruising", "--answers", str(SAMPLES / "bruising-non-mobile.json"), "--settings-json", ""
    )
    assert status == 0
    assert json.loads(out)["settings"] == {"bruising.pathway_model": "automatic_referral"}


def test_unknown_tool_exits_2_with_errors_on_stderr() -> None:
    status, out, err = run("--tool", "x", "--answers", str(SAMPLES / "safer-sleep-high.json"))
    assert (status, out) == (2, "")
    assert json.loads(err) == {"errors": [{"item": "tool", "problem": "unknown tool 'x'"}]}


def test_bad_answers_exit_2_with_every_error(tmp_path: Path) -> None:
    answers = json.loads((SAMPLES / "safer-sleep-high.json").read_text(encoding="utf-8"))
    answers.update(gestation_weeks=50, bed_share="yes")
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers), encoding="utf-8")
    status, out, err = run("--tool", "safer-sleep", "--answers", str(path))
    assert (status, out) == (2, "")
    assert json.loads(err) == {
        "errors": [
            {"item": "gestation_weeks", "problem": "must be a whole number from 22 to 44"},
            {"item": "bed_share", "problem": "unknown item"},
        ]
    }


@pytest.mark.parametrize(
    ("content", "item"),
    [(None, "answers"), ("{not json", "answers"), ("[1, 2]", "answers")],
    ids=["missing file", "invalid json", "not an object"],
)
def test_unreadable_or_invalid_answers_file_exits_2(tmp_path: Path, content: str | None, item: str) -> None:
    path = tmp_path / "answers.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    status, out, err = run("--tool", "dogs", "--answers", str(path))
    assert (status, out) == (2, "")
    assert [e["item"] for e in json.loads(err)["errors"]] == [item]


def test_bad_settings_json_exits_2(tmp_path: Path) -> None:
    status, out, err = run(
        "--tool",
        "bruising",
        "--answers",
        str(SAMPLES / "bruising-non-mobile.json"),
        "--settings-json",
        '{"bruising.pathway_model": "sometimes"}',
    )
    assert (status, out) == (2, "")
    assert json.loads(err)["errors"][0]["item"] == "bruising.pathway_model"


def test_command_line_exit_statuses_and_streams() -> None:
    """The real process: what `make evaluate` sees."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    good = subprocess.run(  # noqa: S603 - fixed arguments, our own manage.py
        [
            sys.executable,
            str(MANAGE),
            "evaluate",
            "--tool",
            "safer-sleep",
            "--answers",
            str(SAMPLES / "safer-sleep-high.json"),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["level"] == "high"
    bad = subprocess.run(  # noqa: S603
        [sys.executable, str(MANAGE), "evaluate", "--tool", "nope", "--answers", str(SAMPLES / "nope.json")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert (bad.returncode, bad.stdout) == (2, "")
    assert json.loads(bad.stderr)["errors"][0] == {"item": "tool", "problem": "unknown tool 'nope'"}
