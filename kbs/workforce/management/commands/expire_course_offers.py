"""Move expired offers of Level 3 course places on to the next person waiting."""

from typing import Any

from django.core.management.base import BaseCommand

from kbs.workforce.courses import expire_offers


class Command(BaseCommand):
    help = (
        "Cancel every offer of a Level 3 course place whose accept-by time has passed, and offer each "
        "place to the next person on the waiting list (who is e-mailed). Run it every 15 minutes from "
        "cron or a systemd timer, for example "
        "'*/15 * * * * cd /srv/kbs && .venv/bin/python manage.py expire_course_offers'. "
        "Running it more often, or twice at once, never expires the same offer twice."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        expired = expire_offers()
        self.stdout.write(f"Expired {len(expired)} offer{'' if len(expired) == 1 else 's'}")
