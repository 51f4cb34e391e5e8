"""Births files for the tests: valid NHS numbers made with their check digit, and rows built from a
good row with any field overridden."""

import csv
import io
from datetime import timedelta
from typing import Any

from django.utils import timezone

from kbs.core.validators import NHS_NUMBER_WEIGHTS
from kbs.imports.validation import COLUMNS


def nhs_number(n: int) -> str:
    """The n-th valid NHS number in a test range (some stems have no valid check digit: skipped)."""
    stem = 900000000 + n
    while True:
        digits = f"{stem:09d}"
        check = 11 - sum(int(d) * w for d, w in zip(digits, NHS_NUMBER_WEIGHTS, strict=True)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            return digits + str(check)
        stem += 500000  # out of the way of the next n


def birth_row(n: int = 1, **overrides: Any) -> dict[str, str]:
    row = {
        "nhs_number": nhs_number(n), "date_of_birth": (timezone.localdate() - timedelta(days=2)).isoformat(),
        "sex": "female", "gestation_weeks": "39", "birth_weight_g": "3400", "mother_given_name": "Sophie",
        "mother_family_name": f"Hart{n}", "mother_nhs_number": "", "mother_date_of_birth": "1995-04-02",
        "address_line_1": f"{n} Test Street", "address_line_2": "", "town": "Derby", "postcode": "DE1 2AB",
        "language": "English",
    }
    row.update(overrides)
    return row


def births_csv(rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def good_file(count: int = 3, start: int = 1) -> bytes:
    return births_csv([birth_row(n) for n in range(start, start + count)])
