import time
from datetime import timedelta

import pytest
from django.utils import timezone

from kbs.imports.tests.conftest import birth_row, births_csv, good_file, nhs_number
from kbs.imports.validation import COLUMNS, FileRefused, check_births, report_csv


def reasons(data: bytes) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.reason) for p in check_births(data).problems]


def test_good_file_is_accepted_whole() -> None:
    checked = check_births(good_file(3))
    assert (checked.total, checked.rejected, len(checked.accepted)) == (3, 0, 3)
    assert checked.accepted[0].row == 2
    assert checked.accepted[0].sex == "female"


def test_file_not_utf8_is_refused_clearly() -> None:
    data = births_csv([birth_row(mother_given_name="Zoë")], encoding="latin-1")
    with pytest.raises(FileRefused, match="not saved as UTF-8"):
        check_births(data)


def test_byte_order_mark_is_allowed() -> None:
    assert check_births(b"\xef\xbb\xbf" + good_file(1)).total == 1


def test_missing_columns_are_named_in_one_message() -> None:
    columns = tuple(c for c in COLUMNS if c not in ("sex", "postcode"))
    with pytest.raises(FileRefused, match="missing these columns: sex, postcode"):
        check_births(births_csv([birth_row()], columns=columns))


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (births_csv([]), "no births"),
])
def test_empty_files_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(FileRefused, match=message):
        check_births(data)


def test_headings_ignore_case_and_spaces() -> None:
    data = good_file(1).replace(b"date_of_birth", b"Date of birth", 1)
    assert check_births(data).rejected == 0


def test_bad_nhs_number_checksum_is_rejected() -> None:
    good = nhs_number(1)
    bad = good[:9] + str((int(good[9]) + 1) % 10)
    assert reasons(births_csv([birth_row(nhs_number=bad)])) == [
        (2, "nhs_number", "The baby's NHS number is not valid: its check digit does not match")]


def test_every_problem_in_a_row_is_reported() -> None:
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    row = birth_row(nhs_number="12345", date_of_birth=tomorrow, sex="boy", gestation_weeks="50", birth_weight_g="90",
                    mother_given_name="", postcode="nowhere", mother_nhs_number="999")
    found = {column: reason for _, column, reason in reasons(births_csv([row]))}
    assert found == {
        "nhs_number": "The baby's NHS number must have 10 digits",
        "date_of_birth": "The baby's date of birth is in the future",
        "sex": "The baby's sex must be female, male or not_known",
        "gestation_weeks": "The gestation at birth must be from 22 to 44 weeks",
        "birth_weight_g": "The birth weight must be from 300 to 6,500 grams",
        "mother_given_name": "Enter the mother's given name",
        "mother_nhs_number": "The mother's NHS number must have 10 digits",
        "postcode": "The postcode is not a full UK postcode",
    }


def test_dates_that_are_not_dates_are_rejected() -> None:
    assert reasons(births_csv([birth_row(date_of_birth="2026-02-30")]))[0][1:] == (
        "date_of_birth", "The baby's date of birth must be a real date written YYYY-MM-DD, like 2026-03-31")


def test_optional_fields_may_be_blank_and_sex_letters_are_understood() -> None:
    checked = check_births(births_csv([birth_row(gestation_weeks="", birth_weight_g="", mother_date_of_birth="",
                                                 language="", sex="M")]))
    row = checked.accepted[0]
    assert (row.gestation_weeks, row.birth_weight_g, row.mother_date_of_birth, row.language, row.sex) == (
        None, None, None, "English", "male")


def test_duplicated_rows_reject_the_later_ones() -> None:
    checked = check_births(births_csv([birth_row(1), birth_row(2), birth_row(1)]))
    assert [(p.row, p.column, p.reason) for p in checked.problems] == [
        (4, "nhs_number", "The same baby's NHS number is also in row 2")]
    assert [r.row for r in checked.accepted] == [2, 3]


def test_row_with_wrong_number_of_values_is_rejected() -> None:
    data = good_file(1) + b"1,2\n"
    checked = check_births(data)
    assert (3, "", "The row has 2 values but there are 14 column headings") in [
        (p.row, p.column, p.reason) for p in checked.problems]


def test_report_lists_row_column_and_reason_without_values() -> None:
    bad = births_csv([birth_row(nhs_number="9990000019")])
    report = report_csv(check_births(bad).problems)
    assert report.splitlines() == ["row,column,reason",
                                   "2,nhs_number,The baby's NHS number is not valid: its check digit does not match"]
    assert "9990000019" not in report


def test_ten_thousand_rows_are_checked_in_seconds() -> None:
    data = births_csv([birth_row(n) for n in range(10_000)])
    started = time.perf_counter()
    checked = check_births(data)
    assert checked.total == 10_000
    assert checked.rejected == 0
    assert time.perf_counter() - started < 5
