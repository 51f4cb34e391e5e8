"""Training records: each person's record page, the training lead's list of staff, and the import of
records held elsewhere from a CSV file.

The import checks the whole file before saving anything and reports every problem, row by row, in
plain English (the row number as a spreadsheet shows it, the column and what is wrong). If any row
has a problem nothing is imported; when every row is good, all of them are saved in one transaction.

`import_training_records` is an action like those in `actions.py` (keyword-only, one transaction,
`by=`, its own audit row); it lives here beside its only form and views.
"""

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from kbs.accounts.models import User
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.core.presenters import day
from kbs.core.validators import today
from kbs.workforce import access
from kbs.workforce.access import NOT_FOUND
from kbs.workforce.courses import certificate_expiry, is_training_lead
from kbs.workforce.models import COURSE_LEVELS, CourseCode, RecordSource, TrainingRecord

MAX_BYTES = 1024 * 1024
EXPIRING_SOON_DAYS = 60

# The columns, as written in the file's first row. Headings are matched ignoring case, spaces,
# hyphens and underscores, so "Course code", "course_code" and "COURSE-CODE" all do.
PERSON, COURSE, LEVEL, COMPLETED, SCORE, EXPIRES = "email or username", "course code", "level", "completed_on", "score", "expires_on"
COLUMNS = (PERSON, COURSE, LEVEL, COMPLETED, SCORE, EXPIRES)
REQUIRED = (PERSON, COURSE, LEVEL, COMPLETED)
ALIASES = {
    "emailorusername": PERSON, "email": PERSON, "username": PERSON, "person": PERSON,
    "coursecode": COURSE, "course": COURSE, "level": LEVEL,
    "completedon": COMPLETED, "completed": COMPLETED, "score": SCORE, "expireson": EXPIRES, "expires": EXPIRES,
}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --- checking a file -------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong. `row` is the spreadsheet row number (the headings are row 1); 0 means the
    file as a whole."""

    row: int
    column: str
    problem: str


@dataclass
class Checked:
    records: list[TrainingRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.records)


def _heading(text: str) -> str | None:
    return ALIASES.get(re.sub(r"[\s_\-]", "", text.strip().lower()))


def _decode(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _date(text: str, column: str, row: int, problems: list[Problem]) -> date | None:
    if not DATE.match(text):
        problems.append(Problem(row, column, f"\"{text}\" is not a date written as YYYY-MM-DD, for example 2025-03-31"))
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(Problem(row, column, f"{text} is not a real date"))
        return None


def _people(keys: Iterable[str]) -> dict[str, list[User]]:
    """Everyone whose e-mail address or username is one of `keys` (matched ignoring case), in one query."""
    wanted = {k.lower() for k in keys if k}
    found: dict[str, list[User]] = {}
    if not wanted:
        return found
    query = Q()
    for key in wanted:
        query |= Q(email__iexact=key) | Q(username__iexact=key)
    for user in User.objects.filter(query).order_by("pk"):
        for key in {user.email.lower(), user.username.lower()} & wanted:
            found.setdefault(key, []).append(user)
    return found


def check_file(data: bytes) -> Checked:
    """Every problem in a CSV file of training records, and the records it would make. Saves nothing."""
    checked = Checked()
    problems = checked.problems
    if len(data) > MAX_BYTES:
        problems.append(Problem(0, "", "The file is larger than 1 MB. Split it into smaller files and import each one."))
        return checked
    text = _decode(data)
    if text is None:
        problems.append(Problem(0, "", "The file is not in the UTF-8 text encoding. In your spreadsheet, save it as \"CSV UTF-8\"."))
        return checked
    try:
        # Numbered as a spreadsheet numbers its rows (blank rows count; a cell over two lines does not).
        numbered = [(i, cells) for i, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1)
                    if any(cell.strip() for cell in cells)]
    except csv.Error as error:
        problems.append(Problem(0, "", f"The file could not be read as CSV: {error}"))
        return checked
    if not numbered:
        problems.append(Problem(0, "", "The file is empty"))
        return checked

    header_row, header = numbered.pop(0)
    positions: dict[str, int] = {}
    for index, heading in enumerate(header):
        column = _heading(heading)
        if column is None:
            problems.append(Problem(header_row, heading, f"\"{heading}\" is not a column KBS knows. The columns are: {', '.join(COLUMNS)}."))
        elif column in positions:
            problems.append(Problem(header_row, heading, f"There are two columns for {column}"))
        else:
            positions[column] = index
    for column in REQUIRED:
        if column not in positions:
            problems.append(Problem(header_row, column, f"The {column} column is missing"))
    if problems:
        return checked
    if not numbered:
        problems.append(Problem(0, "", "The file has headings but no records"))
        return checked

    checked.rows = len(numbered)
    people = _people(r[positions[PERSON]].strip() for _, r in numbered if len(r) > positions[PERSON])
    seen: dict[tuple[int, str, date], int] = {}
    candidates: list[tuple[int, TrainingRecord]] = []
    for number, cells in numbered:
        if len(cells) > len(header):
            problems.append(Problem(number, "", f"This row has {len(cells)} cells but there are only {len(header)} columns"))
            continue
        values = {column: (cells[i].strip() if i < len(cells) else "") for column, i in positions.items()}
        record = _check_row(number, values, people, problems)
        if record is None:
            continue
        key = (record.user.pk, record.course_code, record.completed_on)
        if key in seen:
            problems.append(Problem(number, "", f"This is the same person, course and completion date as row {seen[key]}"))
            continue
        seen[key] = number
        candidates.append((number, record))

    existing = _existing({key[0] for key in seen})
    for number, record in candidates:
        if (record.user.pk, record.course_code, record.completed_on) in existing:
            problems.append(Problem(number, "", f"{record.user.username} already has a record of {record.course_code} "
                                                f"completed on {record.completed_on.isoformat()} in KBS"))
    checked.records = [record for _, record in candidates]
    problems.sort(key=lambda p: p.row)
    return checked


def _existing(user_ids: set[int]) -> set[tuple[int, str, date]]:
    return set(TrainingRecord.objects.filter(user_id__in=user_ids).values_list("user_id", "course_code", "completed_on"))


def _check_row(number: int, values: dict[str, str], people: dict[str, list[User]], problems: list[Problem]) -> TrainingRecord | None:
    """The record one row would make, or None after noting each problem with it."""
    before = len(problems)
    who = values[PERSON]
    user = None
    if not who:
        problems.append(Problem(number, PERSON, "Enter the person's e-mail address or KBS username"))
    else:
        matches = people.get(who.lower(), [])
        if not matches:
            problems.append(Problem(number, PERSON, f"Nobody in KBS has the e-mail address or username \"{who}\""))
        elif len(matches) > 1:
            problems.append(Problem(number, PERSON, f"More than one person in KBS has \"{who}\": use their username instead"))
        elif not matches[0].is_active:
            problems.append(Problem(number, PERSON, f"The KBS account for \"{who}\" is closed"))
        else:
            user = matches[0]

    code = values[COURSE].upper()
    if not code:
        problems.append(Problem(number, COURSE, f"Enter the course code: {' or '.join(CourseCode.values)}"))
    elif code not in CourseCode.values:
        problems.append(Problem(number, COURSE, f"\"{values[COURSE]}\" is not a course KBS knows: use {' or '.join(CourseCode.values)}"))

    level = None
    if not values[LEVEL]:
        problems.append(Problem(number, LEVEL, "Enter the level: 2 or 3"))
    elif values[LEVEL] not in ("2", "3"):
        problems.append(Problem(number, LEVEL, f"\"{values[LEVEL]}\" is not a level: use 2 or 3"))
    else:
        level = int(values[LEVEL])
        if code in CourseCode.values and COURSE_LEVELS[CourseCode(code)] != level:
            problems.append(Problem(number, LEVEL, f"{code} is a Level {COURSE_LEVELS[CourseCode(code)]} course, not Level {level}"))

    completed = None
    if not values[COMPLETED]:
        problems.append(Problem(number, COMPLETED, "Enter the date the course was completed, as YYYY-MM-DD"))
    else:
        completed = _date(values[COMPLETED], COMPLETED, number, problems)
        if completed and completed > today():
            problems.append(Problem(number, COMPLETED, f"{completed.isoformat()} is in the future"))

    score = None
    raw_score = values.get(SCORE, "").rstrip("%").strip()
    if raw_score:
        if not raw_score.isdigit() or int(raw_score) > 100:
            problems.append(Problem(number, SCORE, f"\"{values[SCORE]}\" is not a score: use a whole number from 0 to 100, or leave it blank"))
        else:
            score = int(raw_score)

    expires = None
    if values.get(EXPIRES, ""):
        expires = _date(values[EXPIRES], EXPIRES, number, problems)
        if expires and completed and expires <= completed:
            problems.append(Problem(number, EXPIRES, "The expiry date must be after the completion date"))

    if len(problems) > before or user is None or completed is None or level is None:
        return None
    return TrainingRecord(
        user=user, course_code=code, level=level, completed_on=completed, score=score,
        expires_on=expires or certificate_expiry(completed), source=RecordSource.IMPORT,
    )


# --- the action ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    records: list[TrainingRecord]
    problems: list[Problem]
    rows: int


class NotAllowed(Exception):
    """Only the training lead imports records (views have already checked; a bug guard)."""


def import_training_records(*, by: User, data: bytes, file_name: str = "") -> Imported:
    """Check a CSV file of training records and, if every row is good, save them all in one
    transaction. If any row has a problem nothing is saved and the problems come back, each with
    its row, column and what is wrong; the refused attempt is audited too. Records without an
    expiry date expire three years after completion."""
    if not is_training_lead(by):
        raise NotAllowed("only the training lead imports training records")
    checked = check_file(data)
    if not checked.ok:
        record_event(by=by, action=Action.REFUSED, summary=f"Tried to import training records: {len(checked.problems)} problems, nothing imported",
                     detail={"file_name": file_name, "rows": checked.rows, "problems": len(checked.problems)})
        return Imported([], checked.problems, checked.rows)
    with transaction.atomic():
        for record in checked.records:
            record.imported_by = by
            record.full_clean()
            record.save()
        record_event(
            by=by, action=Action.CREATE, summary=f"Imported {len(checked.records)} training records from a CSV file",
            detail={"file_name": file_name, "rows": checked.rows, "records": [r.pk for r in checked.records],
                    "people": sorted({r.user_id for r in checked.records})},
        )
    return Imported(checked.records, [], checked.rows)


# --- presenting ------------------------------------------------------------------------------


def status(record: TrainingRecord, on: date | None = None) -> dict[str, str]:
    """A tag for a record: current, expiring soon or expired."""
    on = on or today()
    if record.expires_on is None:
        return {"text": "Current", "classes": "nhsuk-tag--green"}
    if record.expires_on <= on:
        return {"text": "Expired", "classes": "nhsuk-tag--red"}
    if record.expires_on <= on + timedelta(days=EXPIRING_SOON_DAYS):
        return {"text": "Expires soon", "classes": "nhsuk-tag--yellow"}
    return {"text": "Current", "classes": "nhsuk-tag--green"}


def record_rows(user: User) -> list[dict[str, Any]]:
    rows = []
    for record in TrainingRecord.objects.filter(user=user).order_by("-completed_on", "-pk"):
        rows.append({
            "course": record.get_course_code_display(), "level": f"Level {record.level}", "completed": day(record.completed_on),
            "score": "Not recorded" if record.score is None else f"{record.score}%",
            "expires": "Does not expire" if record.expires_on is None else day(record.expires_on),
            "source": record.get_source_display(), "status": status(record),
        })
    return rows


# --- views -----------------------------------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV file of training records",
                           error_messages={"required": "Choose a CSV file to import", "empty": "The file is empty"})

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError("The file is larger than 1 MB. Split it into smaller files and import each one.")
        return upload


@login_required
@require_GET
def my_record(request: HttpRequest) -> HttpResponse:
    return _record_page(request, None)


@login_required
@require_GET
def person_record(request: HttpRequest, user_id: int) -> HttpResponse:
    return _record_page(request, user_id)


def _record_page(request: HttpRequest, user_id: int | None) -> HttpResponse:
    viewer: User = request.user  # type: ignore[assignment]
    # Oneself, or anyone for the training lead (audited); the same 404 for "not there" and "not yours".
    person = access.learner_for(viewer, viewer.pk if user_id is None else user_id)
    own = person.pk == viewer.pk
    return render(request, "workforce/records.jinja", {
        "title": "Your training record" if own else f"Training record: {person}", "person": person, "own": own,
        "rows": record_rows(person), "lead": is_training_lead(request.user),
        "back_link": reverse("workforce:people") if not own else None,
    })


@login_required
@require_http_methods(["GET", "POST"])
def import_records(request: HttpRequest) -> HttpResponse:
    if not is_training_lead(request.user):
        raise Http404(NOT_FOUND)
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    problems: list[Problem] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = import_training_records(by=request.user, data=upload.read(), file_name=upload.name[:200])  # type: ignore[arg-type]
        if not result.problems:
            messages.success(request, f"{len(result.records)} training record{'s' if len(result.records) != 1 else ''} imported")
            return redirect("workforce:records_import")
        problems = result.problems
    return render(request, "workforce/records_import.jinja", {
        "title": "Import training records", "form": form, "problems": problems, "columns": COLUMNS,
        "courses": [(code, COURSE_LEVELS[CourseCode(code)], label) for code, label in CourseCode.choices],
        "back_link": reverse("workforce:people"),
    }, status=400 if (form.errors or problems) else 200)
