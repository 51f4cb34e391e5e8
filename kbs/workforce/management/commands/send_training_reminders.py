from typing import Any

from django.core.management.base import BaseCommand

from kbs.workforce.certificates import send_training_reminders


class Command(BaseCommand):
    help = "E-mail people whose training expires in 60 or 14 days (each reminder once). Run daily."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = send_training_reminders()
        self.stdout.write(f"Sent {counts.sent} training reminders.")
