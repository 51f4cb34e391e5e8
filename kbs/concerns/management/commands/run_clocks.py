"""Escalate concerns, referrals and tasks that have gone past their time limits."""

from typing import Any

from django.core.management.base import BaseCommand

from kbs.concerns.actions import escalate_overdue
from kbs.insights.rollups import refresh_pending


class Command(BaseCommand):
    help = (
        "Escalate everything that has just gone past its time limit (concerns waiting for a decision, "
        "referrals waiting for acknowledgement, open tasks) and e-mail each agency's safeguarding leads once. "
        "Run it every 15 minutes from cron or a systemd timer, for example "
        "'*/15 * * * * cd /srv/kbs && .venv/bin/python manage.py run_clocks'. "
        "Running it more often, or twice at once, never escalates the same thing twice. "
        "It also refreshes any dashboard rollups a crash left behind."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        escalated = escalate_overdue()
        self.stdout.write(f"Escalated {len(escalated)} overdue item{'' if len(escalated) == 1 else 's'}")
        refreshed = refresh_pending()
        if refreshed:
            self.stdout.write(f"Refreshed the rollups of {refreshed} famil{'y' if refreshed == 1 else 'ies'}")
