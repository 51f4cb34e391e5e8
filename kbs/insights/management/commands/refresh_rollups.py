"""Work out again the dashboard contributions of families written to since their last refresh."""

import time
from typing import Any

from django.core.management.base import BaseCommand

from kbs.insights import rollups


class Command(BaseCommand):
    help = "Refresh the rollups of families still marked as changed; with --every, keep doing so."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--every", type=int, default=0, help="repeat every N seconds (0: once)")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            done = rollups.refresh_pending()
            self.stdout.write(f"Refreshed the rollups of {done:,} families")
            if not options["every"]:
                return
            time.sleep(options["every"])
