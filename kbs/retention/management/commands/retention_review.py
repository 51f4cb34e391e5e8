"""`manage.py retention_review`: how many records are due for review, for a scheduled job.

Prints counts only: no names, addresses, references or dates of birth, so its output can go to any
log or e-mail.
"""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from kbs.families.models import Family
from kbs.retention import records
from kbs.retention.access import COMING_UP_DAYS
from kbs.retention.models import LegalHold
from kbs.retention.schedule import configured_schedule, retention_due


class Command(BaseCommand):
    help = "Print how many records are past their retention date or coming up for review (counts only)."

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        schedule = configured_schedule()
        held = set(LegalHold.objects.filter(lifted_at__isnull=True).values_list("family_id", flat=True))
        due = coming_up = due_held = 0
        families = records.with_facts(Family.objects.filter(disposal__isnull=True).order_by("id"))
        for row in records.facts_for(families):
            on = retention_due(row.facts, schedule).on
            if on <= today:
                due += 1
                due_held += row.family.pk in held
            elif (on - today).days <= COMING_UP_DAYS:
                coming_up += 1
        holds_to_review = LegalHold.objects.filter(lifted_at__isnull=True, review_on__lte=today).count()
        self.stdout.write(f"Past their retention date: {due} ({due_held} on a legal hold)")
        self.stdout.write(f"Coming up in the next {COMING_UP_DAYS} days: {coming_up}")
        self.stdout.write(f"Legal holds in place: {len(held)} ({holds_to_review} due for review)")
