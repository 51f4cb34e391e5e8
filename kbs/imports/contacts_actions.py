"""Checking and importing historic contacts files (contacts recorded in other systems). Each action
runs in one transaction, takes `by=` and writes one audit event with counts, never one per row.

Importing needs the same permission as importing births (`kbs.imports.actions.may_import`)."""

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from kbs.accounts.models import User
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.contacts.models import ContactImport
from kbs.imports import contacts_load
from kbs.imports.actions import ImportRefused, NotAllowed, may_import
from kbs.imports.models import State
from kbs.imports.validation import FileRefused

__all__ = ["ImportRefused", "NotAllowed", "check_contacts_file", "discard_contacts_file", "import_contacts",
           "import_checked_file", "may_import"]


def _require(by: User) -> None:
    if not may_import(by):
        raise NotAllowed("importing contacts needs permission to register families and a user with an agency")


def _count(batch: ContactImport, outcome: contacts_load.Outcome) -> None:
    batch.total_rows, batch.rejected_rows = outcome.total, outcome.rejected
    batch.problems = [[p.row, p.column, p.reason] for p in outcome.problems]


@transaction.atomic
def check_contacts_file(*, by: User, data: bytes, file_name: str, max_rows: int | None = None) -> ContactImport:
    """Check every row of a file (nothing is imported) and keep the result, and the file until it is
    imported or discarded, so that the person can choose how to import. A refused file is recorded too."""
    _require(by)
    batch = ContactImport(created_by=by, file_name=file_name[:200])
    try:
        outcome = contacts_load.run(data=data, batch=None, accepted_only=False, load=False, max_rows=max_rows)
    except FileRefused as refused:
        batch.state, batch.refusal = State.REFUSED, str(refused)[:500]
    else:
        batch.state, batch.text = State.CHECKED, contacts_load.decode(data)
        _count(batch, outcome)
    batch.save()
    record_event(
        by=by, action=Action.CREATE, obj=batch,
        summary=(f"Checked a historic contacts file: {batch.total_rows} rows, {batch.rejected_rows} rejected"
                 if batch.state == State.CHECKED else "A historic contacts file was refused"),
        detail={"file_name": batch.file_name, "rows": batch.total_rows, "rejected_rows": batch.rejected_rows,
                "refusal": batch.refusal},
    )
    return batch


def _imported(by: User, batch: ContactImport, outcome: contacts_load.Outcome, accepted_only: bool) -> None:
    _count(batch, outcome)
    batch.state, batch.text, batch.accepted_only = State.IMPORTED, "", accepted_only
    batch.imported_count, batch.imported_at = outcome.imported, timezone.now()
    batch.save()
    record_event(
        by=by, action=Action.CREATE, obj=batch,
        summary=f"Imported {outcome.imported} historic contacts ({batch.rejected_rows} rows rejected)",
        detail={"file_name": batch.file_name, "accepted_only": accepted_only, "rows": outcome.total,
                "imported": outcome.imported, "rejected_rows": batch.rejected_rows, "loader": outcome.loader},
    )


@transaction.atomic
def import_checked_file(*, by: User, batch: ContactImport, accepted_only: bool) -> ContactImport:
    """Import a checked file (web upload): every row or none, or only the accepted rows. The file is
    checked again as it loads, so a row imported since the check is reported, not imported twice."""
    _require(by)
    batch = ContactImport.objects.select_for_update().get(pk=batch.pk)
    if batch.created_by_id != by.pk or batch.state != State.CHECKED or not batch.text:
        raise ImportRefused("This file has already been imported, or was refused.")
    outcome = contacts_load.run(data=batch.text.encode("utf-8"), batch=batch, accepted_only=accepted_only, load=True)
    if outcome.problems and not accepted_only:
        raise ImportRefused(f"Nothing was imported: {outcome.rejected} of {outcome.total} rows were rejected.")
    _imported(by, batch, outcome, accepted_only)
    return batch


@transaction.atomic
def import_contacts(*, by: User, data: bytes, file_name: str, accepted_only: bool = False, dry_run: bool = False,
                    loader: str | None = None, progress: Callable[[int, int], None] | None = None) -> ContactImport:
    """Check and import a file in one pass (the command, and the benchmark). The file itself is not
    stored. All-or-nothing unless `accepted_only`; with `dry_run` nothing is imported. The returned
    record's state says what happened: imported, refused (the file as a whole) or discarded."""
    _require(by)
    batch = ContactImport.objects.create(created_by=by, file_name=file_name[:200], state=State.CHECKED)
    try:
        outcome = contacts_load.run(data=data, batch=batch, accepted_only=accepted_only, load=not dry_run,
                                    loader=loader, progress=progress)
    except FileRefused as refused:
        batch.state, batch.refusal = State.REFUSED, str(refused)[:500]
        batch.save()
        record_event(by=by, action=Action.CREATE, obj=batch, summary="A historic contacts file was refused",
                     detail={"file_name": batch.file_name, "refusal": batch.refusal})
        return batch
    if dry_run or (outcome.problems and not accepted_only):
        _count(batch, outcome)
        batch.state, batch.accepted_only = State.DISCARDED, accepted_only
        batch.save()
        record_event(by=by, action=Action.CREATE, obj=batch,
                     summary=f"Checked a historic contacts file, nothing imported: {batch.total_rows} rows, "
                             f"{batch.rejected_rows} rejected",
                     detail={"file_name": batch.file_name, "rows": batch.total_rows, "rejected_rows": batch.rejected_rows,
                             "dry_run": dry_run, "loader": outcome.loader})
        return batch
    _imported(by, batch, outcome, accepted_only)
    return batch


@transaction.atomic
def discard_contacts_file(*, by: User, batch: ContactImport) -> ContactImport:
    _require(by)
    batch = ContactImport.objects.select_for_update().get(pk=batch.pk)
    if batch.created_by_id != by.pk or batch.state != State.CHECKED:
        raise ImportRefused("Only a checked file that has not been imported can be discarded.")
    batch.state, batch.text = State.DISCARDED, ""
    batch.save(update_fields=["state", "text"])
    record_event(by=by, action=Action.UPDATE, obj=batch, summary="Discarded a historic contacts file without importing it",
                 detail={"file_name": batch.file_name})
    return batch
