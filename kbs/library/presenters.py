"""Display values for the library pages, so that templates hold no logic."""

from dataclasses import dataclass
from datetime import date

from kbs.library.access import REVIEW_WARNING_DAYS
from kbs.library.models import Audience, ContentType, Document, DocumentVersion, Kind, Topic


@dataclass(frozen=True)
class ReviewStatus:
    text: str
    tag: str  # the NHS.UK tag colour


def review_status(document: Document, today: date) -> ReviewStatus | None:
    days = (document.review_by - today).days
    if days < 0:
        return ReviewStatus("Overdue for review", "red")
    if days <= REVIEW_WARNING_DAYS:
        return ReviewStatus("Review due soon", "orange")
    return None


def topic_labels(document: Document) -> list[str]:
    return [Topic(code).label for code in document.topics if code in Topic.values]


def file_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def file_description(version: DocumentVersion) -> str:
    """"PDF, 12 KB"."""
    return f"{ContentType(version.content_type).label}, {file_size(version.size)}"


@dataclass(frozen=True)
class DocumentRow:
    document: Document
    kind: str
    audience: str
    topics: list[str]
    status: ReviewStatus | None
    is_external: bool


def document_row(document: Document, today: date) -> DocumentRow:
    return DocumentRow(
        document=document, kind=Kind(document.kind).label, audience=Audience(document.audience).label,
        topics=topic_labels(document), status=review_status(document, today),
        is_external=document.url.startswith("https://"),
    )
