"""Checking and importing births files. Each action runs in one transaction, takes `by=` and writes
its own audit event; the families created write theirs through `kbs.families.actions`."""

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.imports.load import load_births
from kbs.imports.models import BirthImport, State
from kbs.imports.validation import Checked, FileRefused, check_births, decode

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


@transaction.atomic
def check_births_file(*, by: User, data: bytes, file_name: str, progress: Callable[[int], None] | None = None,
                      max_rows: int | None = None) -> BirthImport:
    """Check every row of a births file and keep the result (and, until it is imported, the file)
    so that the person can see what is wrong and choose how to import. A refused file is recorded too."""
    _require(by)
    batch = BirthImport(created_by=by, file_name=file_name[:200])
    try:
        checked = check_births(data, progress=progress, max_rows=max_rows)
    except FileRefused as refused:
        batch.state, batch.refusal = State.REFUSED, str(refused)[:500]
    else:
        batch.state, batch.text = State.CHECKED, decode(data)
        _count(batch, checked)
    batch.save()
    record_event(
        by=by, action=Action.CREATE, obj=batch,
        summary=(f"Checked a births file: {batch.total_rows} rows, {batch.rejected_rows} rejected"
                 if batch.state == State.CHECKED else "A births file was refused"),
        detail={"file_name": batch.file_name, "rows": batch.total_rows, "rejected_rows": batch.rejected_rows,
                "refusal": batch.refusal},
    )
    return batch


def _count(batch: BirthImport, checked: Checked) -> None:
    batch.total_rows, batch.rejected_rows = checked.total, checked.rejected
    batch.problems = [[p.row, p.column, p.reason] for p in checked.problems]


@transaction.atomic
def import_births(*, by: User, batch: BirthImport, accepted_only: bool,
                  progress: Callable[[int], None] | None = None) -> BirthImport:
    """Import a checked births file: every row or none (`accepted_only=False`), or just the rows
    that passed. The file is checked again first, so a baby registered since the check is matched,
    not duplicated. Any failure rolls back every family created. The stored file is then emptied."""
    _require(by)
    batch = BirthImport.objects.select_for_update().get(pk=batch.pk)
    if batch.created_by_id != by.pk or batch.state != State.CHECKED or not batch.text:
        raise ImportRefused("This file has already been imported, or was refused.")
    checked = check_births(batch.text.encode("utf-8"))
    if checked.problems and not accepted_only:
        raise ImportRefused(f"Nothing was imported: {checked.rejected} of {checked.total} rows were rejected.")
    created, matched = load_births(by=by, rows=checked.accepted, progress=progress)
    _count(batch, checked)
    batch.state, batch.text, batch.accepted_only = State.IMPORTED, "", accepted_only
    batch.created_count, batch.matched_count, batch.imported_at = created, matched, timezone.now()
    batch.save()
    record_event(
        by=by, action=Action.UPDATE, obj=batch,
        summary=f"Imported births: {created} new, {matched} matched, {batch.rejected_rows} rejected",
        detail={"file_name": batch.file_name, "accepted_only": accepted_only, "created": created,
                "matched": matched, "rejected_rows": batch.rejected_rows},
    )
    return batch


@transaction.atomic
def discard_births_file(*, by: User, batch: BirthImport) -> BirthImport:
    """Drop a checked file that will not be imported: its text is emptied (the counts and the report
    of rejected rows stay, for the audit trail) and it can no longer be imported."""
    _require(by)
    batch = BirthImport.objects.select_for_update().get(pk=batch.pk)
    if batch.created_by_id != by.pk or batch.state != State.CHECKED:
        raise ImportRefused("Only a checked file that has not been imported can be discarded.")
    batch.state, batch.text = State.DISCARDED, ""
    batch.save(update_fields=["state", "text"])
    record_event(by=by, action=Action.UPDATE, obj=batch, summary="Discarded a births file without importing it",
                 detail={"file_name": batch.file_name})
    return batch
