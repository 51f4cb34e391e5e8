#!/usr/bin/env python
"""`make backup`: one archive of the database and the uploaded files, with a manifest of every
table's row count and checksum (kbs/core/backup.py explains what is in it).

    scripts/backup.py [--to DIR]      DIR: BACKUP_DIR, or var/backups/

Uses the database DATABASE_URL names (SQLite's db.sqlite3 without it) and KBS_UPLOAD_ROOT. Safe while
the service runs. Prints the archive's path last; exit 1 on any failure (no partial archive is left).
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
    sys.stderr.write(f"[backup {datetime.now():%H:%M:%S}] {text}\n")
    sys.stderr.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--to", default=os.environ.get("BACKUP_DIR") or str(ROOT / "var" / "backups"),
                        help="the folder for the archive (default: BACKUP_DIR or var/backups)")
    args = parser.parse_args()

    import django

    django.setup()
    from kbs.core import backup

    try:
        path = backup.create_backup(directory=Path(args.to).resolve(), progress=say)
    except backup.BackupError as error:
        say(f"Backup failed: {error}")
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
