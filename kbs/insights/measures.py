"""The measures of "Is the strategy working?", defined once for the dashboard, its CSV files, the
"how we measure" page and the Evaluation and Impact Report.

Each measure is a function of the cells for a filter (`Cells`) with a docstring that says, in this
order: what it shows, the numerator, the denominator and the period rule (which month a record
counts in). The docstrings are shown on the "how we measure" page, so they are written for
analysts and safeguarding leads, not programmers. The keys they read are in `kbs.insights.facts`.

Measures follow the strategy's six objectives (domain §1, §14):
1. learn from local and national reviews and use that to shape local services;
2. practitioners know the three steps well;
3. every new parent and carer knows and understands the three messages;
4. parents and carers know how to make the home safe for the baby;
5. every practitioner in contact with families with babies knows the messages and is confident to deliver them;
6. practitioners stay professionally curious so that babies are safe.
"""

import inspect
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from kbs.accounts.models import AgencyType
from kbs.concerns.models import Category, ReferralTo
from kbs.contacts.icon import TOUCHPOINTS
from kbs.contacts.models import Message
from kbs.insights.facts import CARER_GROUPS, GESTATION_BANDS, POINTS

OBJECTIVES: dict[int, str] = {
    1: "Learn from local and national reviews and use it to shape local services",
    2: "Practitioners know the three steps well",
    3: "Every new parent and carer knows and understands the three messages",
    4: "Parents and carers know how to make the home safe for their baby",
    5: "Every practitioner who meets families with babies knows the messages and is confident to give them",
    6: "Practitioners stay professionally curious, so that babies are safe",
}


class Cells:
    """The cell values for one filter: (key, month, breakdown) -> value, over some months."""

    def __init__(self, values: dict[tuple[str, str, str], int]) -> None:
        self.values = values
        # Indexed by key, so that each lookup reads only its own key's few cells.
        self._by_key: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
        for (key, month, breakdown), value in values.items():
            self._by_key[key].append((month, breakdown, value))

    def total(self, key: str, months: Iterable[str], breakdown: str | None = None) -> int:
        wanted = set(months)
        return sum(
            v for m, b, v in self._by_key.get(key, ())
            if m in wanted and (breakdown is None or b == breakdown)
        )

    def by_breakdown(self, key: str, months: Iterable[str]) -> dict[str, int]:
        wanted = set(months)
        out: dict[str, int] = defaultdict(int)
        for m, b, v in self._by_key.get(key, ()):
            if m in wanted:
                out[b] += v
        return out


@dataclass(frozen=True)
class Row:
    """One line of a measure's table. `denominator` is None for a plain count."""

    label: str
    numerator: int
    denominator: int | None = None

    @property
    def percent(self) -> float | None:
        if not self.denominator:
            return None
        return 100 * self.numerator / self.denominator


@dataclass(frozen=True)
class Measure:
    slug: str
    title: str
    objectives: tuple[int, ...]
    # "bars": a bar per row; "funnel": rows are stages, each a subset of the one before;
    # "distribution": rows are the parts of a whole.
    chart: str
    unit: str  # what the numerator counts, for table headings, such as "babies"
    rows_for: Callable[["Cells", list[str]], list[Row]]
    # The headline (numerator key, denominator key) plotted month by month, when there is one.
    trend: tuple[str, str | None] | None = None
    by_point: bool = False  # rows are contact points: the contact point filter applies
    doc: str = field(default="")

    @property
    def paragraphs(self) -> list[str]:
        return [" ".join(p.split()) for p in self.doc.split("\n\n") if p.strip()]

    @property
    def definition(self) -> list[tuple[str, str]]:
        """The docstring as (heading, text): "What it shows", then numerator, denominator and period;
        a further paragraph belongs to the part before it."""
        out: list[tuple[str, str]] = []
        for index, paragraph in enumerate(self.paragraphs):
            head, _, rest = paragraph.partition(":")
            if head in ("Numerator", "Denominator", "Period") and rest.strip():
                out.append((head, rest.strip()[:1].upper() + rest.strip()[1:]))
            elif index == 0 or not out:
                out.append(("What it shows", paragraph))
            else:
                out[-1] = (out[-1][0], f"{out[-1][1]} {paragraph}")
        return out

    def rows(self, cells: "Cells", months: list[str], point: str = "") -> list[Row]:
        rows = self.rows_for(cells, months)
        if self.by_point and point:
            rows = [r for r in rows if r.label == POINTS[point][0]]
        return rows


MEASURES: list[Measure] = []


def measure(slug: str, title: str, objectives: tuple[int, ...], chart: str, unit: str,
            trend: tuple[str, str | None] | None = None, by_point: bool = False,
            ) -> Callable[[Callable[[Cells, list[str]], list[Row]]], Callable[[Cells, list[str]], list[Row]]]:
    def register(fn: Callable[[Cells, list[str]], list[Row]]) -> Callable[[Cells, list[str]], list[Row]]:
        MEASURES.append(Measure(slug, title, objectives, chart, unit, fn, trend, by_point, inspect.getdoc(fn) or ""))
        return fn
    return register


def _ratio_rows(cells: Cells, months: list[str], numerator: str, denominator: str,
                labels: Iterable[tuple[str, str]]) -> list[Row]:
    num = cells.by_breakdown(numerator, months)
    den = cells.by_breakdown(denominator, months)
    return [Row(label, num.get(code, 0), den.get(code, 0)) for code, label in labels]


# --- Objective 3 and 4: the three messages reach every parent and carer ------------------------


@measure("three-messages-at-contacts", "Babies given all three messages at each universal contact", (3, 4), "bars",
         "babies", trend=("point.all_three", "point.babies"), by_point=True)
def three_messages_at_contacts(cells: Cells, months: list[str]) -> list[Row]:
    """For each universal contact (antenatal, birth or discharge, new baby review, 6 to 8 weeks), the
    share of babies who were given all three messages (safe sleep, safe handling, safe space) at that
    contact, to anyone present.

    Numerator: babies for whom contacts of that kind recorded all three messages between them.

    Denominator: babies with at least one contact of that kind. A contact counts for a baby from 42
    weeks before the birth (or due date) to the first birthday.

    Period: the month of the baby's first contact of that kind; the agency is the agency that made
    that contact."""
    return _ratio_rows(cells, months, "point.all_three", "point.babies",
                       ((slug, label) for slug, (label, _) in POINTS.items()))


@measure("beyond-the-mother", "Contacts where someone other than the mother was given a message", (3,), "bars",
         "babies", by_point=True)
def beyond_the_mother(cells: Cells, months: list[str]) -> list[Row]:
    """For each universal contact, the share of babies where a father, partner or other adult carer,
    not only the birth mother, was given at least one of the three messages.

    Numerator: babies for whom a contact of that kind recorded a message given to an adult other than
    the birth mother.

    Denominator: babies with at least one contact of that kind.

    Period: the month of the baby's first contact of that kind, for the agency that made it."""
    return _ratio_rows(cells, months, "point.beyond_mother", "point.babies",
                       ((slug, label) for slug, (label, _) in POINTS.items()))


@measure("carers-reached", "Parents and carers reached", (3,), "funnel", "parents and carers",
         trend=("carers.all_three", "carers.recorded"))
def carers_reached(cells: Cells, months: list[str]) -> list[Row]:
    """How far the messages get through the people in babies' lives: every parent, and every adult
    who lives with or regularly looks after the baby (fathers, partners and other men included).

    Numerator: at each stage, the parents and carers recorded, then those seen at a contact, those
    given at least one message, and those given all three.

    Denominator: the parents and carers recorded.

    Period: the month the family's youngest baby was born (or is due); the agency is the family's
    lead agency."""
    recorded = cells.total("carers.recorded", months)
    return [
        Row("Recorded", recorded, recorded),
        Row("Seen at a contact", cells.total("carers.seen", months), recorded),
        Row("Given at least one message", cells.total("carers.any_message", months), recorded),
        Row("Given all three messages", cells.total("carers.all_three", months), recorded),
    ]


@measure("carers-by-group", "Parents and carers given all three messages, by who they are", (3,), "bars",
         "parents and carers")
def carers_by_group(cells: Cells, months: list[str]) -> list[Row]:
    """The share of birth mothers, of fathers and partners, and of other adult carers who were given
    all three messages, so that a gap for fathers and other men shows.

    Numerator: parents and carers in the group given all three messages, at any contact.

    Denominator: parents and carers in the group recorded.

    Period: the month the family's youngest baby was born (or is due), for the family's lead agency."""
    return _ratio_rows(cells, months, "carers.all_three", "carers.recorded", CARER_GROUPS.items())


@measure("every-carer-reached", "Babies whose every parent and carer had all three messages", (3,), "bars",
         "babies", trend=("babies.every_carer_reached", "babies.contacted"))
def every_carer_reached(cells: Cells, months: list[str]) -> list[Row]:
    """The share of babies whose every parent and adult carer was given all three messages, and the
    share of babies with a father or partner recorded whose father or partner was given a message.

    Numerator: babies whose parents and carers were all given all three messages at contacts from 42
    weeks before the birth to the first birthday; babies whose father or partner was given any message.

    Denominator: babies with at least one contact; babies with a father or partner recorded.

    Period: the month the baby was born (or is due), for the family's lead agency."""
    return [
        Row("Every parent and carer had all three messages", cells.total("babies.every_carer_reached", months),
            cells.total("babies.contacted", months)),
        Row("Father or partner given a message", cells.total("babies.father_reached", months),
            cells.total("babies.with_father", months)),
    ]


@measure("teach-back", "Messages given with a leaflet and with understanding checked", (3, 4), "bars", "messages")
def teach_back(cells: Cells, months: list[str]) -> list[Row]:
    """For each of the three messages, the share of the times it was given when the parent's
    understanding was checked (teach-back). Safe space is the message about making the home safe.

    Numerator: messages given with understanding checked.

    Denominator: messages given (each message to each person at each contact counts once).

    Period: the month of the contact, for the agency that made it."""
    return _ratio_rows(cells, months, "messages.teach_back", "messages.given",
                       ((m.value, m.label) for m in Message))


@measure("icon", "ICON: coping with crying, at five touchpoints", (3, 5), "distribution", "babies",
         trend=("icon.all_five", "icon.babies"))
def icon(cells: Cells, months: list[str]) -> list[Row]:
    """How many of ICON's five touchpoints (antenatal, birth, community midwife, health visitor, GP)
    each baby had, where the coping-with-crying message (part of safe handling) was given to somebody
    in the family.

    Numerator: babies born, by the number of touchpoints done; babies with all five; babies whose
    father or partner heard the message.

    Denominator: babies born.

    Period: the month of the birth, for the family's lead agency."""
    babies = cells.total("icon.babies", months)
    spread = cells.by_breakdown("icon.touchpoints", months)
    rows = [Row(f"{n} touchpoint{'s' if n != 1 else ''}", spread.get(str(n), 0), babies)
            for n in range(len(TOUCHPOINTS) + 1)]
    return rows + [Row("Father or partner heard it", cells.total("icon.father_reached", months), babies)]


def median_touchpoints(cells: Cells, months: list[str]) -> int | None:
    """The median number of ICON touchpoints per baby born, from the distribution."""
    spread = cells.by_breakdown("icon.touchpoints", months)
    total = sum(spread.values())
    if not total:
        return None
    seen = 0
    for n in range(len(TOUCHPOINTS) + 1):
        seen += spread.get(str(n), 0)
        if seen * 2 >= total:
            return n
    return len(TOUCHPOINTS)


# --- Objectives 5 and 6: assessments, pre-birth work, bruising, concerns -----------------------


@measure("safer-sleep", "Safer sleep assessments", (3, 6), "bars", "assessments",
         trend=("ssa.high", "ssa.completed"))
def safer_sleep(cells: Cells, months: list[str]) -> list[Row]:
    """Safer sleep assessments completed, how many found a high risk, how many have a safe sleep
    plan, and how many high-risk findings were looked at again and resolved.

    Numerator: assessments with a high risk; with a plan; high-risk assessments followed by a later
    assessment of the same baby; of those, ones where the later assessment was not high risk.

    Denominator: assessments completed (for the last two rows: high-risk assessments). An assessment
    that was corrected counts once, as its correction.

    Period: the month the assessment was completed, for the completing practitioner's agency."""
    completed = cells.total("ssa.completed", months)
    high = cells.total("ssa.high", months)
    return [
        Row("Completed", completed),
        Row("High risk found", high, completed),
        Row("With a safe sleep plan", cells.total("ssa.with_plan", months), completed),
        Row("High risk looked at again", cells.total("ssa.high_reviewed", months), high),
        Row("High risk resolved at the next assessment", cells.total("ssa.high_resolved", months), high),
    ]


@measure("bruising", "Bruising in babies: same-day steps", (1, 6), "bars", "assessments",
         trend=("bruising.same_day", "bruising.urgent"))
def bruising(cells: Cells, months: list[str]) -> list[Row]:
    """Bruising assessments completed, and for urgent and emergency outcomes the share with both the
    call to children's social care and the medical (paediatric) review recorded on the same day.

    Numerator: urgent or emergency assessments whose social care call and medical review were both
    on or before the day the assessment was completed.

    Denominator: urgent or emergency bruising assessments.

    Period: the month the assessment was completed, for the completing practitioner's agency."""
    urgent = cells.total("bruising.urgent", months)
    return [
        Row("Completed", cells.total("bruising.completed", months)),
        Row("Urgent or emergency", urgent),
        Row("Same-day social care call and medical review", cells.total("bruising.same_day", months), urgent),
    ]


@measure("prebirth", "Pre-birth work on time", (1, 6), "bars", "cases", trend=("prebirth.referred_by_16", "prebirth.cases"))
def prebirth(cells: Cells, months: list[str]) -> list[Row]:
    """Pre-birth cases opened, how early in pregnancy the referral to children's social care was
    made, whether the child protection conference was by 28 weeks, and for babies now born whether
    the delivery safety plan was agreed and shared before the birth and a discharge planning meeting
    was held.

    Numerator: cases referred by 16 weeks; with the conference by 28 weeks (weeks of pregnancy count
    the due date as 40+0); born babies' cases with the plan before the birth; with the meeting.

    Denominator: cases opened (for the last two rows: cases whose baby has been born).

    Period: the month the case was opened, for the agency that opened it."""
    cases = cells.total("prebirth.cases", months)
    born = cells.total("prebirth.born", months)
    bands = cells.by_breakdown("prebirth.gestation", months)
    labels = {"under_16": "Referred before 16 weeks", "16_to_19": "Referred at 16 to 19 weeks",
              "20_to_27": "Referred at 20 to 27 weeks", "28_plus": "Referred at 28 weeks or later",
              "unknown": "Referred, gestation not known", "not_referred": "Not referred yet"}
    assert {name for name, _, _ in GESTATION_BANDS} <= set(labels)
    return [
        Row("Cases opened", cases),
        *[Row(label, bands.get(code, 0), cases) for code, label in labels.items()],
        Row("Referred by 16 weeks", cells.total("prebirth.referred_by_16", months), cases),
        Row("Conference by 28 weeks", cells.total("prebirth.conference_by_28", months), cases),
        Row("Delivery safety plan before the birth", cells.total("prebirth.plan_before_birth", months), born),
        Row("Discharge planning meeting held", cells.total("prebirth.discharge_meeting", months), born),
    ]


@measure("concerns", "Concerns and referrals, and clocks missed", (6,), "bars", "concerns and referrals",
         trend=("concerns.overdue", "concerns.raised"))
def concerns(cells: Cells, months: list[str]) -> list[Row]:
    """Concerns raised by category, how many were decided by the safeguarding lead in time, referrals
    made and acknowledged in time, and how many of each went past their clock.

    Numerator: concerns decided by their clock; concerns past their clock; referrals acknowledged by
    their clock; referrals past their clock.

    Denominator: concerns raised; referrals made.

    Period: the month the concern was raised or the referral made, for the agency that raised it."""
    raised = cells.total("concerns.raised", months)
    made = cells.total("referrals.made", months)
    by_category = cells.by_breakdown("concerns.raised", months)
    by_to = cells.by_breakdown("referrals.made", months)
    return [
        Row("Concerns raised", raised),
        *[Row(f"Concerns: {c.label}", by_category.get(c.value, 0), raised) for c in Category if by_category.get(c.value)],
        Row("Concerns decided in time", cells.total("concerns.decided_in_time", months), raised),
        Row("Concerns past their clock", cells.total("concerns.overdue", months), raised),
        Row("Referrals made", made),
        *[Row(f"Referrals to {t.label.lower() if t != ReferralTo.CSC else t.label}", by_to.get(t.value, 0), made)
          for t in ReferralTo if by_to.get(t.value)],
        Row("Referrals acknowledged in time", cells.total("referrals.acknowledged_in_time", months), made),
        Row("Referrals past their clock", cells.total("referrals.overdue", months), made),
    ]


@measure("contacts-by-agency-type", "Contacts recorded, by kind of agency", (5,), "bars", "contacts")
def contacts_by_agency_type(cells: Cells, months: list[str]) -> list[Row]:
    """Contacts recorded by each kind of agency, to show how far beyond health services the messages
    are given (police, housing, early help and others count as much as midwives and health visitors).

    Numerator: contacts recorded by agencies of that kind.

    Denominator: all contacts recorded.

    Period: the month of the contact, for the agency that made it."""
    spread = cells.by_breakdown("contacts.recorded", months)
    whole = sum(spread.values())
    return [Row(t.label, spread[t.value], whole) for t in AgencyType if spread.get(t.value)]


BY_SLUG = {m.slug: m for m in MEASURES}
