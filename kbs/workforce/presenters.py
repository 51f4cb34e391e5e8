"""Display values for the workforce pages, so that templates hold no logic."""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from kbs.workforce.forms import CONFIDENCE_TOPICS
from kbs.workforce.models import Certificate, ConfidenceRating, Module, ModuleProgress


@dataclass(frozen=True)
class ModuleRow:
    module: Module
    pages: int
    pages_read: int
    status: str
    tag: str  # the NHS.UK tag colour
    passed: bool
    best_score: int | None
    next_page: int


def module_row(module: Module, progress: ModuleProgress | None) -> ModuleRow:
    pages = len(module.pages)
    read = len([p for p in (progress.pages_read if progress else []) if 1 <= p <= pages])
    unread = [p for p in range(1, pages + 1) if not progress or p not in progress.pages_read]
    if progress is None:
        status, tag = "Not started", "grey"
    elif progress.passed:
        status, tag = "Passed", "green"
    elif progress.attempts:
        status, tag = "Not passed yet", "orange"
    else:
        status, tag = "In progress", "blue"
    return ModuleRow(
        module=module, pages=pages, pages_read=read, status=status, tag=tag,
        passed=bool(progress and progress.passed), best_score=progress.best_score if progress else None,
        next_page=unread[0] if unread else 1,
    )


def certificate_status(certificate: Certificate, today: date | None = None) -> tuple[str, str]:
    today = today or timezone.localdate()
    days_left = (certificate.expires_on - today).days
    if days_left <= 0:
        return "Expired", "red"
    if days_left <= 60:
        return "Refresher due", "orange"
    return "Valid", "green"


@dataclass(frozen=True)
class ConfidenceLine:
    topic: str
    before: int | None
    after: int | None

    @property
    def change(self) -> str:
        if self.before is None or self.after is None:
            return ""
        difference = self.after - self.before
        return f"+{difference}" if difference > 0 else str(difference) if difference else "No change"


def confidence_lines(before: ConfidenceRating | None, after: ConfidenceRating | None) -> list[ConfidenceLine]:
    return [
        ConfidenceLine(
            topic=topic,
            before=getattr(before, field) if before else None,
            after=getattr(after, field) if after else None,
        )
        for field, topic in CONFIDENCE_TOPICS.items()
    ]
