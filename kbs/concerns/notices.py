"""E-mails about concerns, referrals and tasks, sent after the commit.

E-mail leaves the secure system, so these carry links and the kind of thing only: never a baby's,
parent's or practitioner's name, an address, or what was seen. The reader follows the link and signs in.
"""

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import models
from django.urls import reverse

from kbs.accounts.models import Agency
from kbs.concerns.models import Concern, Referral, Task
from kbs.core.presenters import moment
from kbs.families.notices import safeguarding_lead_addresses


def _link(record: models.Model) -> str:
    return f"{settings.KBS_BASE_URL}{record.get_absolute_url()}"  # type: ignore[attr-defined]


def _when(value: datetime) -> str:
    return moment(value)


def task_created(task: Task, skip: str = "") -> int:
    """Tell the assignee (or, for an unassigned task, the agency's leads) about a new task; for an
    urgent task tell the agency's leads as well. `skip` is the address of whoever made the task."""
    recipients: set[str] = set()
    if task.assigned_to is not None and task.assigned_to.email:
        recipients.add(task.assigned_to.email)
    if task.assigned_to is None or task.urgent:
        recipients.update(safeguarding_lead_addresses(task.agency))
    recipients.discard(skip)
    if not recipients:
        return 0
    urgent = "An urgent task" if task.urgent else "A task"
    body = (
        f"{urgent} has been added to Keeping Babies Safe for {'you' if task.assigned_to else 'your agency'}: "
        f"{task.get_kind_display()}.\n\n"
        f"It is due by {_when(task.due_at)}.\n"
        f"Open the task: {_link(task)}\n"
    )
    subject = "Keeping Babies Safe: " + ("urgent task" if task.urgent else "new task")
    return send_mail(subject, body, None, sorted(recipients))


def concern_raised(concern: Concern) -> int:
    """Tell the agency's safeguarding leads that a concern is waiting for their decision."""
    recipients = safeguarding_lead_addresses(concern.agency)
    if not recipients:
        return 0
    body = (
        f"A {concern.severity}-severity concern has been raised by a member of your agency and is waiting "
        f"for a safeguarding lead's decision.\n\n"
        f"A decision is due by {_when(concern.decision_due_at)}.\n"
        f"Open the concern: {_link(concern)}\n"
    )
    subject = "Keeping Babies Safe: " + ("high-severity concern" if concern.severity == "high" else "concern raised")
    return send_mail(subject, body, None, recipients)


def _describe(record: models.Model) -> str:
    if isinstance(record, Concern):
        return f"A decision on a {record.severity}-severity concern was due by {_when(record.decision_due_at)}"
    if isinstance(record, Referral):
        return f"Acknowledgement of a referral was due by {_when(record.acknowledgement_due_at)}"
    if isinstance(record, Task):
        return f"{'An urgent task' if record.urgent else 'A task'} ({record.get_kind_display()}) was due by {_when(record.due_at)}"
    return "Something was due"


def overdue(agency: Agency, records: Iterable[models.Model]) -> int:
    """One e-mail to an agency's leads listing everything that has just become overdue."""
    recipients = safeguarding_lead_addresses(agency)
    records = list(records)
    if not recipients or not records:
        return 0
    lines = [f"- {_describe(r)}: {_link(r)}" for r in records]
    body = (
        "These have gone past their time limit in Keeping Babies Safe and are not done yet:\n\n"
        + "\n".join(lines)
        + f"\n\nEverything overdue in your agency: {settings.KBS_BASE_URL}{reverse('concerns:overdue')}\n"
    )
    return send_mail("Keeping Babies Safe: overdue", body, None, recipients)
