"""The password rule beyond length: not a password that is common or known from breaches.

The list ships with the service (kbs/accounts/data/, whose README says where it came from), so no
password ever leaves the server to be checked. There are no rules about kinds of character and no
forced changes (NCSC and NIST SP 800-63B advice; ADR 12).
"""

import gzip
from functools import cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError

LIST_PATH = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"


@cache
def refused_passwords() -> frozenset[str]:
    """Every refused password, lower-cased. Read once per process (about 30,000 entries)."""
    with gzip.open(LIST_PATH, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def _variants(password: str) -> set[str]:
    # Spaces and capitals do not make a listed password safe: "Liverpool 1234" is "liverpool1234".
    lowered = password.strip().lower()
    return {lowered, "".join(lowered.split())}


class BreachedPasswordValidator:
    """Refuses a password on the shipped list of common and breached passwords."""

    message = (
        "This password is too easy to guess: it is on a list of passwords that are often used or have "
        "been leaked. Choose a different one, such as three or four random words together"
    )

    def validate(self, password: str, user: Any = None) -> None:
        if _variants(password) & refused_passwords():
            raise ValidationError(self.message, code="password_too_common")

    def get_help_text(self) -> str:
        return "Your password must not be one that is often used or has been leaked."
