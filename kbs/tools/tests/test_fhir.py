"""FHIR R4 Questionnaire and QuestionnaireResponse, checked against the fhir.resources R4B models."""

from __future__ import annotations

import datetime as dt

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from kbs.tools.engine import AnswersInvalid
from kbs.tools.fhir import questionnaire_for, questionnaire_response_for
from kbs.tools.spec import ToolSpec, all_specs, get_spec

AUTHORED = dt.datetime(2025, 3, 4, 10, 30, tzinfo=dt.UTC)


def items_by_link(resource: dict[str, object]) -> dict[str, dict[str, object]]:
    return {item["linkId"]: item for item in resource["item"]}  # type: ignore[attr-defined,index]


@pytest.mark.parametrize("spec", all_specs(), ids=lambda s: s.slug)
def test_questionnaire_is_valid_r4_with_one_question_per_item(spec: ToolSpec) -> None:
    resource = questionnaire_for(spec)
    Questionnaire.model_validate(resource)
    assert resource["url"] == f"https://kbs.example.nhs.uk/fhir/Questionnaire/{spec.slug}"
    assert (resource["version"], resource["status"]) == ("1.0.0", "active")
    assert list(items_by_link(resource)) == [item.id for item in spec.items]


def test_questionnaire_types_options_and_repeats() -> None:
    items = items_by_link(questionnaire_for(get_spec("bruising")))
    assert items["baby_age_days"]["type"] == "integer"
    assert items["patterned"]["type"] == "boolean"
    assert items["mark_regions"]["type"] == "choice"
    assert items["mark_regions"]["repeats"] is True
    option = items["mobility"]["answerOption"][0]  # type: ignore[index]
    assert option == {
        "valueCoding": {
            "system": "https://kbs.example.nhs.uk/fhir/CodeSystem/bruising",
            "code": "not_rolling",
            "display": "Not rolling yet",
        }
    }
    safer = items_by_link(questionnaire_for(get_spec("safer-sleep")))
    assert safer["room_temperature_c"]["type"] == "decimal"
    assert safer["room_temperature_c"]["required"] is False
    assert safer["disruption_plan_agreed"]["required"] is False


def test_show_when_becomes_enable_when() -> None:
    dogs = items_by_link(questionnaire_for(get_spec("dogs")))
    assert dogs["baby_left_alone_with_dog"]["enableWhen"] == [
        {"question": "dog_in_home_or_visiting", "operator": "=", "answerBoolean": True}
    ]
    assert "enableWhen" not in dogs["other_family_concerns"]


def test_questionnaire_response_is_valid_and_leaves_out_hidden_items() -> None:
    spec = get_spec("dogs")
    answers = {
        "dog_in_home_or_visiting": "no",
        "other_family_concerns": "no",
        "baby_left_alone_with_dog": "yes",
    }
    resource = questionnaire_response_for(spec, answers, authored=AUTHORED, subject_reference="Patient/123")
    QuestionnaireResponse.model_validate(resource)
    assert resource["questionnaire"] == "https://kbs.example.nhs.uk/fhir/Questionnaire/dogs|1.0.0"
    assert resource["subject"] == {"reference": "Patient/123"}
    assert list(items_by_link(resource)) == ["dog_in_home_or_visiting", "other_family_concerns"]


@pytest.mark.parametrize("spec", all_specs(), ids=lambda s: s.slug)
def test_every_example_becomes_a_valid_response(spec: ToolSpec) -> None:
    for example in spec.examples:
        QuestionnaireResponse.model_validate(questionnaire_response_for(spec, example.answers, authored=AUTHORED))


def test_response_answers_use_fhir_value_types() -> None:
    spec = get_spec("bruising")
    answers = dict(spec.examples[0].answers, mark_regions=["shin", "foot"])
    items = items_by_link(questionnaire_response_for(spec, answers, authored=AUTHORED))
    assert items["baby_age_days"]["answer"] == [{"valueInteger": 420}]
    assert items["patterned"]["answer"] == [{"valueBoolean": False}]
    assert [a["valueCoding"]["code"] for a in items["mark_regions"]["answer"]] == ["shin", "foot"]  # type: ignore[attr-defined,index]
    assert "subject" not in questionnaire_response_for(spec, answers, authored=AUTHORED)


def test_response_refuses_invalid_answers_and_naive_times() -> None:
    spec = get_spec("dogs")
    with pytest.raises(AnswersInvalid):
        questionnaire_response_for(spec, {"dog_in_home_or_visiting": "maybe"}, authored=AUTHORED)
    with pytest.raises(ValueError, match="timezone-aware"):
        questionnaire_response_for(spec, spec.examples[0].answers, authored=dt.datetime(2025, 3, 4, 10, 30))
