"""The three-box date field and the bridge from bound fields to the NHS.UK macros."""

from datetime import date

import pytest
from django import forms

from kbs.core.forms import DateField, error_summary_items, field_kind, field_params, yes_no_field


class BirthForm(forms.Form):
    date_of_birth = DateField(label="Date of birth")
    born_early = yes_no_field("Was the baby born early?")


def _errors(day: str, month: str, year: str) -> list[str]:
    form = BirthForm({"date_of_birth-day": day, "date_of_birth-month": month, "date_of_birth-year": year,
                      "born_early": "no"})
    assert not form.is_valid()
    return form.errors["date_of_birth"]


def test_date_field_valid_with_three_numbers() -> None:
    form = BirthForm({"date_of_birth-day": "5", "date_of_birth-month": "03", "date_of_birth-year": "2026",
                      "born_early": "yes"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"date_of_birth": date(2026, 3, 5), "born_early": True}


def test_date_field_required_when_all_boxes_empty() -> None:
    assert _errors("", "", "") == ["Enter the date of birth"]


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("", "3", "2026", "The date of birth must include a day"),
        ("5", "", "2026", "The date of birth must include a month"),
        ("5", "3", "", "The date of birth must include a year"),
        ("", "3", "", "The date of birth must include a day and year"),
    ],
)
def test_date_field_invalid_with_missing_parts(day: str, month: str, year: str, message: str) -> None:
    assert _errors(day, month, year) == [message]


@pytest.mark.parametrize(("day", "month", "year"), [("five", "3", "2026"), ("5", "March", "2026"), ("5", "3", "20x6"), ("-5", "3", "2026")])
def test_date_field_invalid_when_not_numeric(day: str, month: str, year: str) -> None:
    assert _errors(day, month, year) == ["The date of birth must be a real date, in numbers"]


@pytest.mark.parametrize("year", ["26", "026", "20266"])
def test_date_field_invalid_without_four_digit_year(year: str) -> None:
    assert _errors("5", "3", year) == ["The year of the date of birth must have 4 numbers"]


@pytest.mark.parametrize(("day", "month", "year"), [("31", "2", "2026"), ("29", "2", "2027"), ("1", "13", "2026"), ("0", "1", "2026")])
def test_date_field_invalid_for_impossible_date(day: str, month: str, year: str) -> None:
    assert _errors(day, month, year) == ["The date of birth must be a real date"]


def test_date_field_keeps_typed_parts_after_error() -> None:
    form = BirthForm({"date_of_birth-day": "31", "date_of_birth-month": "2", "date_of_birth-year": "2026"})
    assert not form.is_valid()
    params = field_params(form["date_of_birth"])
    assert [(item["name"], item["value"]) for item in params["items"]] == [
        ("date_of_birth-day", "31"), ("date_of_birth-month", "2"), ("date_of_birth-year", "2026"),
    ]
    assert params["errorMessage"] == {"text": "The date of birth must be a real date"}
    assert all(item["classes"] == "nhsuk-input--error" for item in params["items"])


def test_error_summary_links_date_to_day_box() -> None:
    form = BirthForm({"date_of_birth-day": "31", "date_of_birth-month": "2", "date_of_birth-year": "2026"})
    assert not form.is_valid()
    assert error_summary_items(form) == [
        {"text": "The date of birth must be a real date", "href": "#id_date_of_birth-day"},
        {"text": "Select yes or no: was the baby born early", "href": "#id_born_early"},
    ]


def test_yes_no_field_renders_as_inline_radios() -> None:
    form = BirthForm({"born_early": "yes"})
    params = field_params(form["born_early"])
    assert field_kind(form["born_early"]) == "radios"
    assert params["classes"] == "nhsuk-radios--inline"
    assert [(i["value"], i["checked"]) for i in params["items"]] == [("yes", True), ("no", False)]


def test_field_kind_multiple_choice_renders_as_checkboxes_not_radios() -> None:
    from django import forms as django_forms

    from kbs.core.forms import field_kind

    class Form(django_forms.Form):
        many = django_forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], widget=django_forms.CheckboxSelectMultiple)
        one = django_forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=django_forms.RadioSelect)

    form = Form()
    assert field_kind(form["many"]) == "checkboxes"
    assert field_kind(form["one"]) == "radios"
