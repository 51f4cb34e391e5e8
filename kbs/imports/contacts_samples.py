"""Historic contacts files for tests and the demonstration: a good row for a baby, with any field
overridden, and the file made from rows. (The benchmark has its own generator, bench/t4.py.)"""

import csv
import io
from datetime import timedelta
from typing import Any

from django.utils import timezone

from kbs.imports.contacts_rules import COLUMNS


def contact_row(nhs_number: str, n: int = 1, **overrides: Any) -> dict[str, str]:
    row = {
        "source_system": "SystmOne", "source_reference": f"HV-{n:06d}", "baby_nhs_number": nhs_number,
        "contact_date": (timezone.localdate() - timedelta(days=10 + n % 50)).isoformat(), "contact_time": "10:30",
        "agency_code": "health_visiting", "contact_type": "new_baby_review", "setting": "home", "baby_seen": "yes",
        "sleep_place_observed": "cot", "safe_sleep_given_to": "birth_mother;father",
        "safe_handling_given_to": "birth_mother", "safe_space_given_to": "", "notes": f"Visit {n}, all well",
    }
    row.update(overrides)
    return row


def contacts_csv(rows: list[dict[str, str]], columns: tuple[str, ...] | list[str] = COLUMNS, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)
