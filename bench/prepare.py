#!/usr/bin/env python
"""The Django side of the benchmark, run by bench/run.py with the bench server's environment.

    prepare.py setup --scale S --out plan.json     bench users, their sessions, the request lists, query counts
    prepare.py raw --plan plan.json --out raw.json  time the raw GROUP BY equivalent of the dashboard

Sessions are made directly (SessionStore with the auth session keys), so no sign-in is audited.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.bench_settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from kbs.accounts.models import Agency, Role, User  # noqa: E402

RAW_SQL = (Path(__file__).parent / "raw_query.sql").read_text()
POINTS = ["antenatal", "birth", "new_baby_review", "six_eight_week"]


def session_for(user: User) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    assert store.session_key
    return store.session_key


def bench_user(username: str, agency: Agency | None, role: str, job: str) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"agency": agency, "first_name": "Bench", "last_name": job, "job_title": job, "is_active": True},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.roles.add(Role.objects.get(slug=role))
    return user


def sample_families(n: int, salt: int, exclude: set[int]) -> list[dict[str, Any]]:
    """Families with a born baby and an active lead agency, spread over the whole table."""
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT f.id, f.public_id::text, i.agency_id, split_part(f.postcode, ' ', 1)
            FROM families_family f
            JOIN families_involvement i ON i.family_id = f.id AND i.is_lead_agency AND i.ended_on IS NULL
            WHERE EXISTS (SELECT 1 FROM families_baby b WHERE b.family_id = f.id AND b.date_of_birth IS NOT NULL)
            ORDER BY hashint8extended(f.id, %s)
            LIMIT %s
            """,
            [salt, n + len(exclude)],
        )
        rows = [r for r in cur.fetchall() if r[0] not in exclude][:n]
    return [{"id": r[0], "public_id": r[1], "agency_id": r[2], "district": r[3]} for r in rows]


def adults(family_id: int) -> list[str]:
    with connection.cursor() as cur:
        cur.execute(
            """SELECT public_id::text FROM families_person WHERE family_id = %s
               AND relationship NOT IN ('sibling', 'other_child') ORDER BY id LIMIT 2""",
            [family_id],
        )
        return [r[0] for r in cur.fetchall()]


def contact_body(people: list[str], day: date) -> str:
    fields: list[tuple[str, str]] = [
        ("date-day", str(day.day)), ("date-month", str(day.month)), ("date-year", str(day.year)), ("time", "12:00"),
        ("contact_type", "home_visit"), ("setting", "home"), ("baby_seen", "yes"), ("sleep_place_observed", "cot"),
        ("language", "English"), ("interpreter_used", "no"), ("life_event_note", ""),
        ("notes", "Benchmark contact: safer sleep, safe handling and safe space discussed."), ("shared", "yes"),
    ]
    for person in people:
        fields.append(("present", person))
    for person in people:
        for message in ("safe_sleep", "safe_handling", "safe_space"):
            fields.append((f"msg-{person}-{message}", "yes"))
        fields.append((f"msg-{person}-leaflet", "yes"))
    return urlencode(fields)


def month(day: date, back: int) -> str:
    y, m = day.year, day.month - back
    while m < 1:
        y, m = y - 1, m + 12
    return f"{y:04d}-{m:02d}"


def count_queries(path: str, session: str) -> dict[str, Any]:
    """The queries one GET makes, in-process: a first request warms caches, the second is counted."""
    client = Client()
    client.cookies["sessionid"] = session
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    return {"status": response.status_code, "queries": len(captured.captured_queries)}


def setup(args: argparse.Namespace) -> None:
    today = date.today()
    t1 = sample_families(args.families, 1, set())
    t2 = sample_families(args.families, 2, {f["id"] for f in t1})
    sessions: dict[int, str] = {}

    def hv_session(agency_id: int) -> str:
        if agency_id not in sessions:
            agency = Agency.objects.get(pk=agency_id)
            user = bench_user(f"bench-hv-{agency_id}", agency, "health-visitor", "Health visitor (benchmark)")
            sessions[agency_id] = session_for(user)
        return sessions[agency_id]

    plan: dict[str, Any] = {"T1": [], "T2": [], "T3": []}
    for fam in t1:
        plan["T1"].append({"path": f"/families/{fam['public_id']}/", "cookie": f"sessionid={hv_session(fam['agency_id'])}"})
    yesterday = date.fromordinal(today.toordinal() - 1)
    for fam in t2:
        people = adults(fam["id"])
        plan["T2"].append({
            "path": f"/families/{fam['public_id']}/contacts/new/", "session": hv_session(fam["agency_id"]),
            "body": contact_body(people, yesterday), "people": len(people),
        })

    analyst = bench_user("bench-analyst", None, "analyst", "Partnership analyst (benchmark)")
    analyst_session = session_for(analyst)
    some = t1[0]
    with connection.cursor() as cur:
        cur.execute("SELECT id FROM accounts_agency WHERE agency_type = 'maternity' ORDER BY id LIMIT 1 OFFSET 1")
        maternity = cur.fetchone()[0]
    hv_agency = some["agency_id"]
    # The dashboard's period is from_month/from_year/to_month/to_year; without them it shows the last
    # 12 complete months, which the raw query then uses too. It refuses an agency and a district together.
    frm, to = month(today, 12), month(today, 1)
    combos = [
        {"name": "all agencies, all districts (empty filters: the last 12 complete months)", "from": "", "to": "", "agency": "", "district": "", "point": ""},
        {"name": "last 24 months, all agencies, all districts", "from": month(today, 24), "to": to, "agency": "", "district": "", "point": ""},
        {"name": "last 12 months, one health visiting service", "from": frm, "to": to, "agency": str(hv_agency), "district": "", "point": ""},
        {"name": "last 6 months, one maternity service, birth", "from": month(today, 6), "to": to, "agency": str(maternity), "district": "", "point": "birth"},
        {"name": "last 12 months, one district", "from": frm, "to": to, "agency": "", "district": some["district"], "point": ""},
        {"name": "last 3 months, one district, new baby review", "from": month(today, 3), "to": to, "agency": "", "district": some["district"], "point": "new_baby_review"},
        {"name": "last 12 months, all agencies, 6-8 week point", "from": frm, "to": to, "agency": "", "district": "", "point": "six_eight_week"},
    ]
    for combo in combos:
        params: list[tuple[str, str]] = []
        for end in ("from", "to"):
            if combo[end]:
                params += [(f"{end}_month", str(int(combo[end][5:]))), (f"{end}_year", combo[end][:4])]
        params += [(k, combo[k]) for k in ("agency", "district", "point")]
        combo["raw_from"], combo["raw_to"] = combo["from"] or frm, combo["to"] or to
        plan["T3"].append({"path": f"/dashboard/?{urlencode(params)}", "cookie": f"sessionid={analyst_session}", "filters": combo})

    # Query counts, in-process, for pages of the same kind as the load test's.
    plan["queries"] = {
        "T1": [count_queries(r["path"], r["cookie"].split("=", 1)[1]) for r in plan["T1"][:5]],
        "T3": [count_queries(r["path"], analyst_session) for r in plan["T3"]],
        "hello": count_queries("/hello/", analyst_session),
    }
    plan["sessions"] = len(sessions) + 1
    Path(args.out).write_text(json.dumps(plan, indent=1))


def rollup_totals(cur: Any, params: dict[str, Any]) -> dict[str, list[int]] | None:
    """The same figures from the dashboard's rollup cells (key point.babies and point.all_three, split
    by point), to check that the raw query and the rollups count the same thing."""
    cur.execute("SELECT to_regclass('insights_cell') IS NOT NULL")
    if not cur.fetchone()[0]:
        return None
    cur.execute(
        """SELECT breakdown, key, sum(value) FROM insights_cell
           WHERE agency_id = %(agency)s AND district = %(district)s AND month BETWEEN %(from_month)s AND %(to_month)s
             AND key IN ('point.babies', 'point.all_three') AND (%(point)s = '' OR breakdown = %(point)s)
           GROUP BY breakdown, key""",
        params,
    )
    totals: dict[str, list[int]] = {}
    for point, key, value in cur.fetchall():
        totals.setdefault(point, [0, 0])[0 if key == "point.babies" else 1] += int(value)
    return {k: v for k, v in totals.items() if v != [0, 0]}


def raw(args: argparse.Namespace) -> None:
    plan = json.loads(Path(args.plan).read_text())
    results = []
    with connection.cursor() as cur:
        cur.execute("SET jit = off")
        for entry in plan["T3"]:
            f = entry["filters"]
            params = {"from_month": f["raw_from"], "to_month": f["raw_to"], "agency": int(f["agency"] or 0),
                      "district": f["district"], "point": f["point"]}
            timings = []
            spent = 0.0
            rows: list[Any] = []
            while len(timings) < args.runs and (spent < args.budget or not timings):
                started = time.perf_counter()
                cur.execute(RAW_SQL, params)
                rows = cur.fetchall()
                took = time.perf_counter() - started
                timings.append(took * 1000)
                spent += took
            raw_totals: dict[str, list[int]] = {}
            for _month, point, denominator, numerator in rows:
                totals = raw_totals.setdefault(point, [0, 0])
                totals[0] += denominator
                totals[1] += numerator
            results.append({"filters": f, "runs_ms": [round(t, 1) for t in timings],
                            "median_ms": round(statistics.median(timings), 1), "rows": len(rows),
                            "raw_totals": raw_totals, "rollup_totals": rollup_totals(cur, params)})
            results[-1]["rollups_agree"] = results[-1]["raw_totals"] == results[-1]["rollup_totals"]
    Path(args.out).write_text(json.dumps(results, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("setup")
    p.add_argument("--families", type=int, default=200)
    p.add_argument("--out", required=True)
    p = sub.add_parser("raw")
    p.add_argument("--plan", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--budget", type=float, default=90.0, help="seconds per filter combination, at most")
    args = parser.parse_args()
    {"setup": setup, "raw": raw}[args.command](args)


if __name__ == "__main__":
    main()
