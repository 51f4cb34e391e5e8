import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from kbs.accounts.models import User
from kbs.families.models import Baby, Family
from kbs.imports.models import BirthImport
from kbs.imports.tests.conftest import birth_row, births_csv, good_file


def run(path: Path, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_births", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    path = tmp_path / "births.csv"
    path.write_bytes(births_csv([birth_row(1), birth_row(2, sex="boy"), birth_row(3)]))
    return path


def test_imports_a_good_file_with_a_progress_bar(tmp_path: Path, cast: dict[str, User]) -> None:
    path = tmp_path / "births.csv"
    path.write_bytes(good_file(3))
    out, err = run(path, "--user", "mw-maya")
    assert "Imported: 3 new, 0 matched, 0 unborn babies born, 0 rejected rows left out" in out
    assert "Importing [##############################] 3/3" in err
    assert Baby.objects.count() == 3


def test_rejected_rows_all_or_nothing_exits_1_and_imports_nothing(mixed: Path, cast: dict[str, User]) -> None:
    with pytest.raises(SystemExit) as exit_:
        run(mixed, "--user", "mw-maya")
    assert exit_.value.code == 1
    assert not Family.objects.exists()
    assert BirthImport.objects.get().text == ""  # the file is not kept when nothing is imported


def test_accepted_only_imports_the_good_rows_and_writes_the_report(
        mixed: Path, tmp_path: Path, cast: dict[str, User]) -> None:
    report = tmp_path / "rejected.csv"
    out, _ = run(mixed, "--user", "mw-maya", "--accepted-only", "--report", str(report))
    assert "Imported: 2 new, 0 matched, 0 unborn babies born, 1 rejected rows left out" in out
    assert report.read_text().splitlines() == ["row,column,reason", '3,sex,"The baby\'s sex must be female, male or not_known"']
    assert Baby.objects.count() == 2


def test_dry_run_saves_no_babies(tmp_path: Path, cast: dict[str, User]) -> None:
    path = tmp_path / "births.csv"
    path.write_bytes(good_file(2))
    with pytest.raises(SystemExit) as exit_:
        run(path, "--user", "mw-maya", "--dry-run")
    assert exit_.value.code == 0
    assert not Baby.objects.exists()
    assert BirthImport.objects.get().state == "discarded"


@pytest.mark.parametrize(("user", "content", "message"), [
    ("mw-maya", births_csv([birth_row()], encoding="latin-1").replace(b"Sophie", b"Zo\xeb"), "not saved as UTF-8"),
    ("mw-maya", b"nhs_number\n9990000018\n", "missing these columns"),
    ("nobody", good_file(1), "No active user called nobody"),
    ("an-alex", good_file(1), "may not import births"),
])
def test_refusals_exit_2(tmp_path: Path, cast: dict[str, User], user: str, content: bytes, message: str) -> None:
    path = tmp_path / "births.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message) as error:
        run(path, "--user", user)
    assert error.value.returncode == 2
    assert not Family.objects.exists()


def test_missing_file_exits_2(tmp_path: Path, cast: dict[str, User]) -> None:
    with pytest.raises(CommandError, match="Cannot read") as error:
        run(tmp_path / "none.csv", "--user", "mw-maya")
    assert error.value.returncode == 2


def test_command_records_the_birth_of_an_unborn_baby(tmp_path: Path, cast: dict[str, User], make_family: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from kbs.conftest import TEST_NHS_NUMBERS, baby_details
    from kbs.families import actions as family_actions

    expected = timezone.localdate() + timedelta(days=5)
    family = make_family(baby=baby_details(date_of_birth=None, nhs_number="", expected_delivery_date=expected))
    family_actions.add_person(by=cast["health_visitor"], family=family, details={
        "given_name": "Sophie", "family_name": "Hart", "relationship": "birth_mother", "date_of_birth": None,
        "nhs_number": TEST_NHS_NUMBERS[3], "lives_in_household": True, "regular_carer": True,
        "parental_responsibility": True, "last_seen_on": None})
    path = tmp_path / "births.csv"
    path.write_bytes(births_csv([birth_row(1, mother_nhs_number=TEST_NHS_NUMBERS[3]), birth_row(2)]))
    out, err = run(path, "--user", "mw-maya")
    assert "Imported: 1 new, 0 matched, 1 unborn babies born, 0 rejected rows left out" in out
    assert "Importing [##############################] 2/2" in err
    assert family.babies.get().nhs_number == birth_row(1)["nhs_number"]
