"""Every change to concerns, referrals and tasks. Each action runs in one transaction, takes `by=`
and writes its own audit event (and a chronology entry where the event matters to the family)."""

from datetime import datetime
from typing import Any

from django.db import models, transaction

from kbs.accounts.models import Agency, User
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.concerns.models import Task, TaskKind


@transaction.atomic
def create_task(
    *,
    by: User | None,
    family: Any,
    kind: TaskKind,
    title: str,
    agency: Agency,
    due_at: datetime,
    assigned_to: User | None = None,
    baby: Any = None,
    urgent: bool = False,
    source: models.Model | None = None,
) -> Task:
    """Create a task for a person (or, unassigned, for their agency). Routine tasks are never made
    for a baby who has died (the death issue adds that check here, in one place)."""
    task = Task.objects.create(
        family=family, baby=baby, kind=kind, title=title[:300], agency=agency, assigned_to=assigned_to,
        due_at=due_at, urgent=urgent, created_by=by,
        source_type=(source._meta.model_name or "") if source is not None else "",
        source_id=str(getattr(source, "public_id", None) or getattr(source, "pk", "")) if source is not None else "",
    )
    record_event(by=by, action=Action.CREATE, obj=task, family=family, summary=f"Created a task: {task.title}",
                 detail={"due_at": due_at, "assigned_to": str(assigned_to) if assigned_to else None, "urgent": urgent})
    return task
