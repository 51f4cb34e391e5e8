"""Importing historic contacts: malformed files give a clear report and leave the database as it was;
all-or-nothing and accepted-only; already-imported rows; and, when the suite runs on PostgreSQL,
the COPY loader and the row-by-row loader give identical reports and rows, including for 100,000 rows."""

import os
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kbs.accounts.models import User
from kbs.audit.models import AuditEvent
from kbs.conftest import TEST_NHS_NUMBERS, baby_details
from kbs.contacts.models import ContactImport, HistoricContact
from kbs.families.models import Family
from kbs.imports import contacts_actions, contacts_load
from kbs.imports.contacts_rules import COLUMNS
from kbs.imports.contacts_samples import contact_row, contacts_csv
from kbs.imports.models import State
from kbs.imports.validation import FileRefused

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://", "pgsql://"))
NHS = TEST_NHS_NUMBERS[0]


@pytest.fixture
def babies(make_family: Callable[..., Family]) -> list[Family]:
    return [make_family(baby=baby_details(nhs_number=n)) for n in TEST_NHS_NUMBERS[:3]]


def _good(count: int, start: int = 1) -> bytes:
    return contacts_csv([contact_row(TEST_NHS_NUMBERS[n % 3], n) for n in range(start, start + count)])


def _import(user: User, data: bytes, **kw: Any) -> ContactImport:
    return contacts_actions.import_contacts(by=user, data=data, file_name="contacts.csv", **kw)


def test_a_good_file_is_imported_linked_to_each_baby_and_family(babies: list[Family], cast: dict[str, User]) -> None:
    batch = _import(cast["health_visitor"], _good(6))
    assert (batch.state, batch.imported_count, batch.rejected_rows, batch.problems) == (State.IMPORTED, 6, 0, [])
    first = HistoricContact.objects.get(source_reference="HV-000003")
    assert first.baby is not None
    assert first.baby.nhs_number == NHS
    assert first.contact_time is not None
    assert first.family_id == babies[0].pk
    assert first.import_batch_id == batch.pk
    assert (first.contact_time.isoformat(), first.baby_seen, first.safe_sleep_given_to, first.safe_space_given_to) == \
        ("10:30:00", True, "birth_mother;father", "")
    events = AuditEvent.objects.filter(actor=cast["health_visitor"], object_type__icontains="contactimport")
    assert events.count() == 1
    assert events.get().detail["imported"] == 6


def test_all_or_nothing_imports_nothing_when_a_row_is_rejected(babies: list[Family], cast: dict[str, User]) -> None:
    rows = [contact_row(NHS, 1), contact_row(NHS, 2, contact_date="2999-01-01"), contact_row(NHS, 3)]
    batch = _import(cast["health_visitor"], contacts_csv(rows))
    assert batch.state == State.DISCARDED
    assert batch.problems == [[3, "contact_date", "The date of the contact is in the future"]]
    assert not HistoricContact.objects.exists()
    accepted = _import(cast["health_visitor"], contacts_csv(rows), accepted_only=True)
    assert (accepted.state, accepted.imported_count, accepted.rejected_rows) == (State.IMPORTED, 2, 1)
    assert HistoricContact.objects.count() == 2


def test_a_row_sent_again_is_reported_as_already_imported_not_imported_twice(babies: list[Family],
                                                                           cast: dict[str, User]) -> None:
    _import(cast["health_visitor"], _good(3))
    again = _import(cast["health_visitor"], _good(4), accepted_only=True)
    assert again.imported_count == 1
    assert [p[:2] for p in again.problems] == [[2, "source_reference"], [3, "source_reference"], [4, "source_reference"]]
    assert again.problems[0][2].startswith("Already imported")
    assert HistoricContact.objects.count() == 4


def test_dry_run_saves_nothing(babies: list[Family], cast: dict[str, User]) -> None:
    batch = _import(cast["health_visitor"], _good(3), dry_run=True)
    assert (batch.state, batch.total_rows, batch.rejected_rows) == (State.DISCARDED, 3, 0)
    assert not HistoricContact.objects.exists()


MALFORMED = [
    (contacts_csv([contact_row(NHS, notes="Zoë")], encoding="latin-1"), "not saved as UTF-8"),
    (contacts_csv([contact_row(NHS)], columns=[c for c in COLUMNS if c not in ("notes", "setting")]),
     "missing these columns: setting, notes"),
    (contacts_csv([contact_row(NHS)], columns=[*COLUMNS, "extra"]), "does not know: extra"),
    (b"", "The file is empty"),
    (contacts_csv([]), "headings but no contacts"),
]


@pytest.mark.parametrize(("data", "message"), MALFORMED)
def test_a_file_that_cannot_be_read_is_refused_and_nothing_changes(data: bytes, message: str, babies: list[Family],
                                                                    cast: dict[str, User]) -> None:
    batch = _import(cast["health_visitor"], data)
    assert batch.state == State.REFUSED
    assert message in batch.refusal
    assert not HistoricContact.objects.exists()


BAD_ROWS = [
    contact_row(NHS, 1),
    contact_row("9990000019", 2),  # bad check digit
    contact_row("12345", 3),
    contact_row("9990000077", 4),  # valid, but no such baby
    contact_row(NHS, 5, contact_date=(timezone.localdate() + timedelta(days=1)).isoformat()),
    contact_row(NHS, 1),  # the same reference as row 2
    contact_row(NHS, 7, contact_date="1999-05-01", baby_seen="perhaps", contact_time="25:00"),
    contact_row(NHS, 8, notes="x" * 2001, safe_handling_given_to="neighbour"),
]


def _report(batch: ContactImport) -> list[list[Any]]:
    return list(batch.problems)


def test_every_rejected_row_is_reported_by_row_column_and_reason(babies: list[Family], cast: dict[str, User]) -> None:
    batch = _import(cast["health_visitor"], contacts_csv(BAD_ROWS))
    assert [p[:2] for p in _report(batch)] == [
        [3, "baby_nhs_number"], [4, "baby_nhs_number"], [5, "baby_nhs_number"], [6, "contact_date"],
        [7, "source_reference"], [8, "contact_date"], [8, "contact_time"], [8, "baby_seen"], [9, "safe_handling_given_to"],
        [9, "notes"],
    ]
    assert _report(batch)[4][2] == "The same source system and reference are also in row 2"
    assert "9990000019" not in str(batch.problems)
    assert not HistoricContact.objects.exists()


def test_a_row_with_too_few_values_is_reported(babies: list[Family], cast: dict[str, User]) -> None:
    data = _good(2) + b"SystmOne,HV-9,9990000018\n"
    batch = _import(cast["health_visitor"], data, accepted_only=True)
    assert batch.problems[0] == [4, "", "The row has a different number of values from the column headings"]
    assert batch.imported_count == 2


def test_blank_lines_are_skipped(babies: list[Family], cast: dict[str, User]) -> None:
    batch = _import(cast["health_visitor"], _good(2) + b"\n" + _good(1, start=5).split(b"\n", 1)[1])
    assert (batch.total_rows, batch.imported_count) == (3, 3)


def test_row_by_row_loader_imports_20000_rows(babies: list[Family], cast: dict[str, User]) -> None:
    started = time.monotonic()
    batch = _import(cast["health_visitor"], _good(20_000), loader="python")
    assert (batch.state, batch.imported_count) == (State.IMPORTED, 20_000)
    assert HistoricContact.objects.count() == 20_000
    assert time.monotonic() - started < 20


def test_file_refused_names_the_problem() -> None:
    with pytest.raises(FileRefused, match="more than one column headed notes"):
        contacts_load.headings(",".join([*COLUMNS, "notes"]) + "\n")


if ON_POSTGRES:

    def _both(user: User, data: bytes, accepted_only: bool = True) -> tuple[ContactImport, ContactImport]:
        python = _import(user, data, accepted_only=accepted_only, dry_run=True, loader="python")
        postgres = _import(user, data, accepted_only=accepted_only, dry_run=True, loader="postgresql")
        return python, postgres

    @pytest.mark.parametrize("data", [contacts_csv(BAD_ROWS), _good(5), _good(2) + b"SystmOne,HV-9\n",
                                      _good(2) + b"\n\n" + _good(1, start=9).split(b"\n", 1)[1],
                                      contacts_csv([contact_row(NHS, 1, notes='Said "fine",\nthen left')])])
    def test_both_loaders_give_the_same_report(data: bytes, babies: list[Family], cast: dict[str, User]) -> None:
        python, postgres = _both(cast["health_visitor"], data)
        assert python.problems == postgres.problems
        assert (python.total_rows, python.rejected_rows) == (postgres.total_rows, postgres.rejected_rows)

    def test_both_loaders_store_the_same_rows(babies: list[Family], cast: dict[str, User]) -> None:
        data = contacts_csv([*BAD_ROWS, contact_row(NHS, 20, contact_time="", safe_sleep_given_to=" Father ; grandparent")])
        fields = [c for c in COLUMNS] + ["baby_id", "family_id"]
        _import(cast["health_visitor"], data, accepted_only=True, loader="python")
        by_python = list(HistoricContact.objects.order_by("source_reference").values_list(*fields))
        HistoricContact.objects.all().delete()
        batch = _import(cast["health_visitor"], data, accepted_only=True, loader="postgresql")
        assert batch.state == State.IMPORTED
        event = AuditEvent.objects.filter(object_type__icontains="contactimport").order_by("-id").first()
        assert event is not None
        assert event.detail["loader"] == "postgresql"
        assert list(HistoricContact.objects.order_by("source_reference").values_list(*fields)) == by_python
        assert len(by_python) == 2

    def test_copy_loader_imports_100000_rows_all_or_nothing(babies: list[Family], cast: dict[str, User]) -> None:
        data = _good(100_000)
        started = time.monotonic()
        batch = _import(cast["health_visitor"], data)
        assert (batch.state, batch.imported_count) == (State.IMPORTED, 100_000)
        assert HistoricContact.objects.count() == 100_000
        assert time.monotonic() - started < 20
        broken = data + contacts_csv([contact_row(NHS, 200_000, baby_nhs_number="9990000019")]).split(b"\n", 1)[1]
        again = _import(cast["health_visitor"], broken)
        assert again.state == State.DISCARDED
        assert again.rejected_rows == 100_001
        assert HistoricContact.objects.count() == 100_000
        event = AuditEvent.objects.filter(actor=cast["health_visitor"], object_type__icontains="contactimport").first()
        assert event is not None
