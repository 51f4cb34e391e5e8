"""Checking and importing births files. Each action runs in one transaction, takes `by=` and writes
its own audit event; the families created write theirs through `kbs.families.actions`."""

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.imports.load import Planner, counts, load_births, lookup_for, plan_births
from kbs.imports.models import BirthImport, State
from kbs.imports.validation import Cursor, FileRefused, check_births, check_part, count_rows, decode

# Both are needed: the baby's family is registered, then the mother is added to it.
NEEDS = (Permission.REGISTER_FAMILY, Permission.EDIT_FAMILY)


class NotAllowed(Exception):
    """The user may not import births (views and the command check first; this is a guard)."""


class ImportRefused(Exception):
    """All-or-nothing was asked for and some rows were rejected, or the import has already run."""


def may_import(user: User) -> bool:
    return all(has_permission(user, p) for p in NEEDS) and getattr(user, "agency_id", None) is not None


def _require(by: User) -> None:
    if not may_import(by):
        raise NotAllowed("importing births needs permission to register families and a user with an agency")


def _refuse(batch: BirthImport, refused: FileRefused) -> None:
    batch.state, batch.refusal, batch.text, batch.cursor = State.REFUSED, str(refused)[:500], "", {}


@transaction.atomic
def start_births_check(*, by: User, data: bytes, file_name: str, max_rows: int | None = None) -> BirthImport:
    """Keep an uploaded births file to be checked a part at a time (`check_next_part`). A file
    that cannot be checked at all (not UTF-8, wrong headings, too many births) is refused at once,
    and the refusal is recorded too."""
    _require(by)
    batch = BirthImport(created_by=by, file_name=file_name[:200], state=State.CHECKING)
    try:
        batch.text = decode(data)
        batch.expected_rows = count_rows(batch.text)
        if batch.expected_rows == 0:
            raise FileRefused("The file has column headings but no births.")
        if max_rows is not None and batch.expected_rows > max_rows:
            raise FileRefused(f"The file has more than {max_rows:,} births, too many to import here. "
                              "Split it into smaller files, or ask for it to be imported with the command.")
    except FileRefused as refused:
        _refuse(batch, refused)
    batch.save()
    record_event(
        by=by, action=Action.CREATE, obj=batch,
        summary=("Uploaded a births file to check" if batch.state == State.CHECKING else "A births file was refused"),
        detail={"file_name": batch.file_name, "rows": batch.expected_rows, "refusal": batch.refusal},
    )
    return batch


@transaction.atomic
def check_next_part(*, by: User, batch: BirthImport, limit: int | None = None,
                    progress: Callable[[int], None] | None = None) -> BirthImport:
    """Check the next `limit` births of a file being checked (all of the rest when None), keeping
    the problems found and what the accepted rows will do, and where to carry on from. Several
    requests at once for the same file wait for each other (the row is locked), so no part is
    checked twice."""
    _require(by)
    batch = BirthImport.objects.select_for_update().get(pk=batch.pk)
    if batch.created_by_id != by.pk or batch.state != State.CHECKING:
        return batch
    cursor = Cursor.from_json(batch.cursor.get("check"))
    planner = Planner(batch.cursor.get("plan"))
    try:
        checked, done = check_part(batch.text, cursor, limit=limit, progress=progress)
    except FileRefused as refused:
        _refuse(batch, refused)
        batch.save()
        record_event(by=by, action=Action.UPDATE, obj=batch, summary="A births file was refused",
                     detail={"file_name": batch.file_name, "refusal": batch.refusal})
        return batch
    plans, ambiguous = planner.plan(checked.accepted, lookup_for(checked.accepted, staged=False))
    problems = sorted(checked.problems + ambiguous, key=lambda p: p.row)
    batch.total_rows = cursor.total
    batch.rejected_rows += len({p.row for p in problems})
    batch.problems = [*batch.problems, *([p.row, p.column, p.reason] for p in problems)]
    found = counts(plans)
    batch.planned_new += found["new"]
    batch.planned_nhs += found["nhs"]
    batch.planned_unborn += found["unborn"]
    if done:
        batch.state, batch.cursor = State.CHECKED, {}
    else:
        batch.cursor = {"check": cursor.as_json(), "plan": planner.state()}
    batch.save()
    if done:
        record_event(
            by=by, action=Action.UPDATE, obj=batch,
            summary=f"Checked a births file: {batch.total_rows} rows, {batch.rejected_rows} rejected",
            detail={"file_name": batch.file_name, "rows": batch.total_rows, "rejected_rows": batch.rejected_rows,
                    "new": batch.planned_new, "nhs_matches": batch.planned_nhs, "unborn_matches": batch.planned_unborn},
        )
    return batch


@transaction.atomic
def check_births_file(*, by: User, data: bytes, file_name: str, progress: Callable[[int], None] | None = None,
                      max_rows: int | None = None) -> BirthImport:
    """Check every row of a births file at once (the command; the web page checks a part per
    request through the same two actions) and keep the result (and, until it is imported, the
    file) so that the person can see what is wrong and choose how to import."""
    batch = start_births_check(by=by, data=data, file_name=file_name, max_rows=max_rows)
    if batch.state == State.CHECKING:
        batch = check_next_part(by=by, batch=batch, progress=progress)
    return batch


@transaction.atomic
def import_births(*, by: User, batch: BirthImport, accepted_only: bool,
                  progress: Callable[[int], None] | None = None) -> BirthImport:
    """Import a checked births file: every row or none (`accepted_only=False`), or just the rows
    that passed. The file is checked and matched again first (on PostgreSQL through the COPY
    staging table), so a baby registered since the check is matched, not duplicated. Any failure
    rolls back every family created. The stored file is then emptied."""
    _require(by)
    batch = BirthImport.objects.select_for_update().get(pk=batch.pk)
    if batch.created_by_id != by.pk or batch.state != State.CHECKED or not batch.text:
        raise ImportRefused("This file has already been imported, or was refused.")
    checked = check_births(batch.text.encode("utf-8"))
    plans, ambiguous = plan_births(checked.accepted)
    problems = sorted(checked.problems + ambiguous, key=lambda p: p.row)
    rejected = len({p.row for p in problems})
    if problems and not accepted_only:
        raise ImportRefused(f"Nothing was imported: {rejected} of {checked.total} rows were rejected.")
    loaded = load_births(by=by, plans=plans, progress=progress)
    batch.total_rows, batch.rejected_rows = checked.total, rejected
    batch.problems = [[p.row, p.column, p.reason] for p in problems]
    batch.state, batch.text, batch.accepted_only = State.IMPORTED, "", accepted_only
    batch.created_count, batch.matched_count, batch.born_count = loaded.created, loaded.matched, loaded.born
    batch.imported_at = timezone.now()
    batch.save()
    record_event(
        by=by, action=Action.UPDATE, obj=batch,
        summary=(f"Imported births: {loaded.created} new, {loaded.matched} matched, {loaded.born} unborn babies born, "
                 f"{batch.rejected_rows} rejected"),
        detail={"file_name": batch.file_name, "accepted_only": accepted_only, "created": loaded.created,
                "matched": loaded.matched, "born": loaded.born, "rejected_rows": batch.rejected_rows},
    )
    return batch


@transaction.atomic
def discard_births_file(*, by: User, batch: BirthImport) -> BirthImport:
    """Drop a checked file that will not be imported: its text is emptied (the counts and the report
    of rejected rows stay, for the audit trail) and it can no longer be imported."""
    _require(by)
    batch = BirthImport.objects.select_for_update().get(pk=batch.pk)
    if batch.created_by_id != by.pk or batch.state not in (State.CHECKED, State.CHECKING):
        raise ImportRefused("Only a checked file that has not been imported can be discarded.")
    batch.state, batch.text = State.DISCARDED, ""
    batch.save(update_fields=["state", "text"])
    record_event(by=by, action=Action.UPDATE, obj=batch, summary="Discarded a births file without importing it",
                 detail={"file_name": batch.file_name})
    return batch
