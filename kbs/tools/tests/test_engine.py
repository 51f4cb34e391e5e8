"""The engine: the contract's error kinds, `because`, hidden items, settings and the output shape."""

from __future__ import annotations

from typing import Any

import pytest

from kbs.tools.engine import (
    LEVEL_RANK,
    AnswersInvalid,
    evaluate,
    evaluate_partial,
    required_items,
    visible_answers,
)
from kbs.tools.spec import LEVELS, get_spec

BASELINES = {
    "safer-sleep": "all safe answers",
    "bruising": "walking toddler with a bruised shin that fits the story",
    "pre-birth-screening": "no concerns at booking",
    "dogs": "well-managed family dog",
}


def safe(slug: str, **changes: Any) -> dict[str, Any]:
    """The spec's baseline example (nothing of concern) with some answers changed."""
    (example,) = [e for e in get_spec(slug).examples if e.name == BASELINES[slug]]
    answers = dict(example.answers)
    answers.update(changes)
    return answers


def errors_for(slug: str, answers: dict[str, Any], settings: dict[str, Any] | None = None) -> list[dict[str, str]]:
    with pytest.raises(AnswersInvalid) as caught:
        evaluate(get_spec(slug), answers, settings)
    return caught.value.errors


def test_levels_are_ordered_lowest_first() -> None:
    assert LEVELS == ("universal", "raised", "high", "urgent", "emergency")
    assert [LEVEL_RANK[level] for level in LEVELS] == [0, 1, 2, 3, 4]


def test_all_safe_answers_give_universal_with_only_the_universal_action() -> None:
    outcome = evaluate(get_spec("safer-sleep"), safe("safer-sleep"))
    assert outcome.to_dict() == {
        "tool": "safer-sleep",
        "version": "1.0.0",
        "level": "universal",
        "actions": ["give_universal_messages"],
        "flags": [],
    }


def test_unknown_item_is_reported() -> None:
    errors = errors_for("safer-sleep", safe("safer-sleep", bed_share="yes"))
    assert errors == [{"item": "bed_share", "problem": "unknown item"}]


def test_missing_required_item_is_an_error_never_universal() -> None:
    answers = safe("safer-sleep")
    del answers["carer_smokes"]
    assert errors_for("safer-sleep", answers) == [{"item": "carer_smokes", "problem": "is required"}]


def test_empty_answers_report_every_required_item() -> None:
    errors = errors_for("pre-birth-screening", {})
    assert [e["item"] for e in errors] == [item.id for item in get_spec("pre-birth-screening").items]
    assert {e["problem"] for e in errors} == {"is required"}


def test_optional_item_may_be_left_out_or_null() -> None:
    answers = safe("safer-sleep", room_temperature_c=None, alcohol_units=None)
    assert evaluate(get_spec("safer-sleep"), answers).level == "universal"


@pytest.mark.parametrize(
    ("item", "value", "problem"),
    [
        ("carer_smokes", True, 'must be "yes" or "no"'),
        ("carer_smokes", "Yes", 'must be "yes" or "no"'),
        ("gestation_weeks", 37.5, "must be a whole number from 22 to 44"),
        ("gestation_weeks", True, "must be a whole number from 22 to 44"),
        ("gestation_weeks", "37", "must be a whole number from 22 to 44"),
        ("gestation_weeks", 50, "must be a whole number from 22 to 44"),
        ("gestation_weeks", 21, "must be a whole number from 22 to 44"),
        ("room_temperature_c", 41, "must be a number from 5 to 40"),
        ("room_temperature_c", float("nan"), "must be a number from 5 to 40"),
        (
            "night_sleep_place",
            "hammock",
            "must be one of: cot, crib, moses_basket, travel_cot, "
            "pram_carrycot, adult_bed, sofa_or_armchair, car_seat, other",
        ),
    ],
)
def test_wrong_type_or_out_of_range_is_reported(item: str, value: object, problem: str) -> None:
    assert errors_for("safer-sleep", safe("safer-sleep", **{item: value})) == [{"item": item, "problem": problem}]


def test_whole_number_given_as_a_float_without_fraction_is_accepted() -> None:
    values = visible_answers(get_spec("safer-sleep"), safe("safer-sleep", gestation_weeks=37.0))
    assert values["gestation_weeks"] == 37
    assert isinstance(values["gestation_weeks"], int)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (
            "swelling",
            "must be a list of codes from: none, torn_frenulum, eye_bleed, swelling, not_moving_limb, "
            "irritable_or_drowsy, vomiting, breathing_difficulty, seizure",
        ),
        (
            ["sneezing"],
            "must be a list of codes from: none, torn_frenulum, eye_bleed, swelling, not_moving_limb, "
            "irritable_or_drowsy, vomiting, breathing_difficulty, seizure",
        ),
        ([], "choose at least one answer"),
        (["none", "swelling"], '"none" cannot be combined with other answers'),
        (["swelling", "swelling"], "lists the same answer twice"),
    ],
)
def test_multi_choice_problems(value: object, problem: str) -> None:
    errors = errors_for("bruising", safe("bruising", other_injury_signs=value))
    assert errors == [{"item": "other_injury_signs", "problem": problem}]


def test_every_problem_is_reported_at_once() -> None:
    answers = safe("safer-sleep", gestation_weeks=50, carer_smokes=True, bed_share="yes")
    del answers["sofa_sleeping"]
    assert errors_for("safer-sleep", answers) == [
        {"item": "gestation_weeks", "problem": "must be a whole number from 22 to 44"},
        {"item": "sofa_sleeping", "problem": "is required"},
        {"item": "carer_smokes", "problem": 'must be "yes" or "no"'},
        {"item": "bed_share", "problem": "unknown item"},
    ]


def test_answers_that_are_not_an_object_are_reported() -> None:
    errors = errors_for("dogs", ["yes"])  # type: ignore[arg-type]
    assert errors[0] == {"item": "answers", "problem": "must be an object of item id to answer"}


def test_required_when_applies_only_when_its_condition_holds() -> None:
    spec = get_spec("safer-sleep")
    answers = safe("safer-sleep", routine_disruption_expected="yes")
    del answers["disruption_plan_agreed"]
    assert errors_for("safer-sleep", answers) == [{"item": "disruption_plan_agreed", "problem": "is required"}]
    assert "disruption_plan_agreed" in required_items(spec, answers)
    answers["routine_disruption_expected"] = "no"
    assert evaluate(spec, answers).level == "universal"
    assert "disruption_plan_agreed" not in required_items(spec, answers)


def test_dog_items_are_ignored_when_no_dog_and_required_when_there_is_one() -> None:
    spec = get_spec("dogs")
    no_dog = {
        "dog_in_home_or_visiting": "no",
        "other_family_concerns": "yes",
        "suspected_prohibited_type": "not a code",
        "baby_left_alone_with_dog": "yes",
    }
    outcome = evaluate(spec, no_dog)
    assert (outcome.level, outcome.fired) == ("universal", [])
    assert visible_answers(spec, no_dog) == {"dog_in_home_or_visiting": "no", "other_family_concerns": "yes"}
    errors = errors_for("dogs", {"dog_in_home_or_visiting": "yes", "other_family_concerns": "no"})
    assert [e["item"] for e in errors] == [
        "suspected_prohibited_type",
        "bite_or_aggression_history",
        "baby_left_alone_with_dog",
        "dog_separated_when_baby_down",
    ]


def test_hidden_explanation_check_is_ignored_when_no_explanation_given() -> None:
    answers = safe("bruising", explanation_given="no", explanation_consistent="yes")
    (flag,) = evaluate(get_spec("bruising"), answers).flags
    assert flag.rule == "BR-EXPLANATION"
    assert "explanation_consistent" not in flag.because


def test_because_holds_exactly_the_answers_that_made_the_rule_fire() -> None:
    spec = get_spec("safer-sleep")
    outcome = evaluate(spec, safe("safer-sleep", sofa_sleeping="once"))
    assert [(f.rule, dict(f.because)) for f in outcome.flags] == [("SS-SOFA", {"sofa_sleeping": "once"})]
    outcome = evaluate(
        spec,
        safe(
            "safer-sleep",
            bed_sharing="regularly_planned",
            night_sleep_place="adult_bed",
            carer_alcohol="yes",
            gestation_weeks=36,
        ),
    )
    flags = {f.rule: dict(f.because) for f in outcome.flags}
    assert flags["SS-HAZARDOUS-BED-SHARING"] == {
        "night_sleep_place": "adult_bed",
        "bed_sharing": "regularly_planned",
        "carer_alcohol": "yes",
    }
    assert flags["SS-PREMATURE-OR-SMALL"] == {
        "gestation_weeks": 36,
        "night_sleep_place": "adult_bed",
        "bed_sharing": "regularly_planned",
    }


def test_because_of_a_negated_fact_lists_the_answers_it_read() -> None:
    outcome = evaluate(get_spec("bruising"), safe("bruising"))
    assert dict(outcome.flags[0].because) == {
        "baby_age_days": 420,
        "mobility": "walking",
        "immobile_due_to_disability": "no",
    }


def test_because_of_a_multi_choice_reports_the_list() -> None:
    outcome = evaluate(get_spec("bruising"), safe("bruising", other_injury_signs=["vomiting", "seizure"]))
    assert outcome.flags[0].to_dict()["because"] == {"other_injury_signs": ["vomiting", "seizure"]}


def test_settings_default_is_applied_and_reported() -> None:
    outcome = evaluate(get_spec("bruising"), get_spec("bruising").examples[1].answers)
    assert outcome.to_dict()["settings"] == {"bruising.pathway_model": "automatic_referral"}
    assert "settings" not in evaluate(get_spec("dogs"), safe("dogs")).to_dict()


def test_pathway_model_setting_changes_the_non_mobile_actions() -> None:
    spec, answers = get_spec("bruising"), get_spec("bruising").examples[1].answers
    outcome = evaluate(spec, answers, {"bruising.pathway_model": "initial_health_appraisal"})
    assert (outcome.level, outcome.fired) == ("urgent", ["BR-NON-MOBILE"])
    assert "same_day_medical_review" in outcome.actions
    assert "refer_childrens_social_care_same_day" not in outcome.actions
    assert outcome.settings_applied == {"bruising.pathway_model": "initial_health_appraisal"}


def test_unknown_setting_name_or_code_is_reported() -> None:
    errors = errors_for("bruising", safe("bruising"), {"bruising.model": "x", "bruising.pathway_model": "never"})
    assert errors == [
        {"item": "bruising.model", "problem": "unknown setting"},
        {
            "item": "bruising.pathway_model",
            "problem": "must be one of: automatic_referral, initial_health_appraisal",
        },
    ]
    assert errors_for("dogs", safe("dogs"), {"bruising.pathway_model": "automatic_referral"}) == [
        {"item": "bruising.pathway_model", "problem": "unknown setting"}
    ]


def test_outcome_to_dict_has_exactly_the_contract_keys() -> None:
    result = evaluate(get_spec("dogs"), safe("dogs", suspected_prohibited_type="yes")).to_dict()
    assert list(result) == ["tool", "version", "level", "actions", "flags"]
    assert list(result["flags"][0]) == ["rule", "level", "because", "advice", "source"]  # type: ignore[index]
    assert list(result["flags"][0]["source"]) == ["title", "url"]  # type: ignore[index]
    assert result["actions"] == sorted(result["actions"])  # type: ignore[type-var]


def test_evaluation_is_deterministic() -> None:
    spec, answers = get_spec("safer-sleep"), get_spec("safer-sleep").examples[-1].answers
    assert evaluate(spec, answers) == evaluate(spec, answers)


def test_evaluate_partial_lists_problems_without_raising() -> None:
    spec = get_spec("pre-birth-screening")
    draft = {"mother_age_years": 9, "domestic_abuse": "yes"}
    problems = evaluate_partial(spec, draft)
    assert {"item": "mother_age_years", "problem": "must be a whole number from 10 to 60"} in problems
    assert {"item": "gestation_weeks", "problem": "is required"} in problems
    assert evaluate_partial(spec, draft, include_missing=False) == [
        {"item": "mother_age_years", "problem": "must be a whole number from 10 to 60"}
    ]
    assert evaluate_partial(spec, safe("pre-birth-screening")) == []
