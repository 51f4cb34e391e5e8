"""`manage.py import_contacts`: a good file, rejected rows all-or-nothing and accepted-only, a dry run,
a refused file and a user who may not import."""

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kbs.accounts.models import User
from kbs.conftest import TEST_NHS_NUMBERS
from kbs.contacts.models import HistoricContact
from kbs.families.models import Family
from kbs.imports.contacts_samples import contact_row, contacts_csv

NHS = TEST_NHS_NUMBERS[0]


def run(path: Path, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_contacts", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def mixed(tmp_path: Path, family: Family) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_bytes(contacts_csv([contact_row(NHS, 1), contact_row(NHS, 2, setting="car"), contact_row(NHS, 3)]))
    return path


def test_imports_a_good_file_with_a_progress_bar(tmp_path: Path, family: Family, cast: dict[str, User]) -> None:
    path = tmp_path / "contacts.csv"
    path.write_bytes(contacts_csv([contact_row(NHS, n) for n in range(1, 4)]))
    out, err = run(path, "--user", "hv-harriet")
    assert "3 rows: 3 accepted, 0 rejected" in out
    assert "Imported: 3 contacts, 0 rejected rows left out" in out
    assert "[##############################]" in err
    assert HistoricContact.objects.filter(family=family).count() == 3


def test_rejected_rows_all_or_nothing_exits_1_and_imports_nothing(mixed: Path, cast: dict[str, User]) -> None:
    with pytest.raises(SystemExit) as exit_:
        out, err = run(mixed, "--user", "hv-harriet")
    assert exit_.value.code == 1
    assert not HistoricContact.objects.exists()


def test_report_file_and_accepted_only(mixed: Path, tmp_path: Path, cast: dict[str, User]) -> None:
    report = tmp_path / "report.csv"
    out, _ = run(mixed, "--user", "hv-harriet", "--accepted-only", "--report", str(report))
    assert "Imported: 2 contacts, 1 rejected rows left out" in out
    assert report.read_text().splitlines() == ["row,column,reason",
                                               "3,setting,The setting must be one of the settings listed in the guidance"]
    assert HistoricContact.objects.count() == 2


def test_dry_run_imports_nothing(mixed: Path, cast: dict[str, User]) -> None:
    with pytest.raises(SystemExit) as exit_:
        run(mixed, "--user", "hv-harriet", "--dry-run")
    assert exit_.value.code == 1
    assert not HistoricContact.objects.exists()


def test_refused_file_and_wrong_users(tmp_path: Path, cast: dict[str, User], make_family: Callable[..., Family]) -> None:
    path = tmp_path / "contacts.csv"
    path.write_bytes(b"source_system,notes\nX,Y\n")
    with pytest.raises(CommandError, match="missing these columns"):
        run(path, "--user", "hv-harriet")
    with pytest.raises(CommandError, match="may not import"):
        run(path, "--user", cast["analyst"].username)
    with pytest.raises(CommandError, match="No active user"):
        run(path, "--user", "nobody")
    with pytest.raises(CommandError, match="Cannot read"):
        run(tmp_path / "missing.csv", "--user", "hv-harriet")
