"""Escalate concerns, referrals and tasks that have gone past their time limits."""

from typing import Any

from django.core.management.base import BaseCommand

from kbs.concerns.actions import escalate_overdue


class Command(BaseCommand):
    help = (
        "Escalate everything that has just gone past its time limit (concerns waiting for a decision, "
        "referrals waiting for acknowledgement, open tasks) and e-mail each agency's safeguarding leads once. "
        "Run it every 15 minutes from cron or a systemd timer, for example "
        "'*/15 * * * * cd /srv/kbs && .venv/bin/python manage.py run_clocks'. "
        "Running it more often, or twice at once, never escalates the same thing twice."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        escalated = escalate_overdue()
        self.stdout.write(f"Escalated {len(escalated)} overdue item{'' if len(escalated) == 1 else 's'}")
