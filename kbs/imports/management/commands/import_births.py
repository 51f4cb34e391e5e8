"""Import a births CSV file: `manage.py import_births FILE --user USERNAME [--accepted-only] [--dry-run]`.

Exit codes: 0 imported (or, with --dry-run, every row accepted); 1 some rows were rejected and
nothing was imported (all-or-nothing, or --dry-run); 2 the file was refused as a whole or the
command was used wrongly (no such file or user, or a user who may not import births). The report of
rejected rows goes to --report FILE if given, otherwise to standard error; progress goes to
standard error too, so standard output carries only the summary.
"""

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.db import transaction

from kbs.imports import actions, cli
from kbs.imports.models import State
from kbs.imports.validation import report_csv


class Progress:
    """A text progress bar on standard error, redrawn at most once per percent."""

    def __init__(self, label: str, total: int, out: OutputWrapper, width: int = 30) -> None:
        self.label, self.total, self.out, self.width, self.shown = label, max(total, 1), out, width, -1
        self.ended = False

    def __call__(self, done: int) -> None:
        if self.ended:
            return
        done = min(done, self.total)  # the checking bar's total is an estimate from the file's lines
        percent = done * 100 // self.total
        if percent == self.shown and done != self.total:
            return
        self.shown = percent
        filled = self.width * done // self.total
        self.out.write(f"\r{self.label} [{'#' * filled}{' ' * (self.width - filled)}] {done}/{self.total}", ending="")
        if done >= self.total:
            self.finish()
        self.out.flush()

    def finish(self) -> None:
        if not self.ended:
            self.out.write("")
            self.ended = True


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = ("Check and import a births CSV file, creating babies or matching them by NHS number, or to an unborn "
            "baby by the birth mother's NHS number and expected date.")

    def add_arguments(self, parser: CommandParser) -> None:
        cli.add_arguments(parser, dry_run="check and match, but save no babies")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        user, data = cli.importer_and_file(options, "births")
        err = self.stderr
        checking = Progress("Checking ", max(data.count(b"\n"), 1), err)  # an estimate: the file's lines
        batch = actions.check_births_file(by=user, data=data, file_name=path.name, progress=checking)
        checking.finish()
        if batch.state == State.REFUSED:
            raise CommandError(batch.refusal, returncode=2)
        self.stdout.write(f"{batch.total_rows} rows: {batch.accepted_rows} accepted, {batch.rejected_rows} rejected")
        if batch.problems:
            report = report_csv(batch.problems)
            if options["report"]:
                options["report"].write_text(report, encoding="utf-8")
                self.stdout.write(f"Report of rejected rows written to {options['report']}")
            else:
                err.write(report, ending="")
        accepted_only = options["accepted_only"]
        if batch.rejected_rows and not accepted_only:
            actions.discard_births_file(by=user, batch=batch)
            self.stdout.write("Nothing was imported (all or nothing). Correct the file, or use --accepted-only.")
            sys.exit(1)
        progress = Progress("Importing", batch.accepted_rows, err)
        try:
            with transaction.atomic():
                batch = actions.import_births(by=user, batch=batch, accepted_only=accepted_only, progress=progress)
                progress.finish()
                if options["dry_run"]:
                    raise _DryRun
        except _DryRun:
            actions.discard_births_file(by=user, batch=batch)
            self.stdout.write(f"Dry run: {batch.created_count} would be new, {batch.matched_count} would match, "
                              f"{batch.born_count} would match an unborn baby; nothing was saved")
            sys.exit(1 if batch.rejected_rows else 0)
        except (actions.ImportRefused, ValidationError) as error:
            raise CommandError(f"Nothing was imported: {error}", returncode=1) from None
        self.stdout.write(f"Imported: {batch.created_count} new, {batch.matched_count} matched, "
                          f"{batch.born_count} unborn babies born, {batch.rejected_rows} rejected rows left out")
