"""Loading checked births: which rows match a baby KBS already has, and creating the rest through
the families app's own actions (so each new family gets its audit rows, chronology entries and
dashboard counts exactly as if it had been registered on the web).

Matching is by the baby's NHS number only. A matched baby is left exactly as it is: nothing is
updated and no involvement is recorded, because a file could otherwise be used to gain access to a
family, or to overwrite what a practitioner recorded. The row is reported as matched.

Future work: on PostgreSQL, COPY the file into a staging table and match there in one query.
"""

from collections.abc import Callable, Iterable
from typing import Any

from kbs.accounts.models import User
from kbs.families import actions as family_actions
from kbs.families.models import Baby, Relationship
from kbs.imports.validation import BirthRow

REASON = "Birth notification (import)"
CHUNK = 500  # well under SQLite's limit on query parameters


def known_nhs_numbers(numbers: Iterable[str]) -> set[str]:
    """The babies' NHS numbers, of those given, that KBS already holds."""
    wanted = list(numbers)
    found: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        found.update(Baby.objects.filter(nhs_number__in=wanted[start:start + CHUNK]).values_list("nhs_number", flat=True))
    return found


def create_birth(*, by: User, row: BirthRow) -> Any:
    """A new family for the baby, with the mother as a person in it, and the importing agency
    involved (as lead agency: it registered the family) for the reason "Birth notification (import)"."""
    family = family_actions.register_family(
        by=by,
        family={"address_line_1": row.address_line_1, "address_line_2": row.address_line_2, "town": row.town,
                "postcode": row.postcode, "language": row.language, "interpreter_needed": False},
        baby={"given_name": "", "family_name": row.mother_family_name, "date_of_birth": row.date_of_birth,
              "expected_delivery_date": None, "nhs_number": row.nhs_number, "sex": row.sex,
              "gestation_at_birth_weeks": row.gestation_weeks, "birth_weight_g": row.birth_weight_g},
        reason=REASON,
    )
    family_actions.add_person(by=by, family=family, details={
        "given_name": row.mother_given_name, "family_name": row.mother_family_name,
        "date_of_birth": row.mother_date_of_birth, "nhs_number": row.mother_nhs_number,
        "relationship": Relationship.BIRTH_MOTHER, "lives_in_household": True, "regular_carer": True,
        "parental_responsibility": True, "last_seen_on": None,
    })
    return family


def load_births(*, by: User, rows: list[BirthRow], progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Create or match each row (the caller holds the transaction). Returns (created, matched)."""
    known = known_nhs_numbers(row.nhs_number for row in rows)
    created = matched = 0
    for done, row in enumerate(rows, start=1):
        if row.nhs_number in known:
            matched += 1
        else:
            create_birth(by=by, row=row)
            created += 1
        if progress is not None:
            progress(done)
    return created, matched
