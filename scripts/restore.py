#!/usr/bin/env python
"""`make restore FILE=...`: restore a backup made by `make backup`, then prove it.

    scripts/restore.py FILE [--force]     --force (or FORCE=1): replace a database that holds records

Checks the archive against its manifest first (any damaged, altered or missing file refuses the
restore, changing nothing), refuses a database that already holds records unless forced, restores
the database and the uploaded files, and compares every table's row count and checksum with the
manifest. Exit 0: everything matches; 1: restored but something differs; 2: refused, nothing changed.
"""

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kbs.settings")


def say(text: str) -> None:
    sys.stderr.write(f"[restore {datetime.now():%H:%M:%S}] {text}\n")
    sys.stderr.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("file", help="the archive, e.g. var/backups/kbs-20250101T020000Z.tar.gz")
    parser.add_argument("--force", action="store_true", default=os.environ.get("FORCE", "").lower() in {"1", "yes", "true"},
                        help="replace a database that already holds records (also FORCE=1)")
    args = parser.parse_args()

    import django

    django.setup()
    from kbs.core import backup

    try:
        result = backup.restore_backup(Path(args.file), force=args.force, progress=say)
    except backup.BackupError as error:
        say(f"Restore refused: {error}")
        say("Nothing was changed.")
        return 2
    for problem in result.problems:
        say(f"MISMATCH {problem}")
    if not result.ok:
        say(f"RESTORE FAILED VERIFICATION: {len(result.mismatched)} of {result.tables} tables differ from the manifest"
            f" ({len(result.problems)} problem(s)). Do not use this database; restore again or from another backup.")
        return 1
    say(f"Restore verified: all {result.tables} tables ({result.rows} rows) match the manifest's row counts and "
        f"checksums, and all {result.files} uploaded file(s) match theirs. 0 mismatched tables.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
