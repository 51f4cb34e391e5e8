"""Property tests for the engine, with Hypothesis.

Settings: every property runs ``max_examples=200`` generated cases with ``deadline=None`` (the first
evaluation loads the specs, and shared CI machines are noisy, so a per-case deadline would only
add flaky failures). Hypothesis shrinks any failure to a small, readable counterexample.

The properties:
- arbitrary answers never crash the engine: the result is an Outcome or AnswersInvalid;
- any valid answers evaluate, and the outcome is self-consistent;
- adding risk never lowers the level (monotonicity), from a safe baseline with any mix of risks;
- removing any required answer is always an error, never a (falsely reassuring) outcome.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbs.tools.engine import LEVEL_RANK, AnswersInvalid, evaluate, required_items
from kbs.tools.spec import Item, ToolSpec, all_specs, get_spec

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)
SLUGS = sorted(spec.slug for spec in all_specs())

BASELINES = {
    "safer-sleep": "all safe answers",
    "bruising": "walking toddler with a bruised shin that fits the story",
    "pre-birth-screening": "no concerns at booking",
    "dogs": "well-managed family dog",
    "every-baby-matters": "follow-up answers count only when their question is shown",
    "safe-space": "a safe home at 9 to 12 months",
}

# For each item, answers that are riskier than the baseline's (safe) answer. Each item moves at most
# once, from its safe answer to one of these, so "riskier" needs no order among the risky answers.
RISKIER: dict[str, dict[str, list[Any]]] = {
    "safer-sleep": {
        "gestation_weeks": [36, 30],
        "birth_weight_g": [2500, 1500],
        "has_own_sleep_space": ["no"],
        "night_sleep_place": ["adult_bed", "sofa_or_armchair", "car_seat"],
        "day_sleep_place": ["adult_bed", "sofa_or_armchair", "car_seat"],
        "same_room_as_carer": ["no"],
        "mattress_firm_flat": ["no"],
        "sleep_space_clear": ["no"],
        "sleep_position": ["back_sometimes", "front_or_side"],
        "room_temperature_c": [12, 24.5],
        "bed_sharing": ["occasionally_planned", "regularly_planned", "unplanned"],
        "sofa_sleeping": ["once", "more_than_once"],
        "pets_or_children_in_bed": ["yes"],
        "carer_smokes": ["yes"],
        "carer_alcohol": ["yes"],
        "carer_drugs_or_sedating_medication": ["yes"],
        "carer_extremely_tired": ["yes"],
        "routine_disruption_expected": ["yes"],
        "disruption_plan_agreed": ["no"],
    },
    "bruising": {
        "baby_age_days": [90, 182],
        "mobility": ["not_rolling", "rolling"],
        "immobile_due_to_disability": ["yes"],
        "mark_regions": [["shin", "ear"], ["back"], ["cheek"]],
        "patterned": ["yes"],
        "birthmark_doubt": ["yes"],
        "explanation_given": ["no"],
        "explanation_consistent": ["no", "unsure"],
        "other_injury_signs": [["swelling"], ["seizure", "vomiting"]],
    },
    "pre-birth-screening": {
        "mother_age_years": [18, 17, 15],
        "concerns_about_self_care": ["yes"],
        "concealed_or_late_booked_pregnancy": ["yes"],
        "previous_child_removed_or_died": ["yes"],
        "sibling_on_protection_plan": ["yes"],
        "person_posing_risk_in_household": ["yes"],
        "parental_mental_illness": ["yes"],
        "parental_learning_disability": ["yes"],
        "parental_substance_misuse": ["yes"],
        "domestic_abuse": ["yes"],
        "concern_ability_to_protect": ["yes"],
    },
    "dogs": {
        "suspected_prohibited_type": ["yes", "unsure"],
        "bite_or_aggression_history": ["yes"],
        "baby_left_alone_with_dog": ["yes"],
        "dog_separated_when_baby_down": ["no"],
        "other_family_concerns": ["yes"],
    },
    "every-baby-matters": {
        "parent_factors": [["care_leaver"], ["domestic_abuse", "substance_misuse"], ["previous_child_removed_or_died"]],
        "baby_factors": [["premature"], ["multiple_birth", "disability"]],
        "environment_factors": [["poverty"], ["dog_in_home", "isolation"]],
        "negative_intent_to_crying": ["yes"],
        "gestation_at_birth_weeks": [36, 30],
        "birth_weight_g": [2500, 1500],
        "carer_mental_health": ["past_only", "current_coping", "current_affecting_care"],
        "alcohol_use": ["within_guidelines", "above_guidelines"],
        "drug_use": [["sedating_medication"], ["illicit_drugs"]],
        "smoking_in_household": [["mother"], ["partner", "other_household_member"]],
        "domestic_abuse_disclosed": ["yes"],
        "upcoming_disruption": ["yes"],
        "dog_in_home": ["yes"],
        "adult_with_known_risk": ["yes"],
        "new_partner": ["yes"],
        **{f"{area}_judgement": ["some_support", "concern"]
           for area in ("bonding", "development", "health", "knowledge", "community", "people")},
    },
    "safe-space": {
        item: ["no"]
        for item in ("smoke_alarm_working", "hot_drinks_away", "nappy_sacks_safe", "button_batteries_secured",
                     "medicines_locked_away", "changing_on_floor", "bath_supervision", "stair_gates_fitted",
                     "window_restrictors", "blind_cords_tied", "high_chair_straps", "dog_plan")
    },
}


def baseline(spec: ToolSpec) -> dict[str, Any]:
    (example,) = [e for e in spec.examples if e.name == BASELINES[spec.slug]]
    return dict(example.answers)


def settings_for(spec: ToolSpec) -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries({}, optional={s.name: st.sampled_from(s.code_values) for s in spec.settings})


def valid_value(item: Item) -> st.SearchStrategy[Any]:
    if item.type in {"yes_no", "choice"}:
        return st.sampled_from(item.code_values)
    if item.type == "multi_choice":
        others = [c for c in item.code_values if c != item.exclusive]
        some = st.lists(st.sampled_from(others), min_size=1, unique=True)
        return some | st.just([item.exclusive]) if item.exclusive else some
    if item.type == "integer":
        return st.integers(min_value=item.min, max_value=item.max)  # type: ignore[arg-type]
    if item.type == "number":
        return st.integers(min_value=item.min, max_value=item.max) | st.floats(  # type: ignore[arg-type]
            min_value=item.min, max_value=item.max, allow_nan=False
        )
    if item.type == "date":
        return st.dates().map(dt.date.isoformat)
    return st.text(min_size=1).filter(str.strip)


def valid_answers(spec: ToolSpec) -> st.SearchStrategy[dict[str, Any]]:
    """Answers that satisfy the spec; hidden and conditionally required items are always given."""
    always = {i.id: valid_value(i) for i in spec.items if i.required or i.required_when or i.show_when}
    maybe = {i.id: valid_value(i) for i in spec.items if i.id not in always}
    return st.fixed_dictionaries(always, optional=maybe)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


def arbitrary_answers(spec: ToolSpec) -> st.SearchStrategy[dict[str, Any]]:
    codes = [code for item in spec.items for code in item.code_values] + ["yes", "no", "none"]
    value = JSON_VALUES | st.sampled_from(codes) | st.lists(st.sampled_from(codes), max_size=4) | st.integers(-5, 8000)
    keys = st.sampled_from([item.id for item in spec.items]) | st.text(max_size=10)
    return st.dictionaries(keys, value, max_size=len(spec.items) + 3)


@pytest.mark.parametrize("slug", SLUGS)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_engine_never_crashes_on_arbitrary_answers(slug: str, data: st.DataObject) -> None:
    spec = get_spec(slug)
    answers = data.draw(arbitrary_answers(spec) | valid_answers(spec))
    chosen = data.draw(st.none() | settings_for(spec) | st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=2))
    errors: list[dict[str, str]] = []
    try:
        outcome = evaluate(spec, answers, chosen)
    except AnswersInvalid as invalid:
        errors = invalid.errors
    else:
        json.dumps(outcome.to_dict())
        return
    assert errors
    assert all(set(e) == {"item", "problem"} for e in errors)
    assert all(isinstance(v, str) for e in errors for v in e.values())


@pytest.mark.parametrize("slug", SLUGS)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_valid_answers_always_evaluate_consistently(slug: str, data: st.DataObject) -> None:
    spec = get_spec(slug)
    answers = data.draw(valid_answers(spec))
    outcome = evaluate(spec, answers, data.draw(settings_for(spec)))
    assert LEVEL_RANK[outcome.level] == max([0, *(LEVEL_RANK[f.level] for f in outcome.flags)])
    assert "give_universal_messages" in outcome.actions
    assert set(outcome.actions) == {"give_universal_messages", *(a for f in outcome.flags for a in f.actions)}
    for flag in outcome.flags:
        assert all(answers[item_id] == value for item_id, value in flag.because.items())
    json.dumps(outcome.to_dict())


@st.composite
def risky_variant(draw: st.DrawFn, slug: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """(answers with some risks added, the same plus one more risk, settings)."""
    spec = get_spec(slug)
    risks = RISKIER[slug]
    moved = draw(st.lists(st.sampled_from(sorted(risks)), unique=True, max_size=len(risks) - 1))
    before = baseline(spec)
    for item_id in moved:
        before[item_id] = draw(st.sampled_from(risks[item_id]))
    extra = draw(st.sampled_from(sorted(set(risks) - set(moved))))
    after = {**before, extra: draw(st.sampled_from(risks[extra]))}
    return before, after, draw(settings_for(spec))


@pytest.mark.parametrize("slug", SLUGS)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_adding_a_risk_never_lowers_the_level(slug: str, data: st.DataObject) -> None:
    spec = get_spec(slug)
    before, after, chosen = data.draw(risky_variant(slug))
    level_before = evaluate(spec, before, chosen).level
    level_after = evaluate(spec, after, chosen).level
    assert LEVEL_RANK[level_after] >= LEVEL_RANK[level_before], (before, after)


@pytest.mark.parametrize("slug", SLUGS)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_removing_a_required_answer_is_always_an_error(slug: str, data: st.DataObject) -> None:
    spec = get_spec(slug)
    answers = data.draw(valid_answers(spec) | risky_variant(slug).map(lambda v: v[1]))
    removed = data.draw(st.sampled_from(required_items(spec, answers)))
    del answers[removed]
    with pytest.raises(AnswersInvalid) as caught:
        evaluate(spec, answers)
    assert {"item": removed, "problem": "is required"} in caught.value.errors


@pytest.mark.parametrize("slug", SLUGS)
def test_items_required_by_the_spec_are_required_by_the_engine(slug: str) -> None:
    spec = get_spec(slug)
    unconditional = [i.id for i in spec.items if i.required and not i.required_when and not i.show_when]
    assert set(unconditional) <= set(required_items(spec, baseline(spec)))
