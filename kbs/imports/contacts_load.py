"""Checking and loading a historic contacts file: two loaders, one behaviour.

On PostgreSQL the file is streamed with COPY into a TEMP staging table of text columns (no indexes,
no WAL), every rule of `contacts_rules` is applied set-based in SQL (the NHS number's check digit
included) and the accepted rows are written by one INSERT … SELECT joined to the babies by NHS
number. A quick pass does that with no report; if it took every row the file was clean, otherwise it
is rolled back and the full pass builds the report (see `_statement`). When a big file is to be
loaded, the quick pass is pipelined instead (`_pipelined`): other connections stage and check the
file and stream the accepted rows to this one, which writes them with COPY while they check; the
full pass is the same. Elsewhere (SQLite) Python's
csv module reads the file, the same rules run row by row and the rows are written with bulk_create.

Both give the same report (row, column, reason), in the same order. A file COPY cannot read as a
table (rows with a different number of values, blank lines, text that is not UTF-8) is handed to the
row-by-row loader, which reports those rows or refuses the file; the rules are the same.

Everything happens inside a savepoint: when nothing is to be kept (checking only, or all-or-nothing
with rejected rows) it is rolled back, so nothing is ever half-imported.
"""

import contextlib
import csv
import io
import itertools
import queue
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

import psycopg
from django.db import DatabaseError, IntegrityError, connection, transaction

from kbs.contacts.models import ContactImport, HistoricContact
from kbs.core.validators import today
from kbs.families.models import Baby
from kbs.imports import contacts_rules as rules
from kbs.imports.validation import FileRefused, Problem

BATCH = 2000
CHUNK = 500  # well under SQLite's limit on query parameters
COPY_BLOCK = 1 << 20
BIG = 20_000  # rows: from here, hash joins (see _postgresql)
SOURCES = 2  # connections that stage parts of the file at once, then check them in turn (see _pipelined)
BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, length of the header extension
BINARY_TRAILER = b"\xff\xff"
PIPELINE_BYTES = 1 << 20  # about 5,000 rows: from here the quick pass uses both cores (see _pipelined)
STAGING = "kbs_contact_staging"
TABLE = HistoricContact._meta.db_table


@dataclass
class Outcome:
    total: int = 0
    problems: list[Problem] = field(default_factory=list)
    imported: int = 0
    loader: str = ""

    @property
    def rejected(self) -> int:
        return len({p.row for p in self.problems})


class _Undo(Exception):
    """Raised inside the savepoint to roll back what was written."""


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused(
            "The file is not saved as UTF-8. In your spreadsheet, save it as \"CSV UTF-8\" and try again."
        ) from None


def _heading(name: str | None) -> str:
    return re.sub(r"[\s-]+", "_", (name or "").strip().lower())


def headings(text: str) -> list[str]:
    """The file's column headings, or FileRefused when they are not exactly the agreed columns."""
    try:
        first = next(csv.reader(io.StringIO(text[:65536], newline="")))
    except StopIteration:
        raise FileRefused("The file is empty. It needs a row of column headings and then one row for each contact.") from None
    except csv.Error:
        raise FileRefused("The file could not be read as CSV (comma-separated values).") from None
    found = [_heading(h) for h in first]
    missing = [c for c in rules.COLUMNS if c not in found]
    if missing:
        raise FileRefused(f"The file is missing {'this column' if len(missing) == 1 else 'these columns'}: "
                          f"{', '.join(missing)}. The first row must have the column headings.")
    unknown = [h or "(blank)" for h in found if h not in rules.COLUMNS]
    if unknown:
        raise FileRefused(f"The file has {'a column' if len(unknown) == 1 else 'columns'} this import does not know: "
                          f"{', '.join(unknown)}. Remove {'it' if len(unknown) == 1 else 'them'} and try again.")
    repeated = sorted({h for h in found if found.count(h) > 1})
    if repeated:
        raise FileRefused(f"The file has more than one column headed {', '.join(repeated)}.")
    return found


def run(*, data: bytes, batch: ContactImport | None, accepted_only: bool, load: bool, max_rows: int | None = None,
        loader: str | None = None, progress: Callable[[int, int], None] | None = None) -> Outcome:
    """Check a file and, when `load`, keep its rows: all of them only if none is rejected (unless
    `accepted_only`). Raises FileRefused when the file as a whole cannot be checked. `loader` forces
    "postgresql" or "python" (tests); by default the database decides."""
    chosen = loader or ("postgresql" if connection.vendor == "postgresql" else "python")
    on = today()
    if chosen == "postgresql":
        # Only the headings are read here; PostgreSQL checks the rest of the file is UTF-8 as it copies.
        end = data.find(b"\n")
        columns = headings(decode(data[:end] if end >= 0 else data))
        try:
            with transaction.atomic():
                outcome = _postgresql(data, columns, batch, accepted_only, load, on, max_rows, progress)
                if not _keep(outcome, accepted_only, load):
                    raise _Undo
        except _Undo:
            outcome.imported = 0
            return outcome
        except _NotATable:
            pass  # the row-by-row loader reports what COPY could not read
        else:
            return outcome
    text = decode(data)
    columns = headings(text)
    outcome = Outcome(loader="python")
    try:
        with transaction.atomic():
            outcome = _python(text, columns, batch, accepted_only, load, on, max_rows, progress)
            if not _keep(outcome, accepted_only, load):
                raise _Undo
    except _Undo:
        outcome.imported = 0
    return outcome


def _keep(outcome: Outcome, accepted_only: bool, load: bool) -> bool:
    return load and (accepted_only or not outcome.problems)


def _too_many(max_rows: int) -> FileRefused:
    return FileRefused(f"The file has more than {max_rows:,} contacts, too many to import here. "
                       "Split it into smaller files, or ask for it to be imported with the command.")


# --- Python (any database) -------------------------------------------------------------------------

def _rows(text: str, columns: list[str]) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    try:
        for index, cells in enumerate(reader):
            if any(cell.strip() for cell in cells):
                yield index + 2, cells
    except csv.Error as error:
        raise FileRefused(f"The file could not be read as CSV: {error}.") from None


def _known_babies(numbers: set[str]) -> dict[str, tuple[int, int]]:
    wanted, found = sorted(numbers), {}
    for start in range(0, len(wanted), CHUNK):
        for nhs, pk, family_id in Baby.objects.filter(nhs_number__in=wanted[start:start + CHUNK]).values_list(
                "nhs_number", "pk", "family_id"):
            found[nhs] = (pk, family_id)
    return found


def _already(pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
    by_system: dict[str, list[str]] = {}
    for system, reference in pairs:
        by_system.setdefault(system, []).append(reference)
    found: set[tuple[str, str]] = set()
    for system, references in by_system.items():
        for start in range(0, len(references), CHUNK):
            found.update(HistoricContact.objects.filter(source_system=system, source_reference__in=references[start:start + CHUNK])
                         .values_list("source_system", "source_reference"))
    return found


def stored(values: dict[str, str]) -> dict[str, Any]:
    """An accepted row's cleaned values as the model stores them."""
    hour = values["contact_time"]
    return {
        "source_system": values["source_system"], "source_reference": values["source_reference"],
        "baby_nhs_number": rules.nhs_digits(values["baby_nhs_number"]),
        "contact_date": date.fromisoformat(values["contact_date"]),
        "contact_time": time(int(hour[:2]), int(hour[3:])) if hour else None,
        "agency_code": values["agency_code"], "contact_type": values["contact_type"], "setting": values["setting"],
        "baby_seen": values["baby_seen"].lower() == "yes", "sleep_place_observed": values["sleep_place_observed"],
        **{c: re.sub(r"[ \t]", "", values[c].lower()) for c in rules.GIVEN_TO}, "notes": values["notes"],
    }


def _python(text: str, columns: list[str], batch: ContactImport | None, accepted_only: bool, load: bool, on: date,
            max_rows: int | None, progress: Callable[[int, int], None] | None) -> Outcome:
    outcome = Outcome(loader="python")
    where = {c: columns.index(c) for c in rules.COLUMNS}
    read: list[tuple[int, dict[str, str], bool]] = []
    for number, cells in _rows(text, columns):
        outcome.total += 1
        if max_rows is not None and outcome.total > max_rows:
            raise _too_many(max_rows)
        values = {c: rules.clean(cells[i]) if i < len(cells) else "" for c, i in where.items()}
        read.append((number, values, len(cells) != len(columns)))
    if not read:
        raise FileRefused("The file has column headings but no contacts.")
    babies = _known_babies({rules.nhs_digits(v["baby_nhs_number"]) for _, v, _ in read})
    already = _already({(v["source_system"], v["source_reference"]) for _, v, _ in read})
    first_seen: dict[tuple[str, str], int] = {}
    pending: list[HistoricContact] = []
    for done, (number, values, ragged) in enumerate(read, start=1):
        pair = (values["source_system"], values["source_reference"])
        first = first_seen.setdefault(pair, number)
        match = babies.get(rules.nhs_digits(values["baby_nhs_number"]))
        context = {"baby_id": match[0] if match else None, "first_row": first if first != number else None,
                   "already": pair in already}
        found = [("", "The row has a different number of values from the column headings")] if ragged else []
        found += rules.check_row(values, context, on)
        outcome.problems.extend(Problem(number, column, reason) for column, reason in found)
        if not found and match and load:
            pending.append(HistoricContact(**stored(values), baby_id=match[0], family_id=match[1], import_batch=batch))
            if len(pending) >= BATCH:
                HistoricContact.objects.bulk_create(pending)
                outcome.imported += len(pending)
                pending = []
        if progress is not None:
            progress(done, len(read))
    if pending:
        HistoricContact.objects.bulk_create(pending)
        outcome.imported += len(pending)
    return outcome


# --- PostgreSQL ------------------------------------------------------------------------------------

class _NotATable(Exception):
    """COPY could not read the file as rows of the headings' width (or as UTF-8)."""


class _Slow(Exception):
    """The quick pass found a rejected row: take the full pass, which also finds repeated rows."""


def _insert_columns() -> list[str]:
    return [*rules.COLUMNS, "baby_id", "family_id", "import_batch_id"]


def _values(batch: ContactImport | None) -> list[str]:
    """The stored value of each insert column, over a checked row (see `_checked`)."""
    return [
        "v_source_system", "v_source_reference", "d_nhs", "v_contact_date::date", "nullif(v_contact_time, '')::time",
        "v_agency_code", "v_contact_type", "v_setting", "lower(v_baby_seen) = 'yes'", "v_sleep_place_observed",
        *(f"translate(lower(v_{c}), ' ' || chr(9), '')" for c in rules.GIVEN_TO), "v_notes",
        "baby_id", "family_id", str(int(batch.pk)) if batch else "NULL",
    ]


def _checked(*, full: bool) -> str:
    """Every staged row, cleaned, with its context (the baby matched, the earlier row it repeats when
    `full`, whether it is already imported): what the rules of `contacts_rules` read."""
    # OFFSET 0 keeps the cleaned values a subquery of their own, so each is computed once per row
    # rather than once per use (the planner would otherwise inline every btrim into every rule).
    return f"""
  SELECT v.*, b.id AS baby_id, b.family_id, {"CASE WHEN d.first_n < v.n THEN d.first_n END" if full else "NULL::bigint"}
         AS first_row, t.id IS NOT NULL AS already
  FROM (SELECT n, {rules.sql_cleaned()} FROM {STAGING} OFFSET 0) v
  LEFT JOIN {Baby._meta.db_table} b ON b.nhs_number = v.d_nhs AND b.nhs_number <> ''
  {"LEFT JOIN dup d ON d.v_source_system = v.v_source_system AND d.v_source_reference = v.v_source_reference" if full else ""}
  LEFT JOIN {TABLE} t ON t.source_system = v.v_source_system AND t.source_reference = v.v_source_reference"""  # noqa: S608


def _statement(*, load: bool, full: bool, on: date, batch: ContactImport | None) -> str:
    """The one query that checks every staged row and, when `load`, inserts the accepted ones.

    The quick pass (`full=False`) inserts every row that passes all rules except "repeated in the
    file" and returns nothing: when it inserted every row, no two rows can share a source reference
    (the unique constraint would have refused), so the file is clean and no report is needed. Any
    rejected row, or a refused repeat, sends the caller to the full pass, which also looks for
    repeated rows and returns every problem."""
    insert_columns, values = ", ".join(_insert_columns()), ", ".join(_values(batch))
    if not full:
        return (f"INSERT INTO {TABLE} ({insert_columns}) SELECT {values} FROM ({_checked(full=False)}) c "  # noqa: S608
                f"WHERE {rules.sql_accepted(on)}")
    insert = (f", ins AS (INSERT INTO {TABLE} ({insert_columns}) SELECT {values} FROM p "  # noqa: S608
              "WHERE cardinality(problems) = 0)") if load else ""
    return f"""
WITH dup AS (
  SELECT v_source_system, v_source_reference, min(n) AS first_n
  FROM (SELECT n, {rules.sql_cleaned()} FROM {STAGING} OFFSET 0) s GROUP BY 1, 2 HAVING count(*) > 1
),
p AS MATERIALIZED (SELECT c.*, {rules.sql_problems(on)} AS problems FROM ({_checked(full=True)}) c){insert}
SELECT n, problems FROM p WHERE cardinality(problems) > 0 ORDER BY n
"""  # noqa: S608


def _create_staging(execute: Callable[[str], Any], *, numbered: bool) -> None:
    """The TEMP staging table: one text column per file column, and `n`, the row's line in the file
    when `numbered` (the full pass reports by it; the quick pass saves numbering a million rows)."""
    execute(f"DROP TABLE IF EXISTS pg_temp.{STAGING}")
    execute(f"CREATE TEMP TABLE {STAGING} (n bigint{' GENERATED ALWAYS AS IDENTITY (START WITH 2)' if numbered else ''}, "
            + ", ".join(f"{c} text" for c in rules.COLUMNS) + ")" + (" ON COMMIT DROP" if numbered else ""))


def _copy_in(cursor: Any, payload: memoryview, columns: list[str], progress: Callable[[int, int], None] | None,
             header: bool = True) -> int:
    """Stream the file into the staging table on a psycopg cursor; the number of rows, or _NotATable."""
    try:
        # PostgreSQL checks the encoding as it reads (client_encoding is UTF8).
        with cursor.copy(f"COPY {STAGING} ({', '.join(columns)}) FROM STDIN (FORMAT csv{', HEADER' if header else ''})") as copy:
            for start in range(0, len(payload), COPY_BLOCK):
                copy.write(payload[start:start + COPY_BLOCK])
                if progress is not None:
                    progress(min(start + COPY_BLOCK, len(payload)), len(payload))
    except (DatabaseError, psycopg.Error) as error:
        raise _NotATable from error
    return int(cursor.rowcount)


def _counted(total: int, max_rows: int | None) -> int:
    if total == 0:
        raise FileRefused("The file has column headings but no contacts.")
    if max_rows is not None and total > max_rows:
        raise _too_many(max_rows)
    return total


def _cuts(data: bytes, start: int, count: int) -> list[memoryview]:
    """The file (from `start`, after any byte order mark) cut into about `count` parts of similar
    size, each ending at a line end outside any quoted value (an even number of double quotes before
    it), so that each part holds whole CSV rows and only the first has the headings."""
    cuts, at, quotes_before = [start], start, 0
    for k in range(1, count):
        pos = data.find(b"\n", max(at, start + (len(data) - start) * k // count))
        while pos >= 0 and (quotes_before + data.count(b'"', at, pos)) % 2:
            pos = data.find(b"\n", pos + 1)
        if pos < 0:
            break
        quotes_before += data.count(b'"', at, pos + 1)
        at = pos + 1
        cuts.append(at)
    cuts.append(len(data))
    whole = memoryview(data)
    return [whole[a:b] for a, b in itertools.pairwise(cuts) if b > a]


@dataclass
class _Source:
    """One connection checking one part of the file (see _pipelined), in a thread of its own."""

    part: memoryview
    header: bool
    rows: int = 0
    failed: BaseException | None = None
    staged: threading.Event = field(default_factory=threading.Event)
    turn: threading.Event = field(default_factory=threading.Event)  # set when the part before has been sent
    sent: threading.Event = field(default_factory=threading.Event)


def _check_part(source: _Source, params: dict[str, Any], columns: list[str], query: str, go: threading.Event,
                stop: threading.Event, out: "queue.Queue[bytes | BaseException | None]",
                progress: Callable[[int, int], None] | None) -> None:
    try:
        with psycopg.connect(**params) as conn, conn.cursor() as cursor:
            cursor.execute("SET work_mem = '256MB'")
            cursor.execute("SET temp_buffers = '1GB'")  # a new session: no temp table yet
            _create_staging(cursor.execute, numbered=False)
            source.rows = _copy_in(cursor, source.part, columns, progress, header=source.header)
            if source.rows > BIG // SOURCES:
                cursor.execute("SET enable_nestloop = off")
            source.staged.set()
            go.wait()
            source.turn.wait()  # parts are sent in the file's order, one at a time
            if stop.is_set():
                return
            block, first = bytearray(), True
            with cursor.copy(query) as rows:
                for row in rows:
                    if len(block) >= COPY_BLOCK // 4:  # sent one row late, so the last block has the trailer
                        if first:  # each part's output starts with the binary COPY header: one is sent
                            del block[:len(BINARY_HEADER)]
                            first = False
                        if not _put(out, bytes(block), stop):
                            return
                        block = bytearray()
                    block += row
            if first:
                del block[:len(BINARY_HEADER)]
            if _put(out, bytes(block[:-len(BINARY_TRAILER)]), stop):
                _put(out, None, stop)
    except BaseException as error:  # handed to the main thread, which raises it
        source.failed = error
        source.staged.set()
        _put(out, error, stop)
    finally:
        source.sent.set()


def _put(out: "queue.Queue[bytes | BaseException | None]", item: bytes | BaseException | None,
         stop: threading.Event) -> bool:
    """Hand a block to the main thread, unless it has stopped reading (then False)."""
    while not stop.is_set():
        with contextlib.suppress(queue.Full):
            out.put(item, timeout=0.2)
            return True
    return False


def _pipelined(data: bytes, start: int, columns: list[str], batch: ContactImport | None, on: date,
               max_rows: int | None, progress: Callable[[int, int], None] | None) -> int | None:
    """The quick pass for a big file, on both cores. The file is cut in SOURCES parts; for each, a
    connection of its own (in a thread) stages the part into its own TEMP table, and then, in the
    file's order, checks it and streams its accepted rows out (`COPY (SELECT …) TO STDOUT`, binary:
    the same SELECT as the one-connection quick pass), while Django's own connection, inside the
    import's transaction and a savepoint, writes them with one `COPY … FROM STDIN` as they arrive.
    So the database checks and writes at once, and later parts are staged while the first is checked.
    Returns the number of rows when every row of the file was loaded; otherwise the savepoint is
    rolled back.

    The checking connections see only committed data: the babies (made before their contacts are
    imported; a baby made in this same transaction is not matched, and the file falls back) and the
    rows already imported (a row written by this transaction but not committed is refused by the
    unique constraint). Raises _Slow when a row was rejected or repeated (in the file, or across
    parts): the full pass must say which. Returns None, having written nothing, when a checking
    connection cannot be opened: the caller takes the one-connection path."""
    params = connection.get_connection_params()
    names = _insert_columns()
    with connection.cursor() as cursor:  # binary COPY needs each value in exactly the column's type
        cursor.execute("SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
                       "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped", [TABLE])
        types = dict(cursor.fetchall())
    values = ", ".join(f"({value})::{types[name]}" for name, value in zip(names, _values(batch), strict=True))
    query = (f"COPY (SELECT {values} FROM ({_checked(full=False)}) c WHERE {rules.sql_accepted(on)}) "  # noqa: S608
             "TO STDOUT (FORMAT binary)")
    parts = _cuts(data, start, SOURCES)
    size = len(data) - start
    sources = [_Source(part, header=index == 0) for index, part in enumerate(parts)]
    go, stop = threading.Event(), threading.Event()
    sources[0].turn = go
    for before, after in itertools.pairwise(sources):
        after.turn = before.sent
    out: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=16)
    scaled = None if progress is None else (  # the first part's staging, as a share of the file
        lambda done, _: progress(min(done * size // len(parts[0]), size), size))
    threads = [threading.Thread(target=_check_part, daemon=True,
                                args=(source, params, columns, query, go, stop, out, scaled if index == 0 else None))
               for index, source in enumerate(sources)]
    try:
        for thread in threads:
            thread.start()
        for source in sources:
            source.staged.wait()
        for source in sources:
            if isinstance(source.failed, psycopg.OperationalError) and not source.rows:
                return None  # no connection
            if source.failed is not None:
                raise source.failed
        total = _counted(sum(source.rows for source in sources), max_rows)
        go.set()
        with connection.cursor() as cursor:
            raw = cursor.cursor
            try:
                with transaction.atomic():
                    with raw.copy(f"COPY {TABLE} ({', '.join(names)}) FROM STDIN (FORMAT binary)") as target:
                        target.write(BINARY_HEADER)
                        finished = 0
                        while finished < len(sources):
                            item = out.get()
                            if item is None:
                                finished += 1
                            elif isinstance(item, BaseException):
                                raise item
                            else:
                                target.write(item)
                        target.write(BINARY_TRAILER)
                    if raw.rowcount != total:
                        raise _Slow  # rolls the savepoint back
            except (IntegrityError, psycopg.IntegrityError):
                raise _Slow from None
        return total
    finally:
        stop.set()
        go.set()
        for source in sources:
            source.sent.set()
        for thread in threads:
            thread.join()


def _postgresql(data: bytes, columns: list[str], batch: ContactImport | None, accepted_only: bool, load: bool, on: date,
                max_rows: int | None, progress: Callable[[int, int], None] | None) -> Outcome:
    outcome = Outcome(loader="postgresql")
    payload = memoryview(data)[3:] if data.startswith(b"\xef\xbb\xbf") else memoryview(data)
    quick = load
    if load and len(payload) >= PIPELINE_BYTES:
        try:
            loaded = _pipelined(data, len(data) - len(payload), columns, batch, on, max_rows, progress)
        except _Slow:
            quick = False  # a row was rejected or repeated: only the full pass can say which
        else:
            if loaded is not None:
                return Outcome(total=loaded, imported=loaded, loader="postgresql-pipelined")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        try:  # room for the staging table in memory; only possible before the session's first temp table
            with transaction.atomic():
                cursor.execute("SET LOCAL temp_buffers = '1GB'")
        except DatabaseError:
            pass
        _create_staging(cursor.execute, numbered=True)
        with transaction.atomic():  # a COPY that fails leaves the transaction usable
            outcome.total = _counted(_copy_in(cursor.cursor, payload, columns, progress), max_rows)
        if outcome.total > BIG:
            # The planner cannot estimate how many rows pass the rules, guesses very few and would look
            # each one's baby up by index: hash joins are several times faster for a big file.
            cursor.execute("SET LOCAL enable_nestloop = off")
        if quick:
            try:
                with transaction.atomic():
                    cursor.execute(_statement(load=True, full=False, on=on, batch=batch))
                    if cursor.rowcount != outcome.total:
                        raise _Slow
                outcome.imported = outcome.total
                cursor.execute("SET LOCAL enable_nestloop TO DEFAULT")
                cursor.execute("SET LOCAL work_mem TO DEFAULT")
                return outcome
            except (_Slow, IntegrityError):
                pass
        # A blank line (COPY reads it as an all-empty row) is skipped by the row-by-row loader: hand over.
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {STAGING} WHERE "  # noqa: S608
                       + " AND ".join(f"coalesce(btrim({c}, ' ' || chr(9) || chr(13) || chr(10)), '') = ''"
                                      for c in rules.COLUMNS) + ")")
        if cursor.fetchone()[0]:
            raise _NotATable
        cursor.execute(_statement(load=load, full=True, on=on, batch=batch))
        for number, found in cursor.fetchall():
            for item in found:
                column, reason = item.split("|", 1)
                outcome.problems.append(Problem(int(number), column, reason))
        cursor.execute("SET LOCAL enable_nestloop TO DEFAULT")
        cursor.execute("SET LOCAL work_mem TO DEFAULT")
    if load:
        outcome.imported = outcome.total - outcome.rejected
    return outcome
