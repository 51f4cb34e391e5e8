"""What each family adds to the dashboard's counts: its *contributions*.

`load(...)` reads a batch of families' records in a fixed number of queries (one per table, however
many families are in the batch); `contributions(data)` is a pure function of what it returns. The
same two functions serve the incremental refresh (one family) and the rebuild (thousands at a time),
so the two cannot disagree about a rule.

A contribution is `(key, month, agency_id, district, breakdown) -> value`. The keys are listed in
`KEYS`; the measures (`kbs.insights.measures`) divide one key by another. Each key's rule (which
records count, which month and which agency they count for) is written beside it below.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q

from kbs.concerns.models import Concern, Referral
from kbs.contacts.icon import FATHERS_AND_PARTNERS, TOUCHPOINTS
from kbs.contacts.models import Contact, ContactType, Message, MessageDelivery
from kbs.families.models import Baby, Family, Involvement, Person, Relationship
from kbs.insights.models import NO_AGENCY
from kbs.prebirth import clock
from kbs.prebirth.models import MilestoneRecord, PreBirthCase
from kbs.tools.models import Assessment, SafeSleepPlan, Status

CellKey = tuple[str, str, int, str, str]  # key, month, agency_id, district, breakdown

THREE = frozenset({Message.SAFE_SLEEP.value, Message.SAFE_HANDLING.value, Message.SAFE_SPACE.value})
CHILDREN = frozenset({Relationship.SIBLING.value, Relationship.OTHER_CHILD.value})
PARENTS = frozenset({
    Relationship.BIRTH_MOTHER.value, Relationship.FATHER.value, Relationship.MOTHERS_PARTNER.value,
    Relationship.STEP_PARENT.value,
})
FATHERS = frozenset(r.value for r in FATHERS_AND_PARTNERS)

# A contact counts for a baby from 42 weeks before the birth (or due date) to the first birthday.
BEFORE = timedelta(days=42 * 7)
AFTER = timedelta(days=365)

# The universal contacts the three messages are counted at (domain §14, §11).
POINTS: dict[str, tuple[str, frozenset[str]]] = {
    "antenatal": ("Antenatal", frozenset({ContactType.ANTENATAL_BOOKING.value, ContactType.HV_ANTENATAL.value})),
    "birth": ("Birth or discharge", frozenset({ContactType.BIRTH_DISCHARGE.value})),
    "new_baby_review": ("New baby review", frozenset({ContactType.NEW_BABY_REVIEW.value})),
    "six_eight_week": (
        "6 to 8 weeks", frozenset({ContactType.SIX_EIGHT_WEEK_REVIEW.value, ContactType.GP_SIX_EIGHT_WEEK.value}),
    ),
}
POINT_OF_TYPE = {t: slug for slug, (_, types) in POINTS.items() for t in types}

CARER_GROUPS = {"mother": "Birth mothers", "father_or_partner": "Fathers and partners", "other_adult": "Other adult carers"}

SAFER_SLEEP = "safer-sleep"
BRUISING = "bruising"
URGENT_LEVELS = frozenset({"urgent", "emergency"})

# Gestation at the pre-birth referral, in bands (weeks of pregnancy, 40+0 at the due date).
GESTATION_BANDS = (("under_16", 0, 16), ("16_to_19", 16, 20), ("20_to_27", 20, 28), ("28_plus", 28, 99))

# Every key, with what one unit of it is. The month, agency and breakdown rules are in `contributions`.
KEYS: dict[str, str] = {
    "point.babies": "babies seen at a universal contact point (breakdown: the point)",
    "point.all_three": "of those, babies given all three messages at that point",
    "point.beyond_mother": "of those, babies where someone other than the birth mother was given a message at that point",
    "babies.recorded": "babies recorded (breakdown: born or unborn)",
    "babies.contacted": "babies with at least one contact",
    "babies.every_carer_reached": "contacted babies whose every parent and carer was given all three messages",
    "babies.with_father": "babies with a father or partner recorded",
    "babies.father_reached": "of those, babies whose father or partner was given at least one message",
    "carers.recorded": "parents and carers recorded (breakdown: carer group)",
    "carers.seen": "parents and carers seen at a contact",
    "carers.any_message": "parents and carers given at least one of the three messages",
    "carers.all_three": "parents and carers given all three messages",
    "icon.babies": "babies born",
    "icon.touchpoints": "babies born, by ICON touchpoints done (breakdown: 0 to 5)",
    "icon.all_five": "babies born with all five ICON touchpoints",
    "icon.father_reached": "babies born whose father or partner heard the ICON message",
    "messages.given": "messages given to a person (breakdown: the message)",
    "messages.leaflet": "messages given with a leaflet",
    "messages.teach_back": "messages given with understanding checked (teach-back)",
    "contacts.recorded": "contacts recorded (breakdown: agency type)",
    "ssa.completed": "safer sleep assessments completed (breakdown: level)",
    "ssa.with_plan": "safer sleep assessments with a safe sleep plan",
    "ssa.high": "safer sleep assessments with a high risk",
    "ssa.high_reviewed": "high-risk safer sleep assessments looked at again in a later assessment",
    "ssa.high_resolved": "high-risk safer sleep assessments whose next assessment was not high risk",
    "bruising.completed": "bruising assessments completed (breakdown: level)",
    "bruising.urgent": "bruising assessments with an urgent or emergency outcome",
    "bruising.same_day": "urgent bruising assessments with children's social care and a medical review the same day",
    "prebirth.cases": "pre-birth cases opened",
    "prebirth.gestation": "pre-birth cases by gestation at the referral (breakdown: band)",
    "prebirth.referred_by_16": "pre-birth cases referred by 16 weeks of pregnancy",
    "prebirth.conference_by_28": "pre-birth cases with the child protection conference by 28 weeks",
    "prebirth.born": "pre-birth cases whose baby has been born",
    "prebirth.plan_before_birth": "of those, cases with the delivery safety plan agreed and shared before the birth",
    "prebirth.discharge_meeting": "of those, cases with a discharge planning meeting",
    "concerns.raised": "concerns raised (breakdown: category)",
    "concerns.decided_in_time": "concerns decided by their clock",
    "concerns.overdue": "concerns that went past their clock",
    "referrals.made": "referrals made (breakdown: to whom)",
    "referrals.acknowledged_in_time": "referrals acknowledged by their clock",
    "referrals.overdue": "referrals that went past their clock",
}


class BabyRow(NamedTuple):
    id: int
    family_id: int
    date_of_birth: date | None
    expected_delivery_date: date | None


class PersonRow(NamedTuple):
    id: int
    family_id: int
    relationship: str
    lives_in_household: bool
    regular_carer: bool
    last_seen_on: date | None


class ContactRow(NamedTuple):
    id: int
    family_id: int
    at: datetime
    contact_type: str
    agency_id: int
    agency_type: str


class DeliveryRow(NamedTuple):
    contact_id: int
    person_id: int
    message: str
    leaflet_given: bool
    understanding_checked: bool


class AssessmentRow(NamedTuple):
    id: int
    baby_id: int
    family_id: int
    tool_slug: str
    level: str
    completed_at: datetime
    agency_id: int | None
    csc_referral_at: datetime | None
    medical_review_at: datetime | None
    corrected: bool
    has_plan: bool


class ConcernRow(NamedTuple):
    family_id: int
    agency_id: int
    raised_at: datetime
    category: str
    decided_at: datetime | None
    decision_due_at: datetime
    escalated_at: datetime | None


class ReferralRow(NamedTuple):
    family_id: int
    agency_id: int
    made_at: datetime
    to: str
    acknowledged_at: datetime | None
    acknowledgement_due_at: datetime
    escalated_at: datetime | None


class CaseRow(NamedTuple):
    id: int
    baby_id: int
    family_id: int
    agency_id: int
    opened_at: datetime
    weeks_applied: dict[str, Any]
    premature_birth_likely: bool


@dataclass
class FamilyData:
    """One family's records, as the rules need them."""

    id: int
    postcode: str
    agency_id: int = NO_AGENCY
    babies: list[BabyRow] = field(default_factory=list)
    people: list[PersonRow] = field(default_factory=list)
    contacts: list[ContactRow] = field(default_factory=list)
    present: set[tuple[int, int]] = field(default_factory=set)  # (contact id, person id)
    deliveries: list[DeliveryRow] = field(default_factory=list)
    assessments: list[AssessmentRow] = field(default_factory=list)
    concerns: list[ConcernRow] = field(default_factory=list)
    referrals: list[ReferralRow] = field(default_factory=list)
    cases: list[CaseRow] = field(default_factory=list)
    milestones: dict[int, dict[str, date]] = field(default_factory=dict)  # case id -> code -> earliest day done

    @property
    def district(self) -> str:
        return self.postcode.strip().upper().split(" ")[0][:8]


# --- loading ------------------------------------------------------------------------------------


def _where(prefix: str, family_ids: list[int] | None, id_range: tuple[int, int] | None) -> Q:
    if id_range is not None:
        return Q(**{f"{prefix}__gte": id_range[0], f"{prefix}__lt": id_range[1]})
    return Q(**{f"{prefix}__in": family_ids or []})


def load(family_ids: list[int] | None = None, id_range: tuple[int, int] | None = None) -> dict[int, FamilyData]:
    """Read the records of the families with these ids (or ids in [lo, hi)), in 12 queries."""
    fam = _where("id", family_ids, id_range)
    by_family = _where("family_id", family_ids, id_range)
    via_contact = _where("contact__family_id", family_ids, id_range)
    data = {pk: FamilyData(pk, postcode) for pk, postcode in Family.objects.filter(fam).values_list("id", "postcode")}
    if not data:
        return data
    # The lead agency, else the agency involved longest (ended involvements last), else none.
    chosen: dict[int, tuple[Any, ...]] = {}
    for family_id, agency_id, lead, ended, started, pk in Involvement.objects.filter(by_family).values_list(
        "family_id", "agency_id", "is_lead_agency", "ended_on", "started_on", "id"
    ):
        rank = (not (lead and ended is None), ended is not None, started, pk)
        if family_id not in chosen or rank < chosen[family_id][0]:
            chosen[family_id] = (rank, agency_id)
    for family_id, (_, agency_id) in chosen.items():
        data[family_id].agency_id = agency_id
    for b_row in Baby.objects.filter(by_family).values_list("id", "family_id", "date_of_birth", "expected_delivery_date"):
        data[b_row[1]].babies.append(BabyRow(*b_row))
    for p_row in Person.objects.filter(by_family).values_list(
        "id", "family_id", "relationship", "lives_in_household", "regular_carer", "last_seen_on"
    ):
        data[p_row[1]].people.append(PersonRow(*p_row))
    contact_family: dict[int, int] = {}
    for c_row in Contact.objects.filter(by_family).values_list(
        "id", "family_id", "at", "contact_type", "agency_id", "agency__agency_type"
    ).order_by("at", "id"):
        data[c_row[1]].contacts.append(ContactRow(*c_row))
        contact_family[c_row[0]] = c_row[1]
    for contact_id, person_id in Contact.present.through.objects.filter(via_contact).values_list("contact_id", "person_id"):
        data[contact_family[contact_id]].present.add((contact_id, person_id))
    for d_row in MessageDelivery.objects.filter(via_contact).values_list(
        "contact_id", "person_id", "message", "leaflet_given", "understanding_checked"
    ):
        data[contact_family[d_row[0]]].deliveries.append(DeliveryRow(*d_row))
    corrected = set(
        Assessment.objects.filter(by_family, corrects__isnull=False).values_list("corrects_id", flat=True)
    )
    planned = set(
        SafeSleepPlan.objects.filter(_where("assessment__family_id", family_ids, id_range)).values_list(
            "assessment_id", flat=True
        )
    )
    for pk, baby_id, family_id, slug, level, completed_at, completer_agency, creator_agency, csc_at, medical_at in (
        Assessment.objects.filter(by_family, status=Status.COMPLETED, tool_slug__in=[SAFER_SLEEP, BRUISING])
        .values_list(
            "id", "baby_id", "family_id", "tool_slug", "level", "completed_at", "completed_by__agency_id",
            "created_by__agency_id", "csc_referral_at", "medical_review_at",
        )
        .order_by("completed_at", "id")
    ):
        assert completed_at is not None  # a database constraint: completed assessments have the time
        data[family_id].assessments.append(AssessmentRow(
            pk, baby_id, family_id, slug, level, completed_at, completer_agency or creator_agency, csc_at,
            medical_at, pk in corrected, pk in planned,
        ))
    for cn_row in Concern.objects.filter(by_family).values_list(
        "family_id", "agency_id", "raised_at", "category", "decided_at", "decision_due_at", "escalated_at"
    ):
        data[cn_row[0]].concerns.append(ConcernRow(*cn_row))
    for rf_row in Referral.objects.filter(by_family).values_list(
        "family_id", "agency_id", "made_at", "to", "acknowledged_at", "acknowledgement_due_at", "escalated_at"
    ):
        data[rf_row[0]].referrals.append(ReferralRow(*rf_row))
    case_family: dict[int, int] = {}
    for cs_row in PreBirthCase.objects.filter(by_family).values_list(
        "id", "baby_id", "family_id", "agency_id", "opened_at", "weeks_applied", "premature_birth_likely"
    ):
        data[cs_row[2]].cases.append(CaseRow(*cs_row))
        case_family[cs_row[0]] = cs_row[2]
    for case_id, code, done_on in MilestoneRecord.objects.filter(_where("case__family_id", family_ids, id_range)).values_list(
        "case_id", "code", "done_on"
    ):
        done = data[case_family[case_id]].milestones.setdefault(case_id, {})
        if code not in done or done_on < done[code]:
            done[code] = done_on
    return data


# --- the rules ----------------------------------------------------------------------------------


LOCAL = ZoneInfo(settings.TIME_ZONE)


@lru_cache(maxsize=4096)
def _month(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def month_of(value: date | datetime) -> str:
    """The month (YYYY-MM) a date or moment falls in, in local time."""
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL)
    return _month(value.year, value.month)


def local_day(value: datetime) -> date:
    return value.astimezone(LOCAL).date()


def carer_group(relationship: str) -> str:
    if relationship == Relationship.BIRTH_MOTHER:
        return "mother"
    if relationship in FATHERS:
        return "father_or_partner"
    return "other_adult"


def needs_messages(person: PersonRow) -> bool:
    """Parents, and adults who live with or regularly look after the baby (as on the family page)."""
    if person.relationship in PARENTS:
        return True
    return person.relationship not in CHILDREN and (person.lives_in_household or person.regular_carer)


def gestation_days(on: date, due: date) -> int:
    """Days of pregnancy on a day, counting the due date as 40+0 (280 days)."""
    return clock.DAYS_IN_PREGNANCY - (due - on).days


def contributions(family: FamilyData) -> Counter[CellKey]:
    """What one family adds to each cell. Pure: depends only on `family`."""
    out: Counter[CellKey] = Counter()
    district = family.district

    def add(key: str, month: str, agency_id: int | None, breakdown: str = "", value: int = 1) -> None:
        out[(key, month, NO_AGENCY if agency_id is None else agency_id, district, breakdown)] += value

    days = {c.id: local_day(c.at) for c in family.contacts}
    contact_by_id = {c.id: c for c in family.contacts}
    people = {p.id: p for p in family.people}
    given_at: dict[int, list[DeliveryRow]] = defaultdict(list)
    for d in family.deliveries:
        given_at[d.contact_id].append(d)
    ever_present = {person_id for _, person_id in family.present}

    # Messages and contacts, counted in the month and for the agency of the contact.
    for c in family.contacts:
        add("contacts.recorded", month_of(days[c.id]), c.agency_id, c.agency_type)
    for d in family.deliveries:
        c = contact_by_id[d.contact_id]
        month = month_of(days[c.id])
        add("messages.given", month, c.agency_id, d.message)
        if d.leaflet_given:
            add("messages.leaflet", month, c.agency_id, d.message)
        if d.understanding_checked:
            add("messages.teach_back", month, c.agency_id, d.message)

    # Babies: counted in the month of their birth (or due date), for the family's agency.
    for baby in family.babies:
        ref = baby.date_of_birth or baby.expected_delivery_date
        assert ref is not None  # the database insists on one of them
        month = month_of(ref)
        born = baby.date_of_birth is not None
        add("babies.recorded", month, family.agency_id, "born" if born else "unborn")
        window = [c for c in family.contacts if ref - BEFORE <= days[c.id] <= ref + AFTER]
        delivered = [d for c in window for d in given_at[c.id]]
        if window:
            add("babies.contacted", month, family.agency_id)
            carers = [p for p in family.people if needs_messages(p)]
            had: dict[int, set[str]] = defaultdict(set)
            for d in delivered:
                had[d.person_id].add(d.message)
            if carers and all(had[p.id] >= THREE for p in carers):
                add("babies.every_carer_reached", month, family.agency_id)
        if any(p.relationship in FATHERS for p in family.people):
            add("babies.with_father", month, family.agency_id)
            if any(people[d.person_id].relationship in FATHERS for d in delivered):
                add("babies.father_reached", month, family.agency_id)
        _points(add, window, given_at, people, days)
        if born:
            _icon(add, month, family.agency_id, window, given_at, people)

    # Carers: counted in the month of the family's youngest baby, for the family's agency.
    if family.babies:
        refs = [ref for b in family.babies if (ref := b.date_of_birth or b.expected_delivery_date) is not None]
        latest = max(refs, default=None)
        if latest is not None:
            month = month_of(latest)
            had_any: dict[int, set[str]] = defaultdict(set)
            for d in family.deliveries:
                had_any[d.person_id].add(d.message)
            for p in family.people:
                if not needs_messages(p):
                    continue
                group = carer_group(p.relationship)
                add("carers.recorded", month, family.agency_id, group)
                if p.id in ever_present or p.last_seen_on is not None:
                    add("carers.seen", month, family.agency_id, group)
                if had_any[p.id]:
                    add("carers.any_message", month, family.agency_id, group)
                if had_any[p.id] >= THREE:
                    add("carers.all_three", month, family.agency_id, group)

    _assessments(add, family)
    _prebirth(add, family)
    for concern in family.concerns:
        month = month_of(concern.raised_at)
        add("concerns.raised", month, concern.agency_id, concern.category)
        if concern.decided_at is not None and concern.decided_at <= concern.decision_due_at:
            add("concerns.decided_in_time", month, concern.agency_id)
        if concern.escalated_at is not None:
            add("concerns.overdue", month, concern.agency_id)
    for referral in family.referrals:
        month = month_of(referral.made_at)
        add("referrals.made", month, referral.agency_id, referral.to)
        if referral.acknowledged_at is not None and referral.acknowledged_at <= referral.acknowledgement_due_at:
            add("referrals.acknowledged_in_time", month, referral.agency_id)
        if referral.escalated_at is not None:
            add("referrals.overdue", month, referral.agency_id)
    return +out  # drop zeros


def _points(add: Any, window: list[ContactRow], given_at: dict[int, list[DeliveryRow]],
            people: dict[int, PersonRow], days: dict[int, date]) -> None:
    """Each universal contact point a baby had: counted once, in the month and for the agency of the
    first contact of that point (contacts are in time order)."""
    first: dict[str, ContactRow] = {}
    messages: dict[str, set[str]] = defaultdict(set)
    beyond: set[str] = set()
    for c in window:
        point = POINT_OF_TYPE.get(c.contact_type)
        if point is None:
            continue
        first.setdefault(point, c)
        for d in given_at[c.id]:
            messages[point].add(d.message)
            relationship = people[d.person_id].relationship
            if relationship != Relationship.BIRTH_MOTHER and relationship not in CHILDREN:
                beyond.add(point)
    for point, c in first.items():
        month = month_of(days[c.id])
        add("point.babies", month, c.agency_id, point)
        if messages[point] >= THREE:
            add("point.all_three", month, c.agency_id, point)
        if point in beyond:
            add("point.beyond_mother", month, c.agency_id, point)


def _icon(add: Any, month: str, agency_id: int, window: list[ContactRow], given_at: dict[int, list[DeliveryRow]],
          people: dict[int, PersonRow]) -> None:
    """ICON for a born baby: touchpoints at which anyone was given the safe handling message."""
    done: set[str] = set()
    father = False
    for c in window:
        handling = [d for d in given_at[c.id] if d.message == Message.SAFE_HANDLING]
        if not handling:
            continue
        done.update(t.slug for t in TOUCHPOINTS if t.counts(c.contact_type, c.agency_type))
        father = father or any(people[d.person_id].relationship in FATHERS for d in handling)
    add("icon.babies", month, agency_id)
    add("icon.touchpoints", month, agency_id, str(len(done)))
    if len(done) == len(TOUCHPOINTS):
        add("icon.all_five", month, agency_id)
    if father:
        add("icon.father_reached", month, agency_id)


def _assessments(add: Any, family: FamilyData) -> None:
    """Completed safer sleep and bruising assessments, in the month they were completed, for the
    completing practitioner's agency. An assessment later corrected counts only through its correction."""
    current = [a for a in family.assessments if not a.corrected]
    for a in current:
        month = month_of(a.completed_at)
        agency = a.agency_id if a.agency_id is not None else family.agency_id
        if a.tool_slug == SAFER_SLEEP:
            add("ssa.completed", month, agency, a.level)
            if a.has_plan:
                add("ssa.with_plan", month, agency)
            if a.level == "high":
                add("ssa.high", month, agency)
                later = [b for b in current if b.tool_slug == SAFER_SLEEP and b.baby_id == a.baby_id
                         and (b.completed_at, b.id) > (a.completed_at, a.id)]
                if later:
                    add("ssa.high_reviewed", month, agency)
                    if later[0].level != "high":
                        add("ssa.high_resolved", month, agency)
        elif a.tool_slug == BRUISING:
            add("bruising.completed", month, agency, a.level)
            if a.level in URGENT_LEVELS:
                add("bruising.urgent", month, agency)
                day = local_day(a.completed_at)
                if (a.csc_referral_at is not None and a.medical_review_at is not None
                        and local_day(a.csc_referral_at) <= day and local_day(a.medical_review_at) <= day):
                    add("bruising.same_day", month, agency)


def _prebirth(add: Any, family: FamilyData) -> None:
    """Pre-birth cases, in the month they were opened, for the agency that opened them."""
    babies = {b.id: b for b in family.babies}
    for case in family.cases:
        month = month_of(case.opened_at)
        baby = babies[case.baby_id]
        done = family.milestones.get(case.id, {})
        due = baby.expected_delivery_date
        add("prebirth.cases", month, case.agency_id)
        referred = done.get(clock.REFERRAL)
        band = "not_referred" if referred is None else "unknown"
        if referred is not None and due is not None:
            weeks = gestation_days(referred, due) // 7
            band = next(name for name, lo, hi in GESTATION_BANDS if lo <= max(weeks, 0) < hi)
            if gestation_days(referred, due) <= 16 * 7:
                add("prebirth.referred_by_16", month, case.agency_id)
        add("prebirth.gestation", month, case.agency_id, band)
        conference = done.get(clock.CONFERENCE)
        if conference is not None and due is not None and gestation_days(conference, due) <= 28 * 7:
            add("prebirth.conference_by_28", month, case.agency_id)
        if baby.date_of_birth is not None:
            add("prebirth.born", month, case.agency_id)
            plan = done.get(clock.DELIVERY_PLAN)
            if plan is not None and plan <= baby.date_of_birth:
                add("prebirth.plan_before_birth", month, case.agency_id)
            if clock.DISCHARGE_PLANNING in done:
                add("prebirth.discharge_meeting", month, case.agency_id)

