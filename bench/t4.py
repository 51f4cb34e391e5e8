#!/usr/bin/env python
"""T4: importing historic contacts, against a raw PostgreSQL COPY of the same file into the same table.

    bench/t4.py [--rows 1000000] [--babies 20000]      (make bench-t4)

On the benchmark's own cluster (bench/pgcluster.py, durable "serve" settings, as the other figures),
in its own database `kbs_bench_t4` (migrated; 20,000 babies with NHS numbers from the 999 test range
made once), with a deterministic CSV of valid contacts in var/bench/t4-contacts-<rows>.csv, in one run:

  (a) raw: `COPY contacts_historiccontact (the file's columns) FROM STDIN (FORMAT csv, HEADER)`
      streaming the file, committed; timed; then TRUNCATE and CHECKPOINT;
  (b) import: `kbs.imports.contacts_actions.import_contacts` (the PostgreSQL loader, all-or-nothing;
      for a clean file this big, the pipelined quick pass: two more connections each COPY half the
      file into a TEMP staging table and, one after the other, stream the rows that pass every rule
      out with `COPY (SELECT …) TO STDOUT` into one `COPY … FROM STDIN` on the importing connection),
      timed from reading the file to the commit; the loader used is recorded.

Writes bench/results/t4.json and t4.md: rows per second of each, the ratio import/raw (target ≥ 0.7)
and the import's seconds for the rows, scaled to 1 million (target < 45 s).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pgcluster  # noqa: E402

ROOT = pgcluster.ROOT
RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "var" / "bench"
DATABASE = "kbs_bench_t4"
TARGETS = {"ratio": 0.7, "seconds_for_1m": 45.0}
NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
TYPES = ["new_baby_review", "six_eight_week_review", "home_visit", "clinic", "phone_or_video", "community_midwife",
         "immunisation", "birth_discharge"]
AGENCIES = ["health_visiting", "maternity", "gp_practice", "early_help", "police", "housing"]
SETTINGS = ["home", "clinic", "hospital", "phone", "video", "other"]
SLEEP = ["cot", "travel_cot", "not_seen", "adult_bed", "car_seat_or_pram", "cot", "cot", "sofa"]
WHO = ["birth_mother", "birth_mother;father", "birth_mother;mothers_partner", "", "father", "birth_mother;grandparent",
       "other_adult"]


def log(text: str) -> None:
    sys.stderr.write(f"[t4 {datetime.now():%H:%M:%S}] {text}\n")
    sys.stderr.flush()


def nhs_numbers(count: int) -> list[str]:
    """`count` valid NHS numbers from 999 000 0000 up (stems without a valid check digit skipped)."""
    found: list[str] = []
    stem = 999000000
    while len(found) < count:
        digits = f"{stem:09d}"
        check = (11 - sum(int(d) * w for d, w in zip(digits, NHS_WEIGHTS, strict=True)) % 11) % 11
        if check != 10:
            found.append(digits + str(check))
        stem += 1
    return found


def mix(n: int, salt: int) -> int:
    """A cheap deterministic hash of a row number."""
    return ((n * 2654435761 + salt * 40503) ^ (n >> 7)) & 0x7FFFFFFF


def write_csv(path: Path, rows: int, numbers: list[str], anchor: date) -> None:
    from kbs.imports.contacts_rules import COLUMNS

    started = time.monotonic()
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for n in range(1, rows + 1):
            h = mix(n, 1)
            day = anchor - timedelta(days=1 + h % 700)
            writer.writerow([
                "SystmOne" if n % 3 else "RiO", f"C{n:08d}", numbers[h % len(numbers)], day.isoformat(),
                f"{8 + h % 10:02d}:{h % 60:02d}", AGENCIES[h % len(AGENCIES)], TYPES[(h >> 3) % len(TYPES)],
                SETTINGS[(h >> 5) % len(SETTINGS)], "yes" if h % 7 else "no", SLEEP[(h >> 8) % len(SLEEP)],
                WHO[(h >> 11) % len(WHO)], WHO[(h >> 13) % len(WHO)], WHO[(h >> 15) % len(WHO)],
                f"Contact {n}: advice given, family engaged" if h % 4 else "",
            ])
    tmp.rename(path)
    log(f"wrote {rows:,} rows to {path.relative_to(ROOT)} in {time.monotonic() - started:.1f} s")


def prepare(babies: int) -> Any:
    """The importing user, and the babies (made once, in bulk)."""
    from kbs.accounts.models import Agency, AgencyType, Role, Team, User
    from kbs.families.models import Baby, Family

    agency, _ = Agency.objects.get_or_create(name="T4 Health Visiting", defaults={"agency_type": AgencyType.HEALTH_VISITING})
    team, _ = Team.objects.get_or_create(agency=agency, name="T4 team")
    user = User.objects.filter(username="t4-importer").first()
    if user is None:
        user = User.objects.create_user(username="t4-importer", password=None, agency=agency, team=team,
                                        first_name="T4", last_name="Importer")
        user.roles.add(Role.objects.get(slug="health-visitor"))
    have = Baby.objects.count()
    if have < babies:
        started = time.monotonic()
        numbers = nhs_numbers(babies)[have:]
        born = date.today() - timedelta(days=200)
        for start in range(0, len(numbers), 2000):
            chunk = numbers[start:start + 2000]
            families = Family.objects.bulk_create([
                Family(address_line_1=f"{start + i} Bench Street", town="Derby", postcode="DE1 2AB") for i in range(len(chunk))])
            Baby.objects.bulk_create([
                Baby(family=f, family_name="Bench", date_of_birth=born, nhs_number=nhs, sex="female")
                for f, nhs in zip(families, chunk, strict=True)])
        log(f"made {len(numbers):,} babies in {time.monotonic() - started:.1f} s")
    return user


def checkpoint(cursor: Any) -> None:
    cursor.execute("CHECKPOINT")


def measure(path: Path, rows: int, user: Any) -> dict[str, Any]:
    from django.db import connection

    from kbs.contacts.models import ContactImport, HistoricContact
    from kbs.imports import contacts_actions
    from kbs.imports.contacts_rules import COLUMNS, GIVEN_TO

    table = HistoricContact._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table}")
        ContactImport.objects.all().delete()
        cursor.execute(f"VACUUM ANALYZE {table}")
        checkpoint(cursor)
    connection.close()

    # (a) raw COPY of the same file into the same table, one transaction.
    import psycopg

    url = os.environ["DATABASE_URL"]
    with psycopg.connect(url) as conn:
        not_null = ", ".join([*GIVEN_TO, "notes"])
        started = time.monotonic()
        with conn.cursor() as raw_cursor, raw_cursor.copy(
                f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN (FORMAT csv, HEADER, FORCE_NOT_NULL ({not_null}))") as copy, \
                path.open("rb") as source:
            while block := source.read(1 << 20):
                copy.write(block)
        conn.commit()
        raw_seconds = time.monotonic() - started
        raw_rows = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]  # noqa: S608
        conn.execute(f"TRUNCATE {table}")
        conn.commit()
        conn.autocommit = True
        conn.execute(f"VACUUM ANALYZE {table}")
        conn.execute("CHECKPOINT")
    log(f"raw COPY: {raw_rows:,} rows in {raw_seconds:.2f} s")

    # (b) the real import: the PostgreSQL loader, all-or-nothing.
    started = time.monotonic()
    batch = contacts_actions.import_contacts(by=user, data=path.read_bytes(), file_name=path.name, loader="postgresql")
    import_seconds = time.monotonic() - started
    imported = HistoricContact.objects.count()
    from kbs.audit.models import AuditEvent

    event = AuditEvent.objects.filter(object_type__icontains="contactimport").order_by("-id").first()
    loader = event.detail.get("loader", "") if event is not None else ""
    log(f"import: {batch.state}, {imported:,} rows in {import_seconds:.2f} s ({batch.rejected_rows} rejected, "
        f"loader {loader})")
    if batch.state != "imported" or imported != rows or raw_rows != rows:
        raise SystemExit(f"T4 failed: raw {raw_rows}, import {batch.state} {imported} of {rows}, problems "
                         f"{batch.problems[:5]}")
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table}")
    raw_rps, import_rps = rows / raw_seconds, rows / import_seconds
    return {
        "rows": rows, "loader": loader, "raw_seconds": round(raw_seconds, 2), "raw_rows_per_second": round(raw_rps),
        "import_seconds": round(import_seconds, 2), "import_rows_per_second": round(import_rps),
        "ratio": round(import_rps / raw_rps, 3), "import_seconds_for_1m": round(import_seconds * 1_000_000 / rows, 1),
    }


def markdown(r: dict[str, Any]) -> str:
    m = r["T4"]
    ratio_ok = "PASS" if m["ratio"] >= TARGETS["ratio"] else "MISS"
    time_ok = "PASS" if m["import_seconds_for_1m"] < TARGETS["seconds_for_1m"] else "MISS"
    return (
        f"# Benchmark T4: historic contacts import, {r['finished_at']}\n\n"
        f"{m['rows']:,} rows ({r['file_mb']} MB, `{r['file']}`), {r['babies']:,} babies, {r['cores']} cores, "
        f"PostgreSQL {r['postgres']} (durable: fsync and synchronous commit on). Load average before "
        f"{r['load_before']}, after {r['load_after']}.\n\n"
        "| figure | seconds | rows/s | target | result |\n|---|---:|---:|---|---|\n"
        f"| raw `COPY … FROM STDIN (FORMAT csv, HEADER)` into `contacts_historiccontact` | {m['raw_seconds']} | "
        f"{m['raw_rows_per_second']:,} | | |\n"
        f"| import (`import_contacts`, loader `{m.get('loader') or 'postgresql'}`, all-or-nothing) | {m['import_seconds']} | "
        f"{m['import_rows_per_second']:,} | | |\n"
        f"| ratio import / raw (rows/s) | | {m['ratio']} | ≥ {TARGETS['ratio']} | {ratio_ok} |\n"
        f"| import seconds for 1 million rows | {m['import_seconds_for_1m']} | | < {TARGETS['seconds_for_1m']:.0f} s | {time_ok} |\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--babies", type=int, default=20_000)
    args = parser.parse_args(argv)
    cluster = pgcluster.Cluster()
    started_here = cluster.running_pid() is None
    cluster.start("serve")
    try:
        cluster.create_database(DATABASE)
        os.environ.update({"DATABASE_URL": cluster.url(DATABASE), "DJANGO_SETTINGS_MODULE": "kbs.settings",
                           "KBS_ENV": "development", "KBS_DEMO_MODE": "false"})
        sys.path.insert(0, str(ROOT))
        log("migrating kbs_bench_t4")
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--no-input", "-v", "0"], cwd=ROOT, check=True)  # noqa: S603
        import django

        django.setup()
        user = prepare(args.babies)
        WORK.mkdir(parents=True, exist_ok=True)
        path = WORK / f"t4-contacts-{args.rows}.csv"
        if not path.exists():
            write_csv(path, args.rows, nhs_numbers(args.babies), date(2026, 11, 1))
        load_before = [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
        figures = measure(path, args.rows, user)
        result = {
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"), "T4": figures,
            "targets": TARGETS, "babies": args.babies, "file": str(path.relative_to(ROOT)),
            "file_mb": round(path.stat().st_size / 1e6, 1), "cores": os.cpu_count(), "postgres": pgcluster.version(),
            "load_before": load_before, "load_after": [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]],
        }
    finally:
        if started_here:
            cluster.stop()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "t4.json").write_text(json.dumps(result, indent=2) + "\n")
    md = markdown(result)
    (RESULTS / "t4.md").write_text(md)
    sys.stdout.write(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
