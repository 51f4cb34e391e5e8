"""Demo concerns, referrals and tasks: something at every stage, for every work list.

Concerns are raised, decided and closed, and referrals made, acknowledged and given outcomes,
through `kbs.concerns.actions`, so their transitions, tasks, chronology and audit rows are real.

Times. `raise_concern`, `decide_concern` and `close_concern` stamp their own time and take none, so
every demo concern is raised and decided "now", when the demo is loaded: no concern is overdue for a
decision on a freshly loaded demo (the high-severity ones become overdue at midnight, the others
after the next working day). Referrals take the time they were made, so the one referral made
straight from a family page is back-dated to be overdue for acknowledgement, and another was
acknowledged a week ago. Tasks take their due time, so the health visitor persona has tasks due
today, overdue and coming up.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from kbs.accounts.models import AgencyType
from kbs.concerns.actions import (
    acknowledge_referral,
    close_concern,
    complete_task,
    create_task,
    decide_concern,
    raise_concern,
    record_referral,
    record_referral_outcome,
)
from kbs.concerns.models import (
    Category,
    Decision,
    ReferralHow,
    ReferralOutcome,
    ReferralTo,
    Severity,
    TaskKind,
)
from kbs.core.clocks import end_of_day, is_working_day
from kbs.families.actions import record_involvement
from kbs.families.models import Relationship
from kbs.nonprod.demo_activity import Cast, Household

MASH = "Duty social worker, multi-agency safeguarding hub"

# How far a scenario goes: each stage includes the ones before it.
RAISED, DECIDED, REFERRED, ACKNOWLEDGED, OUTCOME, CLOSED = range(6)
CLOSED_UNDECIDED = -1


@dataclass(frozen=True)
class Scenario:
    agency_type: str
    category: str
    severity: str
    seen: str  # may name {mother}, {father}, {partner} and {baby}
    stage: int
    decision: str = ""
    rationale: str = ""
    to: str = ""
    outcome: str = ""
    outcome_note: str = ""
    close_note: str = ""


HV, POLICE, HOUSING = AgencyType.HEALTH_VISITING, AgencyType.POLICE, AgencyType.HOUSING
MATERNITY, GP = AgencyType.MATERNITY, AgencyType.GP_PRACTICE

SCENARIOS = [
    # Waiting in the health visiting lead's inbox.
    Scenario(HV, Category.UNKNOWN_ADULT, Severity.MEDIUM,
             "At the review {mother} said {partner} has moved in and looks after {baby} while she works evening "
             "shifts. He was out at every visit and no practitioner has met him.", RAISED),
    Scenario(HV, Category.CRYING, Severity.MEDIUM,
             "{mother} tearful at clinic: {baby} cries for hours every evening and she said she \"can't take much "
             "more\". ICON messages repeated; she agreed to a call tomorrow.", RAISED),
    Scenario(HV, Category.UNSAFE_SLEEP, Severity.HIGH,
             "At a 10:30 home visit {baby} was asleep on the sofa on {father}'s chest. He said he had been up all night "
             "and had been drinking the evening before. The cot is still in its box.", RAISED),
    Scenario(HV, Category.INJURY, Severity.LOW,
             "Small scratch under {baby}'s left eye. {mother} says it was the baby's own nails; nails cut and mitts "
             "given. Recording for the lead's view.", RAISED),
    # Waiting in other agencies' inboxes.
    Scenario(POLICE, Category.DOMESTIC_ABUSE, Severity.HIGH,
             "Called by a neighbour at 23:40 to shouting at the address. {baby} asleep upstairs. {mother} had a red mark "
             "on her forearm and declined to make a statement; {father} had left before officers arrived.", RAISED),
    Scenario(MATERNITY, Category.MENTAL_HEALTH, Severity.MEDIUM,
             "At the day 5 visit {mother} said she feels low and is not sleeping even when {baby} sleeps. She has had "
             "postnatal depression before.", RAISED),
    # Decided.
    Scenario(HV, Category.UNSAFE_SLEEP, Severity.LOW,
             "{mother} said {baby} sometimes ends up in the parents' bed after the early feed.", DECIDED,
             Decision.ADVICE, "Low risk: no smoking, alcohol or drugs. Safe sleep plan to be revisited at the next "
                              "contact with both parents."),
    Scenario(HOUSING, Category.HOUSING, Severity.MEDIUM,
             "Black mould across the bedroom wall where {baby}'s cot is. Family of five in a two-bedroom flat; the "
             "cot has been moved into the living room.", DECIDED,
             Decision.EARLY_HELP, "Housing priority banding raised. Early help to support the family with the move "
                                  "and with safe sleep in the meantime, with their agreement."),
    Scenario(HV, Category.NEGLECT, Severity.MEDIUM,
             "Third visit where the home was very cold, with little food in, dog mess on the floor and {baby} in a "
             "soaked nappy.", DECIDED,
             Decision.REFER_CSC, "Cumulative neglect over three visits despite support: meets the threshold for a "
                                 "referral to children's social care."),
    Scenario(HV, Category.DOMESTIC_ABUSE, Severity.MEDIUM,
             "At the 6-8 week review {mother} disclosed that {father} pushed her against a wall last week while she "
             "was holding {baby}.", REFERRED,
             Decision.REFER_CSC, "Disclosure of domestic abuse with the baby present: referral to children's social "
                                 "care today; DASH risk assessment completed.", ReferralTo.CSC),
    Scenario(GP, Category.SUBSTANCE_MISUSE, Severity.MEDIUM,
             "{father} attended for a repeat prescription and said he is using cocaine at weekends, when he looks "
             "after {baby} alone.", ACKNOWLEDGED,
             Decision.REFER_CSC, "Sole care of a baby by a parent using drugs: refer to children's social care.",
             ReferralTo.CSC),
    Scenario(HV, Category.DOMESTIC_ABUSE, Severity.HIGH,
             "{mother} rang the health visiting duty line frightened: {father} has threatened to take {baby} and she "
             "has seen him outside the house twice today.", OUTCOME,
             Decision.REFER_POLICE, "Immediate risk to mother and baby: referral to the police now, and children's "
                                    "social care informed.", ReferralTo.POLICE,
             ReferralOutcome.POLICE_INVESTIGATION, "Officers attended the same evening; a non-molestation order is being sought."),
    # Closed.
    Scenario(POLICE, Category.DOMESTIC_ABUSE, Severity.HIGH,
             "Attended the address after a 999 call. {father} arrested for assault; {baby} present in the flat.", CLOSED,
             Decision.REFER_CSC, "Baby present during an assault: referral to children's social care.", ReferralTo.CSC,
             ReferralOutcome.STRATEGY_DISCUSSION, "Strategy discussion held; child and family assessment under way.",
             "Referral made and its outcome recorded. Children's social care is leading."),
    Scenario(HV, Category.CRYING, Severity.LOW,
             "{father} said he finds {baby}'s crying in the evenings hard and went out to the car for a few minutes.",
             CLOSED, Decision.ADVICE, "He did the right thing by putting the baby down safely and taking a break. ICON "
                                      "messages given to both parents.",
             close_note="Advice given. Both parents coping well at the follow-up call."),
    Scenario(MATERNITY, Category.MENTAL_HEALTH, Severity.MEDIUM,
             "{mother} has stopped taking her antidepressants since the birth and is struggling to get out of bed.",
             CLOSED, Decision.EARLY_HELP, "Perinatal mental health referral accepted; early help family support offered.",
             close_note="Early help accepted by the family; perinatal mental health team visiting weekly."),
    Scenario(HV, Category.OTHER, Severity.LOW, "Raised on the wrong family record by mistake.", CLOSED_UNDECIDED,
             close_note="Raised in error on this family; the concern was raised again on the right record."),
]

HV_PERSONA_TASKS = [
    # (due: days from today, or None for today; kind; title; urgent)
    (0, TaskKind.OTHER, "Phone {mother} about {baby}'s feeding and weight gain", False),
    (0, TaskKind.TOOL_ACTION, "Review the safe sleep plan with {mother} at the next contact", True),
    (-2, TaskKind.OTHER, "Book a new 6 to 8 week review: the family were out at the last one", False),
    (-6, TaskKind.OTHER, "Send the new baby review summary to the GP practice", False),
    (3, TaskKind.OTHER, "Joint home visit with the social worker", False),
    (8, TaskKind.TOOL_ACTION, "Check the travel cot has arrived and is being used", False),
]
HV_PERSONA_DONE = [
    (-3, TaskKind.OTHER, "Call {mother} back about {baby}'s reflux", "Spoke to mother; GP appointment booked for Thursday."),
    (-1, TaskKind.TOOL_ACTION, "Give the ICON messages to {father}", "Given at the clinic, leaflet left and understanding checked."),
    (-8, TaskKind.OTHER, "Chase the hearing screening result", "Result through: clear in both ears."),
]


def _working_days_before(day: date, days: int) -> date:
    while days > 0:
        day -= timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


class ConcernsLoader:
    def __init__(self, cast: Cast, households: list[Household]) -> None:
        self.cast = cast
        self.rng = cast.rng
        self.today = cast.today
        # Only born babies' families, never the fixed first family (its shape is documented).
        self.households = [h for h in households if h.born and not h.fixed]
        self.used: dict[int, int] = {}  # family id: times picked

    def run(self) -> None:
        if not self.households:
            return
        for scenario in SCENARIOS:
            household = self._household(scenario)
            if household is not None:
                self._play(scenario, household)
        self._overdue_referral()
        self._acknowledged_referral()
        self._hv_persona_tasks()

    # Choosing families --------------------------------------------------------------------------

    def _pick(self, candidates: list[Household]) -> Household | None:
        """The least used of the candidates (each family gets at most one story while there are enough)."""
        if not candidates:
            return None
        household = min(candidates, key=lambda h: (self.used.get(h.family.pk, 0), self.rng.random()))
        self.used[household.family.pk] = self.used.get(household.family.pk, 0) + 1
        return household

    def _household(self, scenario: Scenario) -> Household | None:
        involved = [h for h in self.households if h.involvement(scenario.agency_type, active=True)]
        # Families with the people the story names.
        for placeholder, relationship in (("{partner}", Relationship.MOTHERS_PARTNER), ("{father}", Relationship.FATHER)):
            if placeholder in scenario.seen:
                involved = [h for h in involved if h.people_as(relationship)] or involved
        if scenario.agency_type == HV:
            # The health visitor persona's own families first, so her pages show the stories.
            own = [h for h in involved if h.practitioner(HV, active=True) == self.cast.personas["health-visitor"]]
            involved = [h for h in own if not self.used.get(h.family.pk)] or involved
        if involved or scenario.agency_type not in (POLICE, HOUSING):
            return self._pick(involved)
        # The police or housing came to know a family: their involvement is recorded first.
        household = self._pick(self.households)
        if household is not None:
            agency = self.cast.agencies_of_type(scenario.agency_type)[0]
            by = self.cast.personas["police-officer"] if scenario.agency_type == POLICE else self.cast.worker(agency)
            reason = ("Domestic abuse incident at the address attended by police" if scenario.agency_type == POLICE
                      else "Overcrowding and damp reported: housing officer visits")
            household.add_involvement(record_involvement(by=by, family=household.family, reason=reason), by)
        return household

    # Concerns -----------------------------------------------------------------------------------

    @staticmethod
    def _text(template: str, household: Household) -> str:
        def first(relationship: str, fallback: str) -> str:
            people = household.people_as(relationship)
            return str(people[0]) if people else fallback

        return template.format(
            mother=first(Relationship.BIRTH_MOTHER, "Mother"), father=first(Relationship.FATHER, "the baby's father"),
            partner=first(Relationship.MOTHERS_PARTNER, "her new partner"), baby=household.baby.display_name,
        )

    def _play(self, scenario: Scenario, household: Household) -> None:
        involvement = household.involvement(scenario.agency_type, active=True)
        assert involvement is not None
        by = household.practitioners[involvement.pk]
        lead = self.cast.leads[involvement.agency.name]
        concern = raise_concern(by=by, family=household.family, baby=household.baby, category=scenario.category,
                                what_was_seen=self._text(scenario.seen, household), severity=scenario.severity)
        if scenario.stage == CLOSED_UNDECIDED:
            close_concern(by=lead, concern=concern, note=scenario.close_note)
            return
        if scenario.stage < DECIDED:
            return
        decide_concern(by=lead, concern=concern, decision=scenario.decision, rationale=scenario.rationale)
        if scenario.to and scenario.stage >= REFERRED:
            reference = f"{'CR' if scenario.to == ReferralTo.POLICE else 'MASH'}-{self.rng.randint(200000, 899999)}"
            referral = record_referral(
                by=lead, family=household.family, concern=concern, to=scenario.to,
                how=ReferralHow.PHONE if scenario.severity == Severity.HIGH else ReferralHow.ONLINE_FORM,
                to_whom="Public protection unit duty sergeant" if scenario.to == ReferralTo.POLICE else MASH,
                made_at=timezone.now(),
            )
            if scenario.stage >= ACKNOWLEDGED:
                acknowledge_referral(by=lead, referral=referral, acknowledged_at=timezone.now(), reference=reference)
            if scenario.stage >= OUTCOME:
                record_referral_outcome(by=lead, referral=referral, outcome=scenario.outcome, note=scenario.outcome_note)
        if scenario.stage == CLOSED:
            close_concern(by=lead, concern=concern, note=scenario.close_note)

    # Referrals made straight from a family page, which can be back-dated ------------------------

    def _at(self, day: date, hour: int) -> datetime:
        return timezone.make_aware(datetime.combine(day, time(hour, self.rng.choice([5, 20, 35, 50]))))

    def _overdue_referral(self) -> None:
        """Made three working days ago and never acknowledged: overdue, on the lead's overdue list."""
        candidates = [h for h in self.households if h.involvement(HV, active=True)
                      and not h.involvement(AgencyType.CHILDRENS_SOCIAL_CARE)]
        household = self._pick(candidates)
        if household is None:
            return
        by = household.practitioner(HV, active=True)
        assert by is not None
        record_referral(by=by, family=household.family, to=ReferralTo.CSC, how=ReferralHow.ONLINE_FORM, to_whom=MASH,
                        made_at=self._at(_working_days_before(self.today, 3), 11))

    def _acknowledged_referral(self) -> None:
        """Made a week ago to early help and acknowledged the next day; the outcome is still awaited."""
        household = self._pick([h for h in self.households if h.involvement(GP, active=True)])
        if household is None:
            return
        by = household.practitioner(GP, active=True)
        assert by is not None
        made_at = self._at(_working_days_before(self.today, 5), 14)
        referral = record_referral(by=by, family=household.family, to=ReferralTo.EARLY_HELP, how=ReferralHow.SECURE_EMAIL,
                                   to_whom="Early help front door", made_at=made_at)
        acknowledge_referral(by=by, referral=referral, acknowledged_at=self._at(_working_days_before(self.today, 4), 10),
                             reference=f"EH-{self.rng.randint(10000, 99999)}")

    # The health visitor persona's own tasks -----------------------------------------------------

    def _hv_persona_tasks(self) -> None:
        helen = self.cast.personas["health-visitor"]
        families = [h for h in self.households if h.practitioner(HV, active=True) == helen] or [
            h for h in self.households if h.involvement(HV, active=True)]
        if not families:
            return
        agency = helen.agency
        assert agency is not None
        for index, (days, kind, title, urgent) in enumerate(HV_PERSONA_TASKS):
            household = families[index % len(families)]
            create_task(by=helen, family=household.family, baby=household.baby, kind=kind, agency=agency,
                        title=self._text(title, household), assigned_to=helen, urgent=urgent,
                        due_at=end_of_day(self.today + timedelta(days=days)))
        for index, (days, kind, title, note) in enumerate(HV_PERSONA_DONE):
            household = families[-1 - index % len(families)]
            task = create_task(by=helen, family=household.family, baby=household.baby, kind=kind, agency=agency,
                               title=self._text(title, household), assigned_to=helen,
                               due_at=end_of_day(self.today + timedelta(days=days)))
            if task is not None:  # None only for a routine task for a baby who has died
                complete_task(by=helen, task=task, note=note)


def add_concerns(cast: Cast, households: list[Household]) -> None:
    ConcernsLoader(cast, households).run()

