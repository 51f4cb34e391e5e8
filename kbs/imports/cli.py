"""What the two import commands (`import_births`, `import_contacts`) share: their arguments, and
finding the importing user and reading the file, with the same messages and exit codes."""

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from kbs.accounts.models import User
from kbs.imports.actions import may_import


def add_arguments(parser: CommandParser, *, dry_run: str) -> None:
    parser.add_argument("file", type=Path)
    parser.add_argument("--user", required=True, help="the KBS username of the person importing")
    parser.add_argument("--accepted-only", action="store_true", help="import the accepted rows even if others are rejected")
    parser.add_argument("--dry-run", action="store_true", help=dry_run)
    parser.add_argument("--report", type=Path, help="write the report of rejected rows to this CSV file")


def importer_and_file(options: dict[str, Any], what: str) -> tuple[User, bytes]:
    """The active user named by --user, who may import, and the file's bytes; CommandError (exit
    code 2) otherwise."""
    user = User.objects.filter(username=options["user"], is_active=True).first()
    if user is None:
        raise CommandError(f"No active user called {options['user']}", returncode=2)
    if not may_import(user):
        raise CommandError(f"{user.username} may not import {what} (it needs a role that registers families, "
                           "and an agency)", returncode=2)
    path: Path = options["file"]
    try:
        return user, path.read_bytes()
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}", returncode=2) from None
