"""Validators for the identifiers and measurements KBS records, with plain-English errors."""

import re
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

NHS_NUMBER_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
# Outward code then inward code; the letters an inward code may not use are left to Royal Mail's data.
POSTCODE_RE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2})$")

GESTATION_WEEKS = (22, 44)
BIRTH_WEIGHT_G = (300, 6500)
# An expected date of delivery up to 3 weeks past (a baby not yet born at 43 weeks) and up to
# 40 weeks ahead (a pregnancy known from about 4 weeks).
EDD_DAYS_PAST = 21
EDD_DAYS_AHEAD = 280


def today() -> date:
    return timezone.localdate()


def normalise_nhs_number(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "")


def nhs_number_is_valid(value: str) -> bool:
    """The NHS number's own modulus-11 check digit is right."""
    digits = normalise_nhs_number(value)
    if not re.fullmatch(r"\d{10}", digits):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], NHS_NUMBER_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def validate_nhs_number(value: str) -> None:
    digits = normalise_nhs_number(value)
    if not re.fullmatch(r"\d{10}", digits):
        raise ValidationError("Enter an NHS number with 10 digits, like 999 123 4567", code="nhs_number")
    if not nhs_number_is_valid(digits):
        raise ValidationError("Enter a valid NHS number: the check digit does not match", code="nhs_number")


def normalise_postcode(value: str) -> str:
    compact = re.sub(r"\s", "", (value or "").upper())
    if len(compact) < 5:
        return compact
    return f"{compact[:-3]} {compact[-3:]}"


def validate_postcode(value: str) -> None:
    if not POSTCODE_RE.match(normalise_postcode(value)):
        raise ValidationError("Enter a full UK postcode, like DE1 2AB", code="postcode")


def validate_not_future(value: date) -> None:
    if value > today():
        raise ValidationError("Date of birth must be today or in the past", code="future")


def validate_expected_delivery(value: date) -> None:
    now = today()
    if value < now - timedelta(days=EDD_DAYS_PAST):
        raise ValidationError(
            "Expected date of delivery must be no more than 3 weeks ago: if the baby has been born, record the birth",
            code="edd_past",
        )
    if value > now + timedelta(days=EDD_DAYS_AHEAD):
        raise ValidationError(
            "Expected date of delivery must be within the next 40 weeks", code="edd_future"
        )


def validate_gestation_weeks(value: int) -> None:
    low, high = GESTATION_WEEKS
    if not low <= value <= high:
        raise ValidationError(f"Gestation at birth must be from {low} to {high} weeks", code="gestation")


def validate_birth_weight(value: int) -> None:
    low, high = BIRTH_WEIGHT_G
    if not low <= value <= high:
        raise ValidationError(f"Birth weight must be from {low:,} to {high:,} grams", code="birth_weight")


def gestation_from_edd(edd: date, on: date | None = None) -> tuple[int, int]:
    """Weeks and days of pregnancy on a day, counting 40 weeks to the expected date of delivery."""
    days = 280 - (edd - (on or today())).days
    days = max(days, 0)
    return days // 7, days % 7
