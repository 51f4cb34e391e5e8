#!/usr/bin/env python
"""Generate a synthetic year of Keeping Babies Safe data into PostgreSQL, for the benchmark.

    DATABASE_URL=postgres://... .venv/bin/python bench/generate.py --scale tiny|small|national [--force]

Everything is made inside PostgreSQL by `INSERT … SELECT … FROM generate_series(…)`. Every choice is
a deterministic hash of a row's id (`bench.r(id, salt)`, from `hashint8extended`), so the same scale
and anchor date always give the same data. The data are a year of births up to the anchor date (by
default today), with every contact strictly before the anchor day: nothing is in the future.

The database is emptied first (the `public` schema is dropped and migrated again), so the script
refuses a database holding anything but bench data unless `--force`, and always refuses SQLite.
Secondary indexes and unique constraints are dropped for the load and built again afterwards;
foreign keys are not checked during the load (`session_replication_role = replica`), because the
ids are made consistent by construction. No audit or chronology rows are written. Afterwards the
tables are vacuumed and analysed and `manage.py rebuild_rollups` recomputes the dashboard's counts.

Progress goes to stderr; the timings go to `bench.meta` in the database and to a JSON file.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import queue
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kbs.settings")
os.environ.setdefault("KBS_DEMO_MODE", "false")

from bench import names  # noqa: E402

# babies: roughly how many babies (births in the year, plus some not born yet); areas: local areas,
# each with one agency of every type; districts: postcode districts, each in one area.
SCALES: dict[str, dict[str, int]] = {
    "tiny": {"babies": 2_000, "areas": 10, "districts": 100, "chunks": 2},
    "small": {"babies": 20_000, "areas": 40, "districts": 500, "chunks": 4},
    "national": {"babies": 600_000, "areas": 150, "districts": 2_000, "chunks": 24},
}
TWIN_SHARE = 0.015
# Expected delivery dates run from a year before the anchor to this many days after it, so about
# one baby in ten is not born yet.
UNBORN_DAYS = 40
STRIDE = 40  # contact id = family id * STRIDE + template number
LEAD = 0  # user number 0 of each agency is its safeguarding lead
MESSAGES = ["safe_sleep", "safe_handling", "safe_space"]

# Who is present: probabilities for [birth mother, partner, other adult, sibling, second sibling].
PRESENT = {
    "antenatal": (0.99, 0.45, 0.05, 0.05, 0.02),
    "hv_antenatal": (0.98, 0.55, 0.15, 0.10, 0.05),
    "birth": (1.00, 0.85, 0.20, 0.05, 0.02),
    "midwife": (0.98, 0.55, 0.20, 0.20, 0.10),
    "nbr": (0.98, 0.60, 0.25, 0.25, 0.10),
    "six8": (0.97, 0.40, 0.15, 0.20, 0.10),
    "gp": (0.95, 0.30, 0.05, 0.05, 0.02),
    "imm": (0.90, 0.25, 0.10, 0.05, 0.02),
    "clinic": (0.95, 0.15, 0.10, 0.10, 0.05),
    "home": (0.95, 0.40, 0.20, 0.30, 0.10),
    "phone": (0.95, 0.10, 0.00, 0.00, 0.00),
    "ed": (0.90, 0.60, 0.10, 0.00, 0.00),
    "other": (0.90, 0.70, 0.20, 0.30, 0.10),
}
# How many of the three messages each adult present is given, by contact profile (0 universal contact
# point, 1 routine visit, 2 GP and immunisation, 3 other agencies) and person (0 mother, 1 partner,
# 2 other adult): cumulative probabilities of (3, at least 2, at least 1). Fathers are reached less.
MESSAGE_PROFILES = {
    (0, 0): (0.58, 0.74, 0.86), (0, 1): (0.35, 0.50, 0.62), (0, 2): (0.25, 0.35, 0.45),
    (1, 0): (0.25, 0.40, 0.60), (1, 1): (0.12, 0.22, 0.35), (1, 2): (0.05, 0.10, 0.20),
    (2, 0): (0.10, 0.15, 0.30), (2, 1): (0.05, 0.08, 0.15), (2, 2): (0.02, 0.04, 0.08),
    (3, 0): (0.05, 0.10, 0.20), (3, 1): (0.03, 0.05, 0.10), (3, 2): (0.01, 0.02, 0.05),
}
# Agency type numbers (index into names.AGENCY_TYPES).
MAT, HV, GP, CSC, EH, POL, HOU, ED = 0, 1, 2, 3, 4, 5, 6, 7


def _t(k: int, ctype: str, agency: int, base: str, off: int, lo: int, hi: int, prob: float, present: str,
       profile: int, setting: str = "home", setting2: str = "", p1: float = 1.0, minute0: int = 510, span: int = 510,
       ss: float = 0.0, br: float = 0.0, observe: bool = False) -> dict[str, Any]:
    return {"k": k, "ctype": ctype, "agency_t": agency, "base": base, "off": off, "lo": lo, "hi": hi, "prob": prob,
            "setting1": setting, "setting2": setting2 or setting, "p_setting1": p1, "minute0": minute0, "span": span,
            "p": PRESENT[present], "profile": profile, "ss_p": ss, "br_p": br, "observe": observe}


# The contacts a family may have: (offsets in days from the expected delivery date "edd" or the
# date of birth "dob", with a jitter from lo to hi days, and the chance the contact happens).
TEMPLATES = [
    _t(0, "antenatal_booking", MAT, "edd", -203, -10, 10, 0.97, "antenatal", 0, "clinic", "hospital", 0.7),
    _t(1, "hv_antenatal", HV, "edd", -56, -14, 14, 0.80, "hv_antenatal", 0, "home", "clinic", 0.85),
    *[_t(2 + i, "clinic", MAT, "edd", off, -3, 3, p, "antenatal", 1, "clinic", "hospital", 0.8)
      for i, (off, p) in enumerate([(-168, .9), (-105, .75), (-84, .9), (-63, .75), (-42, .9), (-28, .9), (-14, .9), (7, .3)])],
    _t(10, "birth_discharge", MAT, "dob", 0, 0, 2, 0.98, "birth", 0, "hospital", minute0=0, span=1440),
    *[_t(11 + i, "community_midwife", MAT, "dob", off, lo, hi, p, "midwife", 1, observe=True)
      for i, (off, lo, hi, p) in enumerate([(1, 0, 1, 1.0), (3, 0, 1, 1.0), (5, 0, 1, 0.6), (10, -1, 2, 0.3)])],
    _t(15, "new_baby_review", HV, "dob", 10, 0, 4, 0.95, "nbr", 0, ss=0.85, observe=True),
    _t(16, "six_eight_week_review", HV, "dob", 42, 0, 14, 0.88, "six8", 0, "home", "clinic", 0.6, ss=0.6, observe=True),
    _t(17, "gp_six_eight_week", GP, "dob", 42, 0, 14, 0.90, "gp", 0, "clinic"),
    *[_t(18 + i, "immunisation", GP, "dob", off, -3, 5, p, "imm", 2, "clinic")
      for i, (off, p) in enumerate([(56, .93), (84, .90), (112, .88)])],
    _t(21, "immunisation", GP, "dob", 365, -10, 20, 0.85, "imm", 2, "clinic"),
    *[_t(22 + i, "clinic", HV, "dob", off, -7, 7, 0.6, "clinic", 1, "clinic") for i, off in enumerate([21, 35, 70])],
    _t(25, "home_visit", HV, "dob", 30, -10, 10, 0.35, "home", 1, ss=0.3, br=0.005, observe=True),
    _t(26, "home_visit", HV, "dob", 150, -40, 40, 0.25, "home", 1, ss=0.3, br=0.005, observe=True),
    _t(27, "phone_or_video", HV, "dob", 20, -10, 10, 0.40, "phone", 1, "phone", "video", 0.8),
    _t(28, "home_visit", HV, "dob", 105, -14, 14, 0.60, "home", 1, ss=0.3, br=0.003, observe=True),
    _t(29, "clinic", HV, "dob", 300, -30, 30, 0.75, "clinic", 1, "clinic"),
    _t(30, "other", ED, "dob", 10, 0, 320, 0.08, "ed", 3, "hospital", minute0=480, span=480, br=0.5),
    _t(31, "police_attendance", POL, "dob", 0, 0, 330, 0.025, "other", 3, minute0=0, span=1440),
    _t(32, "housing_visit", HOU, "dob", 0, 0, 330, 0.02, "other", 3),
    _t(33, "other", EH, "dob", 0, 0, 330, 0.03, "other", 3),
    _t(34, "home_visit", CSC, "dob", 30, 0, 300, 0.015, "other", 3, observe=True),
    _t(35, "clinic", HV, "dob", 49, -7, 7, 0.5, "clinic", 1, "clinic"),
    _t(36, "clinic", HV, "dob", 90, -10, 10, 0.5, "clinic", 1, "clinic"),
    _t(37, "phone_or_video", MAT, "edd", -120, -20, 20, 0.4, "phone", 1, "phone", "video", 0.9),
    _t(38, "home_visit", MAT, "edd", -21, -7, 7, 0.3, "antenatal", 1, observe=True),
    _t(39, "clinic", HV, "dob", 200, -30, 30, 0.5, "clinic", 1, "clinic"),
]
assert all(t["k"] == i for i, t in enumerate(TEMPLATES))
assert len(TEMPLATES) <= STRIDE

SAFER_SLEEP_FLAGS = {
    "raised": ["SS-BED-SHARING", "SS-SMOKING", "SS-BACK-SOMETIMES", "SS-UNSAFE-SPACE", "SS-CAR-SEAT",
               "SS-SEPARATE-ROOM", "SS-TEMPERATURE", "SS-OUT-OF-ROUTINE", "SS-PETS-CHILDREN-IN-BED",
               "SS-TIRED-BED-SHARING"],
    "high": ["SS-SOFA", "SS-HAZARDOUS-BED-SHARING", "SS-PREMATURE-OR-SMALL", "SS-FRONT-OR-SIDE", "SS-NO-SLEEP-SPACE"],
}
BRUISING_FLAGS = {
    "universal": ["BR-MOBILE-ACCIDENTAL", "BR-DOCUMENTED-BIRTHMARK"],
    "urgent": ["BR-NON-MOBILE", "BR-TEN4-FACESP", "BR-EXPLANATION", "BR-BIRTHMARK-DOUBT"],
    "emergency": ["BR-EMERGENCY"],
}
# Tables the generator fills (their indexes are dropped for the load and built again).
TABLES = [
    "accounts_agency", "accounts_user", "accounts_user_roles", "families_family", "families_baby", "families_person",
    "families_involvement", "contacts_contact", "contacts_contact_present", "contacts_messagedelivery",
    "tools_assessment", "tools_safesleepplan", "concerns_concern", "concerns_referral", "concerns_transition",
    "concerns_task", "prebirth_prebirthcase", "prebirth_milestonerecord",
]
BASE_TABLES_WITH_DATA = ["accounts_agency", "accounts_user", "families_family", "contacts_contact"]


# --- progress ------------------------------------------------------------------------------------

class Progress:
    """Step lines on stderr: elapsed time, step, rows, the step's own time; a bar for chunked steps."""

    def __init__(self) -> None:
        self.t0 = time.monotonic()
        self.steps: dict[str, float] = {}
        self.lock = threading.Lock()
        self.tty = sys.stderr.isatty()

    def elapsed(self) -> float:
        return time.monotonic() - self.t0

    def line(self, text: str, *, end: str = "\n") -> None:
        with self.lock:
            sys.stderr.write(f"\r[{self.elapsed():7.1f}s] {text}{end}")
            sys.stderr.flush()

    def done(self, step: str, started: float, rows: int | None = None, note: str = "") -> None:
        took = time.monotonic() - started
        self.steps[step] = round(self.steps.get(step, 0) + took, 2)
        count = f"{rows:>12,} rows" if rows is not None else " " * 17
        self.line(f"{step:<34} {count}  {took:7.1f}s {note}".rstrip())

    def bar(self, step: str, done: int, total: int, started: float, note: str) -> None:
        if not self.tty and done not in (0, total) and done % max(1, total // 10):
            return
        width = 20
        filled = int(width * done / total)
        text = f"{step:<34} [{'#' * filled}{'-' * (width - filled)}] {done}/{total}  {note}  {time.monotonic() - started:6.1f}s"
        self.line(text, end="" if self.tty and done < total else "\n")


# --- the database --------------------------------------------------------------------------------

def connect() -> Any:
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    conn = psycopg.connect(
        dbname=db["NAME"], user=db.get("USER") or None, password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None, port=db.get("PORT") or None, autocommit=True,
    )
    conn.execute("SET synchronous_commit = off")
    conn.execute("SET jit = off")
    conn.execute("SET work_mem = '256MB'")
    conn.execute("SET maintenance_work_mem = '1GB'")
    conn.execute("SET max_parallel_maintenance_workers = 0")
    try:
        conn.execute("SET session_replication_role = replica")  # no FK triggers: ids are consistent by construction
    except psycopg.Error as error:  # not a superuser: foreign keys are checked, the load is slower
        sys.stderr.write(f"note: foreign keys will be checked during the load ({error})\n")
    return conn


def scalar(conn: Any, sql: str, params: Any = None) -> Any:
    row = conn.execute(sql, params).fetchone()
    return row[0] if row else None


def check_target(conn: Any, force: bool) -> bool:
    """True when the database already holds tables (it will be emptied). Refuses non-bench data."""
    tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    is_bench = scalar(conn, "SELECT to_regclass('bench.meta') IS NOT NULL")
    if not is_bench:
        holding = [t for t in BASE_TABLES_WITH_DATA if t in tables and scalar(conn, f"SELECT EXISTS (SELECT 1 FROM {t})")]  # noqa: S608
        if holding and not force:
            raise SystemExit(
                f"Refusing: this database holds data that the bench did not make ({', '.join(holding)}). "
                "The generator empties the database first. Use another database, or --force to wipe it."
            )
    return bool(tables)


def reset_schema(conn: Any) -> None:
    conn.execute("DROP SCHEMA IF EXISTS bench CASCADE")
    conn.execute("DROP SCHEMA public CASCADE")
    conn.execute("CREATE SCHEMA public AUTHORIZATION pg_database_owner")
    conn.execute("GRANT USAGE ON SCHEMA public TO PUBLIC")


def migrate() -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--no-input", "-v", "0"], check=True, cwd=ROOT)  # noqa: S603


# --- SQL helpers ---------------------------------------------------------------------------------

def sql_text_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]::text[]"


def pick(values: list[str], key: str, salt: int) -> str:
    """SQL: one of `values`, chosen by the hash of `key`."""
    return f"({sql_text_array(values)})[1 + floor(bench.r({key}, {salt}) * {len(values)})::int]"


def local_ts(day_sql: str, minutes_sql: str) -> str:
    """SQL: a timestamptz for a local (Europe/London) day and minutes after midnight."""
    return f"((({day_sql})::timestamp + make_interval(mins => ({minutes_sql})::int)) AT TIME ZONE 'Europe/London')"


def end_of_local_day(day_sql: str) -> str:
    return f"((({day_sql})::timestamp + time '23:59:59') AT TIME ZONE 'Europe/London')"


def local_date(ts_sql: str) -> str:
    return f"(({ts_sql}) AT TIME ZONE 'Europe/London')::date"


HELPERS = """
CREATE SCHEMA bench;
CREATE TABLE bench.meta (key text PRIMARY KEY, value jsonb NOT NULL);
-- A deterministic pseudo-random number in [0, 1) for (id, salt).
CREATE FUNCTION bench.r(bigint, bigint) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT (hashint8extended($1, $2) & 9007199254740991)::float8 / 9007199254740992.0 $$;
-- A deterministic integer in [0, n).
CREATE FUNCTION bench.ri(bigint, bigint, int) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT floor((hashint8extended($1, $2) & 9007199254740991)::float8 / 9007199254740992.0 * $3)::int $$;
-- An NHS number in the test range 999 000 000x (with its check digit), or '' when n has none.
CREATE FUNCTION bench.nhs(n bigint) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN n >= 1000000 OR c = 10 THEN '' ELSE s || c::text END
  FROM (SELECT s, (11 - ((substr(s,1,1)::int*10 + substr(s,2,1)::int*9 + substr(s,3,1)::int*8 + substr(s,4,1)::int*7
        + substr(s,5,1)::int*6 + substr(s,6,1)::int*5 + substr(s,7,1)::int*4 + substr(s,8,1)::int*3
        + substr(s,9,1)::int*2) % 11)) % 11 AS c
        FROM (SELECT '999' || lpad(n::text, 6, '0') AS s) x) y $$;
CREATE TABLE bench.district (idx int PRIMARY KEY, code text NOT NULL, area int NOT NULL, town text NOT NULL);
CREATE TABLE bench.agency (id bigint PRIMARY KEY, area int NOT NULL, t int NOT NULL, nstaff int NOT NULL,
  role_id bigint NOT NULL, job text NOT NULL);
CREATE TABLE bench.template (k int PRIMARY KEY, ctype text, agency_t int, base text, off int, lo int, hi int,
  prob float8, setting1 text, setting2 text, p_setting1 float8, minute0 int, span int,
  p0 float8, p1 float8, p2 float8, p3 float8, p4 float8, profile int, ss_p float8, br_p float8, observe bool,
  nstaff int);
CREATE TABLE bench.msgprof (profile int, grp int, c3 float8, c2 float8, c1 float8, PRIMARY KEY (profile, grp));
CREATE TABLE bench.calendar (day date PRIMARY KEY, next_wd date NOT NULL, fifth_wd date NOT NULL);
"""


# --- the generator -------------------------------------------------------------------------------

class Generator:
    def __init__(self, scale: str, anchor: date, jobs: int, progress: Progress) -> None:
        self.scale = scale
        cfg = SCALES[scale]
        self.F = round(cfg["babies"] / (1 + TWIN_SHARE))  # families
        self.A = cfg["areas"]
        self.D = cfg["districts"]
        self.chunks = cfg["chunks"]
        self.anchor = anchor
        self.jobs = jobs
        self.p = progress
        per_area = self.F / self.A
        self.nstaff = [max(2, math.ceil(rate * per_area / 1000)) for _, _, _, rate in names.AGENCY_TYPES]
        self.NT = len(names.AGENCY_TYPES)
        self.roles: dict[str, int] = {}
        self.dropped: list[tuple[str, str]] = []  # (table, statement to build it again)

    # Common SQL fragments ------------------------------------------------------------------------

    def day(self, off_sql: str) -> str:
        return f"(DATE '{self.anchor.isoformat()}' + ({off_sql}))"

    def agency_id(self, area_sql: str, t: int | str) -> str:
        return f"(({area_sql}) * {self.NT} + ({t}) + 1)"

    def staff(self, agency_sql: str, number_sql: str) -> str:
        return f"(({agency_sql}) * 1000 + ({number_sql}))"

    def random_staff(self, area_sql: str, t: int, key: str, salt: int) -> str:
        return self.staff(self.agency_id(area_sql, t), f"1 + bench.ri({key}, {salt}, {self.nstaff[t]})")

    def lead(self, area_sql: str, t: int | str) -> str:
        return self.staff(self.agency_id(area_sql, t), str(LEAD))

    # Steps ---------------------------------------------------------------------------------------

    def run(self, conn: Any) -> dict[str, int]:
        self.reference(conn)
        self.drop_indexes(conn)
        self.agencies_and_users(conn)
        self.families(conn)
        self.contacts()
        self.concerns(conn)
        self.prebirth(conn)
        self.rebuild_indexes()
        self.finish(conn)
        return self.counts(conn)

    def reference(self, conn: Any) -> None:
        started = time.monotonic()
        conn.execute(HELPERS)
        self.roles = dict(conn.execute("SELECT slug, id FROM accounts_role").fetchall())
        missing = {"health-visitor", "midwife", "gp", "practitioner", "safeguarding-lead"} - set(self.roles)
        if missing:
            raise SystemExit(f"The roles {sorted(missing)} are missing: did migrate run?")
        # Districts: each area gets a block of district numbers under its postcode letters.
        areas = names.AREAS[: self.A]
        if len(areas) < self.A:
            raise SystemExit(f"Only {len(names.AREAS)} area names are known; the scale asks for {self.A}.")
        counters: dict[str, int] = {}
        districts = []
        for idx in range(self.D):
            area = idx * self.A // self.D
            prefix = areas[area][1]
            counters[prefix] = counters.get(prefix, 0) + 1
            districts.append((idx, f"{prefix}{counters[prefix]}", area, areas[area][0]))
        with conn.cursor() as cur, cur.copy("COPY bench.district FROM STDIN") as copy:
            for row in districts:
                copy.write_row(row)
        with conn.cursor() as cur, cur.copy("COPY bench.agency FROM STDIN") as copy:
            for area in range(self.A):
                for t, (_, _, role, _) in enumerate(names.AGENCY_TYPES):
                    job = {"midwife": "Midwife", "health-visitor": "Health visitor", "gp": "GP"}.get(role, "Practitioner")
                    copy.write_row((area * self.NT + t + 1, area, t, self.nstaff[t], self.roles[role], job))
        with conn.cursor() as cur, cur.copy("COPY bench.template FROM STDIN") as copy:
            for t in TEMPLATES:
                copy.write_row((t["k"], t["ctype"], t["agency_t"], t["base"], t["off"], t["lo"], t["hi"], t["prob"],
                                t["setting1"], t["setting2"], t["p_setting1"], t["minute0"], t["span"], *t["p"],
                                t["profile"], t["ss_p"], t["br_p"], t["observe"], self.nstaff[t["agency_t"]]))
        with conn.cursor() as cur, cur.copy("COPY bench.msgprof FROM STDIN") as copy:
            for (profile, grp), (c3, c2, c1) in MESSAGE_PROFILES.items():
                copy.write_row((profile, grp, c3, c2, c1))
        from kbs.core.clocks import add_working_days

        with conn.cursor() as cur, cur.copy("COPY bench.calendar FROM STDIN") as copy:
            first = self.anchor - timedelta(days=900)
            for i in range(960):
                day = first + timedelta(days=i)
                copy.write_row((day, add_working_days(day, 1), add_working_days(day, 5)))
        # One row per family with everything later steps derive from: district and area, the
        # reference day (birth, or expected delivery when not born yet) relative to the anchor,
        # gestation, who is in the household (bit s set: person slot s exists), language.
        ref_window = 365 + UNBORN_DAYS
        conn.execute(f"""
            CREATE TABLE bench.fam AS
            SELECT id, district, district * {self.A} / {self.D} AS area, ref_off, gest,
                   CASE WHEN ref_off < 0 THEN ref_off + (40 - gest) * 7 ELSE ref_off END AS edd_off,
                   ref_off < 0 AS born, slots, twin, lang, lang <> 'English' AND bench.r(id, 10) < 0.45 AS interp, surname
            FROM (
              SELECT f AS id, bench.ri(f, 1, {self.D}) AS district,
                     -365 + bench.ri(f, 5, {ref_window}) AS ref_off,
                     CASE WHEN g < 0.01 THEN 28 + bench.ri(f, 16, 6) WHEN g < 0.08 THEN 34 + bench.ri(f, 16, 3)
                          WHEN g < 0.14 THEN 37 WHEN g < 0.30 THEN 38 WHEN g < 0.57 THEN 39 WHEN g < 0.82 THEN 40
                          WHEN g < 0.97 THEN 41 ELSE 42 END AS gest,
                     1 | (CASE WHEN bench.r(f, 11) < 0.8 THEN 2 ELSE 0 END) | (CASE WHEN bench.r(f, 12) < 0.2 THEN 4 ELSE 0 END)
                       | (CASE WHEN bench.r(f, 13) < 0.45 THEN 8 + (CASE WHEN bench.r(f, 14) < 0.3 THEN 16 ELSE 0 END) ELSE 0 END) AS slots,
                     bench.r(f, 7) < {TWIN_SHARE} AS twin,
                     CASE WHEN bench.r(f, 8) < 0.86 THEN 'English' ELSE {pick(names.LANGUAGES, 'f', 9)} END AS lang,
                     {pick(names.SURNAMES, 'f', 15)} AS surname
              FROM generate_series(1, {self.F}) f, LATERAL (SELECT bench.r(f, 6) AS g) gg
            ) x;
            ALTER TABLE bench.fam ADD PRIMARY KEY (id);
            ANALYZE bench.fam;
        """)  # noqa: S608
        self.p.done("reference tables", started, self.F)

    def drop_indexes(self, conn: Any) -> None:
        """Drop unique constraints (not primary keys) and secondary indexes of the tables we fill."""
        started = time.monotonic()
        oids = "ARRAY[" + ",".join(f"'public.{t}'::regclass" for t in TABLES) + "]"
        constraints = conn.execute(f"""
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE contype = 'u' AND conrelid = ANY({oids})""").fetchall()  # noqa: S608
        indexes = conn.execute(f"""
            SELECT indrelid::regclass::text, indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i
            WHERE indrelid = ANY({oids}) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """).fetchall()  # noqa: S608
        for table, name, definition in constraints:
            try:
                conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            except Exception:  # noqa: BLE001, S112 - something depends on it: keep it
                continue
            self.dropped.append((table, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
        for table, name, definition in indexes:
            conn.execute(f"DROP INDEX {name}")
            self.dropped.append((table, definition))
        for table in TABLES:
            conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
        self.p.done("drop indexes", started, len(self.dropped), "indexes and unique constraints")

    def agencies_and_users(self, conn: Any) -> None:
        started = time.monotonic()
        type_values = [t[0] for t in names.AGENCY_TYPES]
        patterns = [t[1] for t in names.AGENCY_TYPES]
        conn.execute(f"""
            INSERT INTO accounts_agency (id, name, agency_type, safeguarding_email)
            SELECT a.id, replace(({sql_text_array(patterns)})[a.t + 1], '{{area}}', d.town),
                   ({sql_text_array(type_values)})[a.t + 1], 'safeguarding.' || a.id || '@example.nhs.uk'
            FROM bench.agency a JOIN (SELECT DISTINCT area, town FROM bench.district) d ON d.area = a.area
        """)  # noqa: S608
        conn.execute(f"""
            INSERT INTO accounts_user (id, password, last_login, is_superuser, username, first_name, last_name, email,
                                       is_staff, is_active, date_joined, job_title, is_kbs_champion, agency_id, team_id)
            SELECT u, '!bench-no-password', NULL, false, 'bench' || u,
                   CASE WHEN bench.r(u, 2) < 0.8 THEN {pick(names.FEMALE, 'u', 3)} ELSE {pick(names.MALE, 'u', 3)} END,
                   {pick(names.SURNAMES, 'u', 4)}, 'bench' || u || '@example.nhs.uk', false, true,
                   TIMESTAMPTZ '{self.anchor.isoformat()}' - interval '2 years',
                   CASE WHEN k = {LEAD} THEN 'Safeguarding lead' ELSE a.job END, bench.r(u, 5) < 0.05, a.id, NULL
            FROM bench.agency a, LATERAL generate_series(0, a.nstaff) k, LATERAL (SELECT a.id * 1000 + k AS u) uu;
            INSERT INTO accounts_user_roles (id, user_id, role_id)
            SELECT u.id, u.id, CASE WHEN u.id % 1000 = {LEAD} THEN {self.roles['safeguarding-lead']} ELSE a.role_id END
            FROM accounts_user u JOIN bench.agency a ON a.id = u.agency_id;
        """)  # noqa: S608
        self.p.done("agencies and users", started, scalar(conn, "SELECT count(*) FROM accounts_user"))

    def families(self, conn: Any) -> None:
        started = time.monotonic()
        letters = list("ABDEFGHJLNPQRSTUWXYZ")
        booked = self.day("f.edd_off - 203")
        created = local_ts(f"LEAST({booked}, {self.day('-1')})", "540 + bench.ri(f.id, 22, 480)")
        midwife = self.random_staff("f.area", MAT, "f.id", 21)
        conn.execute(f"""
            INSERT INTO families_family (id, public_id, address_line_1, address_line_2, town, postcode, language,
                                         interpreter_needed, version, created_at, created_by_id)
            SELECT f.id, md5('family' || f.id)::uuid, (1 + bench.ri(f.id, 20, 180)) || ' ' || {pick(names.STREETS, 'f.id', 23)},
                   '', d.town,
                   d.code || ' ' || bench.ri(f.id, 2, 10) || {pick(letters, 'f.id', 3)} || {pick(letters, 'f.id', 4)},
                   f.lang, f.interp, 1, {created}, {midwife}
            FROM bench.fam f JOIN bench.district d ON d.idx = f.district
        """)  # noqa: S608
        self.p.done("families", started, self.F)

        started = time.monotonic()
        mobility = """CASE WHEN NOT f.born THEN 'not_rolling' WHEN -f.ref_off < 120 THEN 'not_rolling'
            WHEN -f.ref_off < 180 THEN 'rolling' WHEN -f.ref_off < 240 THEN 'sitting'
            WHEN -f.ref_off < 300 THEN 'crawling_or_shuffling' WHEN -f.ref_off < 360 THEN 'pulling_to_stand_or_cruising'
            ELSE 'walking' END"""
        conn.execute(f"""
            INSERT INTO families_baby (id, public_id, given_name, family_name, expected_delivery_date, date_of_birth,
                                       nhs_number, sex, gestation_at_birth_weeks, birth_weight_g, multiple_birth,
                                       mobility, version, created_at, family_id)
            SELECT b.id, md5('baby' || b.id)::uuid,
                   CASE WHEN NOT f.born THEN (CASE WHEN bench.r(b.id, 31) < 0.1 THEN {pick(names.FEMALE, 'b.id', 32)} ELSE '' END)
                        WHEN b.female THEN {pick(names.FEMALE, 'b.id', 33)} ELSE {pick(names.MALE, 'b.id', 33)} END,
                   f.surname, {self.day('f.edd_off')}, CASE WHEN f.born THEN {self.day('f.ref_off')} END,
                   CASE WHEN f.born THEN bench.nhs(b.id) ELSE '' END,
                   CASE WHEN NOT f.born THEN '' WHEN b.female THEN 'female' ELSE 'male' END,
                   CASE WHEN f.born THEN f.gest END,
                   CASE WHEN f.born THEN greatest(400, least(6000, 3450 + (f.gest - 40) * 190 - (CASE WHEN f.twin THEN 700 ELSE 0 END)
                        + bench.ri(b.id, 34, 1000) - 500)) END,
                   f.twin, {mobility}, 1,
                   {local_ts(f"LEAST({booked}, {self.day('-1')})", "540 + bench.ri(f.id, 22, 480)")}, f.id
            FROM bench.fam f,
                 LATERAL (SELECT f.id AS id, bench.r(f.id, 30) < 0.49 AS female
                          UNION ALL SELECT {self.F} + f.id, bench.r({self.F} + f.id, 30) < 0.49 WHERE f.twin) b
        """)  # noqa: S608
        self.p.done("babies", started, scalar(conn, "SELECT count(*) FROM families_baby"))

        started = time.monotonic()
        rel = f"""CASE s WHEN 0 THEN 'birth_mother'
                 WHEN 1 THEN CASE WHEN bench.r(f.id, 41) < 0.78 THEN 'father' ELSE 'mothers_partner' END
                 WHEN 2 THEN {pick(['grandparent'] * 7 + ['other_relative', 'family_friend', 'other_adult'], 'f.id', 42)}
                 ELSE 'sibling' END"""
        female = "(s = 0 OR (s = 1 AND bench.r(f.id, 41) >= 0.78 AND bench.r(f.id, 43) < 0.15) OR (s >= 2 AND bench.r(pid, 44) < 0.6))"
        years = "CASE s WHEN 0 THEN 18 + bench.ri(pid, 45, 25) WHEN 1 THEN 19 + bench.ri(pid, 45, 28) WHEN 2 THEN 42 + bench.ri(pid, 45, 30) ELSE 1 + bench.ri(pid, 45, 11) END"
        conn.execute(f"""
            INSERT INTO families_person (id, public_id, given_name, family_name, date_of_birth, nhs_number, relationship,
                                         lives_in_household, regular_carer, parental_responsibility, last_seen_on,
                                         version, created_at, family_id)
            SELECT pid, md5('person' || pid)::uuid,
                   CASE WHEN {female} THEN {pick(names.FEMALE, 'pid', 46)} ELSE {pick(names.MALE, 'pid', 46)} END,
                   CASE WHEN s IN (0, 3, 4) AND bench.r(pid, 47) < 0.75 OR s = 1 AND bench.r(pid, 47) < 0.6 THEN f.surname
                        ELSE {pick(names.SURNAMES, 'pid', 48)} END,
                   {self.day('f.ref_off')} - ({years}) * 365 - bench.ri(pid, 49, 365),
                   '', {rel},
                   CASE s WHEN 0 THEN true WHEN 1 THEN bench.r(pid, 50) < 0.85 WHEN 2 THEN bench.r(pid, 50) < 0.3 ELSE true END,
                   CASE s WHEN 0 THEN true WHEN 1 THEN bench.r(pid, 50) < 0.85 OR bench.r(pid, 51) < 0.5
                          WHEN 2 THEN bench.r(pid, 51) < 0.8 ELSE false END,
                   CASE s WHEN 0 THEN true WHEN 1 THEN bench.r(f.id, 41) < 0.78 AND bench.r(pid, 52) < 0.92 ELSE false END,
                   NULL, 1, {local_ts(f"LEAST({booked}, {self.day('-1')})", "540 + bench.ri(f.id, 22, 480)")}, f.id
            FROM bench.fam f, generate_series(0, 4) s, LATERAL (SELECT f.id * 5 + s AS pid) p
            WHERE (f.slots >> s) & 1 = 1
        """)  # noqa: S608
        self.p.done("people", started, scalar(conn, "SELECT count(*) FROM families_person"))

        started = time.monotonic()
        hv = self.staff(self.agency_id("f.area", HV), f"1 + f.id % {self.nstaff[HV]}")
        conn.execute(f"""
            INSERT INTO families_involvement (id, is_lead_agency, reason, lawful_basis, started_on, ended_on, created_at,
                                              agency_id, created_by_id, family_id, lead_professional_id, team_id)
            SELECT f.id * 3, true, 'Universal health visiting service: the family''s named health visitor.', 'public_task',
                   {self.day('f.edd_off - 60')}, NULL::date, {local_ts(self.day('f.edd_off - 60'), '600')},
                   {self.agency_id('f.area', HV)}, {hv}, f.id, {hv}, NULL::bigint
            FROM bench.fam f
            UNION ALL
            SELECT f.id * 3 + 1, false, 'Maternity care from booking to discharge.', 'direct_care',
                   {booked}, CASE WHEN f.born AND f.ref_off + 28 < 0 THEN {self.day('f.ref_off + 28')} END,
                   {created}, {self.agency_id('f.area', MAT)}, {midwife}, f.id, {midwife}, NULL
            FROM bench.fam f
        """)  # noqa: S608
        self.p.done("involvements", started, scalar(conn, "SELECT count(*) FROM families_involvement"))

    # Contacts, the people present, the messages, assessments: in chunks of families, in parallel.

    def contact_chunk_sql(self) -> str:
        day = "CASE WHEN t.base = 'edd' THEN f.edd_off ELSE f.ref_off END + t.off + t.lo + bench.ri(cid, 2, t.hi - t.lo + 1)"
        sleep_place = """CASE WHEN NOT (s.observe AND s.setting = 'home') THEN 'not_seen'
            ELSE (CASE WHEN u < 0.82 THEN 'cot' WHEN u < 0.86 THEN 'travel_cot' WHEN u < 0.91 THEN 'adult_bed'
                       WHEN u < 0.92 THEN 'sofa' WHEN u < 0.95 THEN 'car_seat_or_pram' WHEN u < 0.97 THEN 'unsafe_space'
                       ELSE 'not_seen' END) END"""
        return f"""
        WITH src AS (
          SELECT cid, f.id AS fid, f.area, f.born, f.ref_off, f.lang, f.interp, t.k, t.ctype, t.base, t.agency_t, t.observe,
                 t.nstaff, t.minute0, t.span,
                 CASE WHEN bench.r(cid, 4) < t.p_setting1 THEN t.setting1 ELSE t.setting2 END AS setting,
                 {day} AS day
          FROM bench.fam f CROSS JOIN bench.template t, LATERAL (SELECT f.id * {STRIDE} + t.k AS cid) cc
          WHERE f.id BETWEEN %(lo)s AND %(hi)s AND bench.r(cid, 1) < t.prob
        ), s AS (
          SELECT src.*, {local_ts(self.day('day'), 'minute0 + bench.ri(cid, 3, span)')} AS at,
                 {self.agency_id('area', 'agency_t')} AS agency_id, bench.r(cid, 7) AS u
          FROM src
          WHERE day < 0 AND (base <> 'edd' OR NOT born OR day < ref_off)
        ), c AS (
          INSERT INTO contacts_contact (id, public_id, at, contact_type, setting, baby_seen, sleep_place_observed, language,
                                        interpreter_used, notes, shared, created_at, agency_id, family_id, practitioner_id)
          SELECT cid, md5('contact' || cid)::uuid, at, ctype, setting, base = 'dob' AND bench.r(cid, 5) < 0.95,
                 {sleep_place}, CASE WHEN interp THEN lang ELSE 'English' END, interp AND bench.r(cid, 6) < 0.8,
                 CASE WHEN bench.r(cid, 8) < 0.3 THEN {pick(names.NOTES, 'cid', 9)} ELSE '' END, bench.r(cid, 10) < 0.98,
                 at + interval '25 minutes', agency_id, fid,
                 agency_id * 1000 + 1 + (CASE WHEN agency_t = {HV} THEN mod(fid, nstaff) ELSE bench.ri(cid, 11, nstaff) END)
          FROM s
          RETURNING id, family_id
        ), p AS (
          INSERT INTO contacts_contact_present (id, contact_id, person_id)
          SELECT c.id * 5 + g.s, c.id, c.family_id * 5 + g.s
          FROM c JOIN bench.fam f ON f.id = c.family_id AND f.id BETWEEN %(lo)s AND %(hi)s
                 JOIN bench.template t ON t.k = mod(c.id, {STRIDE})
                 CROSS JOIN generate_series(0, 4) g(s)
          WHERE (f.slots >> g.s) & 1 = 1 AND bench.r(c.id * 5 + g.s, 12) < (ARRAY[t.p0, t.p1, t.p2, t.p3, t.p4])[g.s + 1]
          RETURNING id, contact_id, person_id
        )
        INSERT INTO contacts_messagedelivery (id, message, leaflet_given, understanding_checked, contact_id, person_id)
        SELECT p.id * 3 + j, ({sql_text_array(MESSAGES)})[j + 1], bench.r(p.id * 3 + j, 13) < 0.6,
               bench.r(p.id * 3 + j, 14) < 0.5, p.contact_id, p.person_id
        FROM p JOIN bench.template t ON t.k = mod(p.contact_id, {STRIDE})
               JOIN bench.msgprof m ON m.profile = t.profile AND m.grp = mod(p.id, 5)::int
               CROSS JOIN generate_series(0, 2) j,
               LATERAL (SELECT bench.r(p.id, 15) AS u, bench.ri(p.id, 16, 3) AS rot) x
        WHERE mod(p.id, 5) < 3
          AND mod(j - x.rot + 3, 3) < (CASE WHEN x.u < m.c3 THEN 3 WHEN x.u < m.c2 THEN 2 WHEN x.u < m.c1 THEN 1 ELSE 0 END)
        """  # noqa: S608

    def assessment_chunk_sql(self) -> str:
        ss_level = "CASE WHEN bench.r(c.id, 31) < 0.78 THEN 'universal' WHEN bench.r(c.id, 31) < 0.96 THEN 'raised' ELSE 'high' END"
        br_level = "CASE WHEN bench.r(c.id, 41) < 0.55 THEN 'universal' WHEN bench.r(c.id, 41) < 0.90 THEN 'urgent' ELSE 'emergency' END"

        def flags(table: dict[str, list[str]], level: str, salt: int) -> str:
            cases = " ".join(f"WHEN '{lv}' THEN {pick(fl, 'c.id', salt)}" for lv, fl in table.items())
            return f"CASE {level} {cases} END"

        versions = tool_versions()
        return f"""
        WITH src AS (
          SELECT c.id, c.family_id, c.at, c.practitioner_id, c.agency_id, t.ss_p, t.br_p,
                 bench.r(c.id, 30) < t.ss_p AS ss, bench.r(c.id, 40) < t.br_p AS br
          FROM contacts_contact c JOIN bench.template t ON t.k = mod(c.id, {STRIDE})
          WHERE c.id BETWEEN %(lo)s * {STRIDE} AND %(hi)s * {STRIDE} + {STRIDE - 1} AND (t.ss_p > 0 OR t.br_p > 0)
        ), a AS (
          INSERT INTO tools_assessment (id, public_id, tool_slug, tool_version, status, answers, settings_applied, outcome,
              level, confirmed_actions, actions_not_taken_reason, csc_referral_at, csc_referral_reference,
              medical_review_at, medical_review_where, steps_not_recorded_reason, signed_off_at, sign_off_note,
              lead_notified_at, correction_reason, created_at, updated_at, completed_at, version, baby_id,
              completed_by_id, corrects_id, created_by_id, family_id, signed_off_by_id)
          SELECT c.id * 2, md5('assessment' || c.id * 2)::uuid, 'safer-sleep', '{versions['safer-sleep']}', 'completed',
                 '{{}}', '{{}}', jsonb_build_object('level', lv, 'flags',
                    CASE WHEN lv = 'universal' THEN '[]'::jsonb ELSE jsonb_build_array({flags(SAFER_SLEEP_FLAGS, 'lv', 32)}) END),
                 lv, '[]', '', NULL, '', NULL, '', '', NULL, '', NULL, '',
                 c.at + interval '5 minutes', c.at + interval '20 minutes', c.at + interval '20 minutes', 1, c.family_id,
                 c.practitioner_id, NULL, c.practitioner_id, c.family_id, NULL
          FROM src c, LATERAL (SELECT {ss_level} AS lv) l
          WHERE c.ss
          RETURNING id, level, completed_at, created_by_id
        ), plans AS (
          INSERT INTO tools_safesleepplan (id, night_sleep_place, day_sleep_place, out_of_routine_plan, agreed_with,
                                           other_actions, review_on, created_at, assessment_id, created_by_id)
          SELECT a.id, 'In their own cot in the parents'' bedroom', 'In the Moses basket in the living room, on their back',
                 'The travel cot goes with us when we stay at Nan''s', CASE WHEN bench.r(a.id, 35) < 0.6 THEN 'Mother and father' ELSE 'Mother' END,
                 CASE WHEN a.level = 'universal' THEN '' ELSE 'Smoke-free home discussed; review before the holiday.' END,
                 {local_date('a.completed_at')} + 28, a.completed_at + interval '5 minutes', a.id, a.created_by_id
          FROM a WHERE a.level <> 'universal' OR bench.r(a.id, 36) < 0.15
          RETURNING id
        )
        INSERT INTO tools_assessment (id, public_id, tool_slug, tool_version, status, answers, settings_applied, outcome,
              level, confirmed_actions, actions_not_taken_reason, csc_referral_at, csc_referral_reference,
              medical_review_at, medical_review_where, steps_not_recorded_reason, signed_off_at, sign_off_note,
              lead_notified_at, correction_reason, created_at, updated_at, completed_at, version, baby_id,
              completed_by_id, corrects_id, created_by_id, family_id, signed_off_by_id)
        SELECT c.id * 2 + 1, md5('assessment' || c.id * 2 + 1)::uuid, 'bruising', '{versions['bruising']}', 'completed',
               '{{}}', '{{}}', jsonb_build_object('level', lv, 'flags', jsonb_build_array({flags(BRUISING_FLAGS, 'lv', 42)})),
               lv, '[]', '',
               CASE WHEN steps THEN done + make_interval(mins => 30 + bench.ri(c.id, 43, 60)) END,
               CASE WHEN steps THEN 'CSC-' || lpad(mod(c.id, 1000000)::text, 6, '0') ELSE '' END,
               CASE WHEN steps THEN done + make_interval(mins => 120 + bench.ri(c.id, 44, 180)) END,
               CASE WHEN steps THEN 'Paediatric assessment unit' ELSE '' END,
               CASE WHEN lv <> 'universal' AND NOT steps
                    THEN 'The family left before the call could be made; the police were asked to check on the baby.' ELSE '' END,
               CASE WHEN lv <> 'universal' AND NOT steps THEN done + interval '2 hours' END,
               CASE WHEN lv <> 'universal' AND NOT steps THEN 'Countersigned after speaking to the practitioner.' ELSE '' END,
               CASE WHEN lv <> 'universal' THEN done END, '',
               c.at + interval '5 minutes', done, done, 1, c.family_id, c.practitioner_id, NULL, c.practitioner_id,
               c.family_id, CASE WHEN lv <> 'universal' AND NOT steps THEN (c.agency_id * 1000 + {LEAD}) END
        FROM src c, LATERAL (SELECT {br_level} AS lv, c.at + interval '25 minutes' AS done) l,
             LATERAL (SELECT lv <> 'universal' AND bench.r(c.id, 45) < 0.92 AS steps) st
        WHERE c.br
        """  # noqa: S608

    def contacts(self) -> None:
        started = time.monotonic()
        n = self.chunks
        bounds = [(1 + i * self.F // n, (i + 1) * self.F // n) for i in range(n)]
        contact_sql, assessment_sql = self.contact_chunk_sql(), self.assessment_chunk_sql()
        done = 0
        messages = 0
        lock = threading.Lock()
        pool: queue.Queue[Any] = queue.Queue()
        for _ in range(self.jobs):
            pool.put(connect())

        def work(lo: int, hi: int) -> int:
            conn = pool.get()
            try:
                with conn.cursor() as cur:
                    cur.execute(contact_sql, {"lo": lo, "hi": hi})
                    rows = cur.rowcount
                    cur.execute("SET enable_seqscan = off")
                    cur.execute(assessment_sql, {"lo": lo, "hi": hi})
                    cur.execute("RESET enable_seqscan")
                return rows
            finally:
                pool.put(conn)

        self.p.bar("contacts, present, messages, tools", 0, n, started, "")
        with ThreadPoolExecutor(self.jobs) as executor:
            for rows in executor.map(lambda b: work(*b), bounds):
                with lock:
                    done += 1
                    messages += rows
                self.p.bar("contacts, present, messages, tools", done, n, started, f"{messages:,} messages")
        while not pool.empty():
            pool.get().close()
        self.p.done("contacts, present, messages, tools", started, messages, "(message rows)")

    def concerns(self, conn: Any) -> None:
        """Concerns with decisions, referrals with acknowledgements and outcomes, their transitions,
        tasks and the involvement a referral brings: states and clocks consistent with each other."""
        started = time.monotonic()
        a = self.anchor.isoformat()
        now = f"(TIMESTAMP '{a} 00:00' AT TIME ZONE 'Europe/London')"
        types = [MAT, HV, GP, POL, ED, EH]
        agency_t = f"(ARRAY{types})[1 + (CASE WHEN u < 0.15 THEN 0 WHEN u < 0.75 THEN 1 WHEN u < 0.80 THEN 2 WHEN u < 0.87 THEN 3 WHEN u < 0.95 THEN 4 ELSE 5 END)]"
        categories = ["injury", "unsafe_sleep", "unsafe_sleep", "neglect", "domestic_abuse", "domestic_abuse",
                      "substance_misuse", "mental_health", "mental_health", "unknown_adult", "housing", "crying", "other"]
        conn.execute(f"""
            CREATE TABLE bench.cr AS
            WITH base AS (
              SELECT f.id AS fid, f.area, f.born, {agency_t} AS agency_t,
                     f.ref_off - 60 + bench.ri(f.id, 61, 200) AS raise_day,
                     CASE WHEN bench.r(f.id, 62) < 0.25 THEN 'low' WHEN bench.r(f.id, 62) < 0.75 THEN 'medium' ELSE 'high' END AS severity
              FROM bench.fam f, LATERAL (SELECT bench.r(f.id, 63) AS u) uu
              WHERE bench.r(f.id, 60) < 0.04
            ), raised AS (
              SELECT b.*, {self.agency_id('b.area', 'b.agency_t')} AS agency_id,
                     {local_ts(self.day('b.raise_day'), '540 + bench.ri(b.fid, 64, 480)')} AS raised_at
              FROM base b WHERE b.raise_day < 0
            ), due AS (
              SELECT r.*, CASE WHEN r.severity = 'high' THEN {end_of_local_day(local_date('r.raised_at'))}
                               ELSE {end_of_local_day('cal.next_wd')} END AS due_at
              FROM raised r JOIN bench.calendar cal ON cal.day = {local_date('r.raised_at')}
            ), decided AS (
              SELECT d.*, d.agency_id * 1000 + 1 + bench.ri(d.fid, 65, (SELECT nstaff FROM bench.agency WHERE id = d.agency_id)) AS raised_by,
                     d.agency_id * 1000 + {LEAD} AS lead_id,
                     CASE WHEN d.raise_day >= -3 AND bench.r(d.fid, 72) < 0.5 THEN {now} + interval '1 day'
                          WHEN bench.r(d.fid, 66) < 0.08 THEN d.due_at + make_interval(mins => 60 + bench.ri(d.fid, 67, 1200))
                          ELSE d.raised_at + make_interval(mins => 30 + bench.ri(d.fid, 67, 300)) END AS decision_time,
                     CASE WHEN bench.r(d.fid, 68) < 0.30 THEN 'advice' WHEN bench.r(d.fid, 68) < 0.50 THEN 'early_help'
                          WHEN bench.r(d.fid, 68) < 0.75 THEN 'refer_csc' WHEN bench.r(d.fid, 68) < 0.80 THEN 'refer_police'
                          ELSE 'no_further_action' END AS decision_choice,
                     {pick(categories, 'd.fid', 69)} AS category
              FROM due d
            )
            SELECT x.*,
                   CASE WHEN NOT x.is_decided THEN 'raised' WHEN x.closed_at IS NOT NULL THEN 'closed' ELSE 'decided' END AS state
            FROM (
              SELECT d.*, d.decision_time < {now} AS is_decided,
                     CASE WHEN d.decision_time < {now} AND bench.r(d.fid, 70) < 0.5
                               AND d.decision_time + make_interval(days => 1 + bench.ri(d.fid, 71, 30)) < {now}
                          THEN d.decision_time + make_interval(days => 1 + bench.ri(d.fid, 71, 30)) END AS closed_at,
                     CASE WHEN d.due_at < LEAST(d.decision_time, {now}) THEN d.due_at + interval '15 minutes' END AS escalated
              FROM decided d
            ) x
        """)  # noqa: S608
        conn.execute(f"""
            INSERT INTO concerns_concern (id, public_id, raised_at, category, what_was_seen, severity, state, decision,
                                          rationale, decided_at, decision_due_at, escalated_at, agency_id, baby_id,
                                          decided_by_id, family_id, raised_by_id)
            SELECT fid, md5('concern' || fid)::uuid, raised_at, category,
                   'Seen at a routine contact: see the practitioner''s notes. Discussed with the family.', severity, state,
                   CASE WHEN is_decided THEN decision_choice ELSE '' END,
                   CASE WHEN is_decided THEN 'Decided with the practitioner after reviewing the record.' ELSE '' END,
                   CASE WHEN is_decided THEN decision_time END, due_at, escalated, agency_id, fid,
                   CASE WHEN is_decided THEN lead_id END, fid, raised_by
            FROM bench.cr;
            CREATE TABLE bench.rf AS
            SELECT x.*, CASE WHEN x.ack_at IS NULL THEN 'made' WHEN x.outcome_at IS NULL THEN 'acknowledged' ELSE 'outcome_recorded' END AS ref_state
            FROM (
              SELECT y.*, CASE WHEN y.ack_at IS NOT NULL AND bench.r(y.fid, 82) < 0.75
                                    AND y.ack_at + make_interval(days => 1 + bench.ri(y.fid, 83, 14)) < {now}
                               THEN y.ack_at + make_interval(days => 1 + bench.ri(y.fid, 83, 14)) END AS outcome_at
              FROM (
                SELECT z.*, CASE WHEN z.ack_time < {now} THEN z.ack_time END AS ack_at,
                       CASE WHEN z.ack_due < LEAST(z.ack_time, {now}) THEN z.ack_due + interval '15 minutes' END AS ref_escalated
                FROM (
                  SELECT m.*, {end_of_local_day('cal.next_wd')} AS ack_due,
                         CASE WHEN bench.r(m.fid, 80) < 0.12 THEN {end_of_local_day('cal.next_wd')} + make_interval(mins => 60 + bench.ri(m.fid, 81, 1500))
                              ELSE m.made_at + make_interval(mins => 120 + bench.ri(m.fid, 81, 1300)) END AS ack_time
                  FROM (
                    SELECT c.*, CASE c.decision_choice WHEN 'refer_csc' THEN 'csc' WHEN 'refer_police' THEN 'police' ELSE 'early_help' END AS ref_to,
                           LEAST(c.decision_time + make_interval(mins => 30 + bench.ri(c.fid, 79, 210)), {now} - interval '1 minute') AS made_at
                    FROM bench.cr c
                    WHERE c.is_decided AND c.decision_choice IN ('refer_csc', 'refer_police', 'early_help')
                  ) m JOIN bench.calendar cal ON cal.day = {local_date('m.made_at')}
                ) z
              ) y
            ) x;
        """)  # noqa: S608
        outcomes = {
            "csc": ["child_in_need", "child_in_need", "no_further_action", "advice", "early_help", "strategy_discussion",
                    "child_protection_enquiry", "no_further_action"],
            "police": ["police_investigation", "police_investigation", "no_further_action", "advice"],
            "early_help": ["early_help", "early_help", "early_help", "advice", "no_further_action"],
        }
        outcome = "CASE ref_to " + " ".join(f"WHEN '{k}' THEN {pick(v, 'fid', 84)}" for k, v in outcomes.items()) + " END"
        to_agency = f"CASE ref_to WHEN 'csc' THEN {CSC} WHEN 'police' THEN {POL} ELSE {EH} END"
        conn.execute(f"""
            INSERT INTO concerns_referral (id, public_id, made_at, "to", how, to_whom, reference, state, acknowledged_at,
                                           acknowledgement_due_at, outcome, outcome_note, outcome_at, escalated_at,
                                           agency_id, concern_id, family_id, made_by_id)
            SELECT fid, md5('referral' || fid)::uuid, made_at, ref_to,
                   {pick(['phone', 'phone', 'online_form', 'online_form', 'secure_email'], 'fid', 85)},
                   'Duty worker at the front door', 'REF-' || lpad(fid::text, 7, '0'), ref_state, ack_at, ack_due,
                   CASE WHEN outcome_at IS NOT NULL THEN {outcome} ELSE '' END,
                   CASE WHEN outcome_at IS NOT NULL THEN 'Outcome confirmed by e-mail from the receiving team.' ELSE '' END,
                   outcome_at, ref_escalated, agency_id, fid, fid, raised_by
            FROM bench.rf;
            INSERT INTO concerns_transition (id, from_state, to_state, at, note, by_id, concern_id, referral_id)
            SELECT fid * 8, '', 'raised', raised_at, '', raised_by, fid, NULL::bigint FROM bench.cr
            UNION ALL SELECT fid * 8 + 1, 'raised', 'decided', decision_time, '', lead_id, fid, NULL FROM bench.cr WHERE is_decided
            UNION ALL SELECT fid * 8 + 2, 'decided', 'closed', closed_at, 'Nothing more to do.', lead_id, fid, NULL
                      FROM bench.cr WHERE closed_at IS NOT NULL
            UNION ALL SELECT fid * 8 + 3, '', 'made', made_at, '', raised_by, NULL::bigint, fid FROM bench.rf
            UNION ALL SELECT fid * 8 + 4, 'made', 'acknowledged', ack_at, '', raised_by, NULL, fid FROM bench.rf WHERE ack_at IS NOT NULL
            UNION ALL SELECT fid * 8 + 5, 'acknowledged', 'outcome_recorded', outcome_at, '', raised_by, NULL, fid
                      FROM bench.rf WHERE outcome_at IS NOT NULL;
            INSERT INTO concerns_task (id, public_id, kind, title, due_at, urgent, state, created_at, completed_at,
                                       completion_note, escalated_at, source_type, source_id, agency_id, assigned_to_id,
                                       baby_id, completed_by_id, created_by_id, family_id)
            SELECT fid * 4, md5('task' || fid * 4)::uuid, 'decide_concern', 'Decide on a concern', due_at, severity = 'high',
                   CASE WHEN is_decided THEN 'done' ELSE 'open' END, raised_at,
                   CASE WHEN is_decided THEN decision_time END, '', escalated, 'concern', md5('concern' || fid)::uuid::text,
                   agency_id, NULL, fid, CASE WHEN is_decided THEN lead_id END, raised_by, fid
            FROM bench.cr
            UNION ALL
            SELECT fid * 4 + 1, md5('task' || fid * 4 + 1)::uuid, 'chase_acknowledgement',
                   'Chase acknowledgement of the referral', ack_due, severity = 'high',
                   CASE WHEN ack_at IS NOT NULL THEN 'done' ELSE 'open' END, made_at, ack_at, '', ref_escalated,
                   'referral', md5('referral' || fid)::uuid::text, agency_id, raised_by, fid,
                   CASE WHEN ack_at IS NOT NULL THEN raised_by END, raised_by, fid
            FROM bench.rf
            UNION ALL
            SELECT fid * 4 + 2, md5('task' || fid * 4 + 2)::uuid, 'record_outcome', 'Record the outcome of the referral',
                   {end_of_local_day('cal.fifth_wd')}, false,
                   CASE WHEN outcome_at IS NOT NULL THEN 'done' ELSE 'open' END, ack_at, outcome_at, '', NULL,
                   'referral', md5('referral' || fid)::uuid::text, agency_id, raised_by, fid,
                   CASE WHEN outcome_at IS NOT NULL THEN raised_by END, raised_by, fid
            FROM bench.rf JOIN bench.calendar cal ON cal.day = {local_date('ack_at')}
            WHERE ack_at IS NOT NULL;
            INSERT INTO families_involvement (id, is_lead_agency, reason, lawful_basis, started_on, ended_on, created_at,
                                              agency_id, created_by_id, family_id, lead_professional_id, team_id)
            SELECT fid * 3 + 2, false, 'Working with the family after a referral.', 'legal_obligation',
                   {local_date('ack_at')},
                   CASE WHEN outcome_at IS NOT NULL AND {outcome} IN ('no_further_action', 'advice') THEN {local_date('outcome_at')} END,
                   ack_at, {self.agency_id('area', to_agency)}, NULL, fid, NULL, NULL
            FROM bench.rf WHERE ack_at IS NOT NULL;
        """)  # noqa: S608
        self.p.done("concerns, referrals, tasks", started, scalar(conn, "SELECT count(*) FROM concerns_concern"))

    def prebirth(self, conn: Any) -> None:
        started = time.monotonic()
        weeks = json.dumps({"planning_meeting": [20, 16], "conference": [28, 24], "delivery_plan": [32, 28]})
        conn.execute(f"""
            CREATE TABLE bench.pb AS
            SELECT f.id AS fid, f.area, f.born, f.ref_off, f.edd_off, f.edd_off - 203 + 7 + bench.ri(f.id, 91, 28) AS trigger_day,
                   bench.r(f.id, 92) < 0.2 AS premature,
                   {self.random_staff('f.area', MAT, 'f.id', 93)} AS midwife, {self.lead('f.area', MAT)} AS lead_id
            FROM bench.fam f
            WHERE bench.r(f.id, 90) < 0.004 AND f.edd_off - 203 + 35 < 0;
            DELETE FROM bench.pb WHERE trigger_day >= 0 OR (born AND trigger_day >= ref_off);
            INSERT INTO prebirth_prebirthcase (id, public_id, trigger_found_on, premature_birth_likely, weeks_applied, state,
                                               opened_at, closed_at, close_reason, agency_id, assessment_id, baby_id,
                                               closed_by_id, family_id, opened_by_id)
            SELECT fid, md5('prebirth' || fid)::uuid, {self.day('trigger_day')}, premature, '{weeks}'::jsonb,
                   CASE WHEN born AND ref_off + 10 < 0 THEN 'closed' ELSE 'open' END,
                   {local_ts(self.day('trigger_day'), '660')},
                   CASE WHEN born AND ref_off + 10 < 0 THEN {local_ts(self.day('ref_off + 10'), '720')} END,
                   CASE WHEN born AND ref_off + 10 < 0 THEN 'The baby went home with the agreed plan in place.' ELSE '' END,
                   {self.agency_id('area', MAT)}, NULL, fid, CASE WHEN born AND ref_off + 10 < 0 THEN lead_id END, fid, midwife
            FROM bench.pb;
            INSERT INTO prebirth_milestonerecord (id, code, done_on, note, at, by_id, referral_id, case_id)
            SELECT fid * 5 + n, code, {self.day('done')}, '', {local_ts(self.day('done'), '900')}, midwife, NULL, fid
            FROM (
              SELECT pb.*, m.n, m.code,
                     CASE m.n WHEN 0 THEN trigger_day
                              WHEN 4 THEN ref_off + 1
                              ELSE GREATEST(trigger_day + 1, edd_off - (40 - (CASE WHEN premature THEN m.pw ELSE m.w END)) * 7
                                            - bench.ri(fid * 5 + m.n, 94, 10) + (CASE WHEN bench.r(fid * 5 + m.n, 95) < 0.1 THEN 12 ELSE 0 END)) END AS done
              FROM bench.pb pb CROSS JOIN (VALUES (0, 'referral', 0, 0), (1, 'planning_meeting', 20, 16),
                                                  (2, 'conference', 28, 24), (3, 'delivery_plan', 32, 28),
                                                  (4, 'discharge_planning', 0, 0)) m(n, code, w, pw)
              WHERE m.n < 4 OR pb.born
            ) x
            WHERE done < 0 AND (NOT born OR n = 4 OR done <= ref_off);
        """)  # noqa: S608
        self.p.done("pre-birth cases and milestones", started, scalar(conn, "SELECT count(*) FROM prebirth_prebirthcase"))

    def rebuild_indexes(self) -> None:
        started = time.monotonic()
        n = len(self.dropped)
        # Biggest tables first, so the two workers finish together.
        size = {t: i for i, t in enumerate(["contacts_messagedelivery", "contacts_contact_present", "contacts_contact"])}
        work = sorted(self.dropped, key=lambda d: size.get(d[0], 99))
        pool: queue.Queue[Any] = queue.Queue()
        for _ in range(self.jobs):
            pool.put(connect())

        def build(statement: str) -> None:
            conn = pool.get()
            try:
                conn.execute(statement)
            finally:
                pool.put(conn)

        done = 0
        self.p.bar("build indexes", 0, n, started, "")
        with ThreadPoolExecutor(self.jobs) as executor:
            for _ in executor.map(lambda d: build(d[1]), work):
                done += 1
                self.p.bar("build indexes", done, n, started, "")
        while not pool.empty():
            pool.get().close()
        self.p.done("build indexes", started, n, "indexes and unique constraints")

    def finish(self, conn: Any) -> None:
        started = time.monotonic()
        for table in TABLES:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT max(id) FROM {table}), 1))")  # noqa: S608
            conn.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")
        self.p.done("sequences", started)
        started = time.monotonic()
        pool: queue.Queue[Any] = queue.Queue()
        for _ in range(self.jobs):
            pool.put(connect())

        def vacuum(table: str) -> None:
            c = pool.get()
            try:
                c.execute(f"VACUUM (ANALYZE) {table}")
            finally:
                pool.put(c)

        big_first = ["contacts_messagedelivery", "contacts_contact_present", "contacts_contact"]
        tables = big_first + [t for t in TABLES if t not in big_first]
        done = 0
        self.p.bar("vacuum and analyse", 0, len(tables), started, "")
        with ThreadPoolExecutor(self.jobs) as executor:
            for _ in executor.map(vacuum, tables):
                done += 1
                self.p.bar("vacuum and analyse", done, len(tables), started, "")
        while not pool.empty():
            pool.get().close()
        conn.execute("ANALYZE")
        self.p.done("vacuum and analyse", started)

    def counts(self, conn: Any) -> dict[str, int]:
        return {t: int(scalar(conn, f"SELECT count(*) FROM {t}")) for t in TABLES}  # noqa: S608


def tool_versions() -> dict[str, str]:
    import yaml

    specs = ROOT / "kbs" / "tools" / "specs"
    return {slug: str(yaml.safe_load((specs / f"{slug}.yaml").read_text())["version"]) for slug in ("safer-sleep", "bruising")}


def rebuild_rollups(progress: Progress) -> str:
    from django.core.management import get_commands

    started = time.monotonic()
    if "rebuild_rollups" not in get_commands():
        progress.line("WARNING: manage.py rebuild_rollups does not exist yet: the dashboard's counts were not built")
        return "missing"
    progress.line("manage.py rebuild_rollups ...")
    done = subprocess.run([sys.executable, str(ROOT / "manage.py"), "rebuild_rollups", "--jobs", str(os.cpu_count() or 1)], check=False, cwd=ROOT)  # noqa: S603
    progress.done("rebuild_rollups", started)
    if done.returncode != 0:
        progress.line(f"WARNING: manage.py rebuild_rollups failed (exit {done.returncode}): the base tables are loaded; "
                      "bench/run.py tries the rollups again before measuring")
        return "failed"
    return "done"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--anchor", type=date.fromisoformat, default=None,
                        help="the day the data lead up to (default today); same scale and anchor, same data")
    parser.add_argument("--jobs", type=int, default=2, help="parallel database sessions (default 2)")
    parser.add_argument("--force", action="store_true", help="wipe a database that holds data the bench did not make")
    parser.add_argument("--report", type=Path, default=None, help="where to write the timings as JSON")
    parser.add_argument("--skip-rollups", action="store_true", help="do not run manage.py rebuild_rollups")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit(f"Refusing: the bench data need PostgreSQL, and DATABASE_URL points at {connection.vendor}.")
    connection.close()

    progress = Progress()
    anchor = args.anchor or date.today()
    conn = connect()
    started_at = datetime.now().astimezone()
    progress.line(f"Generating the {args.scale} scale ({SCALES[args.scale]['babies']:,} babies), anchor {anchor}, "
                  f"into {conn.info.dbname} on {conn.info.host}:{conn.info.port}")
    started = time.monotonic()
    check_target(conn, args.force)
    reset_schema(conn)
    progress.done("empty the database", started)
    started = time.monotonic()
    migrate()
    progress.done("migrate", started)

    generator = Generator(args.scale, anchor, args.jobs, progress)
    counts = generator.run(conn)
    load_seconds = progress.elapsed()
    rollups = "skipped" if args.skip_rollups else rebuild_rollups(progress)
    total = progress.elapsed()
    report = {
        "scale": args.scale, "anchor": anchor.isoformat(), "started_at": started_at.isoformat(timespec="seconds"),
        "seconds_total": round(total, 1), "seconds_base_tables": round(load_seconds, 1),
        "seconds_rollups": round(progress.steps.get("rebuild_rollups", 0.0), 1), "rollups": rollups,
        "steps": progress.steps, "counts": counts, "jobs": args.jobs, "families": generator.F,
        "areas": generator.A, "districts": generator.D,
    }
    conn.execute("INSERT INTO bench.meta (key, value) VALUES ('generation', %s)", [json.dumps(report)])
    conn.close()
    path = args.report
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2) + "\n")
    progress.line(f"Done in {total:.1f}s: " + ", ".join(f"{k.split('_', 1)[1]} {v:,}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
