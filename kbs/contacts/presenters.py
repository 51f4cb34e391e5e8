"""Display values for contact pages, so that templates hold no logic."""

from dataclasses import dataclass

from kbs.accounts.models import AgencyType
from kbs.contacts.coverage import MESSAGES, SHORT_LABELS
from kbs.contacts.models import Contact, HistoricContact
from kbs.families.models import Person, Relationship


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


@dataclass(frozen=True)
class HistoricRow:
    """An imported contact as shown: labels rather than codes."""

    when: str
    contact_type: str
    setting: str
    agency: str
    source: str
    baby_seen: str
    sleep_place: str
    given: list[tuple[str, str]]  # (message, who it was given to)
    notes: str


def _who(codes: str | None) -> str:
    labels = dict(Relationship.choices)
    names = [str(labels.get(code, code)) for code in (codes or "").split(";") if code]
    return ", ".join(names) or "No one recorded"


def historic_row(row: HistoricContact) -> HistoricRow:
    agencies = dict(AgencyType.choices)
    return HistoricRow(
        when=f"{row.contact_date:%-d %B %Y}" + (f" at {row.contact_time:%H:%M}" if row.contact_time else ""),
        contact_type=row.get_contact_type_display(), setting=row.get_setting_display(),
        agency=str(agencies.get(row.agency_code, row.agency_code)),
        source=f"{row.source_system}, reference {row.source_reference}",
        baby_seen="Yes" if row.baby_seen else "No", sleep_place=row.get_sleep_place_observed_display(),
        given=[("Safe sleep", _who(row.safe_sleep_given_to)), ("Safe handling", _who(row.safe_handling_given_to)),
               ("Safe space", _who(row.safe_space_given_to))],
        notes=row.notes or "",
    )
