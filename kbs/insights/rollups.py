"""Keeping the cells current: mark a family dirty when it is written to, work its contributions out
again once the write commits, and add the difference to the cells.

- `mark_dirty` is called by `kbs.audit.actions.record_event` for every write with a family. It
  inserts a `DirtyFamily` row in the writer's own transaction (so a crash can never lose it) and
  asks for `refresh` to run as soon as that transaction commits.
- `refresh` locks each family's `FamilyRollup` row (so two refreshes of one family take turns),
  clears its dirty mark, reloads its records, and adds new − old contributions to the cells, in one
  transaction. The cells therefore always equal the sum of the stored contributions.
- `refresh_pending` sweeps dirty families left behind (say the process died between the commit and
  the refresh). `run_clocks` calls it every run; `manage.py refresh_rollups` runs it by hand.
- `rebuild` throws the rollups away and works them all out from the records.

Cells for every agency and every district are kept as well as the fine ones, so a dashboard with
any filter reads at most (keys × months × breakdowns) rows through one index.
"""

import json
import multiprocessing
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import islice

from django.db import OperationalError, connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from kbs.families.models import Family
from kbs.insights import facts, rebuild_worker
from kbs.insights.facts import CellKey
from kbs.insights.models import ALL_AGENCIES, ALL_DISTRICTS, Cell, DirtyFamily, FamilyRollup

_pending = threading.local()
UPSERT_CHUNK = 500


def _pending_ids() -> set[int]:
    if not hasattr(_pending, "ids"):
        _pending.ids = set()
    ids: set[int] = _pending.ids
    return ids


def mark_dirty(family_id: int) -> None:
    """Note that a family changed; its rollup is worked out again when the transaction commits."""
    DirtyFamily.objects.bulk_create([DirtyFamily(family_id=family_id, marked_at=timezone.now())], ignore_conflicts=True)
    pending = _pending_ids()
    pending.add(family_id)
    transaction.on_commit(lambda: _refresh_if_pending(family_id))


def _refresh_if_pending(family_id: int) -> None:
    pending = _pending_ids()
    if family_id in pending:
        pending.discard(family_id)
        refresh([family_id])


def expand(contributions: Iterable[tuple[CellKey, int]]) -> Counter[CellKey]:
    """Each contribution, added to its agency's cell (every district), its district's cell (every
    agency) and the partnership's cell (every agency, every district). `CELLS_SQL` does the same."""
    cells: Counter[CellKey] = Counter()
    for (key, month, agency, district, breakdown), value in contributions:
        cells[(key, month, agency, ALL_DISTRICTS, breakdown)] += value
        cells[(key, month, ALL_AGENCIES, district, breakdown)] += value
        cells[(key, month, ALL_AGENCIES, ALL_DISTRICTS, breakdown)] += value
    return cells


def _encode(contributions: Counter[CellKey]) -> list[list[object]]:
    return [[*k, v] for k, v in sorted(contributions.items())]


def _decode(stored: list[list[object]]) -> Counter[CellKey]:
    out: Counter[CellKey] = Counter()
    for key, month, agency, district, breakdown, value in stored:
        out[(str(key), str(month), int(str(agency)), str(district), str(breakdown))] = int(str(value))
    return out


def _add_to_cells(delta: Counter[CellKey]) -> None:
    """Add `delta` (which may be negative) to the cells, in key order so that concurrent refreshes
    lock rows in the same order."""
    rows = sorted((k, v) for k, v in delta.items() if v)
    if not rows:
        return
    q = connection.ops.quote_name
    table = q(Cell._meta.db_table)
    columns = ", ".join(q(c) for c in ("key", "month", "agency_id", "district", "breakdown", "value"))
    conflict = ", ".join(q(c) for c in ("agency_id", "district", "month", "key", "breakdown"))
    rows_iter = iter(rows)
    with connection.cursor() as cursor:
        while chunk := list(islice(rows_iter, UPSERT_CHUNK)):
            values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk))
            params = [item for (key, value) in chunk for item in (*key, value)]
            # Only quoted model names and placeholders are formatted in; every value is a parameter.
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values} ON CONFLICT ({conflict}) "  # noqa: S608
                f"DO UPDATE SET {q('value')} = {table}.{q('value')} + excluded.{q('value')}",
                params,
            )


def refresh(family_ids: Iterable[int]) -> int:
    """Work out these families' contributions again and add the change to the cells. Returns how
    many families were refreshed."""
    ids = sorted(set(family_ids))
    if not ids:
        return 0
    try:
        return _refresh(ids)
    except OperationalError:
        # Locked by a rebuild (or a very long refresh): the families stay dirty for the next sweep,
        # so a practitioner's request never waits for the dashboard's counts.
        return 0


def _refresh(ids: list[int]) -> int:
    now = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
        existing = set(Family.objects.filter(pk__in=ids).values_list("pk", flat=True))
        FamilyRollup.objects.bulk_create(
            [FamilyRollup(family_id=pk, contributions=[], refreshed_at=now) for pk in sorted(existing)],
            ignore_conflicts=True,
        )
        rollups = {r.pk: r for r in FamilyRollup.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
        DirtyFamily.objects.filter(pk__in=ids).delete()
        data = facts.load(family_ids=ids)
        delta: Counter[CellKey] = Counter()
        changed = []
        for pk, rollup in rollups.items():
            old = _decode(rollup.contributions)
            new = facts.contributions(data[pk]) if pk in data else Counter()
            if new == old:
                continue
            diff: Counter[CellKey] = Counter(new)
            diff.subtract(old)
            delta.update(expand(diff.items()))
            rollup.contributions = _encode(new)
            rollup.refreshed_at = now
            changed.append(rollup)
        _add_to_cells(delta)
        FamilyRollup.objects.bulk_update(changed, ["contributions", "refreshed_at"])
    return len(rollups)


def refresh_pending(batch: int = 500) -> int:
    """Refresh every family still marked dirty. Returns how many were refreshed."""
    done = 0
    while ids := list(DirtyFamily.objects.order_by("pk").values_list("pk", flat=True)[:batch]):
        done += refresh(ids)
    return done


def rebuild(batch: int = 2000, progress: Callable[[int, int], None] | None = None, jobs: int = 1) -> int:
    """Throw the rollups away and work every family's contributions out again, then the cells from
    them in SQL (`CELLS_SQL`), in one transaction. With `jobs` > 1, that many worker processes work
    out the contributions side by side. Families written to meanwhile stay dirty and are refreshed
    afterwards. Returns the number of families."""
    bounds = Family.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    total = Family.objects.count()
    ranges = [] if bounds["lo"] is None else [
        (lo, lo + batch) for lo in range(bounds["lo"], bounds["hi"] + 1, batch)
    ]
    with transaction.atomic():
        q = connection.ops.quote_name
        tables = ", ".join(q(m._meta.db_table) for m in (Cell, FamilyRollup))
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
                # Checks deferred by earlier writes in this transaction must run before a TRUNCATE.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"TRUNCATE {tables}")
            else:
                Cell.objects.all().delete()
                FamilyRollup.objects.all().delete()
        seen = 0
        for rows in _contributions_by_range(ranges, jobs):
            _write(FamilyRollup, ("family_id", "contributions", "refreshed_at"), rows)
            seen += len(rows)
            if progress is not None:
                progress(seen, total)
        with connection.cursor() as cursor:
            cursor.execute(CELLS_SQL[connection.vendor])
    return seen


def contributions_for_range(id_range: tuple[int, int]) -> list[tuple[int, str, datetime]]:
    """(family id, contributions as JSON, now) for the families with ids in [lo, hi)."""
    now = timezone.now()
    return [
        (pk, json.dumps(_encode(facts.contributions(family)), separators=(",", ":")), now)
        for pk, family in facts.load(id_range=id_range).items()
    ]


def _contributions_by_range(ranges: list[tuple[int, int]], jobs: int) -> Iterator[list[tuple[int, str, datetime]]]:
    if jobs <= 1 or len(ranges) < 2:
        yield from map(contributions_for_range, ranges)
        return
    # Fresh processes ("spawn"), each with its own database connection, read the records; this one
    # writes. They read committed data, like any other request.
    with multiprocessing.get_context("spawn").Pool(jobs, initializer=rebuild_worker.start) as pool:
        yield from pool.imap(rebuild_worker.contributions_for_range, ranges)


# The cells from the stored contributions: the same three groupings as `expand`. Only constants are
# formatted into these statements.
_ELEMENTS = {
    "postgresql": """
        SELECT e->>0 AS k, e->>1 AS m, (e->>2)::integer AS a, e->>3 AS d, e->>4 AS b, (e->>5)::bigint AS v
        FROM insights_familyrollup r CROSS JOIN LATERAL jsonb_array_elements(r.contributions) AS e""",
    "sqlite": """
        SELECT json_extract(e.value, '$[0]') AS k, json_extract(e.value, '$[1]') AS m,
               json_extract(e.value, '$[2]') AS a, json_extract(e.value, '$[3]') AS d,
               json_extract(e.value, '$[4]') AS b, json_extract(e.value, '$[5]') AS v
        FROM insights_familyrollup r, json_each(r.contributions) AS e""",
}
_INSERT = 'INSERT INTO insights_cell ("key", "month", "agency_id", "district", "breakdown", "value")'
CELLS_SQL = {
    "postgresql": f"""{_INSERT}
        SELECT k, m, COALESCE(a, {ALL_AGENCIES}), COALESCE(d, '{ALL_DISTRICTS}'), b, SUM(v)
        FROM ({_ELEMENTS["postgresql"]}) AS x
        GROUP BY GROUPING SETS ((k, m, a, b), (k, m, d, b), (k, m, b))
        HAVING SUM(v) <> 0""",  # noqa: S608
    "sqlite": f"""{_INSERT}
        WITH x AS ({_ELEMENTS["sqlite"]})
        SELECT k, m, a, '{ALL_DISTRICTS}', b, SUM(v) FROM x GROUP BY k, m, a, b HAVING SUM(v) <> 0
        UNION ALL SELECT k, m, {ALL_AGENCIES}, d, b, SUM(v) FROM x GROUP BY k, m, d, b HAVING SUM(v) <> 0
        UNION ALL SELECT k, m, {ALL_AGENCIES}, '{ALL_DISTRICTS}', b, SUM(v) FROM x GROUP BY k, m, b HAVING SUM(v) <> 0""",  # noqa: S608
}


def _write(model: type[Cell] | type[FamilyRollup], columns: tuple[str, ...], rows: Iterable[tuple[object, ...]]) -> None:
    """Insert many rows fast: COPY on PostgreSQL, batched INSERTs elsewhere. JSON values come as text."""
    if connection.vendor == "postgresql":
        q = connection.ops.quote_name
        with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {q(model._meta.db_table)} ({', '.join(q(c) for c in columns)}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        return
    iterator = iter(rows)
    while chunk := list(islice(iterator, 2000)):
        objects = []
        for row in chunk:
            values = dict(zip(columns, row, strict=True))
            if model is FamilyRollup:
                values["contributions"] = json.loads(str(values["contributions"]))
            objects.append(model(**values))
        model.objects.bulk_create(objects)  # type: ignore[arg-type]


def cell_totals() -> dict[CellKey, int]:
    """Every non-zero cell, for comparing an incremental rollup with a rebuilt one."""
    return {
        (c.key, c.month, c.agency_id, c.district, c.breakdown): c.value
        for c in Cell.objects.exclude(value=0).order_by()
    }
