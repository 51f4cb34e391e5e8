"""Who may see what in the library. Every view reads documents and files through here.

- Public documents: anyone may download their files, signed in or not (leaflets are for parents).
- Practitioners' documents: anyone signed in who holds a role.
- Partnership-only documents: holders of MANAGE_LIBRARY (administrators, training leads) or
  VIEW_AGGREGATES (the partnership's analysts).
- Adding documents: MANAGE_LIBRARY. A new version: MANAGE_LIBRARY, or the document's owner.

The library's pages are for signed-in staff; only the file download is open to everyone, for public
documents. "Not found" and "not allowed" raise the same 404, so a page never confirms that a
document exists. Downloading a file that is not public writes a row to the audit trail.
"""

from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.library import search as full_text
from kbs.library.models import Audience, Document, DocumentVersion

NOT_FOUND = "Page not found"
# Owners see a document on their "reviews due" list this many days before its review date.
REVIEW_WARNING_DAYS = 30


def is_staff(user: Any) -> bool:
    """Signed in, active, and holding at least one role that grants something."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.permissions)


def require_staff(user: Any) -> None:
    if not is_staff(user):
        raise Http404(NOT_FOUND)


def can_manage(user: Any) -> bool:
    return has_permission(user, Permission.MANAGE_LIBRARY)


def audiences_for(user: Any) -> list[str]:
    """The audiences whose documents `user` may see."""
    if not is_staff(user):
        return [Audience.PUBLIC]
    if can_manage(user) or has_permission(user, Permission.VIEW_AGGREGATES):
        return [Audience.PUBLIC, Audience.PRACTITIONERS, Audience.PARTNERSHIP]
    return [Audience.PUBLIC, Audience.PRACTITIONERS]


def can_see(user: Any, document: Document) -> bool:
    return document.audience in audiences_for(user)


def can_add_version(user: Any, document: Document) -> bool:
    return can_see(user, document) and is_staff(user) and (can_manage(user) or document.owner_id == user.pk)


def visible_documents(user: Any) -> QuerySet[Document]:
    """Every document `user` may see in the library (staff only)."""
    require_staff(user)
    return Document.objects.filter(audience__in=audiences_for(user)).select_related("owner", "agency")


def find(user: Any, *, query: str = "", topic: str = "") -> list[Document]:
    """Documents `user` may see: those matching `query` best first, or all by title; then only
    those tagged `topic`, if one is given."""
    documents = visible_documents(user)
    found = full_text.search(documents, query) if query.strip() else list(documents.order_by("title", "pk"))
    return [d for d in found if topic in d.topics] if topic else found


def document_for(user: Any, document_id: int) -> Document:
    """A document `user` may see; 404 if it does not exist or they may not."""
    require_staff(user)
    document = Document.objects.select_related("owner", "agency").filter(pk=document_id).first()
    if document is None or not can_see(user, document):
        raise Http404(NOT_FOUND)
    return document


def document_to_manage(user: Any, document_id: int) -> Document:
    """A document `user` may add a version to; 404 otherwise."""
    document = document_for(user, document_id)
    if not can_add_version(user, document):
        raise Http404(NOT_FOUND)
    return document


def require_manager(user: Any) -> None:
    if not can_manage(user):
        raise Http404(NOT_FOUND)


def versions_of(document: Document) -> QuerySet[DocumentVersion]:
    """Newest first. Callers have already been through document_for."""
    return document.versions.select_related("uploaded_by").order_by("-number")


def version_to_download(user: Any, document_id: int, number: int) -> DocumentVersion:
    """A file `user` may download. Anyone may download a public document's files; anything else
    is written to the audit trail."""
    version = (
        DocumentVersion.objects.select_related("document").filter(document_id=document_id, number=number).first()
    )
    if version is None or not can_see(user, version.document):
        raise Http404(NOT_FOUND)
    if not version.document.is_public:
        record_event(
            by=user, action=Action.VIEW, obj=version,
            summary=f"Downloaded version {version.number} of {version.document.title}",
            detail={"document": version.document_id, "version": version.number},
        )
    return version


def reviews_due(user: Any, today: date | None = None) -> list[Document]:
    """Documents past their review date or due within REVIEW_WARNING_DAYS: the user's own, or
    every document for a library manager. Soonest first."""
    require_staff(user)
    today = today or timezone.localdate()
    documents = Document.objects.filter(review_by__lte=today + timedelta(days=REVIEW_WARNING_DAYS))
    if not can_manage(user):
        documents = documents.filter(owner=user)
    return list(documents.select_related("owner", "agency").order_by("review_by", "title"))
