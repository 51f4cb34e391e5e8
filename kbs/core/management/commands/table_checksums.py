"""Print every table's row count and checksum, or compare them with a backup's manifest.

    manage.py table_checksums                     one line a table: name, rows, checksum
    manage.py table_checksums --json              the same as JSON (engine, migrations, tables)
    manage.py table_checksums --against FILE      compare with a backup archive (or its manifest.json);
                                                  exits 1 when any table differs

The checksums are those `make backup` writes into the manifest and `make restore` checks
(kbs.core.backup.table_checksums): comparable between databases of the same engine.
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kbs.core import backup


class Command(BaseCommand):
    help = "Print every table's row count and checksum, or compare them with a backup's manifest"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--against", metavar="FILE", help="a backup archive (.tar.gz) or its manifest.json")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["against"]:
            self._compare(Path(options["against"]))
            return
        tables = backup.table_checksums()
        if options["json"]:
            self.stdout.write(json.dumps({
                "engine": backup.engine(), "migrations": backup.migration_state(),
                "tables": {name: figures.as_json() for name, figures in tables.items()},
            }, indent=2, sort_keys=True))
            return
        width = max((len(name) for name in tables), default=5)
        for name, figures in tables.items():
            self.stdout.write(f"{name:<{width}}  {figures.rows:>10}  {figures.checksum}")
        self.stdout.write(f"{len(tables)} tables, {sum(f.rows for f in tables.values())} rows")

    def _compare(self, path: Path) -> None:
        try:
            manifest = json.loads(path.read_text()) if path.suffix == ".json" else backup.read_manifest(path)
        except (OSError, json.JSONDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        if manifest.get("engine") != backup.engine():
            raise CommandError(f"{path} is a {manifest.get('engine')} backup; this database is {backup.engine()}")
        result = backup.verify(manifest)
        for problem in result.problems:
            self.stdout.write(f"MISMATCH {problem}")
        if not result.ok:
            raise CommandError(f"{len(result.mismatched)} of {result.tables} tables differ from {path}")
        self.stdout.write(f"All {result.tables} tables ({result.rows} rows) and {result.files} file(s) match {path}")
