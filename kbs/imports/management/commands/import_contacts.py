"""Import a historic contacts CSV file (contacts recorded in another system):
`manage.py import_contacts FILE --user USERNAME [--accepted-only] [--dry-run] [--report OUT.csv]`.

Checking and importing are one pass (on PostgreSQL: COPY into a staging table and every rule in
one query; a big clean file is checked and written by COPY in two streams at once; see
kbs/imports/contacts_load.py), in one transaction: all-or-nothing
unless --accepted-only. Exit codes as import_births: 0 imported (or, with --dry-run, every row
accepted); 1 some rows were rejected and nothing was imported (all-or-nothing, or --dry-run); 2 the
file was refused as a whole or the command was used wrongly. The report of rejected rows goes to
--report FILE if given, otherwise to standard error; progress goes to standard error too.
"""

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kbs.imports import cli, contacts_actions
from kbs.imports.management.commands.import_births import Progress
from kbs.imports.models import State
from kbs.imports.validation import report_csv


class Command(BaseCommand):
    help = "Check and import a CSV file of contacts recorded in another system, matched to babies by NHS number."

    def add_arguments(self, parser: CommandParser) -> None:
        cli.add_arguments(parser, dry_run="check every row, but import nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        user, data = cli.importer_and_file(options, "contacts")
        bar: Progress | None = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = Progress("Reading  ", total, self.stderr)
            bar(done)

        batch = contacts_actions.import_contacts(by=user, data=data, file_name=path.name, progress=progress,
                                                 accepted_only=options["accepted_only"], dry_run=options["dry_run"])
        if bar is not None:
            bar.finish()
        if batch.state == State.REFUSED:
            raise CommandError(batch.refusal, returncode=2)
        self.stdout.write(f"{batch.total_rows} rows: {batch.accepted_rows} accepted, {batch.rejected_rows} rejected")
        if batch.problems:
            report = report_csv(batch.problems)
            if options["report"]:
                options["report"].write_text(report, encoding="utf-8")
                self.stdout.write(f"Report of rejected rows written to {options['report']}")
            else:
                self.stderr.write(report, ending="")
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was imported")
            sys.exit(1 if batch.rejected_rows else 0)
        if batch.state != State.IMPORTED:
            self.stdout.write("Nothing was imported (all or nothing). Correct the file, or use --accepted-only.")
            sys.exit(1)
        self.stdout.write(f"Imported: {batch.imported_count} contacts, {batch.rejected_rows} rejected rows left out")
