"""Loading and validating tool specs: the bundled specs, the contract, and invalid specs."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from kbs.tools.spec import (
    ACTIONS,
    LEVELS,
    SpecError,
    UnknownTool,
    all_specs,
    get_spec,
    load_specs,
    validate_all_specs,
)

# The binding contract (shared/contracts/tools.md §4–§7): rule id -> (level, actions besides universal).
CONTRACT_RULES: dict[str, dict[str, tuple[str, set[str]]]] = {
    "safer-sleep": {
        "SS-SOFA": ("high", {"make_safe_sleep_plan", "discuss_safeguarding_lead_same_day"}),
        "SS-HAZARDOUS-BED-SHARING": ("high", {"make_safe_sleep_plan", "discuss_safeguarding_lead_same_day"}),
        "SS-PREMATURE-OR-SMALL": ("high", {"make_safe_sleep_plan", "discuss_safeguarding_lead_same_day"}),
        "SS-FRONT-OR-SIDE": (
            "high",
            {"tailored_advice", "make_safe_sleep_plan", "discuss_safeguarding_lead_same_day"},
        ),
        "SS-NO-SLEEP-SPACE": (
            "high",
            {"equipment_support", "make_safe_sleep_plan", "discuss_safeguarding_lead_same_day"},
        ),
        "SS-BED-SHARING": ("raised", {"tailored_advice", "make_safe_sleep_plan", "review_next_contact"}),
        "SS-PETS-CHILDREN-IN-BED": ("raised", {"tailored_advice", "review_next_contact"}),
        "SS-TIRED-BED-SHARING": ("raised", {"tailored_advice", "review_next_contact"}),
        "SS-SMOKING": ("raised", {"tailored_advice", "review_next_contact"}),
        "SS-BACK-SOMETIMES": ("raised", {"tailored_advice", "review_next_contact"}),
        "SS-UNSAFE-SPACE": ("raised", {"tailored_advice", "review_next_contact"}),
        "SS-CAR-SEAT": ("raised", {"tailored_advice", "review_next_contact"}),
        "SS-SEPARATE-ROOM": ("raised", {"tailored_advice", "review_next_contact"}),
        "SS-TEMPERATURE": ("raised", {"tailored_advice"}),
        "SS-OUT-OF-ROUTINE": ("raised", {"out_of_routine_plan", "review_next_contact"}),
    },
    "bruising": {
        "BR-EMERGENCY": (
            "emergency",
            {"emergency_medical_care_now", "refer_childrens_social_care_same_day", "record_explanation"},
        ),
        "BR-DOCUMENTED-BIRTHMARK": ("universal", {"record_only"}),
        "BR-BIRTHMARK-DOUBT": (
            "urgent",
            {"same_day_medical_review", "discuss_safeguarding_lead_same_day", "record_explanation"},
        ),
        "BR-TEN4-FACESP": (
            "high",
            {
                "discuss_safeguarding_lead_same_day",
                "consider_referral_childrens_social_care",
                "record_explanation",
            },
        ),
        "BR-EXPLANATION": (
            "high",
            {
                "discuss_safeguarding_lead_same_day",
                "consider_referral_childrens_social_care",
                "record_explanation",
            },
        ),
        "BR-MOBILE-ACCIDENTAL": ("universal", {"record_explanation"}),
    },
    "pre-birth-screening": {
        "PB-TRIGGER": ("high", {"refer_childrens_social_care", "discuss_safeguarding_lead_same_day"}),
        "PB-YOUNG-PARENT": ("raised", {"consider_early_help", "review_next_contact"}),
    },
    "dogs": {
        "DOG-PROHIBITED": (
            "high",
            {"report_to_police", "discuss_safeguarding_lead_same_day", "dog_safety_advice"},
        ),
        "DOG-RISK-WITH-CONCERNS": (
            "high",
            {
                "discuss_safeguarding_lead_same_day",
                "consider_referral_childrens_social_care",
                "dog_safety_advice",
            },
        ),
        "DOG-RISK": ("raised", {"tailored_advice", "dog_safety_advice", "review_next_contact"}),
        "DOG-PRESENT": ("universal", {"dog_safety_advice"}),
    },
}
NON_MOBILE_ACTIONS = {
    "automatic_referral": {
        "refer_childrens_social_care_same_day",
        "paediatric_assessment_same_day",
        "discuss_safeguarding_lead_same_day",
        "record_explanation",
    },
    "initial_health_appraisal": {
        "same_day_medical_review",
        "discuss_safeguarding_lead_same_day",
        "record_explanation",
    },
}

MINIMAL: dict[str, Any] = {
    "slug": "tiny",
    "title": "A tiny tool",
    "version": "1.0.0",
    "description": "Used only to test the loader.",
    "sections": [{"id": "only", "title": "Only", "items": ["smokes", "age"]}],
    "items": [
        {"id": "smokes", "text": "Does anyone smoke?", "type": "yes_no"},
        {"id": "age", "text": "Age in days", "type": "integer", "min": 0, "max": 730},
    ],
    "rules": [
        {
            "id": "T-SMOKING",
            "title": "Smoking",
            "when": {"item": "smokes", "equals": "yes"},
            "level": "raised",
            "actions": ["tailored_advice"],
            "advice": "Talk about smoking.",
            "message_for_parents": "Keep the baby smoke-free.",
            "source": {"title": "A source", "url": "https://example.org/source"},
        }
    ],
    "examples": [
        {
            "name": "smoker",
            "answers": {"smokes": "yes", "age": 10},
            "expect": {
                "level": "raised",
                "actions": ["give_universal_messages", "tailored_advice"],
                "fired": ["T-SMOKING"],
            },
        }
    ],
}


def write_spec(folder: Path, data: dict[str, Any], name: str = "tiny.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def load_broken(tmp_path: Path, change: Any) -> SpecError:
    data = copy.deepcopy(MINIMAL)
    change(data)
    write_spec(tmp_path, data)
    with pytest.raises(SpecError) as caught:
        load_specs(tmp_path)
    return caught.value


def test_bundled_specs_load_with_contract_slugs_and_versions() -> None:
    specs = load_specs()
    assert set(specs) == {"safer-sleep", "bruising", "pre-birth-screening", "dogs", "every-baby-matters", "safe-space"}
    assert all(spec.version == "1.0.0" for spec in specs.values())
    assert [spec.slug for spec in all_specs()] == sorted(specs)


def test_validate_all_specs_runs_every_example_cleanly() -> None:
    # Every Baby Matters and Safe space are not in the contract's rule tables (they use only its levels and actions).
    assert set(validate_all_specs()) == set(CONTRACT_RULES) | {"every-baby-matters", "safe-space"}


def test_get_spec_unknown_slug_raises_unknown_tool() -> None:
    with pytest.raises(UnknownTool, match="unknown tool 'nope'"):
        get_spec("nope")


@pytest.mark.parametrize("slug", sorted(CONTRACT_RULES))
def test_rules_match_the_contract(slug: str) -> None:
    spec = get_spec(slug)
    expected = dict(CONTRACT_RULES[slug])
    found = {}
    for rule in spec.rules:
        if rule.variant is not None:
            assert rule.id == "BR-NON-MOBILE"
            assert rule.level == "urgent"
            assert set(rule.actions) == NON_MOBILE_ACTIONS[rule.variant.code]
            continue
        found[rule.id] = (rule.level, set(rule.actions))
    assert found == expected


def test_bruising_pathway_setting_defaults_to_automatic_referral() -> None:
    (setting,) = get_spec("bruising").settings
    assert setting.name == "bruising.pathway_model"
    assert setting.code_values == ("automatic_referral", "initial_health_appraisal")
    assert setting.default == "automatic_referral"


@pytest.mark.parametrize("spec", all_specs(), ids=lambda s: s.slug)
def test_every_rule_has_a_firing_example_and_a_near_miss(spec: Any) -> None:
    for rule_id in spec.rule_ids:
        firing = [e for e in spec.examples if rule_id in e.fired]
        near_miss = [e for e in spec.examples if e.rule == rule_id and rule_id not in e.fired]
        assert firing, f"{rule_id} has no example where it fires"
        assert near_miss, f"{rule_id} has no near-miss example"


@pytest.mark.parametrize("spec", all_specs(), ids=lambda s: s.slug)
def test_every_rule_cites_a_source_and_has_prose(spec: Any) -> None:
    for rule in spec.rules:
        assert rule.source.url.startswith(("https://", "http://"))
        assert rule.source.title
        assert rule.advice
        assert rule.message_for_parents
        assert rule.level in LEVELS
        assert set(rule.actions) <= ACTIONS


def test_unquoted_yes_in_a_spec_is_the_code_not_a_boolean(tmp_path: Path) -> None:
    text = yaml.safe_dump(MINIMAL, sort_keys=False).replace("equals: 'yes'", "equals: yes")
    assert "equals: yes\n" in text
    (tmp_path / "tiny.yaml").write_text(text, encoding="utf-8")
    assert load_specs(tmp_path)["tiny"].rules[0].when.value == "yes"  # type: ignore[union-attr]


def test_unknown_item_in_a_condition_names_file_rule_and_item(tmp_path: Path) -> None:
    error = load_broken(tmp_path, lambda d: d["rules"][0].update(when={"item": "vapes", "equals": "yes"}))
    assert "tiny.yaml: rule T-SMOKING: condition refers to unknown item 'vapes'" in str(error)


def test_bad_level_is_refused(tmp_path: Path) -> None:
    error = load_broken(tmp_path, lambda d: d["rules"][0].update(level="severe"))
    assert "tiny.yaml: rule T-SMOKING: level 'severe' must be one of" in str(error)


def test_bad_action_is_refused(tmp_path: Path) -> None:
    error = load_broken(tmp_path, lambda d: d["rules"][0].update(actions=["phone_a_friend"]))
    assert "tiny.yaml: rule T-SMOKING: unknown action 'phone_a_friend'" in str(error)


def test_duplicate_item_id_is_refused(tmp_path: Path) -> None:
    error = load_broken(tmp_path, lambda d: d["items"].append(dict(d["items"][0])))
    assert "tiny.yaml: item smokes: duplicate item id" in str(error)


def test_duplicate_rule_id_is_refused(tmp_path: Path) -> None:
    error = load_broken(tmp_path, lambda d: d["rules"].append(dict(d["rules"][0])))
    assert "tiny.yaml: rule T-SMOKING: duplicate rule id" in str(error)


def test_bad_code_in_a_condition_is_refused(tmp_path: Path) -> None:
    error = load_broken(tmp_path, lambda d: d["rules"][0].update(when={"item": "smokes", "equals": "often"}))
    assert "tiny.yaml: rule T-SMOKING: 'often' is not a code of item 'smokes'" in str(error)


def test_operator_that_does_not_suit_the_item_is_refused(tmp_path: Path) -> None:
    error = load_broken(tmp_path, lambda d: d["rules"][0].update(when={"item": "smokes", "lt": 3}))
    assert "operator 'lt' cannot be used on yes_no item 'smokes'" in str(error)


def test_unless_fired_must_name_an_earlier_rule(tmp_path: Path) -> None:
    error = load_broken(tmp_path, lambda d: d["rules"][0].update(unless_fired=["T-LATER"]))
    assert "unless_fired refers to 'T-LATER'" in str(error)


def test_examples_must_use_real_items_and_expectations(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["examples"][0]["answers"]["vapes"] = "yes"
        d["examples"][0]["expect"].update(level="grave", fired=["T-NOTHING"])

    message = str(load_broken(tmp_path, change))
    assert "example 'smoker': answers unknown item 'vapes'" in message
    assert "expected level 'grave' is not a level" in message
    assert "refers to unknown rule 'T-NOTHING'" in message


def test_show_when_may_only_read_earlier_items(tmp_path: Path) -> None:
    error = load_broken(tmp_path, lambda d: d["items"][0].update(show_when={"item": "age", "lt": 30}))
    assert "item smokes: show_when: may refer only to items listed before this one" in str(error)


def test_variants_must_cover_every_code_of_their_setting(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["settings"] = [
            {
                "name": "tiny.model",
                "title": "Model",
                "default": "a",
                "codes": [{"code": "a", "label": "A"}, {"code": "b", "label": "B"}],
            }
        ]
        d["rules"][0]["variant"] = {"setting": "tiny.model", "code": "a"}

    assert "rule T-SMOKING: needs exactly one variant for each of a, b" in str(load_broken(tmp_path, change))


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["version"] = "1.0"
        d["rules"][0].update(level="severe", actions=["phone_a_friend"])

    error = load_broken(tmp_path, change)
    assert len(error.problems) == 3
    assert all("tiny.yaml" in problem for problem in error.problems)


def test_duplicate_yaml_key_is_refused(tmp_path: Path) -> None:
    path = write_spec(tmp_path, MINIMAL)
    path.write_text(path.read_text(encoding="utf-8") + "title: Again\n", encoding="utf-8")
    with pytest.raises(SpecError, match="duplicate key 'title'"):
        load_specs(tmp_path)


def test_problems_in_several_files_are_collected(tmp_path: Path) -> None:
    broken = copy.deepcopy(MINIMAL)
    broken["rules"][0]["level"] = "severe"
    write_spec(tmp_path, broken)
    other = copy.deepcopy(broken)
    other["slug"] = "other"
    write_spec(tmp_path, other, "other.yaml")
    message = str(pytest.raises(SpecError, load_specs, tmp_path).value)
    assert "tiny.yaml" in message
    assert "other.yaml" in message


def test_file_name_must_match_slug(tmp_path: Path) -> None:
    write_spec(tmp_path, MINIMAL, "wrong.yaml")
    with pytest.raises(SpecError, match="file name must be tiny.yaml"):
        load_specs(tmp_path)


def test_because_limits_the_reported_answers_and_must_name_read_items(tmp_path: Path) -> None:
    from kbs.tools.engine import evaluate

    data = copy.deepcopy(MINIMAL)
    data["rules"][0]["when"] = {"all": [{"item": "smokes", "equals": "yes"}, {"item": "age", "lt": 183}]}
    data["rules"][0]["because"] = ["smokes"]
    write_spec(tmp_path, data)
    spec = load_specs(tmp_path)["tiny"]
    assert dict(evaluate(spec, {"smokes": "yes", "age": 10}).flags[0].because) == {"smokes": "yes"}
    data["rules"][0]["because"] = ["weight"]
    write_spec(tmp_path, data)
    with pytest.raises(SpecError, match="because lists 'weight', which its condition does not read"):
        load_specs(tmp_path)


def test_validate_all_specs_refuses_an_example_that_disagrees(tmp_path: Path, monkeypatch: Any) -> None:
    import kbs.tools.spec as spec_module

    data = copy.deepcopy(MINIMAL)
    data["examples"][0]["expect"]["level"] = "high"
    write_spec(tmp_path, data)
    monkeypatch.setattr(spec_module, "SPEC_DIR", tmp_path)
    try:
        with pytest.raises(SpecError, match="example 'smoker': level is 'raised', expected 'high'"):
            validate_all_specs()
    finally:
        monkeypatch.undo()
        spec_module._registry.cache_clear()
    assert get_spec("safer-sleep").slug == "safer-sleep"
