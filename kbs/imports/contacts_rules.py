"""The rules a historic contacts file is checked against, each written twice side by side: as a
Python test (the row-by-row loader, used on SQLite) and as a SQL condition (the PostgreSQL loader,
which checks the whole staging table in one query). `kbs/imports/tests/test_contacts_rules.py`
runs a table of examples through both and requires the same answers, so the two cannot drift.

Each column has an ordered chain of checks; the first that fails gives that column's one problem.
Reasons never repeat a value (the report can be shared with the sending system's team).

In SQL each column's cleaned value is `v_<column>` (the cell with spaces trimmed, '' when empty),
`d_nhs` is the NHS number without spaces or hyphens, and the row's context is `baby_id` (the baby matched by NHS number, or NULL), `first_row` (the earlier
row with the same source system and reference, or NULL) and `already` (true when that pair is already
in KBS). In Python the same names are keys of the context dict.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from kbs.accounts.models import AgencyType
from kbs.contacts.models import ContactType, Setting, SleepPlaceObserved
from kbs.families.models import Relationship

COLUMNS = (
    "source_system", "source_reference", "baby_nhs_number", "contact_date", "contact_time", "agency_code",
    "contact_type", "setting", "baby_seen", "sleep_place_observed", "safe_sleep_given_to",
    "safe_handling_given_to", "safe_space_given_to", "notes",
)
OPTIONAL = frozenset({"contact_time", "safe_sleep_given_to", "safe_handling_given_to", "safe_space_given_to", "notes"})
GIVEN_TO = ("safe_sleep_given_to", "safe_handling_given_to", "safe_space_given_to")
MAX_LENGTHS = {"source_system": 50, "source_reference": 100, "safe_sleep_given_to": 200,
               "safe_handling_given_to": 200, "safe_space_given_to": 200, "notes": 2000}
EARLIEST = date(2000, 1, 1)
WHO = (Relationship.BIRTH_MOTHER, Relationship.FATHER, Relationship.MOTHERS_PARTNER, Relationship.GRANDPARENT,
       Relationship.OTHER_ADULT)
CHOICES = {
    "agency_code": [str(c) for c in AgencyType.values],
    "contact_type": [str(c) for c in ContactType.values],
    "setting": [str(c) for c in Setting.values],
    "sleep_place_observed": [str(c) for c in SleepPlaceObserved.values],
    "baby_seen": ["yes", "no"],
}
LABELS = {
    "source_system": "source system", "source_reference": "source reference",
    "baby_nhs_number": "baby's NHS number", "contact_date": "date of the contact",
    "contact_time": "time of the contact", "agency_code": "agency code", "contact_type": "type of contact",
    "setting": "setting", "baby_seen": "answer to whether the baby was seen",
    "sleep_place_observed": "sleep place observed", "safe_sleep_given_to": "list of who was given safe sleep",
    "safe_handling_given_to": "list of who was given safe handling",
    "safe_space_given_to": "list of who was given safe space", "notes": "notes",
}
SPACES = " \t\r\n"
DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
TIME_RE = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def clean(cell: str | None) -> str:
    return (cell or "").strip(SPACES)


def nhs_digits(value: str) -> str:
    return re.sub(r"[ -]", "", value)


def nhs_check_ok(digits: str) -> bool:
    total = sum(int(d) * w for d, w in zip(digits[:9], NHS_WEIGHTS, strict=True))
    return (11 - total % 11) % 11 == int(digits[9])


def real_date(text: str) -> date | None:
    if not re.fullmatch(DATE_RE[1:-1], text):
        return None
    try:
        return date(int(text[:4]), int(text[5:7]), int(text[8:]))
    except ValueError:
        return None


def _sql_list(values: list[str]) -> str:
    return "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]::text[]"


# --- SQL pieces (written for PostgreSQL 15; no function a file's contents can make raise) ---------

# The NHS number without spaces or hyphens, computed once per row by sql_cleaned().
SQL_NHS_DIGITS = "d_nhs"
SQL_NHS_CHECK = ("((11 - (" + " + ".join(f"substr({SQL_NHS_DIGITS}, {i + 1}, 1)::int * {w}"
                                         for i, w in enumerate(NHS_WEIGHTS)) + ") % 11) % 11"
                 f" = substr({SQL_NHS_DIGITS}, 10, 1)::int)")
# A real calendar date, once the text has the shape YYYY-MM-DD (so the casts cannot fail).
SQL_REAL_DATE = ("CASE WHEN substr(v_contact_date, 6, 2)::int BETWEEN 1 AND 12 AND substr(v_contact_date, 1, 4)::int >= 1 "
                 "THEN substr(v_contact_date, 9, 2)::int BETWEEN 1 AND extract(day from make_date("
                 "substr(v_contact_date, 1, 4)::int, substr(v_contact_date, 6, 2)::int, 1) + interval '1 month - 1 day') "
                 "ELSE false END")


def _given_to_sql(column: str) -> str:
    return (f"NOT (string_to_array(translate(lower(v_{column}), ' ' || chr(9), ''), ';') "
            f"<@ {_sql_list([str(w) for w in WHO])})")


def _given_to_bad(value: str) -> bool:
    return not set(re.sub(r"[ \t]", "", value.lower()).split(";")) <= {str(w) for w in WHO}


@dataclass(frozen=True)
class Check:
    reason: str  # may name {first_row}
    sql: str  # true when the check fails (or, for a passing check, when the column is fine)
    fails: Callable[[str, dict[str, Any]], bool]
    # A passing check: when its condition holds the column is fine and the chain stops with no problem.
    # Used first in a chain as a quick way past the costlier checks (a hashed lookup in SQL).
    passes: bool = False


def _passes(sql: str, test: Callable[[str, dict[str, Any]], bool]) -> Check:
    return Check("", sql, test, passes=True)


def _given_to_lists() -> list[str]:
    """Every list of distinct relationships in any order, and the empty list: 326 texts."""
    from itertools import permutations

    return [";".join(p) for k in range(len(WHO) + 1) for p in permutations([str(w) for w in WHO], k)]


GIVEN_TO_LISTS = frozenset(_given_to_lists())
TIMES = frozenset(["", *(f"{h:02d}:{m:02d}" for h in range(24) for m in range(60))])


def _dates_from_2000(on: date) -> list[str]:
    days = (on - EARLIEST).days
    return [date.fromordinal(EARLIEST.toordinal() + n).isoformat() for n in range(days + 1)] if days >= 0 else []


def _required(column: str) -> Check:
    return Check(f"Enter the {LABELS[column]}", f"v_{column} = ''", lambda v, c: v == "")


def _length(column: str) -> Check:
    n = MAX_LENGTHS[column]
    return Check(f"The {LABELS[column]} must be {n:,} characters or fewer", f"char_length(v_{column}) > {n}",
                 lambda v, c, n=n: len(v) > n)  # type: ignore[misc]


def _choice(column: str, listed: str) -> Check:
    options = CHOICES[column]
    lower = column == "baby_seen"
    sql = f"NOT ({'lower(' if lower else '('}v_{column}) = ANY({_sql_list(options)}))"
    return Check(f"The {LABELS[column]} must be {listed}", sql,
                 lambda v, c: (v.lower() if lower else v) not in options)


@lru_cache(maxsize=4)
def _chains(on: date) -> dict[str, list[Check]]:
    """Each column's checks in order, for checking on the day `on` (no contact after it)."""
    chains: dict[str, list[Check]] = {
        "source_system": [_required("source_system"), _length("source_system")],
        "source_reference": [
            _required("source_reference"), _length("source_reference"),
            Check("The same source system and reference are also in row {first_row}", "first_row IS NOT NULL",
                  lambda v, c: c["first_row"] is not None),
            Check("Already imported: this source system and reference are in KBS already", "already",
                  lambda v, c: bool(c["already"])),
        ],
        "baby_nhs_number": [
            _required("baby_nhs_number"),
            # Matched a baby KBS holds (whose NHS number KBS checked when it was recorded).
            _passes("baby_id IS NOT NULL", lambda v, c: c["baby_id"] is not None),
            Check("The baby's NHS number must have 10 digits", f"{SQL_NHS_DIGITS} !~ '^[0-9]{{10}}$'",
                  lambda v, c: not re.fullmatch(r"[0-9]{10}", nhs_digits(v))),
            Check("The baby's NHS number is not valid: its check digit does not match", f"NOT {SQL_NHS_CHECK}",
                  lambda v, c: not nhs_check_ok(nhs_digits(v))),
            Check("No baby with this NHS number is in KBS", "baby_id IS NULL", lambda v, c: c["baby_id"] is None),
        ],
        "contact_date": [
            _required("contact_date"),
            _passes(f"v_contact_date = ANY({_sql_list(_dates_from_2000(on))})",
                    lambda v, c: (d := real_date(v)) is not None and EARLIEST <= d <= on),
            Check("The date of the contact must be a real date written YYYY-MM-DD, like 2024-03-31",
                  f"CASE WHEN v_contact_date ~ '{DATE_RE}' THEN NOT ({SQL_REAL_DATE}) ELSE true END", lambda v, c: real_date(v) is None),
            Check("The date of the contact is in the future", f"v_contact_date::date > '{on.isoformat()}'::date",
                  lambda v, c: real_date(v) > on),  # type: ignore[operator]
            Check("The date of the contact must be in 2000 or later",
                  f"v_contact_date::date < '{EARLIEST.isoformat()}'::date", lambda v, c: real_date(v) < EARLIEST),  # type: ignore[operator]
        ],
        "contact_time": [
            _passes(f"v_contact_time = ANY({_sql_list(sorted(TIMES))})", lambda v, c: v in TIMES),
            Check("The time of the contact must be written HH:MM on the 24-hour clock, like 14:30",
                  f"v_contact_time <> '' AND v_contact_time !~ '{TIME_RE}'",
                  lambda v, c: v != "" and not re.fullmatch(TIME_RE[1:-1], v)),
        ],
        "agency_code": [_required("agency_code"), _choice("agency_code", "one of the agency codes listed in the guidance")],
        "contact_type": [_required("contact_type"), _choice("contact_type", "one of the contact types listed in the guidance")],
        "setting": [_required("setting"), _choice("setting", "one of the settings listed in the guidance")],
        "baby_seen": [_required("baby_seen"), _choice("baby_seen", "yes or no")],
        "sleep_place_observed": [_required("sleep_place_observed"),
                                 _choice("sleep_place_observed", "one of the sleep places listed in the guidance")],
    }
    for column in GIVEN_TO:
        chains[column] = [
            _passes(f"v_{column} = ANY({_sql_list(sorted(GIVEN_TO_LISTS))})", lambda v, c: v in GIVEN_TO_LISTS),
            _length(column),
            Check(f"The {LABELS[column]} must name only birth_mother, father, mothers_partner, grandparent or "
                  "other_adult, separated by semicolons", f"v_{column} <> '' AND {_given_to_sql(column)}",
                  lambda v, c: v != "" and _given_to_bad(v)),
        ]
    chains["notes"] = [_length("notes")]
    return chains


def check_row(values: dict[str, str], context: dict[str, Any], on: date) -> list[tuple[str, str]]:
    """The (column, reason) problems of one row (cleaned values), in the report's order."""
    found = []
    for column, chain in _chains(on).items():
        for check in chain:
            if check.fails(values[column], context):
                if not check.passes:
                    found.append((column, check.reason.format(**context)))
                break
    return found


def sql_problems(on: date) -> str:
    """A SQL array expression of the row's problems as 'column|reason' texts, in the report's order,
    over the v_* columns and the context columns (see the module's docstring)."""
    parts = []
    for column, chain in _chains(on).items():
        cases = []
        for check in chain:
            if check.passes:
                cases.append(f"WHEN {check.sql} THEN NULL")
                continue
            reason = check.reason.replace("'", "''")
            text = (f"'{column}|' || replace('{reason}', '{{first_row}}', first_row::text)" if "{first_row}" in reason
                    else f"'{column}|{reason}'")
            cases.append(f"WHEN {check.sql} THEN {text}")
        parts.append("CASE " + " ".join(cases) + " END")
    return "array_remove(ARRAY[" + ",\n ".join(parts) + "]::text[], NULL)"


def sql_cleaned(prefix: str = "") -> str:
    """`coalesce(btrim(<column>), '') AS v_<column>` for every column (staging columns hold raw text),
    and `d_nhs`, the baby's NHS number without spaces or hyphens."""
    spaces = SPACES.replace("\t", "' || chr(9) || '").replace("\r", "' || chr(13) || '").replace("\n", "' || chr(10) || '")
    return ", ".join([*(f"coalesce(btrim({prefix}{c}, '{spaces}'), '') AS v_{c}" for c in COLUMNS),
                      f"translate(coalesce(btrim({prefix}baby_nhs_number, '{spaces}'), ''), ' -', '') AS d_nhs"])


def sql_accepted(on: date) -> str:
    """A SQL condition true when the row has no problem at all: the same chains as `sql_problems`,
    cheaper to evaluate than building the array (the quick pass of the PostgreSQL loader)."""
    parts = []
    for chain in _chains(on).values():
        cases = " ".join(f"WHEN {check.sql} THEN {'true' if check.passes else 'false'}" for check in chain)
        parts.append(f"(CASE {cases} ELSE true END)")
    return "(" + "\n AND ".join(parts) + ")"
