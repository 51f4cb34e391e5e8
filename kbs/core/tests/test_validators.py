"""Validators for NHS numbers, postcodes, dates and birth measurements.

The NHS number properties hold because the modulus-11 weights (10 to 2, and 1 for the check digit)
and any change of a single digit (1 to 9) are all coprime with 11: a changed digit always changes
the weighted sum modulo 11, so it can never leave a valid number valid.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kbs.conftest import TEST_NHS_NUMBERS
from kbs.core import validators as v

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None)

stems = st.text(alphabet="0123456789", min_size=9, max_size=9)


def _weighted_sum(stem: str) -> int:
    return sum(int(d) * w for d, w in zip(stem, v.NHS_NUMBER_WEIGHTS, strict=True))


def _check_digit(stem: str) -> int | None:
    check = 11 - _weighted_sum(stem) % 11
    if check == 11:
        return 0
    return None if check == 10 else check


@st.composite
def valid_nhs_numbers(draw: st.DrawFn) -> str:
    stem = draw(stems)
    check = _check_digit(stem)
    assume(check is not None)
    return f"{stem}{check}"


# --- NHS numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize("number", [*TEST_NHS_NUMBERS, "9434765919", "4010232137"])
def test_nhs_number_valid_for_known_good_numbers(number: str) -> None:
    assert v.nhs_number_is_valid(number)
    v.validate_nhs_number(number)


def test_nhs_number_invalid_with_wrong_check_digit() -> None:
    assert not v.nhs_number_is_valid("9990000019")
    with pytest.raises(ValidationError, match="check digit does not match"):
        v.validate_nhs_number("9990000019")


def test_nhs_number_invalid_when_check_digit_would_be_ten() -> None:
    # A stem whose weighted sum is 1 modulo 11 would need the check digit 10, so no number is valid.
    stem = next(f"{n:09d}" for n in range(1000) if _weighted_sum(f"{n:09d}") % 11 == 1)
    assert _check_digit(stem) is None
    assert not any(v.nhs_number_is_valid(f"{stem}{d}") for d in range(10))


@pytest.mark.parametrize("number", ["999 000 0018", "999-000-0018", " 9990000018 ", "999 000-0018"])
def test_nhs_number_valid_with_spaces_and_dashes(number: str) -> None:
    assert v.normalise_nhs_number(number) == "9990000018"
    assert v.nhs_number_is_valid(number)
    v.validate_nhs_number(number)


@pytest.mark.parametrize("number", ["", "999000001", "99900000181", "99900000AB", "abcdefghij"])
def test_nhs_number_invalid_without_ten_digits(number: str) -> None:
    assert not v.nhs_number_is_valid(number)
    with pytest.raises(ValidationError, match="10 digits"):
        v.validate_nhs_number(number)


@PROPERTY_SETTINGS
@given(stems)
def test_nhs_number_stem_has_at_most_one_valid_check_digit(stem: str) -> None:
    valid = [d for d in range(10) if v.nhs_number_is_valid(f"{stem}{d}")]
    assert len(valid) <= 1
    # None exactly when the check digit would have to be 10.
    assert (len(valid) == 0) == (_weighted_sum(stem) % 11 == 1)


@PROPERTY_SETTINGS
@given(valid_nhs_numbers(), st.integers(min_value=0, max_value=9), st.integers(min_value=1, max_value=9))
def test_nhs_number_invalid_after_any_single_digit_change(number: str, position: int, shift: int) -> None:
    assert v.nhs_number_is_valid(number)
    changed = str((int(number[position]) + shift) % 10)
    mutated = number[:position] + changed + number[position + 1:]
    assert mutated != number
    assert not v.nhs_number_is_valid(mutated)


@PROPERTY_SETTINGS
@given(valid_nhs_numbers())
def test_nhs_number_valid_spaced_the_nhs_way(number: str) -> None:
    assert v.nhs_number_is_valid(f"{number[:3]} {number[3:6]} {number[6:]}")


# --- Postcodes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("DE1 2AB", "DE1 2AB"),
        ("de12ab", "DE1 2AB"),
        ("  de1   2ab ", "DE1 2AB"),
        ("SW1A1AA", "SW1A 1AA"),
        ("m1 1ae", "M1 1AE"),
        ("B338TH", "B33 8TH"),
        ("DN55 1PT", "DN55 1PT"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("GIR0AA", "GIR 0AA"),
    ],
)
def test_postcode_valid_forms_normalised(typed: str, normalised: str) -> None:
    assert v.normalise_postcode(typed) == normalised
    v.validate_postcode(typed)
    v.validate_postcode(normalised)


@pytest.mark.parametrize("typed", ["", "DE1", "DE1 2A", "12345", "ABC 123", "DE1 2AB X", "D1 AAB", "DEE1 2AB", "DE1-2AB"])
def test_postcode_invalid_forms_refused(typed: str) -> None:
    with pytest.raises(ValidationError, match="full UK postcode") as caught:
        v.validate_postcode(typed)
    assert caught.value.code == "postcode"


# --- Dates -----------------------------------------------------------------------------------


def test_date_of_birth_valid_today_and_in_the_past() -> None:
    v.validate_not_future(v.today())
    v.validate_not_future(v.today() - timedelta(days=400))


def test_date_of_birth_invalid_tomorrow() -> None:
    with pytest.raises(ValidationError, match="today or in the past") as caught:
        v.validate_not_future(v.today() + timedelta(days=1))
    assert caught.value.code == "future"


@pytest.mark.parametrize("offset", [-21, -1, 0, 1, 140, 280])
def test_expected_delivery_valid_within_window(offset: int) -> None:
    v.validate_expected_delivery(v.today() + timedelta(days=offset))


@pytest.mark.parametrize(("offset", "code"), [(-22, "edd_past"), (-365, "edd_past"), (281, "edd_future"), (400, "edd_future")])
def test_expected_delivery_invalid_outside_window(offset: int, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        v.validate_expected_delivery(v.today() + timedelta(days=offset))
    assert caught.value.code == code


def test_expected_delivery_past_message_says_record_the_birth() -> None:
    with pytest.raises(ValidationError, match="record the birth"):
        v.validate_expected_delivery(v.today() - timedelta(days=22))


# --- Measurements ----------------------------------------------------------------------------


@pytest.mark.parametrize("weeks", [22, 30, 40, 44])
def test_gestation_valid_from_22_to_44(weeks: int) -> None:
    v.validate_gestation_weeks(weeks)


@pytest.mark.parametrize("weeks", [0, 21, 45, 60])
def test_gestation_invalid_outside_22_to_44(weeks: int) -> None:
    with pytest.raises(ValidationError, match="from 22 to 44 weeks"):
        v.validate_gestation_weeks(weeks)


@PROPERTY_SETTINGS
@given(st.integers(min_value=-10_000, max_value=20_000))
def test_birth_weight_valid_iff_in_range(grams: int) -> None:
    try:
        v.validate_birth_weight(grams)
    except ValidationError as error:
        assert error.code == "birth_weight"
        assert "from 300 to 6,500 grams" in error.messages[0]
        accepted = False
    else:
        accepted = True
    assert accepted == (300 <= grams <= 6500)


@PROPERTY_SETTINGS
@given(st.integers(min_value=-100, max_value=200))
def test_gestation_valid_iff_in_range(weeks: int) -> None:
    try:
        v.validate_gestation_weeks(weeks)
    except ValidationError:
        accepted = False
    else:
        accepted = True
    assert accepted == (22 <= weeks <= 44)


@pytest.mark.parametrize(
    ("days_to_edd", "expected"),
    [(0, (40, 0)), (14, (38, 0)), (10, (38, 4)), (-7, (41, 0)), (280, (0, 0)), (300, (0, 0)), (279, (0, 1))],
)
def test_gestation_from_edd_counts_back_40_weeks(days_to_edd: int, expected: tuple[int, int]) -> None:
    on = v.today()
    assert v.gestation_from_edd(on + timedelta(days=days_to_edd), on=on) == expected


def test_gestation_from_edd_defaults_to_today() -> None:
    assert v.gestation_from_edd(v.today() + timedelta(days=70)) == (30, 0)
