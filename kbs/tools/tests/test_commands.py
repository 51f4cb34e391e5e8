"""The rescore and export_fhir_questionnaire management commands.

(The evaluate command has its own tests in test_evaluate_command.py.)
"""

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from fhir.resources.R4B.questionnaire import Questionnaire

from kbs.accounts.models import User
from kbs.families.models import Family
from kbs.tools.models import Assessment
from kbs.tools.spec import SPEC_DIR, all_specs, get_spec
from kbs.tools.tests.test_actions import completed, draft, sample

REFUSAL = "rescore only reports: past outcomes never change; run it with --dry-run"


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _snapshot() -> list[tuple[Any, ...]]:
    return list(Assessment.objects.order_by("pk").values_list(
        "pk", "status", "tool_version", "level", "outcome", "answers", "settings_applied", "updated_at", "version"))


@pytest.fixture
def assessments(family: Family, cast: dict[str, User]) -> dict[str, Assessment]:
    """Completed safer sleep assessments: sofa (high), a smoker (raised), sofa and a smoker (high);
    a completed bruising assessment and a safer sleep draft, which rescore must leave out."""
    hv = cast["health_visitor"]
    smoker = {**sample("safer-sleep-high"), "sofa_sleeping": "never", "carer_smokes": "yes"}
    return {
        "sofa": completed(hv, family),
        "smoker": completed(hv, family, answers=smoker),
        "both": completed(hv, family, answers={**sample("safer-sleep-high"), "carer_smokes": "yes"}),
        "bruising": completed(hv, family, "bruising"),
        "draft": draft(hv, family, "safer-sleep", {"carer_smokes": "yes"}),
    }


def _new_spec_dir(tmp_path: Path, *, smoking_level: str = "high", weight_max: int = 6500) -> Path:
    """A copy of safer-sleep.yaml as version 1.1.0 with SS-SMOKING at `smoking_level`. The examples are
    dropped: they describe version 1.0.0, and load_specs only parses them (running them is start-up's job)."""
    text = (SPEC_DIR / "safer-sleep.yaml").read_text()
    assert 'version: "1.0.0"' in text
    text = text.replace('version: "1.0.0"', 'version: "1.1.0"', 1)
    head, smoking = text.split("  - id: SS-SMOKING\n", 1)
    assert smoking.index("level: raised") < smoking.index("  - id:")  # the level is SS-SMOKING's own
    text = head + "  - id: SS-SMOKING\n" + smoking.replace("level: raised", f"level: {smoking_level}", 1)
    text = text.replace("max: 6500", f"max: {weight_max}", 1)
    text = text[: text.index("\nexamples:")] + "\n"
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "safer-sleep.yaml").write_text(text)
    return folder


# --- rescore -------------------------------------------------------------------------------------


def test_rescore_against_the_bundled_spec_changes_nothing(assessments: dict[str, Assessment]) -> None:
    before = _snapshot()
    output = _run("rescore", "--tool", "safer-sleep", "--dry-run")
    assert "3 assessments: 3 unchanged, 0 changed, 0 with answers now invalid" in output
    assert "version 1.0.0" in output
    assert str(assessments["draft"].public_id) not in output
    assert _snapshot() == before


def test_rescore_bruising_counts_only_bruising(assessments: dict[str, Assessment]) -> None:
    output = _run("rescore", "--tool", "bruising", "--dry-run")
    assert "1 assessments: 1 unchanged, 0 changed" in output


def test_rescore_with_a_new_spec_reports_the_changes_and_changes_nothing(
    assessments: dict[str, Assessment], tmp_path: Path,
) -> None:
    before = _snapshot()
    output = _run("rescore", "--tool", "safer-sleep", "--spec-dir", str(_new_spec_dir(tmp_path)), "--dry-run")
    assert "against version 1.1.0" in output
    assert "3 assessments: 2 unchanged, 1 changed, 0 with answers now invalid" in output
    [row] = [line for line in output.splitlines() if str(assessments["smoker"].public_id) in line]
    assert "1.0.0 → 1.1.0" in row
    assert "raised → high" in row
    assert str(assessments["sofa"].public_id) not in output
    # SS-SMOKING is now high too, but the overall level, the rules and the actions are the same.
    assert str(assessments["both"].public_id) not in output
    assert _snapshot() == before
    assert Assessment.objects.get(pk=assessments["smoker"].pk).level == "raised"


def test_rescore_lists_rules_added_and_removed(family: Family, cast: dict[str, User], tmp_path: Path) -> None:
    hv = cast["health_visitor"]
    hot = completed(hv, family, answers={**sample("safer-sleep-high"), "sofa_sleeping": "never", "room_temperature_c": 24})
    folder = _new_spec_dir(tmp_path)
    spec_file = folder / "safer-sleep.yaml"
    # The new version stops flagging the room temperature and flags a tired carer on their own.
    text = spec_file.read_text().replace("- id: SS-TEMPERATURE", "- id: SS-ROOM-TEMPERATURE", 1)
    spec_file.write_text(text)
    output = _run("rescore", "--tool", "safer-sleep", "--spec-dir", str(folder), "--dry-run")
    [row] = [line for line in output.splitlines() if str(hot.public_id) in line]
    assert "raised → raised" in row
    assert "SS-ROOM-TEMPERATURE" in row
    assert "SS-TEMPERATURE" in row.replace("SS-ROOM-TEMPERATURE", "")
    assert row.index("SS-ROOM-TEMPERATURE") < row.rindex("SS-TEMPERATURE")  # added, then removed
    assert "rules added" in output
    assert "rules removed" in output


def test_rescore_lists_answers_now_invalid(assessments: dict[str, Assessment], tmp_path: Path) -> None:
    before = _snapshot()
    # Every sample baby weighs 3300 g: a spec that only accepts up to 3000 g cannot score them.
    folder = _new_spec_dir(tmp_path, smoking_level="raised", weight_max=3000)
    output = _run("rescore", "--tool", "safer-sleep", "--spec-dir", str(folder), "--dry-run")
    assert "3 assessments: 0 unchanged, 0 changed, 3 with answers now invalid" in output
    for name in ("sofa", "smoker", "both"):
        public_id = str(assessments[name].public_id)
        assert f"{public_id}: answers now invalid: birth_weight_g:" in output
        [row] = [line for line in output.splitlines() if line.startswith(public_id) and "→" in line]
        assert "→ invalid" in row
    assert _snapshot() == before


def test_rescore_with_no_completed_assessments(db: Any) -> None:
    assert "0 assessments: 0 unchanged, 0 changed" in _run("rescore", "--tool", "dogs", "--dry-run")


def test_rescore_without_dry_run_refuses(assessments: dict[str, Assessment]) -> None:
    before = _snapshot()
    with pytest.raises(CommandError, match="^" + REFUSAL + "$"):
        call_command("rescore", "--tool", "safer-sleep", stdout=StringIO())
    assert _snapshot() == before


def test_rescore_unknown_tool_refuses(db: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="unknown tool 'sleepy'"):
        call_command("rescore", "--tool", "sleepy", "--dry-run", stdout=StringIO())
    with pytest.raises(CommandError, match="unknown tool 'bruising'"):  # not in the folder tried
        call_command("rescore", "--tool", "bruising", "--spec-dir", str(_new_spec_dir(tmp_path)), "--dry-run",
                     stdout=StringIO())


def test_rescore_invalid_spec_dir_refuses(db: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no tool specs"):
        call_command("rescore", "--tool", "safer-sleep", "--spec-dir", str(tmp_path), "--dry-run", stdout=StringIO())
    (tmp_path / "safer-sleep.yaml").write_text("slug: safer-sleep\nversion: 2\n")
    with pytest.raises(CommandError, match="Invalid tool spec"):
        call_command("rescore", "--tool", "safer-sleep", "--spec-dir", str(tmp_path), "--dry-run", stdout=StringIO())


# --- export_fhir_questionnaire -------------------------------------------------------------------


@pytest.mark.parametrize("slug", [spec.slug for spec in all_specs()])
def test_export_fhir_questionnaire_is_a_valid_r4b_questionnaire(slug: str) -> None:
    output = _run("export_fhir_questionnaire", slug)
    assert output.startswith('{\n  "resourceType": "Questionnaire"')  # indent 2
    resource = json.loads(output)
    Questionnaire.model_validate(resource)
    spec = get_spec(slug)
    assert [item["linkId"] for item in resource["item"]] == [item.id for item in spec.items]
    assert resource["version"] == spec.version


def test_export_fhir_questionnaire_unknown_slug_refuses() -> None:
    with pytest.raises(CommandError, match="unknown tool 'sleepy'"):
        call_command("export_fhir_questionnaire", "sleepy", stdout=StringIO())
