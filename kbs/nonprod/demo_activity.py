"""What practitioners have done with the demo families so far: contacts and the three messages, and
life events. Also the cast and households that demo_assessments and demo_concerns work from.

Everything is written through the apps' own actions, so the chronology, the audit trail and the
tasks are the ones real use would leave. Contacts are spread over each baby's life through the
contact's own date and time; the task a life event makes is due two working days from "now".

Realistic gaps are left on purpose: a missed 6-8 week review, a father nobody gives the messages
to, a grandmother who babysits and has only been told about a safe space, and, in about one family
in twelve, the mother's new partner who lives in the home and whom nobody has ever met.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from kbs.accounts.models import AgencyType, User
from kbs.concerns.actions import complete_task
from kbs.concerns.models import Task
from kbs.contacts.actions import record_contact
from kbs.contacts.models import ContactType, LifeEventKind, Message, Setting, SleepPlaceObserved
from kbs.families.models import Baby, Family, Involvement, Person, Relationship

SS, SH, SP = Message.SAFE_SLEEP.value, Message.SAFE_HANDLING.value, Message.SAFE_SPACE.value
ALL_MESSAGES = (SS, SH, SP)
# Personas who do front-line work, and so make contacts with the families of their team.
FRONT_LINE_PERSONAS = ("health-visitor", "midwife", "gp", "social-worker", "police-officer")


@dataclass
class Cast:
    """Who is who in the demo: what the loader set up, for the activity to use."""

    rng: random.Random
    today: date
    personas: dict[str, User]
    staff: dict[tuple[str, str], list[User]]
    staff_by_agency: dict[str, list[User]]
    leads: dict[str, User]  # agency name: its safeguarding lead
    agency_types: dict[str, str]  # agency name: agency type
    users_by_id: dict[int, User] = field(init=False)

    def __post_init__(self) -> None:
        # The same User objects throughout, so that each one's roles are read from the database once.
        users = [u for staff in self.staff_by_agency.values() for u in staff]
        self.users_by_id = {u.pk: u for u in [*users, *self.personas.values(), *self.leads.values()]}

    def worker(self, agency: str, team: str = "") -> User:
        return self.rng.choice(self.staff.get((agency, team)) or self.staff_by_agency[agency])

    def agencies_of_type(self, agency_type: str) -> list[str]:
        return sorted(name for name, kind in self.agency_types.items() if kind == agency_type)

    def persona_for(self, involvement: Involvement) -> User | None:
        for key in FRONT_LINE_PERSONAS:
            persona = self.personas[key]
            if persona.agency_id == involvement.agency_id and involvement.team_id in (None, persona.team_id):
                return persona
        return None


@dataclass
class Household:
    """One demo family as the activity needs it, read back from the database."""

    family: Family
    babies: list[Baby]
    people: list[Person]
    involvements: list[Involvement]
    # Who from each involved agency works with the family, by involvement id.
    practitioners: dict[int, User]
    father_engaged: bool
    fixed: bool
    # Set once a baby's death is recorded (demo_support): later steps leave the household alone.
    died: bool = False

    @property
    def born(self) -> list[Baby]:
        return [b for b in self.babies if b.date_of_birth is not None]

    @property
    def baby(self) -> Baby:
        return self.born[0]

    @property
    def age_days(self) -> int:
        dob = self.baby.date_of_birth
        assert dob is not None
        return (timezone.localdate() - dob).days

    def people_as(self, *relationships: str) -> list[Person]:
        return [p for p in self.people if p.relationship in relationships]

    @property
    def mother(self) -> Person | None:
        return next(iter(self.people_as(Relationship.BIRTH_MOTHER)), None)

    def involvement(self, agency_type: str, *, active: bool = False) -> Involvement | None:
        found = [i for i in self.involvements if i.agency.agency_type == agency_type and not (active and i.ended_on)]
        return next((i for i in found if i.ended_on is None), found[0] if found else None)

    def practitioner(self, agency_type: str, *, active: bool = False) -> User | None:
        involvement = self.involvement(agency_type, active=active)
        return self.practitioners[involvement.pk] if involvement else None

    def add_involvement(self, involvement: Involvement, practitioner: User) -> None:
        self.involvements.append(involvement)
        self.practitioners[involvement.pk] = practitioner

    def names(self, *relationships: str) -> str:
        people = [str(p) for p in self.people_as(*relationships)]
        return " and ".join(people)


def load_households(cast: Cast, fixed_family_id: int | None) -> list[Household]:
    """Every demo family with its babies, people and involvements, in a fixed number of queries."""
    families = Family.objects.order_by("id").prefetch_related(
        Prefetch("babies", queryset=Baby.objects.order_by("id")),
        Prefetch("people", queryset=Person.objects.order_by("id")),
        Prefetch("involvements", queryset=Involvement.objects.select_related("agency").order_by("id")),
    )
    households = []
    for family in families:
        involvements = list(family.involvements.all())
        people = list(family.people.all())
        has_father = any(p.relationship == Relationship.FATHER for p in people)
        households.append(Household(
            family=family, babies=list(family.babies.all()), people=people, involvements=involvements,
            practitioners={i.pk: practitioner_for(cast, i) for i in involvements},
            # Fathers take part in about two families in three (four in five have a father recorded).
            father_engaged=has_father and cast.rng.random() < 0.8,
            fixed=family.pk == fixed_family_id,
        ))
    return households


def practitioner_for(cast: Cast, involvement: Involvement) -> User:
    """The persona when the involvement is in their agency and team; else whoever recorded it; else a colleague."""
    persona = cast.persona_for(involvement)
    if persona is not None:
        return persona
    recorded = cast.users_by_id.get(involvement.lead_professional_id or 0)
    if recorded is not None and recorded in cast.staff_by_agency.get(involvement.agency.name, []):
        return recorded
    return cast.worker(involvement.agency.name)


# --- Contacts ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Visit:
    day: int  # days after the birth
    contact_type: str
    setting: str
    messages: tuple[str, ...] = ()  # given to the parents present
    weekdays: bool = True
    evening: bool = False
    notes: str = ""


NOTES: dict[str, str] = {
    ContactType.BIRTH_DISCHARGE: "Discharged home from the postnatal ward. Feeding established.",
    ContactType.COMMUNITY_MIDWIFE: "Postnatal check of mother and baby. Baby feeding well, weight checked.",
    ContactType.NEW_BABY_REVIEW: "New birth visit. Feeding, sleep and the home environment discussed.",
    ContactType.SIX_EIGHT_WEEK_REVIEW: "6 to 8 week review. Crying peak and coping strategies discussed (ICON).",
    ContactType.GP_SIX_EIGHT_WEEK: "Baby's 6 to 8 week physical check and mother's postnatal check.",
    ContactType.IMMUNISATION: "Routine immunisations given. No concerns raised.",
    ContactType.CLINIC: "Baby weighed at the child health clinic. Weight following its centile.",
    ContactType.PHONE_OR_VIDEO: "Follow-up call about feeding and sleep.",
    ContactType.HOME_VISIT: "Home visit. Routines and support discussed with the family.",
    ContactType.POLICE_ATTENDANCE: "Attended the address after a call from a neighbour. Baby seen and safe.",
    ContactType.HOUSING_VISIT: "Inspected the property for damp and overcrowding. Repairs requested.",
    ContactType.OTHER: "Baby brought to the emergency department with a cough. Discharged home.",
}


def _recent_days(rng: random.Random, age: int, count: int, spacing: tuple[int, int]) -> list[int]:
    """`count` visit days counted back from a few days ago, `spacing` days apart."""
    day = age - rng.randint(1, 8)
    days = []
    for _ in range(count):
        if day < 14:
            break
        days.append(day)
        day -= rng.randint(*spacing)
    return days


def _plan(rng: random.Random, household: Household, involvement: Involvement) -> list[Visit]:
    """The contacts one agency has had with the family over the baby's life, gaps included."""
    age = household.age_days
    kind = involvement.agency.agency_type
    chance = rng.random
    visits: list[Visit] = []
    if kind == AgencyType.HEALTH_VISITING:
        if chance() < 0.96:
            visits.append(Visit(rng.randint(10, 14), ContactType.NEW_BABY_REVIEW, Setting.HOME,
                                ALL_MESSAGES if chance() < 0.88 else (SS, SH)))
        if chance() < 0.85:  # the 6-8 week review is the one families most often miss
            visits.append(Visit(rng.randint(42, 56), ContactType.SIX_EIGHT_WEEK_REVIEW,
                                rng.choice([Setting.HOME, Setting.HOME, Setting.CLINIC]),
                                ALL_MESSAGES if chance() < 0.7 else (SH, SP)))
        if chance() < 0.3:
            visits.append(Visit(rng.randint(18, 35), ContactType.PHONE_OR_VIDEO, Setting.PHONE,
                                (SH,) if chance() < 0.4 else ()))
        if chance() < 0.45:
            visits.append(Visit(rng.randint(70, 120), ContactType.CLINIC, Setting.CLINIC, (SS,) if chance() < 0.2 else ()))
        if "Universal plus" in involvement.reason:
            visits += [Visit(day, ContactType.HOME_VISIT, Setting.HOME, (SS, SP) if chance() < 0.5 else ())
                       for day in _recent_days(rng, age, 3, (21, 35))]
        if chance() < 0.75:
            home = chance() < 0.5
            visits.append(Visit(rng.randint(270, 340), ContactType.HOME_VISIT if home else ContactType.CLINIC,
                                Setting.HOME if home else Setting.CLINIC, (SP, SH) if chance() < 0.5 else (SP,),
                                notes="9 to 12 month review. Safety in the home now the baby is on the move."))
    elif kind == AgencyType.MATERNITY:
        if chance() < 0.6:
            visits.append(Visit(rng.randint(0, 2), ContactType.BIRTH_DISCHARGE, Setting.HOSPITAL, (SS, SH), weekdays=False))
        visits.append(Visit(rng.randint(1, 3), ContactType.COMMUNITY_MIDWIFE, Setting.HOME,
                            (SS, SH) if chance() < 0.5 else (SS,), weekdays=False))
        if chance() < 0.8:
            visits.append(Visit(rng.randint(5, 10), ContactType.COMMUNITY_MIDWIFE, Setting.HOME,
                                (SH,) if chance() < 0.4 else (), weekdays=False))
    elif kind == AgencyType.GP_PRACTICE:
        if chance() < 0.9:
            visits.append(Visit(rng.randint(42, 60), ContactType.GP_SIX_EIGHT_WEEK, Setting.CLINIC,
                                (SS, SH) if chance() < 0.5 else (SS,) if chance() < 0.5 else ()))
        visits += [Visit(day + rng.randint(0, 10), ContactType.IMMUNISATION, Setting.CLINIC)
                   for day in (56, 84, 112) if chance() < 0.9]
    elif kind == AgencyType.CHILDRENS_SOCIAL_CARE:
        visits += [Visit(day, ContactType.HOME_VISIT, Setting.HOME, (SS,) if chance() < 0.3 else (SP,) if chance() < 0.2 else (),
                         notes="Statutory home visit. Baby seen and the plan reviewed with the parents.")
                   for day in _recent_days(rng, age, rng.randint(2, 4), (10, 20))]
    elif kind in (AgencyType.EARLY_HELP, AgencyType.VOLUNTARY_SECTOR):
        visits += [Visit(day, ContactType.HOME_VISIT, Setting.HOME, (SP,) if chance() < 0.3 else ())
                   for day in _recent_days(rng, age, rng.randint(1, 3), (7, 14))]
    elif kind == AgencyType.POLICE:
        visits += [Visit(day, ContactType.POLICE_ATTENDANCE, Setting.HOME, weekdays=False, evening=True)
                   for day in _recent_days(rng, age, 1, (1, 1))]
    elif kind == AgencyType.HOUSING:
        visits += [Visit(day, ContactType.HOUSING_VISIT, Setting.HOME)
                   for day in _recent_days(rng, age, rng.randint(1, 2), (14, 28))]
    elif kind in (AgencyType.PROBATION, AgencyType.ADULT_MENTAL_HEALTH):
        visits += [Visit(day, ContactType.HOME_VISIT, Setting.HOME, (SH,) if chance() < 0.2 else (),
                         notes="Home visit to the parent the service works with. Baby seen in passing.")
                   for day in _recent_days(rng, age, rng.randint(1, 2), (14, 28))]
    elif kind == AgencyType.EMERGENCY_DEPARTMENT:
        visits += [Visit(day, ContactType.OTHER, Setting.HOSPITAL, weekdays=False, evening=True)
                   for day in _recent_days(rng, age, 1, (1, 1))]
    return visits


class Contacts:
    """Contacts, the three messages and life events for the demo families."""

    def __init__(self, cast: Cast, households: list[Household]) -> None:
        self.rng = cast.rng
        self.today = cast.today
        self.households = households
        self.hv_persona = cast.personas["health-visitor"]
        self.persona_life_events = 0

    def run(self) -> None:
        for household in self.households:
            if not household.born:
                self._antenatal(household)
            elif household.fixed:
                self._fixed_family(household)
            else:
                self._contacts(household)

    # Contacts -----------------------------------------------------------------------------------

    def _at(self, day: date, *, evening: bool = False) -> datetime:
        hour = self.rng.randint(18, 22) if evening else self.rng.randint(9, 16)
        return timezone.make_aware(datetime.combine(day, time(hour, self.rng.choice([0, 10, 15, 20, 30, 40, 45, 50]))))

    def _date(self, household: Household, visit: Visit) -> date | None:
        dob = household.baby.date_of_birth
        assert dob is not None
        day = dob + timedelta(days=visit.day)
        if visit.weekdays and day.weekday() >= 5:
            day -= timedelta(days=day.weekday() - 4)  # back to the Friday
            if day < dob:
                day += timedelta(days=3)
        return day if dob <= day < self.today else None

    def _contacts(self, household: Household) -> None:
        rng = self.rng
        planned: list[tuple[date, Visit, Involvement]] = []
        for involvement in household.involvements:
            for visit in _plan(rng, household, involvement):
                when = self._date(household, visit)
                if when is not None:
                    planned.append((when, visit, involvement))
        planned.sort(key=lambda p: (p[0], p[2].pk))
        # A few families are out of their routine lately: the last recent contact hears about it.
        life_event: dict[str, str] | None = None
        if planned and (self.today - planned[-1][0]).days <= 21:
            by = household.practitioners[planned[-1][2].pk]
            wanted = by == self.hv_persona and self.persona_life_events < 2
            if wanted or rng.random() < 0.07:
                life_event = self._life_event(household)
        for index, (when, visit, involvement) in enumerate(planned):
            events = [life_event] if life_event and index == len(planned) - 1 else []
            self._record(household, involvement, visit, when, events)

    def _life_event(self, household: Household) -> dict[str, str]:
        kind, note = self.rng.choice([
            (LifeEventKind.VISITORS, "Relatives coming to stay for two weeks; the baby's cot is moving into the parents' room."),
            (LifeEventKind.VISITORS, "Christening at the weekend with family staying overnight."),
            (LifeEventKind.STAYING_ELSEWHERE, "A week in a caravan at Skegness; they have borrowed a travel cot."),
            (LifeEventKind.STAYING_ELSEWHERE, "Staying with the grandparents while the kitchen is rebuilt."),
            (LifeEventKind.MOVE, "Moving to a new council flat next week; the cot has to be taken apart."),
            (LifeEventKind.MOVE, "Placed in temporary accommodation after an eviction notice."),
        ])
        return {"kind": kind, "note": note}

    def _present(self, household: Household, visit: Visit) -> list[Person]:
        rng = self.rng
        present: list[Person] = []
        mother = household.mother
        if mother is not None and rng.random() < (0.97 if visit.setting == Setting.PHONE else 0.93):
            present.append(mother)
        if visit.setting == Setting.PHONE:
            return present or household.people_as(Relationship.BIRTH_MOTHER)[:1]
        if household.father_engaged:
            for father in household.people_as(Relationship.FATHER):
                # An engaged father makes a point of being at the reviews.
                review = visit.contact_type in (ContactType.NEW_BABY_REVIEW, ContactType.SIX_EIGHT_WEEK_REVIEW)
                if rng.random() < (0.85 if review else 0.5 if father.lives_in_household else 0.3):
                    present.append(father)
        # A mother's new partner (the "invisible man") is never there when a practitioner calls.
        for grandparent in household.people_as(Relationship.GRANDPARENT):
            if rng.random() < (0.45 if grandparent.lives_in_household else 0.3):
                present.append(grandparent)
        if visit.setting == Setting.HOME:
            present += [p for p in household.people_as(Relationship.SIBLING)
                        if p.lives_in_household and rng.random() < 0.3]
        if not [p for p in present if p.relationship != Relationship.SIBLING] and mother is not None:
            present.insert(0, mother)
        return present

    def _deliveries(self, present: list[Person], messages: tuple[str, ...]) -> list[dict[str, Any]]:
        rng = self.rng
        if not messages:
            return []
        deliveries = []
        for person in present:
            if person.relationship == Relationship.BIRTH_MOTHER:
                given = messages
            elif person.relationship == Relationship.FATHER:
                # Fathers are often there but not spoken to: the gap the reviews keep finding.
                given = messages if rng.random() < 0.85 else ()
            elif person.relationship == Relationship.GRANDPARENT:
                # A grandmother who babysits is often told only where to put the baby down.
                given = rng.choice([(SP,), (SP,), (SP,), (SP, SH), (SP, SH), ALL_MESSAGES, ALL_MESSAGES, ()])
            else:
                given = ()
            leaflet, checked = rng.random() < 0.6, rng.random() < 0.5
            deliveries += [{"person": person, "message": m, "leaflet_given": leaflet, "understanding_checked": checked}
                           for m in given]
        return deliveries

    def _sleep_place(self, visit: Visit, baby_seen: bool) -> str:
        if visit.setting != Setting.HOME or not baby_seen or self.rng.random() < 0.45:
            return SleepPlaceObserved.NOT_SEEN
        return self.rng.choices(
            [SleepPlaceObserved.COT, SleepPlaceObserved.TRAVEL_COT, SleepPlaceObserved.CAR_SEAT_OR_PRAM,
             SleepPlaceObserved.ADULT_BED, SleepPlaceObserved.SOFA, SleepPlaceObserved.UNSAFE_SPACE],
            weights=[84, 3, 4, 3, 2, 4],
        )[0]

    def _record(self, household: Household, involvement: Involvement, visit: Visit, when: date,
                life_events: list[dict[str, str]], *, present: list[Person] | None = None,
                deliveries: list[dict[str, Any]] | None = None) -> None:
        rng = self.rng
        by = household.practitioners[involvement.pk]
        present = self._present(household, visit) if present is None else present
        if deliveries is None:
            deliveries = self._deliveries(present, visit.messages)
        family = household.family
        interpreter = family.interpreter_needed and visit.setting != Setting.PHONE and rng.random() < 0.85
        baby_seen = visit.setting != Setting.PHONE and (visit.contact_type != ContactType.POLICE_ATTENDANCE
                                                         or rng.random() < 0.7)
        contact = record_contact(
            by=by, family=family, present=present, deliveries=deliveries, life_events=life_events,
            details={
                "at": self._at(when, evening=visit.evening), "contact_type": visit.contact_type,
                "setting": visit.setting, "baby_seen": baby_seen,
                "sleep_place_observed": self._sleep_place(visit, baby_seen),
                "language": family.language if interpreter else "", "interpreter_used": interpreter,
                "notes": visit.notes or NOTES.get(visit.contact_type, ""),
                # Social care and police notes are sometimes kept to the agency; the contact itself is shared.
                "shared": involvement.agency.agency_type not in (AgencyType.CHILDRENS_SOCIAL_CARE, AgencyType.POLICE)
                or rng.random() < 0.6,
            },
        )
        if not life_events:
            return
        if by == self.hv_persona:
            self.persona_life_events += 1
        # The practitioner has already revisited some of the plans.
        if rng.random() < 0.35 and not (by == self.hv_persona and self.persona_life_events <= 1):
            for task in Task.objects.filter(source_type="contact", source_id=str(contact.public_id)):
                complete_task(by=by, task=task, note="Plan revisited by phone: the baby sleeps in their own cot or travel cot.")

    def _antenatal(self, household: Household) -> None:
        """An unborn baby: the midwife's booking appointment and, late in pregnancy, the health visitor's
        antenatal contact, where safe sleep and coping with crying are first talked about."""
        rng = self.rng
        edd = household.babies[0].expected_delivery_date
        mother = household.mother
        if edd is None or mother is None:
            return
        fathers = household.people_as(Relationship.FATHER) if household.father_engaged else []
        booking = edd - timedelta(weeks=rng.randint(28, 31))
        maternity = household.involvement(AgencyType.MATERNITY)
        if maternity is not None and booking < self.today:
            present = [mother, *[f for f in fathers if rng.random() < 0.5]]
            self._record(household, maternity, Visit(0, ContactType.ANTENATAL_BOOKING, Setting.CLINIC,
                                                     notes="Booking appointment. Screening offered and the birth plan started."),
                         self._weekday(booking), [], present=present, deliveries=[])
        hv = household.involvement(AgencyType.HEALTH_VISITING)
        antenatal = edd - timedelta(weeks=rng.randint(4, 10))
        if hv is not None and antenatal < self.today and rng.random() < 0.8:
            present = [mother, *[f for f in fathers if rng.random() < 0.7]]
            self._record(household, hv, Visit(0, ContactType.HV_ANTENATAL, Setting.HOME, (SS, SH),
                                              notes="Antenatal contact. Preparing the sleep space; coping with crying."),
                         self._weekday(antenatal), [], present=present)

    def _weekday(self, day: date) -> date:
        return day - timedelta(days=max(0, day.weekday() - 4))

    def _fixed_family(self, household: Household) -> None:
        """Amelia Hart's family: the health visitor has seen Sophie twice and Janet once; Daniel never."""
        involvement = household.involvement(AgencyType.HEALTH_VISITING)
        assert involvement is not None
        mother = household.people_as(Relationship.BIRTH_MOTHER)[0]
        grandmother = household.people_as(Relationship.GRANDPARENT)[0]
        dob = household.baby.date_of_birth
        assert dob is not None

        def messages(person: Person, given: tuple[str, ...]) -> list[dict[str, Any]]:
            return [{"person": person, "message": m, "leaflet_given": True, "understanding_checked": True} for m in given]

        visits = [
            # (days ago, visit, present, deliveries)
            (58, Visit(12, ContactType.NEW_BABY_REVIEW, Setting.HOME), [mother], messages(mother, ALL_MESSAGES)),
            (12, Visit(58, ContactType.SIX_EIGHT_WEEK_REVIEW, Setting.HOME), [mother, grandmother],
             messages(mother, ALL_MESSAGES) + messages(grandmother, (SP,))),
            (5, Visit(65, ContactType.CLINIC, Setting.CLINIC), [mother], []),
        ]
        for days_ago, visit, present, deliveries in visits:
            self._record(household, involvement, visit, self.today - timedelta(days=days_ago), [],
                         present=present, deliveries=deliveries)
