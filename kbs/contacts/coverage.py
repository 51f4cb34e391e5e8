"""Which carers have had which of the three messages, and which carers nobody has reached.

"The Myth of Invisible Men" found that services for new parents mostly see the mother, so fathers,
partners and other men caring for a baby went unseen and unassessed. Coverage is worked out per
person, never per "parents": every parent and every adult who lives with or regularly looks after
the baby should have had safe sleep, safe handling (with the ICON messages about crying) and safe
space, and should have been seen by somebody.

The loaders run a fixed number of queries however many people and contacts there are; `build_coverage`
is a pure function over what they return, so the rules can be tested without a database.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from kbs.contacts.models import Contact, Message, MessageDelivery
from kbs.families.models import Baby, Family, Person, Relationship

MESSAGES: tuple[Message, ...] = (Message.SAFE_SLEEP, Message.SAFE_HANDLING, Message.SAFE_SPACE)
SHORT_LABELS: dict[str, str] = {
    Message.SAFE_SLEEP: "Safe sleep",
    Message.SAFE_HANDLING: "Safe handling",
    Message.SAFE_SPACE: "Safe space",
}

# Parents count whether or not they live with the baby: a father living elsewhere still has the baby
# to stay, and the reviews found "protective" fathers overlooked as often as risky ones.
PARENTS = frozenset({
    Relationship.BIRTH_MOTHER, Relationship.FATHER, Relationship.MOTHERS_PARTNER, Relationship.STEP_PARENT,
})
CHILDREN = frozenset({Relationship.SIBLING, Relationship.OTHER_CHILD})

NEVER_SEEN = "never seen by a practitioner"
NEVER_GIVEN_MESSAGES = "never given any of the three messages"


# --- the rules, as pure functions ------------------------------------------------------------


def is_adult_carer(person: Person) -> bool:
    """Lives with the baby or looks after them regularly, and is not a child."""
    return person.relationship not in CHILDREN and (person.lives_in_household or person.regular_carer)


def needs_messages(person: Person) -> bool:
    """Everyone who should be given all three messages: parents and adult carers."""
    return person.relationship in PARENTS or is_adult_carer(person)


@dataclass(frozen=True)
class Given:
    """The latest time one message was given to one person."""

    at: datetime
    agency: str
    practitioner: str


@dataclass(frozen=True)
class CarerCoverage:
    person: Person
    latest: Mapping[str, Given | None]

    @property
    def cells(self) -> list[tuple[str, Given | None]]:
        """(short label, latest delivery or None) for each message, in the usual order."""
        return [(SHORT_LABELS[m], self.latest.get(m)) for m in MESSAGES]

    @property
    def missing(self) -> list[str]:
        return [SHORT_LABELS[m] for m in MESSAGES if self.latest.get(m) is None]

    @property
    def complete(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class InvisibleCarer:
    person: Person
    reasons: tuple[str, ...]

    @property
    def never_seen(self) -> bool:
        return NEVER_SEEN in self.reasons

    @property
    def never_given_messages(self) -> bool:
        return NEVER_GIVEN_MESSAGES in self.reasons


@dataclass(frozen=True)
class Coverage:
    # Everyone in the family, in the family page's order, so the page need not load them twice.
    people: list[Person]
    carers: list[CarerCoverage]
    invisible_carers: list[InvisibleCarer]

    @property
    def complete(self) -> bool:
        """Every parent and carer has every message. A family with nobody recorded is not complete:
        the messages cannot have been recorded as given to anyone."""
        return bool(self.carers) and all(c.complete for c in self.carers)

    @property
    def never_seen(self) -> list[Person]:
        return [i.person for i in self.invisible_carers if i.never_seen]

    @property
    def never_given_messages(self) -> list[Person]:
        return [i.person for i in self.invisible_carers if i.never_given_messages]

    @property
    def gaps(self) -> list[str]:
        """What is missing, one plain-English line each, for lists."""
        if not self.carers:
            return ["No parents or carers recorded"]
        lines = [f"{i.person}: {' and '.join(i.reasons)}" for i in self.invisible_carers]
        reported = {i.person.pk for i in self.invisible_carers if i.never_given_messages}
        for carer in self.carers:
            if carer.missing and carer.person.pk not in reported:
                lines.append(f"{carer.person}: no {_and_list(carer.missing).lower()}")
        return lines


def _and_list(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def build_coverage(
    people: Iterable[Person], latest: Mapping[tuple[int, str], Given], ever_present: set[int]
) -> Coverage:
    """Coverage from a family's people, the latest delivery of each message to each person, and the
    people who were present at any contact."""
    everyone = list(people)
    carers = [
        CarerCoverage(person, {m.value: latest.get((person.pk, m.value)) for m in MESSAGES})
        for person in everyone
        if needs_messages(person)
    ]
    invisible = []
    for carer in carers:
        person = carer.person
        if not is_adult_carer(person):
            continue
        reasons = []
        if person.last_seen_on is None and person.pk not in ever_present:
            reasons.append(NEVER_SEEN)
        if len(carer.missing) == len(MESSAGES):
            reasons.append(NEVER_GIVEN_MESSAGES)
        if reasons:
            invisible.append(InvisibleCarer(person, tuple(reasons)))
    return Coverage(people=everyone, carers=carers, invisible_carers=invisible)


# --- loading, in a fixed number of queries ---------------------------------------------------


def _present_at_a_contact() -> Exists:
    return Exists(Contact.present.through.objects.filter(person_id=OuterRef("pk")))


def _people(family_ids: list[int]) -> list[Person]:
    return list(
        Person.objects.filter(family_id__in=family_ids)
        .annotate(ever_present=_present_at_a_contact())
        .order_by("family_id", "id")
    )


def _latest(family_ids: list[int]) -> dict[tuple[int, str], Given]:
    """Only the newest delivery of each message to each person: at most three rows a person,
    however many contacts there have been."""
    newest = (
        MessageDelivery.objects.filter(person_id=OuterRef("person_id"), message=OuterRef("message"))
        .order_by("-contact__at", "-id")
        .values("id")[:1]
    )
    rows = (
        MessageDelivery.objects.filter(person__family_id__in=family_ids, id=Subquery(newest))
        .values_list(
            "person_id", "message", "contact__at", "contact__agency__name",
            "contact__practitioner__first_name", "contact__practitioner__last_name",
            "contact__practitioner__username",
        )
    )
    return {
        (person_id, message): Given(at, agency, f"{first} {last}".strip() or username)
        for person_id, message, at, agency, first, last, username in rows
    }


def coverage_for_family(family: Family) -> Coverage:
    """The three messages for every parent and carer in one family. Two queries."""
    return coverage_for_families([family.pk])[family.pk]


def coverage_for_families(family_ids: Iterable[int]) -> dict[int, Coverage]:
    """Coverage for several families (a page of a list). Two queries, whatever the number."""
    ids = list(dict.fromkeys(family_ids))
    people = _people(ids)
    latest = _latest(ids)
    present = {p.pk for p in people if getattr(p, "ever_present", False)}
    by_family: dict[int, list[Person]] = {family_id: [] for family_id in ids}
    for person in people:
        by_family[person.family_id].append(person)
    return {family_id: build_coverage(members, latest, present) for family_id, members in by_family.items()}


# --- the same rules in SQL, to find the families with a gap among many ---------------------


def _needs_messages_q() -> Q:
    return Q(relationship__in=PARENTS) | _adult_carer_q()


def _adult_carer_q() -> Q:
    return ~Q(relationship__in=CHILDREN) & (Q(lives_in_household=True) | Q(regular_carer=True))


def _given(message: Message) -> Exists:
    return Exists(MessageDelivery.objects.filter(person_id=OuterRef("pk"), message=message))


def families_with_gaps(families: QuerySet[Family]) -> QuerySet[Family]:
    """The families among `families` where a parent or carer lacks a message, an adult carer has
    never been seen, or nobody who looks after the baby is recorded at all."""
    missing_a_message = _needs_messages_q() & (~_given(MESSAGES[0]) | ~_given(MESSAGES[1]) | ~_given(MESSAGES[2]))
    never_seen = _adult_carer_q() & Q(last_seen_on__isnull=True) & ~_present_at_a_contact()
    people = Person.objects.filter(family_id=OuterRef("pk"))
    return families.filter(
        Exists(people.filter(missing_a_message | never_seen)) | ~Exists(people.filter(_needs_messages_q()))
    )


def babies_with_gaps(families: QuerySet[Family]) -> QuerySet[Baby]:
    """Babies in `families` whose family has a gap, newest first (unborn babies, then the youngest).
    The caller narrows `families` to those the user may see."""
    return (
        Baby.objects.filter(family__in=families_with_gaps(families))
        .select_related("family")
        .annotate(born_or_due=Coalesce("date_of_birth", "expected_delivery_date"))
        .order_by(F("born_or_due").desc(), "id")
    )
