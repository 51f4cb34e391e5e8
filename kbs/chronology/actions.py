"""Writing chronology entries. Called by other apps' actions, inside their transactions."""

from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone

from kbs.chronology.models import Entry, Kind, Significance


def add_entry(
    *,
    by: Any,
    family: Any,
    kind: Kind,
    summary: str,
    baby: Any = None,
    at: datetime | None = None,
    significance: Significance = Significance.ROUTINE,
    shared: bool = True,
    link: str = "",
    source: models.Model | None = None,
) -> Entry:
    """Add one event to a family's chronology, stamped with the actor and their agency."""
    actor = by if getattr(by, "is_authenticated", False) else None
    return Entry.objects.create(
        family=family,
        baby=baby,
        at=at or timezone.now(),
        kind=kind,
        significance=significance,
        agency_id=getattr(actor, "agency_id", None),
        actor=actor,
        actor_name=str(actor) if actor else "",
        summary=summary[:500],
        shared=shared,
        link=link,
        source_type=(source._meta.model_name or "") if source is not None else "",
        source_id=str(getattr(source, "public_id", None) or getattr(source, "pk", "")) if source is not None else "",
    )
