#!/usr/bin/env python
"""Find every message marked for translation and update locale/<code>/LC_MESSAGES/django.po,
keeping the translations already made (kbs/public/extract.py does the work).

    .venv/bin/python scripts/extract-messages.py           # write the catalogues
    .venv/bin/python scripts/extract-messages.py --check   # exit 1 if they are out of date

Then translate the empty msgstr lines and compile: `make messages` does both steps but the translating.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kbs.settings")

import django  # noqa: E402

django.setup()

from kbs.public.catalogues import all_completeness  # noqa: E402
from kbs.public.extract import write_catalogues  # noqa: E402


def main() -> int:
    check = "--check" in sys.argv[1:]
    stale = False
    for code, (total, dropped, changed) in write_catalogues(check=check).items():
        stale = stale or changed
        note = f", {dropped} translation(s) of removed messages dropped" if dropped else ""
        state = ("out of date" if check else "updated") if changed else "up to date"
        print(f"{code}: {total} messages, {state}{note}")
    if not check:
        for counts in all_completeness():
            print(counts)
    if check and stale:
        print("Run `make messages` and translate the new messages.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
