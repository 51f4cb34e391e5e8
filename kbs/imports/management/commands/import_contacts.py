"""Import a historic contacts CSV file (contacts recorded in another system):
`manage.py import_contacts FILE --user USERNAME [--accepted-only] [--dry-run] [--report OUT.csv]`.

Checking and importing are one pass (on PostgreSQL: COPY into a staging table, every rule in one
query, one INSERT … SELECT; see kbs/imports/contacts_load.py), in one transaction: all-or-nothing
unless --accepted-only. Exit codes as import_births: 0 imported (or, with --dry-run, every row
accepted); 1 some rows were rejected and nothing was imported (all-or-nothing, or --dry-run); 2 the
file was refused as a whole or the command was used wrongly. The report of rejected rows goes to
--report FILE if given, otherwise to standard error; progress goes to standard error too.
"""

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kbs.accounts.models import User
from kbs.imports import contacts_actions
from kbs.imports.management.commands.import_births import Progress
from kbs.imports.models import State
from kbs.imports.validation import report_csv


class Command(BaseCommand):
    help = "Check and import a CSV file of contacts recorded in another system, matched to babies by NHS number."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="the KBS username of the person importing")
        parser.add_argument("--accepted-only", action="store_true", help="import the accepted rows even if others are rejected")
        parser.add_argument("--dry-run", action="store_true", help="check every row, but import nothing")
        parser.add_argument("--report", type=Path, help="write the report of rejected rows to this CSV file")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user called {options['user']}", returncode=2)
        if not contacts_actions.may_import(user):
            raise CommandError(f"{user.username} may not import contacts (it needs a role that registers families, "
                               "and an agency)", returncode=2)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}", returncode=2) from None
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
