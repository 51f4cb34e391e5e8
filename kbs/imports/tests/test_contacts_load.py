"""Importing historic contacts: malformed files give a clear report and leave the database as it was;
all-or-nothing and accepted-only; already-imported rows; and, when the suite runs on PostgreSQL,
the COPY loader and the row-by-row loader give identical reports and rows, including for 100,000 rows,
and the pipelined quick pass stores the same rows or falls back to the same report."""

import contextlib
import csv
import io
import os
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import psycopg
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

    # The pipelined quick pass (contacts_load._pipelined) checks the file on a second connection, which
    # sees only committed data; the test's own transaction hides its babies from it. These babies are
    # committed by a connection of their own for the test's length, then deleted.
    COMMITTED_NHS = TEST_NHS_NUMBERS[3:5]

    class _Discard(Exception):
        pass

    @pytest.fixture
    def committed_babies(make_family: Callable[..., Family]) -> Iterator[list[tuple[int, int]]]:
        from django.db import connection, transaction

        rows: list[tuple[str, str]] = []
        with contextlib.suppress(_Discard), transaction.atomic():
            for number in COMMITTED_NHS:
                made = make_family(baby=baby_details(nhs_number=number))
                with connection.cursor() as cursor:
                    cursor.execute("SELECT (to_jsonb(f) - 'created_by_id')::text FROM families_family f WHERE id = %s",
                                   [made.pk])
                    family_json = cursor.fetchone()[0]
                    cursor.execute("SELECT to_jsonb(b)::text FROM families_baby b WHERE family_id = %s", [made.pk])
                    rows.append((family_json, cursor.fetchone()[0]))
            raise _Discard  # the test's transaction keeps none of it
        ids: list[tuple[int, int]] = []
        with psycopg.connect(**connection.get_connection_params()) as other:
            for family_json, baby_json in rows:
                family_id = other.execute("INSERT INTO families_family SELECT * FROM jsonb_populate_record("
                                          "NULL::families_family, %s::jsonb) RETURNING id", [family_json]).fetchone()
                baby_id = other.execute("INSERT INTO families_baby SELECT * FROM jsonb_populate_record("
                                        "NULL::families_baby, %s::jsonb) RETURNING id", [baby_json]).fetchone()
                assert family_id is not None
                assert baby_id is not None
                ids.append((baby_id[0], family_id[0]))
        try:
            yield ids
        finally:
            with psycopg.connect(**connection.get_connection_params()) as other:
                other.execute("SET lock_timeout = '10s'")
                for baby_id, family_id in ids:
                    other.execute("DELETE FROM families_baby WHERE id = %s", [baby_id])
                    other.execute("DELETE FROM families_family WHERE id = %s", [family_id])

    @pytest.fixture
    def pipeline(monkeypatch: pytest.MonkeyPatch) -> list[str]:
        """Every file takes the pipelined quick pass; the list says how each attempt ended."""
        ended: list[str] = []
        real = contacts_load._pipelined

        def spy(*args: Any) -> int | None:
            try:
                loaded = real(*args)
            except contacts_load._Slow:
                ended.append("fell back")
                raise
            ended.append("loaded" if loaded is not None else "not tried")
            return loaded

        monkeypatch.setattr(contacts_load, "PIPELINE_BYTES", 0)
        monkeypatch.setattr(contacts_load, "_pipelined", spy)
        return ended

    def _varied(count: int) -> bytes:
        """Clean rows that still need cleaning: spaces around values, spaced NHS numbers, mixed case."""
        rows = []
        for n in range(1, count + 1):
            number = COMMITTED_NHS[n % 2]
            rows.append(contact_row(
                f"{number[:3]} {number[3:6]} {number[6:]}" if n % 3 == 0 else number, n,
                contact_time="" if n % 4 == 0 else f"{8 + n % 10:02d}:{n % 60:02d}",
                baby_seen=" Yes " if n % 2 else "no", safe_sleep_given_to=" Father ; grandparent" if n % 5 == 0 else "",
                safe_handling_given_to="BIRTH_MOTHER" if n % 7 == 0 else "birth_mother;father",
                source_system=" RiO " if n % 2 else "SystmOne",
                notes=f'Said "fine",\nthen left {n}' if n % 6 == 0 else ""))
        return contacts_csv(rows)

    STORED = [*COLUMNS, "baby_id", "family_id"]

    def test_pipelined_pass_stores_what_the_row_by_row_loader_stores(committed_babies: list[tuple[int, int]],
                                                                      pipeline: list[str], cast: dict[str, User]) -> None:
        data = _varied(300)
        by_python = _import(cast["health_visitor"], data, loader="python")
        assert by_python.state == State.IMPORTED
        expected = list(HistoricContact.objects.order_by("source_reference").values_list(*STORED))
        HistoricContact.objects.all().delete()
        batch = _import(cast["health_visitor"], data, loader="postgresql")
        assert pipeline == ["loaded"]
        assert (batch.state, batch.total_rows, batch.imported_count, batch.problems) == (State.IMPORTED, 300, 300, [])
        event = AuditEvent.objects.filter(object_type__icontains="contactimport").order_by("-id").first()
        assert event is not None
        assert event.detail["loader"] == "postgresql-pipelined"
        assert list(HistoricContact.objects.order_by("source_reference").values_list(*STORED)) == expected
        assert {row[-2:] for row in expected} == set(committed_babies)
        assert set(HistoricContact.objects.values_list("import_batch_id", flat=True)) == {batch.pk}

    @pytest.mark.parametrize("extra", [
        contact_row(COMMITTED_NHS[0], 900, contact_date="2999-01-01"),  # rejected by a rule
        contact_row(COMMITTED_NHS[0], 1, source_system="RiO"),  # repeats row 2: refused by the unique constraint
    ])
    @pytest.mark.parametrize("accepted_only", [False, True])
    def test_pipelined_pass_falls_back_to_the_same_report(committed_babies: list[tuple[int, int]], pipeline: list[str],
                                                          cast: dict[str, User], extra: dict[str, str],
                                                          accepted_only: bool) -> None:
        data = _varied(40) + contacts_csv([extra]).split(b"\n", 1)[1]
        by_python = _import(cast["health_visitor"], data, accepted_only=accepted_only, loader="python")
        expected = sorted(HistoricContact.objects.values_list(*STORED))
        HistoricContact.objects.all().delete()
        batch = _import(cast["health_visitor"], data, accepted_only=accepted_only, loader="postgresql")
        assert pipeline == ["fell back"]
        assert batch.problems == by_python.problems
        assert len(batch.problems) == 1
        assert (batch.state, batch.total_rows, batch.imported_count) == \
            (by_python.state, by_python.total_rows, by_python.imported_count)
        assert sorted(HistoricContact.objects.values_list(*STORED)) == expected
        assert len(expected) == (40 if accepted_only else 0)


def test_a_file_is_cut_only_between_rows() -> None:
    rows = [contact_row(NHS, n, notes=f'line one\n"quoted" {n}\nline three' if n % 2 else f"plain {n}")
            for n in range(1, 60)]
    data = b"\xef\xbb\xbf" + contacts_csv(rows)
    for count in (1, 2, 3, 7):
        parts = contacts_load._cuts(data, 3, count)
        assert b"".join(bytes(p) for p in parts) == data[3:]
        assert len(parts) == count
        read = [r for p in parts for r in csv.reader(io.StringIO(bytes(p).decode(), newline=""))]
        assert read[0] == list(COLUMNS)
        assert [r[1] for r in read[1:]] == [row["source_reference"] for row in rows]
