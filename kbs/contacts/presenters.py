"""Display values for contact pages, so that templates hold no logic."""

from dataclasses import dataclass

from kbs.contacts.coverage import MESSAGES, SHORT_LABELS
from kbs.contacts.models import Contact
from kbs.families.models import Person


@dataclass(frozen=True)
class PersonMessages:
    person: Person
    messages: list[tuple[str, bool]]  # (short label, given at this contact)
    leaflet_given: bool
    understanding_checked: bool

    @property
    def how(self) -> str:
        ways = [text for text, done in (("Leaflet given", self.leaflet_given),
                                        ("Understanding checked (teach-back)", self.understanding_checked)) if done]
        return ", ".join(ways) or "Talked through only"

    @property
    def any_given(self) -> bool:
        return any(given for _, given in self.messages)


def messages_by_person(contact: Contact) -> list[PersonMessages]:
    """For each person present (from the prefetched rows), which messages they were given and how."""
    deliveries = list(contact.deliveries.all())
    rows = []
    for person in contact.present.all():
        mine = [d for d in deliveries if d.person_id == person.pk]
        given = {d.message for d in mine}
        rows.append(PersonMessages(
            person=person,
            messages=[(SHORT_LABELS[m], m in given) for m in MESSAGES],
            leaflet_given=any(d.leaflet_given for d in mine),
            understanding_checked=any(d.understanding_checked for d in mine),
        ))
    return rows
