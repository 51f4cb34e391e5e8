"""Every change to the library: adding a document and adding a version of one.

Each action runs in one transaction, takes `by=` (who acted), writes its own audit row and keeps
the search index in step. Files arrive already checked (`files.CheckedFile`); the file is written
only after that, just before the rows, and removed again if the transaction fails, so a refused or
failed upload leaves nothing behind.
"""

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from kbs.accounts.models import Agency, User
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.library import access, files, search
from kbs.library.files import CheckedFile
from kbs.library.models import Audience, Document, DocumentVersion, Kind, Topic

T = TypeVar("T")
FIRST_VERSION_NOTE = "First version"


class Refused(Exception):
    """The action is not allowed; the message says why, for the person. Nothing was changed."""


def _with_file(checked: CheckedFile | None, write: Callable[[], T]) -> T:
    """Store the file, then run `write` in a transaction; if that fails, remove the file again
    (unless it was already there for another version with the same bytes)."""
    created = files.store(checked) if checked is not None else False
    try:
        with transaction.atomic():
            return write()
    except BaseException:
        if created and checked is not None:
            files.discard(checked.sha256)
        raise


def _check_details(details: dict[str, Any]) -> None:
    if details["kind"] not in Kind.values:
        raise Refused("Choose what kind of document this is")
    if details["audience"] not in Audience.values:
        raise Refused("Choose who the document is for")
    unknown = [t for t in details.get("topics", []) if t not in Topic.values]
    if unknown:
        raise Refused(f"Unknown topic {unknown[0]!r}")
    if details["review_by"] <= details["published_on"]:
        raise Refused("The review date must be after the date published")


def add_document(
    *, by: User, title: str, kind: str, summary: str, owner: User, agency: Agency, audience: str,
    topics: list[str], published_on: date, review_by: date, url: str = "", file: CheckedFile | None = None,
    change_note: str = "",
) -> Document:
    """Add a document to the library, with its first version if a file is given. A document needs
    a file, a link, or both."""
    if not access.can_manage(by):
        raise Refused("Only library managers can add documents")
    if file is None and not url:
        raise Refused("Choose a file to upload, or give a web address")
    _check_details({"kind": kind, "audience": audience, "topics": topics, "published_on": published_on,
                    "review_by": review_by})

    def write() -> Document:
        now = timezone.now()
        document = Document.objects.create(
            title=title.strip(), kind=kind, summary=summary.strip(), owner=owner, agency=agency, audience=audience,
            topics=sorted(set(topics), key=Topic.values.index), published_on=published_on, review_by=review_by,
            url=url.strip(), created_by=by, created_at=now,
        )
        if file is not None:
            _add_version_row(document=document, file=file, by=by, note=change_note.strip() or FIRST_VERSION_NOTE)
        search.index_document(document)
        record_event(
            by=by, action=Action.CREATE, obj=document, summary=f"Added {document.title} to the library",
            detail={"kind": kind, "audience": audience, "owner": owner.pk, "review_by": review_by,
                    "file": file.sha256 if file else None, "url": document.url},
        )
        return document

    return _with_file(file, write)


def _add_version_row(*, document: Document, file: CheckedFile, by: User, note: str) -> DocumentVersion:
    latest = document.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return DocumentVersion.objects.create(
        document=document, number=latest + 1, original_name=file.original_name, content_type=file.content_type,
        size=file.size, sha256=file.sha256, uploaded_by=by, uploaded_at=timezone.now(), change_note=note,
    )


def add_version(
    *, by: User, document: Document, file: CheckedFile, change_note: str, review_by: date,
    published_on: date | None = None,
) -> DocumentVersion:
    """Upload a new version of `document`: it becomes the current one and the old ones stay in the
    history. The document's published date becomes today (or `published_on`) and its review date
    `review_by`."""
    if not access.can_add_version(by, document):
        raise Refused("Only library managers and the document's owner can add a version")
    if not change_note.strip():
        raise Refused("Say what changed in this version")
    published_on = published_on or timezone.localdate()
    if review_by <= published_on:
        raise Refused("The review date must be after today")

    def write() -> DocumentVersion:
        locked = Document.objects.select_for_update().get(pk=document.pk)
        before = {"published_on": locked.published_on, "review_by": locked.review_by}
        version = _add_version_row(document=locked, file=file, by=by, note=change_note.strip())
        Document.objects.filter(pk=locked.pk).update(published_on=published_on, review_by=review_by)
        document.published_on, document.review_by = published_on, review_by
        record_event(
            by=by, action=Action.CREATE, obj=version,
            summary=f"Uploaded version {version.number} of {locked.title}",
            detail={"document": locked.pk, "version": version.number, "file": file.sha256,
                    "published_on": [before["published_on"], published_on],
                    "review_by": [before["review_by"], review_by]},
        )
        return version

    return _with_file(file, write)


def reindex(*, document: Document) -> None:
    """Bring one document's search entry up to date (the learning actions call this when a change
    links a document to a recommendation). Writes no audit row: nothing a person sees changes
    except what the search finds."""
    with transaction.atomic():
        search.index_document(document)
