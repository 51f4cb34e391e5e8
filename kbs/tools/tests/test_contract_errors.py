"""The contract's error kinds (§1), for pre-birth-screening (§6) and dogs (§7) in particular."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kbs.tools.engine import AnswersInvalid, evaluate
from kbs.tools.spec import get_spec

ROOT = Path(__file__).resolve().parents[3]

SAFE = {
    "pre-birth-screening": {
        "gestation_weeks": 12, "mother_age_years": 27, "concerns_about_self_care": "no",
        "previous_child_removed_or_died": "no", "sibling_on_protection_plan": "no",
        "person_posing_risk_in_household": "no", "parental_mental_illness": "no",
        "parental_learning_disability": "no", "parental_substance_misuse": "no", "domestic_abuse": "no",
        "concealed_or_late_booked_pregnancy": "no", "concern_ability_to_protect": "no",
    },
    "dogs": {
        "dog_in_home_or_visiting": "yes", "suspected_prohibited_type": "no", "bite_or_aggression_history": "no",
        "baby_left_alone_with_dog": "no", "dog_separated_when_baby_down": "yes", "other_family_concerns": "no",
    },
}

CASES = [
    # (tool, change to the safe answers, the item reported, words in the problem)
    ("pre-birth-screening", {"bed_sharing": "no"}, "bed_sharing", "unknown item"),
    ("pre-birth-screening", {"domestic_abuse": None}, "domestic_abuse", "is required"),
    ("pre-birth-screening", {"domestic_abuse": True}, "domestic_abuse", "must be"),
    ("pre-birth-screening", {"gestation_weeks": 43}, "gestation_weeks", "from 4 to 42"),
    ("pre-birth-screening", {"gestation_weeks": "twelve"}, "gestation_weeks", "whole number"),
    ("pre-birth-screening", {"mother_age_years": 9}, "mother_age_years", "from 10 to 60"),
    ("dogs", {"dog_breed": "collie"}, "dog_breed", "unknown item"),
    ("dogs", {"other_family_concerns": None}, "other_family_concerns", "is required"),
    ("dogs", {"baby_left_alone_with_dog": None}, "baby_left_alone_with_dog", "is required"),
    ("dogs", {"suspected_prohibited_type": "maybe"}, "suspected_prohibited_type", "must be one of"),
    ("dogs", {"dog_in_home_or_visiting": 1}, "dog_in_home_or_visiting", "must be"),
]


def answers_with(slug: str, change: dict[str, Any]) -> dict[str, Any]:
    answers = {**SAFE[slug], **change}
    return {k: v for k, v in answers.items() if v is not None}


def test_safe_answers_are_valid_and_low() -> None:
    assert evaluate(get_spec("pre-birth-screening"), SAFE["pre-birth-screening"]).level == "universal"
    assert evaluate(get_spec("dogs"), SAFE["dogs"]).level == "universal"


@pytest.mark.parametrize(("slug", "change", "item", "words"), CASES)
def test_contract_error_kind_is_reported(slug: str, change: dict[str, Any], item: str, words: str) -> None:
    with pytest.raises(AnswersInvalid) as caught:
        evaluate(get_spec(slug), answers_with(slug, change))
    problems = {e["item"]: e["problem"] for e in caught.value.errors}
    assert item in problems
    assert words in problems[item]


@pytest.mark.parametrize(("slug", "first", "second"), [
    ("pre-birth-screening", "gestation_weeks", "domestic_abuse"),
    ("dogs", "other_family_concerns", "suspected_prohibited_type"),
])
def test_every_problem_is_reported_at_once_and_never_universal(slug: str, first: str, second: str) -> None:
    answers = dict(SAFE[slug])
    del answers[first]
    answers[second] = "not-a-code"
    answers["extra_item"] = "yes"
    with pytest.raises(AnswersInvalid) as caught:
        evaluate(get_spec(slug), answers)
    assert {e["item"] for e in caught.value.errors} >= {first, second, "extra_item"}


@pytest.mark.parametrize("slug", ["pre-birth-screening", "dogs", "no-such-tool"])
def test_command_exits_2_with_errors_on_stderr_only(slug: str, tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"unknown": "yes"}))
    result = subprocess.run(
        [sys.executable, "manage.py", "evaluate", "--tool", slug, "--answers", str(answers)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert json.loads(result.stderr)["errors"]
