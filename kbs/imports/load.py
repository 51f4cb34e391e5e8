"""Loading checked births: which rows match a baby KBS already has, and creating the rest through
the families app's own actions (so each new family gets its audit rows, chronology entries and
dashboard counts exactly as if it had been registered on the web). ADR 0017 gives the reasons.

What each accepted row does, decided by `plan_births` before anything is written:

- **NHS number match**: a baby with the row's NHS number exists. It is left exactly as it is:
  nothing is updated and no involvement is recorded, because a file could otherwise be used to gain
  access to a family, or to overwrite what a practitioner recorded.
- **Unborn baby match**: no baby has the NHS number, but one unborn baby (no date of birth, not
  recorded as died) has an expected delivery date within `WINDOW_DAYS` of the row's date of birth
  and a birth mother (a person in the same family) with the row's mother's NHS number. That record
  becomes the born baby through `kbs.families.actions.record_birth`, as on the web, so the
  pre-birth work stays attached and its follow-up tasks are made. Still no involvement is recorded.
- **Twins**: a second row for the same mother takes a second unborn baby in that family if there is
  one, otherwise becomes a new baby in the same family (as does a second row for a mother whose
  first row made a new family).
- **Rejected**: unborn babies in more than one family could be this baby. KBS does not guess.
- **New**: otherwise a new family with the baby and the mother in it.

Where the candidates come from: on PostgreSQL the accepted rows are streamed with COPY into a
temporary staging table and matched in two joins; elsewhere by ORM queries in chunks. Both give the
same `Lookup`, and the same `Planner` turns it into the plan, so the two paths cannot disagree.
"""

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection

from kbs.accounts.models import User
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.chronology.actions import add_entry
from kbs.chronology.models import Kind, Significance
from kbs.families import actions as family_actions
from kbs.families.models import Baby, Death, Family, Person, Relationship
from kbs.imports.validation import BirthRow, Problem

REASON = "Birth notification (import)"
CHUNK = 500  # well under SQLite's limit on query parameters
WINDOW_DAYS = 56  # 8 weeks either side of the expected delivery date
AMBIGUOUS = "More than one unborn baby could be this baby; record the birth in KBS"
STAGING = "kbs_births_staging"

NHS, UNBORN, NEW, SIBLING = "nhs", "unborn", "new", "sibling"


@dataclass
class Lookup:
    """What the database holds that bears on the rows: the babies' NHS numbers already known, and
    for each row (by row number) the unborn babies that could be its baby: (family, baby, expected date)."""

    known: set[str] = field(default_factory=set)
    candidates: dict[int, list[tuple[int, int, date]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Planned:
    row: BirthRow
    kind: str
    baby_id: int | None = None  # UNBORN: the unborn baby that is born
    family_id: int | None = None  # SIBLING: the family the new baby joins...
    earlier_row: int | None = None  # ...or the row whose new family it joins


def _in_window(expected: date, born: date) -> bool:
    return abs((expected - born).days) <= WINDOW_DAYS


def python_lookup(rows: list[BirthRow]) -> Lookup:
    """The lookup by ORM queries, a chunk of NHS numbers at a time (any database)."""
    lookup = Lookup()
    numbers = [row.nhs_number for row in rows]
    for start in range(0, len(numbers), CHUNK):
        lookup.known.update(Baby.objects.filter(nhs_number__in=numbers[start:start + CHUNK])
                            .values_list("nhs_number", flat=True))
    mothers = sorted({row.mother_nhs_number for row in rows if row.mother_nhs_number})
    unborn: dict[str, set[tuple[int, int, date]]] = {}
    for start in range(0, len(mothers), CHUNK):
        found = (Baby.objects.filter(date_of_birth__isnull=True, expected_delivery_date__isnull=False, death__isnull=True,
                                     family__people__relationship=Relationship.BIRTH_MOTHER,
                                     family__people__nhs_number__in=mothers[start:start + CHUNK])
                 .values_list("family__people__nhs_number", "family_id", "id", "expected_delivery_date"))
        for mother, family_id, baby_id, expected in found:
            if expected is not None:  # always so (filtered), but the column may be empty
                unborn.setdefault(mother, set()).add((family_id, baby_id, expected))
    for row in rows:
        near = [c for c in unborn.get(row.mother_nhs_number, ()) if row.mother_nhs_number and _in_window(c[2], row.date_of_birth)]
        if near:
            lookup.candidates[row.row] = sorted(near)
    return lookup


def staged_lookup(rows: list[BirthRow]) -> Lookup:
    """The lookup on PostgreSQL: the rows are streamed into a temporary staging table with COPY and
    matched against the babies and mothers in two set-based joins."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row_number", "nhs_number", "mother_nhs_number", "date_of_birth"])
    for row in rows:
        writer.writerow([row.row, row.nhs_number, row.mother_nhs_number, row.date_of_birth.isoformat()])
    baby, person, death = Baby._meta.db_table, Person._meta.db_table, Death._meta.db_table
    lookup = Lookup()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
        cursor.execute(f"CREATE TEMP TABLE {STAGING} (row_number integer PRIMARY KEY, nhs_number varchar(10) NOT NULL, "
                       "mother_nhs_number varchar(10), date_of_birth date NOT NULL)")
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {STAGING} (row_number, nhs_number, mother_nhs_number, date_of_birth) "
                      "FROM STDIN (FORMAT csv, HEADER)") as copy:
            copy.write(out.getvalue())
        cursor.execute(f"ANALYZE {STAGING}")
        cursor.execute(f"SELECT s.nhs_number FROM {STAGING} s JOIN {baby} b ON b.nhs_number = s.nhs_number")  # noqa: S608
        lookup.known.update(number for (number,) in cursor.fetchall())
        cursor.execute(
            f"SELECT DISTINCT s.row_number, b.family_id, b.id, b.expected_delivery_date FROM {STAGING} s "  # noqa: S608
            f"JOIN {person} p ON p.nhs_number = s.mother_nhs_number AND p.relationship = %s "
            f"JOIN {baby} b ON b.family_id = p.family_id AND b.date_of_birth IS NULL "
            f"AND b.expected_delivery_date BETWEEN s.date_of_birth - %s AND s.date_of_birth + %s "
            f"WHERE NOT EXISTS (SELECT 1 FROM {death} d WHERE d.baby_id = b.id)",
            [Relationship.BIRTH_MOTHER.value, WINDOW_DAYS, WINDOW_DAYS])
        for row_number, family_id, baby_id, expected in cursor.fetchall():
            lookup.candidates.setdefault(row_number, []).append((family_id, baby_id, expected))
        cursor.execute(f"DROP TABLE {STAGING}")
    for found in lookup.candidates.values():
        found.sort()
    return lookup


def lookup_for(rows: list[BirthRow], *, staged: bool | None = None) -> Lookup:
    if staged is None:
        staged = connection.vendor == "postgresql"
    if not rows:
        return Lookup()
    return staged_lookup(rows) if staged else python_lookup(rows)


class Planner:
    """Turns the rows and the lookup into what each row will do. Its state (the unborn babies
    already taken, and which family each mother's earlier row went to) carries over from one part of
    a file to the next, so a file checked in parts is planned exactly as if checked at once."""

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        state = state or {}
        self.claimed: set[int] = set(state.get("claimed", []))
        self.mothers: dict[str, str] = dict(state.get("mothers", {}))  # "f<family id>" or "r<row number>"

    def state(self) -> dict[str, Any]:
        return {"claimed": sorted(self.claimed), "mothers": self.mothers}

    def plan(self, rows: Iterable[BirthRow], lookup: Lookup) -> tuple[list[Planned], list[Problem]]:
        plans: list[Planned] = []
        problems: list[Problem] = []
        for row in rows:
            if row.nhs_number in lookup.known:
                plans.append(Planned(row, NHS))
                continue
            mother = row.mother_nhs_number
            if not mother:
                plans.append(Planned(row, NEW))
                continue
            found = lookup.candidates.get(row.row, [])
            families = {family_id for family_id, _, _ in found}
            if len(families) > 1:
                problems.append(Problem(row.row, "mother_nhs_number", AMBIGUOUS))
            elif families:
                family_id = families.pop()
                free = sorted((abs((expected - row.date_of_birth).days), baby_id)
                              for _, baby_id, expected in found if baby_id not in self.claimed)
                if free:
                    self.claimed.add(free[0][1])
                    plans.append(Planned(row, UNBORN, baby_id=free[0][1]))
                else:
                    plans.append(Planned(row, SIBLING, family_id=family_id))
                self.mothers.setdefault(mother, f"f{family_id}")
            elif mother in self.mothers:
                earlier = self.mothers[mother]
                plans.append(Planned(row, SIBLING, family_id=int(earlier[1:]) if earlier[0] == "f" else None,
                                     earlier_row=int(earlier[1:]) if earlier[0] == "r" else None))
            else:
                self.mothers[mother] = f"r{row.row}"
                plans.append(Planned(row, NEW))
        return plans, problems


def plan_births(rows: list[BirthRow], *, staged: bool | None = None) -> tuple[list[Planned], list[Problem]]:
    """The plan for a whole file's accepted rows (the confirmed import and the command)."""
    return Planner().plan(rows, lookup_for(rows, staged=staged))


def create_birth(*, by: User, row: BirthRow, multiple: bool = False) -> Any:
    """A new family for the baby, with the mother as a person in it, and the importing agency
    involved (as lead agency: it registered the family) for the reason "Birth notification (import)"."""
    family = family_actions.register_family(
        by=by,
        family={"address_line_1": row.address_line_1, "address_line_2": row.address_line_2, "town": row.town,
                "postcode": row.postcode, "language": row.language, "interpreter_needed": False},
        baby={"given_name": "", "family_name": row.mother_family_name, "date_of_birth": row.date_of_birth,
              "expected_delivery_date": None, "nhs_number": row.nhs_number, "sex": row.sex,
              "gestation_at_birth_weeks": row.gestation_weeks, "birth_weight_g": row.birth_weight_g,
              "multiple_birth": multiple},
        reason=REASON,
    )
    family_actions.add_person(by=by, family=family, details={
        "given_name": row.mother_given_name, "family_name": row.mother_family_name,
        "date_of_birth": row.mother_date_of_birth, "nhs_number": row.mother_nhs_number,
        "relationship": Relationship.BIRTH_MOTHER, "lives_in_household": True, "regular_carer": True,
        "parental_responsibility": True, "last_seen_on": None,
    })
    return family


def _birth_details(row: BirthRow, multiple: bool) -> dict[str, Any]:
    return {"date_of_birth": row.date_of_birth, "nhs_number": row.nhs_number, "sex": row.sex,
            "gestation_at_birth_weeks": row.gestation_weeks, "birth_weight_g": row.birth_weight_g,
            "multiple_birth": multiple}


def record_unborn_birth(*, by: User, baby_id: int, row: BirthRow, multiple: bool) -> Baby:
    """The unborn baby's record becomes the born baby's, exactly as "record the birth" on the web."""
    baby = Baby.objects.select_related("family").get(pk=baby_id)
    return family_actions.record_birth(by=by, baby=baby, expected_version=baby.version,
                                       birth=_birth_details(row, multiple))


def add_sibling(*, by: User, family: Family, row: BirthRow, multiple: bool) -> Baby:
    """A baby born with a brother or sister (twins), added to that baby's family."""
    baby = Baby(family=family, given_name="", family_name=row.mother_family_name, expected_delivery_date=None,
                **_birth_details(row, multiple))
    baby.full_clean()
    baby.save()
    record_event(by=by, action=Action.CREATE, obj=baby, family=family,
                 summary=f"Added {baby.display_name} to the family from a births file",
                 detail={"reason": REASON, "row": row.row, "multiple_birth": multiple})
    add_entry(by=by, family=family, baby=baby, kind=Kind.BIRTH, significance=Significance.NOTABLE,
              summary=f"{baby.display_name} born on {baby.date_of_birth:%d %B %Y}", link=baby.get_absolute_url(),
              source=baby)
    return baby


@dataclass
class Loaded:
    created: int = 0  # new babies (in new families, or joining a twin's family)
    matched: int = 0  # matched by NHS number, not changed
    born: int = 0  # unborn babies whose birth was recorded


def load_births(*, by: User, plans: list[Planned], progress: Callable[[int], None] | None = None) -> Loaded:
    """Carry out the plan (the caller holds the transaction, so a failure leaves nothing behind)."""
    mothers = Counter(p.row.mother_nhs_number for p in plans if p.kind != NHS and p.row.mother_nhs_number)
    loaded = Loaded()
    new_families: dict[int, Family] = {}
    for done, planned in enumerate(plans, start=1):
        row = planned.row
        multiple = mothers[row.mother_nhs_number] > 1 if row.mother_nhs_number else False
        if planned.kind == NHS:
            loaded.matched += 1
        elif planned.kind == UNBORN and planned.baby_id is not None:
            record_unborn_birth(by=by, baby_id=planned.baby_id, row=row, multiple=multiple)
            loaded.born += 1
        elif planned.kind == SIBLING:
            family = (Family.objects.get(pk=planned.family_id) if planned.family_id is not None
                      else new_families[planned.earlier_row or 0])
            add_sibling(by=by, family=family, row=row, multiple=multiple)
            loaded.created += 1
        else:
            new_families[row.row] = create_birth(by=by, row=row, multiple=multiple)
            loaded.created += 1
        if progress is not None:
            progress(done)
    return loaded


def counts(plans: list[Planned]) -> dict[str, int]:
    found = Counter(p.kind for p in plans)
    return {"new": found[NEW] + found[SIBLING], "nhs": found[NHS], "unborn": found[UNBORN]}
