"""`manage.py load_demo`: load the invented demo agencies, personas and families (demo mode only)."""

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kbs.nonprod.demo import DEFAULT_SEED, demo_data_loaded, ensure_demo_mode, involvement_shares, load_demo_data


def check_demo_mode() -> None:
    """Refuse unless demo mode is on: personas and invented families must never reach production."""
    try:
        ensure_demo_mode()
    except ImproperlyConfigured as error:
        raise CommandError(str(error)) from error


class Command(BaseCommand):
    help = "Load invented demo agencies, staff, personas and families. Only in demo mode; safe to run twice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--families", type=int, default=200, help="How many households to invent (default 200)")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Random seed (same seed, same data)")

    def handle(self, *args: Any, families: int, seed: int, verbosity: int = 1, **options: Any) -> None:
        check_demo_mode()
        if families < 1:
            raise CommandError("--families must be at least 1")
        already = demo_data_loaded()
        counts = load_demo_data(families=families, seed=seed, stdout=self.stdout if verbosity > 0 else None)
        if already:
            self.stdout.write("Demo data were already loaded: nothing changed.")
        else:
            self.stdout.write(self.style.SUCCESS("Loaded the demo data."))
        for name, count in counts.items():
            self.stdout.write(f"  {name}: {count}")
        if verbosity > 1:
            self.stdout.write("Share of families each agency is involved with now:")
            for name, share in involvement_shares().items():
                self.stdout.write(f"  {share:.0%}  {name}")
