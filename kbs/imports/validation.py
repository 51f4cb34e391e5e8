"""Checking a births file before anything is saved: the whole file, every row, every field.

A file is refused as a whole when it cannot be read as the agreed CSV (not UTF-8, no rows, columns
missing: all missing columns named in one message). Otherwise every row is checked and each problem
is reported with the row number as a spreadsheet shows it (the headings are row 1), the column and a
plain-English reason. Reasons never repeat the value, so the report of rejected rows can be shared
with the sending system's team without copying personal data into it.

Checking touches no database, so a 10,000-row file takes well under a second or two.
"""

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from kbs.core.validators import (
    BIRTH_WEIGHT_G,
    GESTATION_WEEKS,
    POSTCODE_RE,
    nhs_number_is_valid,
    normalise_nhs_number,
    normalise_postcode,
    today,
)
from kbs.families.models import Sex

COLUMNS = (
    "nhs_number", "date_of_birth", "sex", "gestation_weeks", "birth_weight_g", "mother_given_name",
    "mother_family_name", "mother_nhs_number", "mother_date_of_birth", "address_line_1", "address_line_2",
    "town", "postcode", "language",
)
# Columns that may be blank in a row (the column itself must still be there).
OPTIONAL = frozenset({"gestation_weeks", "birth_weight_g", "mother_nhs_number", "mother_date_of_birth",
                      "address_line_2", "language"})
MAX_LENGTHS = {"mother_given_name": 100, "mother_family_name": 100, "address_line_1": 200, "address_line_2": 200,
               "town": 100, "language": 60}
SEXES = {"female": Sex.FEMALE, "f": Sex.FEMALE, "male": Sex.MALE, "m": Sex.MALE,
         "not_known": Sex.NOT_KNOWN, "not known": Sex.NOT_KNOWN, "unknown": Sex.NOT_KNOWN, "u": Sex.NOT_KNOWN}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
REPORT_COLUMNS = ("row", "column", "reason")


class FileRefused(Exception):
    """The file as a whole cannot be checked; the message says why in plain English."""


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    reason: str


@dataclass(frozen=True)
class BirthRow:
    """One accepted row, cleaned: what the import needs to create or match a baby."""

    row: int
    nhs_number: str
    date_of_birth: date
    sex: str
    gestation_weeks: int | None
    birth_weight_g: int | None
    mother_given_name: str
    mother_family_name: str
    mother_nhs_number: str
    mother_date_of_birth: date | None
    address_line_1: str
    address_line_2: str
    town: str
    postcode: str
    language: str


@dataclass
class Checked:
    accepted: list[BirthRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    total: int = 0

    @property
    def rejected(self) -> int:
        return len({p.row for p in self.problems})


def decode(data: bytes) -> str:
    """The file's text, or FileRefused when it is not UTF-8 (a byte-order mark is allowed)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused(
            "The file is not saved as UTF-8. In your spreadsheet, save it as \"CSV UTF-8\" and try again."
        ) from None


def _heading(name: str | None) -> str:
    return re.sub(r"[\s-]+", "_", (name or "").strip().lower())


def _date(text: str) -> date | None:
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _whole(text: str) -> int | None:
    return int(text) if re.fullmatch(r"\d{1,6}", text) else None


class _RowChecker:
    def __init__(self, number: int, values: dict[str, str], on: date) -> None:
        self.number, self.values, self.on = number, values, on
        self.problems: list[Problem] = []

    def problem(self, column: str, reason: str) -> None:
        self.problems.append(Problem(self.number, column, reason))

    def text(self, column: str, label: str) -> str:
        value = self.values.get(column, "")
        if not value and column not in OPTIONAL:
            self.problem(column, f"Enter the {label}")
        elif column in MAX_LENGTHS and len(value) > MAX_LENGTHS[column]:
            self.problem(column, f"The {label} must be {MAX_LENGTHS[column]} characters or fewer")
        return value

    def nhs_number(self, column: str, label: str) -> str:
        value = self.values.get(column, "")
        if not value:
            if column not in OPTIONAL:
                self.problem(column, f"Enter the {label}")
            return ""
        digits = normalise_nhs_number(value)
        if not re.fullmatch(r"\d{10}", digits):
            self.problem(column, f"The {label} must have 10 digits")
        elif not nhs_number_is_valid(digits):
            self.problem(column, f"The {label} is not valid: its check digit does not match")
        return digits

    def day(self, column: str, label: str) -> date | None:
        value = self.values.get(column, "")
        if not value:
            if column not in OPTIONAL:
                self.problem(column, f"Enter the {label}")
            return None
        parsed = _date(value)
        if parsed is None:
            self.problem(column, f"The {label} must be a real date written YYYY-MM-DD, like 2026-03-31")
        elif parsed > self.on:
            self.problem(column, f"The {label} is in the future")
            return None
        return parsed

    def number_in(self, column: str, label: str, bounds: tuple[int, int], unit: str) -> int | None:
        value = self.values.get(column, "")
        if not value:
            return None
        number = _whole(value)
        low, high = bounds
        if number is None:
            self.problem(column, f"The {label} must be a whole number of {unit}")
        elif not low <= number <= high:
            self.problem(column, f"The {label} must be from {low:,} to {high:,} {unit}")
            return None
        return number

    def check(self) -> BirthRow | None:
        nhs = self.nhs_number("nhs_number", "baby's NHS number")
        born = self.day("date_of_birth", "baby's date of birth")
        sex_text = self.values.get("sex", "").lower()
        sex = SEXES.get(sex_text, "")
        if not sex_text:
            self.problem("sex", "Enter the baby's sex: female, male or not_known")
        elif not sex:
            self.problem("sex", "The baby's sex must be female, male or not_known")
        gestation = self.number_in("gestation_weeks", "gestation at birth", GESTATION_WEEKS, "weeks")
        weight = self.number_in("birth_weight_g", "birth weight", BIRTH_WEIGHT_G, "grams")
        given = self.text("mother_given_name", "mother's given name")
        family_name = self.text("mother_family_name", "mother's family name")
        mother_nhs = self.nhs_number("mother_nhs_number", "mother's NHS number")
        if mother_nhs and mother_nhs == nhs:
            self.problem("mother_nhs_number", "The mother's NHS number is the same as the baby's")
        mother_born = self.day("mother_date_of_birth", "mother's date of birth")
        if mother_born and born and mother_born >= born:
            self.problem("mother_date_of_birth", "The mother's date of birth must be before the baby's")
        line_1 = self.text("address_line_1", "first line of the address")
        line_2 = self.text("address_line_2", "second line of the address")
        town = self.text("town", "town")
        postcode = normalise_postcode(self.values.get("postcode", ""))
        if not postcode:
            self.problem("postcode", "Enter the postcode")
        elif not POSTCODE_RE.match(postcode):
            self.problem("postcode", "The postcode is not a full UK postcode")
        language = self.text("language", "language") or "English"
        if self.problems or born is None:
            return None
        return BirthRow(self.number, nhs, born, sex, gestation, weight, given, family_name, mother_nhs, mother_born,
                        line_1, line_2, town, postcode, language)


@dataclass
class Cursor:
    """How far checking has got through a file, so that it can carry on in a later request: the
    character offset of the next record, how many records have been read, how many births counted,
    and each baby's NHS number with the row it was first seen in (to find duplicated rows)."""

    offset: int = 0
    index: int = 0
    total: int = 0
    seen: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {"offset": self.offset, "index": self.index, "total": self.total, "seen": self.seen}

    @classmethod
    def from_json(cls, value: dict[str, Any] | None) -> "Cursor":
        value = value or {}
        return cls(int(value.get("offset", 0)), int(value.get("index", 0)), int(value.get("total", 0)),
                   dict(value.get("seen", {})))


def _columns(text: str) -> tuple[dict[str, int], int, int]:
    """Where each column is, how many headings there are, and where the first birth starts; or
    FileRefused when the headings are not the agreed ones."""
    buffer = io.StringIO(text, newline="")
    reader = csv.reader(buffer)
    try:
        headings = [_heading(h) for h in next(reader)]
    except StopIteration:
        raise FileRefused("The file is empty. It needs a row of column headings and then one row for each birth.") from None
    except csv.Error:
        raise FileRefused("The file could not be read as CSV (comma-separated values).") from None
    missing = [c for c in COLUMNS if c not in headings]
    if missing:
        raise FileRefused(f"The file is missing {'this column' if len(missing) == 1 else 'these columns'}: "
                          f"{', '.join(missing)}. The first row must have the column headings.")
    repeated = sorted({h for h in headings if h in COLUMNS and headings.count(h) > 1})
    if repeated:
        raise FileRefused(f"The file has more than one column headed {', '.join(repeated)}.")
    return {c: headings.index(c) for c in COLUMNS}, len(headings), buffer.tell()


def count_rows(text: str) -> int:
    """How many births a file holds (records that are not blank), for the progress shown while it
    is checked; FileRefused when its headings are wrong or it cannot be read as CSV."""
    _, _, start = _columns(text)
    try:
        return sum(1 for cells in csv.reader(io.StringIO(text[start:], newline="")) if any(c.strip() for c in cells))
    except csv.Error as error:
        raise FileRefused(f"The file could not be read as CSV: {error}.") from None


def check_part(text: str, cursor: Cursor, *, limit: int | None = None, max_rows: int | None = None,
               progress: Callable[[int], None] | None = None) -> tuple[Checked, bool]:
    """Check up to `limit` more births from where `cursor` stands (moving it on). Returns what was
    found in this part and whether the file is finished. The same code checks a whole file at once
    (the command) and a file a part per request (the web page's progress)."""
    where, width, start = _columns(text)
    buffer = io.StringIO(text, newline="")
    buffer.seek(max(cursor.offset, start))
    reader = csv.reader(buffer)
    on = today()
    checked = Checked()
    done = True
    try:
        for cells in reader:
            number = cursor.index + 2
            cursor.index += 1
            if not any(cell.strip() for cell in cells):
                cursor.offset = buffer.tell()
                continue  # a blank line, often at the end of an exported file
            cursor.total += 1
            checked.total += 1
            if max_rows is not None and cursor.total > max_rows:
                raise FileRefused(f"The file has more than {max_rows:,} births, too many to import here. "
                                  "Split it into smaller files, or ask for it to be imported with the command.")
            values = {c: (cells[i].strip() if i < len(cells) else "") for c, i in where.items()}
            row = _RowChecker(number, values, on)
            if len(cells) != width:
                row.problem("", f"The row has {len(cells)} values but there are {width} column headings")
            accepted = row.check()
            nhs = normalise_nhs_number(values["nhs_number"])
            if nhs and nhs_number_is_valid(nhs):
                if nhs in cursor.seen:
                    row.problem("nhs_number", f"The same baby's NHS number is also in row {cursor.seen[nhs]}")
                    accepted = None
                else:
                    cursor.seen[nhs] = number
            checked.problems.extend(row.problems)
            if accepted is not None and not row.problems:
                checked.accepted.append(accepted)
            cursor.offset = buffer.tell()
            if progress is not None:
                progress(cursor.total)
            if limit is not None and checked.total >= limit:
                done = buffer.tell() >= len(text) or not text[buffer.tell():].strip()
                break
    except csv.Error as error:
        raise FileRefused(f"The file could not be read as CSV after row {cursor.total + 1}: {error}.") from None
    if done and cursor.total == 0:
        raise FileRefused("The file has column headings but no births.")
    return checked, done


def check_births(data: bytes, *, progress: Callable[[int], None] | None = None, max_rows: int | None = None) -> Checked:
    """Check every row of a births file. Raises FileRefused when the file as a whole cannot be
    checked; otherwise returns the accepted rows and every problem found."""
    checked, _ = check_part(decode(data), Cursor(), max_rows=max_rows, progress=progress)
    return checked


def report_csv(problems: list[Problem] | list[list[object]]) -> str:
    """The report of rejected rows: one line per problem (row, column, reason)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REPORT_COLUMNS)
    for problem in problems:
        writer.writerow([problem.row, problem.column, problem.reason] if isinstance(problem, Problem) else problem)
    return out.getvalue()
