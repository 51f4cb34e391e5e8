"""Work every family's dashboard contributions out again from the records, and the cells from them."""

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand

from kbs.insights import rollups
from kbs.insights.models import Cell


class Command(BaseCommand):
    help = "Rebuild the dashboard rollups from scratch (in one transaction; run when the service is quiet)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=2000, help="families read at a time (default 2000)")
        parser.add_argument("--jobs", type=int, default=1,
                            help="worker processes working out contributions side by side (default 1; "
                                 "use the number of cores on PostgreSQL)")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            width = 30
            filled = width * done // max(total, 1)
            elapsed = time.monotonic() - started
            sys.stderr.write(f"\rRollups [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} families, {elapsed:.0f} s")
            sys.stderr.flush()

        families = rollups.rebuild(batch=options["batch"], progress=progress, jobs=options["jobs"])
        sys.stderr.write("\n")
        # Families written to while the rebuild held its lock.
        rollups.refresh_pending()
        self.stdout.write(
            f"Rebuilt the rollups of {families:,} families into {Cell.objects.count():,} cells "
            f"in {time.monotonic() - started:.1f} s"
        )
