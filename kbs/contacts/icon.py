"""ICON: the coping-with-crying message, given at five "touchpoints" by different professionals.

ICON (Infant crying is normal; Comforting methods can help; It's OK to walk away; Never, ever shake
a baby) is meant to reach a family at least five times, each time from a different professional
with the same message: before the birth, at the birth or discharge, from the community midwife,
from the health visitor, and from the GP at the 6 to 8 week check, around the peak of crying.

We do not record ICON separately: it is part of the "safe handling" message, which is recorded for
each person at each contact. A touchpoint is done when the safe handling message was given to
somebody in the family at a contact that counts for that touchpoint. For each carer we also show
the touchpoints at which they heard it, and list the carers who have never heard it at all (at any
contact, not only a touchpoint): about 7 in 10 babies who are shaken are shaken by men, and "The
Myth of Invisible Men" found fathers and partners were often never spoken to.

The loaders run a fixed number of queries however many contacts there are; `build_icon_status` is
a pure function over what they return.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from kbs.accounts.models import AgencyType
from kbs.accounts.permissions import Permission, has_permission
from kbs.contacts.coverage import needs_messages
from kbs.contacts.models import ContactType, CryingPlan, Message, MessageDelivery
from kbs.core.validators import today
from kbs.families.models import Baby, Family, Person, Relationship

# People have no recorded sex, only their relationship to the baby. We treat fathers, mothers'
# partners and step-parents as the "fathers and other men" group the ICON evidence is about. A
# partner or step-parent may be a woman: the prompts speak of "fathers and partners", which is
# still right, since the reviews asked services to reach every adult in the baby's close circle.
FATHERS_AND_PARTNERS = frozenset({Relationship.FATHER, Relationship.MOTHERS_PARTNER, Relationship.STEP_PARENT})

# Contacts for an earlier baby in the same family must not count for this one. A pregnancy is at
# most about 42 weeks, so only contacts from then on count.
PREGNANCY = timedelta(weeks=42)


@dataclass(frozen=True)
class Touchpoint:
    number: int
    slug: str
    name: str  # in sentence case, to sit inside a sentence
    who: str  # who gives it, and when, for the baby page
    contact_types: frozenset[str]
    # Contact types that count only when a health-visiting agency made the contact (a home visit by
    # the police is not the health visitor's touchpoint).
    health_visiting_contact_types: frozenset[str]
    # When the touchpoint is due, in days from the birth (negative before it).
    opens_day: int
    closes_day: int

    def counts(self, contact_type: str, agency_type: str) -> bool:
        """Whether a contact of this type, by an agency of this type, counts for the touchpoint."""
        return contact_type in self.contact_types or (
            contact_type in self.health_visiting_contact_types and agency_type == AgencyType.HEALTH_VISITING
        )

    @property
    def title(self) -> str:
        """For headings and tables, such as "Community midwife"."""
        return self.name[0].upper() + self.name[1:]

    @property
    def in_words(self) -> str:
        """For sentences, such as "the community midwife touchpoint (3 of 5)"."""
        return f"the {self.name} touchpoint ({self.number} of {len(TOUCHPOINTS)})"


TOUCHPOINTS: tuple[Touchpoint, ...] = (
    Touchpoint(
        1, "antenatal", "antenatal", "Midwife or health visitor before the birth",
        frozenset({ContactType.ANTENATAL_BOOKING, ContactType.HV_ANTENATAL}), frozenset(),
        # From 28 weeks of pregnancy, when health visitors make their antenatal contact.
        opens_day=-12 * 7, closes_day=0,
    ),
    Touchpoint(
        2, "birth", "birth", "Midwife at the birth or before going home from hospital",
        frozenset({ContactType.BIRTH_DISCHARGE}), frozenset(),
        opens_day=0, closes_day=7,
    ),
    Touchpoint(
        3, "community_midwife", "community midwife", "Community midwife at home",
        frozenset({ContactType.COMMUNITY_MIDWIFE}), frozenset(),
        # Midwives usually discharge at 10 to 14 days, sometimes as late as 28.
        opens_day=0, closes_day=28,
    ),
    Touchpoint(
        4, "health_visitor", "health visitor", "Health visitor at the new baby review or a later visit",
        frozenset({ContactType.NEW_BABY_REVIEW, ContactType.SIX_EIGHT_WEEK_REVIEW}),
        frozenset({ContactType.HOME_VISIT}),
        # The new baby review is at 10 to 14 days; the 6 to 8 week review also counts.
        opens_day=10, closes_day=70,
    ),
    Touchpoint(
        5, "gp", "GP", "GP at the 6 to 8 week check, around the peak of crying",
        frozenset({ContactType.GP_SIX_EIGHT_WEEK}), frozenset(),
        opens_day=6 * 7, closes_day=13 * 7,
    ),
)
BY_SLUG = {t.slug: t for t in TOUCHPOINTS}


def touchpoints_for_contact(contact_type: str, agency_type: str) -> list[Touchpoint]:
    """The touchpoints a contact of this type, by an agency of this type, counts for."""
    return [t for t in TOUCHPOINTS if t.counts(contact_type, agency_type)]


def is_father_or_partner(person: Person) -> bool:
    return person.relationship in FATHERS_AND_PARTNERS


def baby_age_days(baby: Baby, on: date | None = None) -> int:
    """Days since the birth; before it, minus the days until the expected date."""
    born_or_due = baby.date_of_birth or baby.expected_delivery_date
    assert born_or_due is not None  # the database insists on one of them
    return ((on or today()) - born_or_due).days


# --- the status, as a pure function ------------------------------------------------------------


@dataclass(frozen=True)
class Heard:
    """The safe handling message given to one person at one contact."""

    person_id: int
    at: datetime
    contact_type: str
    agency: str
    agency_type: str

    @property
    def touchpoints(self) -> list[Touchpoint]:
        return touchpoints_for_contact(self.contact_type, self.agency_type)


class State:
    DONE = "done"
    NOT_DONE = "not_done"  # for a family as a whole, where there is no baby's age to time it by
    NOT_YET = "not_yet"
    DUE = "due"
    MISSED = "missed"


STATE_LABELS = {State.DONE: "Done", State.NOT_DONE: "Not done", State.NOT_YET: "Not due yet", State.DUE: "Due now", State.MISSED: "Missed"}
STATE_TAGS = {
    State.DONE: "nhsuk-tag--green", State.NOT_DONE: "nhsuk-tag--grey", State.NOT_YET: "nhsuk-tag--grey",
    State.DUE: "nhsuk-tag--yellow", State.MISSED: "nhsuk-tag--red",
}


@dataclass(frozen=True)
class TouchpointStatus:
    touchpoint: Touchpoint
    # The first contact at which the touchpoint was given.
    done: Heard | None
    # Days from the birth, when we know the baby; None for a family as a whole.
    age_days: int | None

    @property
    def state(self) -> str:
        if self.done is not None:
            return State.DONE
        if self.age_days is None:
            return State.NOT_DONE
        if self.age_days < self.touchpoint.opens_day:
            return State.NOT_YET
        if self.age_days <= self.touchpoint.closes_day:
            return State.DUE
        return State.MISSED

    @property
    def is_done(self) -> bool:
        return self.done is not None

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def tag(self) -> str:
        return STATE_TAGS[self.state]


@dataclass(frozen=True)
class CarerIcon:
    person: Person
    heard: tuple[Heard, ...]

    @property
    def touchpoints(self) -> list[Touchpoint]:
        """The touchpoints at which this person heard the message, in order."""
        reached = {t.slug for h in self.heard for t in h.touchpoints}
        return [t for t in TOUCHPOINTS if t.slug in reached]

    @property
    def first_heard(self) -> Heard | None:
        return self.heard[0] if self.heard else None

    @property
    def has_heard(self) -> bool:
        return bool(self.heard)

    @property
    def is_father_or_partner(self) -> bool:
        return is_father_or_partner(self.person)


@dataclass(frozen=True)
class IconStatus:
    touchpoints: list[TouchpointStatus]
    carers: list[CarerIcon]

    @property
    def done_count(self) -> int:
        return sum(1 for t in self.touchpoints if t.is_done)

    @property
    def missing(self) -> list[TouchpointStatus]:
        return [t for t in self.touchpoints if not t.is_done]

    @property
    def due(self) -> list[TouchpointStatus]:
        return [t for t in self.touchpoints if t.state == State.DUE]

    @property
    def not_heard(self) -> list[Person]:
        """Parents and carers who have never been given the message, at any contact."""
        return [c.person for c in self.carers if not c.has_heard]

    @property
    def fathers_and_partners_not_heard(self) -> list[Person]:
        return [c.person for c in self.carers if not c.has_heard and c.is_father_or_partner]

    def status_of(self, slug: str) -> TouchpointStatus:
        return next(t for t in self.touchpoints if t.touchpoint.slug == slug)


def build_icon_status(people: Iterable[Person], heard: Sequence[Heard], age_days: int | None = None) -> IconStatus:
    """The ICON status from a family's people and every time the safe handling message was given
    (oldest first), for a baby this many days old (None for a family as a whole)."""
    touchpoints = [
        TouchpointStatus(t, next((h for h in heard if t.counts(h.contact_type, h.agency_type)), None), age_days)
        for t in TOUCHPOINTS
    ]
    carers = [
        CarerIcon(person, tuple(h for h in heard if h.person_id == person.pk))
        for person in people
        if needs_messages(person)
    ]
    return IconStatus(touchpoints=touchpoints, carers=carers)


# --- loading, in a fixed number of queries -----------------------------------------------------


def counts_from(baby: Baby) -> datetime | None:
    """The earliest contact that counts for this baby: about the start of the pregnancy."""
    born_or_due = baby.date_of_birth or baby.expected_delivery_date
    if born_or_due is None:
        return None
    return timezone.make_aware(datetime.combine(born_or_due - PREGNANCY, time.min))


def load_heard(family_id: int, since: datetime | None = None) -> list[Heard]:
    """Every time the safe handling message was given to someone in the family, oldest first.
    One query."""
    rows = MessageDelivery.objects.filter(person__family_id=family_id, message=Message.SAFE_HANDLING)
    if since is not None:
        rows = rows.filter(contact__at__gte=since)
    return [
        Heard(person_id, at, contact_type, agency, agency_type)
        for person_id, at, contact_type, agency, agency_type in rows.order_by("contact__at", "id").values_list(
            "person_id", "contact__at", "contact__contact_type", "contact__agency__name", "contact__agency__agency_type"
        )
    ]


def _people(family_id: int, people: Iterable[Person] | None) -> list[Person]:
    return list(people) if people is not None else list(Person.objects.filter(family_id=family_id).order_by("id"))


def icon_status(subject: Baby | Family, *, people: Iterable[Person] | None = None, on: date | None = None) -> IconStatus:
    """The ICON status for a baby (only contacts since the pregnancy count, and each touchpoint is
    due, missed or not yet due by the baby's age) or for a family as a whole. Pass the family's
    `people` when they are already loaded. Two queries, or one with `people`."""
    if isinstance(subject, Baby):
        heard = load_heard(subject.family_id, counts_from(subject))
        return build_icon_status(_people(subject.family_id, people), heard, baby_age_days(subject, on))
    return build_icon_status(_people(subject.pk, people), load_heard(subject.pk))


def icon_statuses(family: Family, babies: Sequence[Baby], *, people: Iterable[Person] | None = None,
                  on: date | None = None) -> dict[int, IconStatus]:
    """The ICON status of each of a family's babies, by baby id. Two queries however many babies,
    or one with `people`."""
    everyone = _people(family.pk, people)
    starts = [s for b in babies if (s := counts_from(b)) is not None]
    heard = load_heard(family.pk, min(starts)) if starts else []
    statuses = {}
    for baby in babies:
        since = counts_from(baby)
        mine = [h for h in heard if since is None or h.at >= since]
        statuses[baby.pk] = build_icon_status(everyone, mine, baby_age_days(baby, on))
    return statuses


# --- the ICON panel on the baby page ------------------------------------------------------------


@dataclass(frozen=True)
class IconPanel:
    baby: Baby
    status: IconStatus
    # The crying plan in force, if there is one, and whether the user may make or change it.
    plan_made_on: datetime | None
    can_make_plan: bool


def panel_for(baby: Baby, *, user: Any) -> IconPanel:
    """Everything the baby page's ICON panel shows. Three queries, however many contacts."""
    newest = CryingPlan.objects.filter(baby=baby).order_by("-created_at", "-id").values_list("created_at", flat=True).first()
    return IconPanel(baby=baby, status=icon_status(baby), plan_made_on=newest,
                     can_make_plan=has_permission(user, Permission.EDIT_FAMILY))
