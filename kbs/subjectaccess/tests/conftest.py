"""Fixtures for subject access: a family with a subject, a third party, and records of every kind,
made through the real actions; requests recorded through the real actions. (The cast and the
`family` fixture come from kbs/conftest.py.)"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from kbs.accounts.models import User
from kbs.concerns import actions as concern_actions
from kbs.contacts import actions as contact_actions
from kbs.contacts.models import Contact
from kbs.families import access as family_access
from kbs.families import actions as family_actions
from kbs.families.models import Baby, Family, Person
from kbs.subjectaccess import actions
from kbs.subjectaccess.models import SubjectAccessRequest
from kbs.tools.models import Assessment
from kbs.tools.tests.test_actions import completed

MOTHER_NHS_NUMBER = "9990000034"
THIRD_PARTY = "Janet Thirdparty"
CONTACT_NOTE = "Sophie showed the cot; the sleep space is clear."
CONCERN_TEXT = "A small bruise on the baby's cheek, explained as a fall from the sofa."


@dataclass
class Records:
    family: Family
    baby: Baby
    mother: Person
    grandmother: Person
    contact_with_mother: Contact
    contact_without_mother: Contact
    assessment: Assessment
    concern: Any


def _contact(by: User, family: Family, present: list[Person], messages: dict[Person, tuple[str, ...]], notes: str,
             hours_ago: int) -> Contact:
    return contact_actions.record_contact(
        by=by, family=family,
        details={"at": timezone.now() - timedelta(hours=hours_ago), "contact_type": "home_visit", "setting": "home",
                 "baby_seen": True, "sleep_place_observed": "cot", "language": "English", "interpreter_used": False,
                 "notes": notes, "shared": True},
        present=present,
        deliveries=[{"person": p, "message": m, "leaflet_given": True, "understanding_checked": True}
                    for p, given in messages.items() for m in given],
        life_events=[],
    )


@pytest.fixture
def records(family: Family, cast: dict[str, User]) -> Records:
    """The shared family (baby Amelia, mother Sophie) with: an NHS number for Sophie; a grandmother
    (the third party); a contact Sophie and the grandmother were at, and one only the grandmother
    was at; a completed safer sleep assessment and a concern about the baby; and views of the
    family by health visiting and of Sophie by maternity, and of the grandmother by maternity."""
    hv, midwife = cast["health_visitor"], cast["midwife"]
    baby = family.babies.get()
    mother = family.people.get(given_name="Sophie")
    mother = family_actions.update_person(by=hv, person=mother, expected_version=mother.version,
                                          changes={"nhs_number": MOTHER_NHS_NUMBER})
    first, last = THIRD_PARTY.split()
    grandmother = family_actions.add_person(by=hv, family=family, details={
        "given_name": first, "family_name": last, "relationship": "grandparent", "date_of_birth": date(1968, 3, 14),
        "nhs_number": "", "lives_in_household": False, "regular_carer": True, "parental_responsibility": False,
        "last_seen_on": None,
    })
    with_mother = _contact(hv, family, [mother, grandmother],
                           {mother: ("safe_sleep", "safe_space"), grandmother: ("safe_handling",)}, CONTACT_NOTE, 5)
    without_mother = _contact(midwife, family, [grandmother], {grandmother: ("safe_sleep",)},
                              "Grandmother visited alone.", 3)
    assessment = completed(hv, family)
    concern = concern_actions.raise_concern(by=hv, family=family, baby=baby, category="injury",
                                            what_was_seen=CONCERN_TEXT, severity="medium")
    family_access.family_for(hv, family.public_id)
    family_access.person_for(midwife, mother.public_id)
    family_access.person_for(midwife, grandmother.public_id)
    return Records(family, baby, mother, grandmother, with_mother, without_mother, assessment, concern)


@pytest.fixture
def make_request(cast: dict[str, User]) -> Callable[..., SubjectAccessRequest]:
    def make(**overrides: Any) -> SubjectAccessRequest:
        details: dict[str, Any] = {
            "requester": "subject", "requester_name": "", "identity_check": "Passport seen at the clinic",
            "received_on": timezone.localdate() - timedelta(days=3), "nhs_number": MOTHER_NHS_NUMBER,
        }
        details.update(overrides)
        return actions.record_request(by=cast["dpo"], **details)

    return make
