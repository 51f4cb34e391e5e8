"""Demo pre-birth work: pre-birth screenings for about half of the unborn babies, the pre-birth
cases their triggers open, some steps of the timetable recorded, and delivery safety plans.

Everything goes through the apps' actions. A screening is started, answered and completed with
`kbs.tools.actions`; when PB-TRIGGER fires, completing it opens the case through `kbs.prebirth`'s
own hook, with its same-day referral task and a task for each dated step. Steps are recorded, and
plans saved and completed, with `kbs.prebirth.actions`.

Times. Completing an assessment stamps it "now", and a case's trigger is found on the day its
screening was completed, so every demo case was opened today and its steps are recorded as done
today. A case whose trigger was found after the planning-meeting week (a late booking at about 30
weeks, from the spec's own example) has its planning meeting and conference due "at once", by the
end of the next working day: it is the demo's late case, and its steps turn Late if the demo is
kept past then. Nothing can be shown Late on the day of loading, because nothing here is
back-dated.

Answers are the spec's own worked examples with the mother's age and the weeks of pregnancy put
in, evaluated before use, so that each baby gets the outcome the mix asks for.
"""

from dataclasses import dataclass, field
from datetime import date

from kbs.accounts.models import AgencyType, User
from kbs.concerns.models import ReferralHow
from kbs.families.models import Baby, Relationship
from kbs.nonprod.demo_activity import Cast, Household
from kbs.prebirth import actions as prebirth
from kbs.prebirth import clock
from kbs.prebirth.models import CaseState, PreBirthCase, SharedWith
from kbs.tools import actions as tools
from kbs.tools.engine import LEVEL_RANK, AnswersInvalid, evaluate
from kbs.tools.models import Assessment
from kbs.tools.spec import get_spec

TOOL = "pre-birth-screening"
MASH = "Duty social worker, multi-agency safeguarding hub"
# The demo's late case: the spec's late-booking example, for a pregnancy at about these weeks.
LATE_EXAMPLE = "late booking at 30 weeks"
LATE_WEEKS = (28, 31)


def complete(by: User, baby: Baby, slug: str, answers: dict[str, object]) -> Assessment:
    """Start, answer and complete an assessment, confirming every suggested action (never used for
    an urgent outcome, which needs the same-day steps)."""
    spec = get_spec(slug)
    assessment = tools.start_assessment(by=by, baby=baby, tool_slug=slug)
    tools.save_answers(by=by, assessment=assessment, answers={**answers, **tools.prefill(spec, baby)})
    outcome = evaluate(spec, assessment.answers, assessment.settings_applied)
    return tools.complete_assessment(by=by, assessment=assessment, confirmed_actions=list(outcome.actions))


def age_on(born: date | None, on: date) -> int | None:
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@dataclass(frozen=True)
class Case:
    case: PreBirthCase
    household: Household
    by: User  # who completed the screening, and so found the trigger


@dataclass
class PreBirthResult:
    cases: list[Case] = field(default_factory=list)
    late: Case | None = None
    screened_family_ids: set[int] = field(default_factory=set)


class PreBirth:
    """Screenings, cases, steps and delivery safety plans for the unborn babies."""

    def __init__(self, cast: Cast, households: list[Household]) -> None:
        self.rng = cast.rng
        self.today = cast.today
        self.midwife = cast.personas["midwife"]
        self.spec = get_spec(TOOL)
        self.settings = tools.partnership_settings(self.spec)
        self.unborn = [h for h in households if not h.fixed and h.babies and not h.born
                       and h.babies[0].expected_delivery_date is not None
                       and h.involvement(AgencyType.MATERNITY, active=True) is not None]
        self.result = PreBirthResult()

    # Choosing -------------------------------------------------------------------------------------

    def _weeks(self, household: Household) -> int:
        edd = household.babies[0].expected_delivery_date
        assert edd is not None
        return clock.gestation_on(edd, self.today)[0]

    def _screener(self, household: Household) -> User:
        by = household.practitioner(AgencyType.MATERNITY, active=True)
        assert by is not None
        return by

    def _answers(self, household: Household, *, trigger: bool, example: str | None = None) -> dict[str, object] | None:
        """One of the spec's examples, with this mother's age and these weeks of pregnancy, that
        fires PB-TRIGGER (or does not), chosen at random; None when none does."""
        baby = household.babies[0]
        known = dict(tools.prefill(self.spec, baby))
        mother = household.mother
        age = age_on(mother.date_of_birth if mother else None, self.today)
        if age is not None:
            known["mother_age_years"] = age
        fitting = []
        for candidate in self.spec.examples:
            if example is not None and candidate.name != example:
                continue
            answers = {**candidate.answers, **known}
            try:
                outcome = evaluate(self.spec, answers, self.settings)
            except AnswersInvalid:
                continue
            if (prebirth.TRIGGER_RULE in outcome.fired) == trigger and LEVEL_RANK[outcome.level] < LEVEL_RANK["urgent"]:
                fitting.append(answers)
        return self.rng.choice(fitting) if fitting else None

    # The run --------------------------------------------------------------------------------------

    def run(self) -> PreBirthResult:
        rng = self.rng
        if not self.unborn:
            return self.result
        wanted = max(1, round(len(self.unborn) / 2))
        # The midwife persona's own families first, so her work lists and pages show the cases.
        order = sorted(self.unborn, key=lambda h: (self._screener(h) != self.midwife, rng.random()))
        # Cases that are not late: the trigger found before the planning-meeting week (20 weeks).
        planning_week = prebirth.partnership_weeks()[clock.PLANNING_MEETING][0]
        early = [h for h in order if self._weeks(h) < planning_week]
        later = [h for h in order if self._weeks(h) >= planning_week]
        late = next((h for h in later if LATE_WEEKS[0] <= self._weeks(h) <= LATE_WEEKS[1]), None)
        late = late or next((h for h in later if self._weeks(h) <= 36), None)
        triggered = early[:max(3, round(wanted * 0.45))]
        if len(triggered) < 3:  # a small demo: later pregnancies too, the earliest first
            triggered += sorted((h for h in later if h is not late), key=self._weeks)[:3 - len(triggered)]
        chosen = {h.family.pk for h in triggered} | ({late.family.pk} if late else set())
        untriggered = [h for h in order if h.family.pk not in chosen][:max(0, wanted - len(chosen))]

        if late is not None:
            answers = self._answers(late, trigger=True, example=LATE_EXAMPLE)
            if answers is not None:
                self.result.late = self._screen(late, answers)
        for household in triggered:
            answers = self._answers(household, trigger=True)
            if answers is not None:
                self._screen(household, answers)
        for household in sorted(untriggered, key=lambda h: h.family.pk):
            answers = self._answers(household, trigger=False)
            if answers is not None:
                self._screen(household, answers)
        self._steps()
        return self.result

    def _screen(self, household: Household, answers: dict[str, object]) -> Case | None:
        baby, by = household.babies[0], self._screener(household)
        complete(by, baby, TOOL, answers)
        self.result.screened_family_ids.add(household.family.pk)
        case = PreBirthCase.objects.filter(baby=baby, state=CaseState.OPEN).select_related("baby", "family").first()
        if case is None:
            return None
        found = Case(case, household, by)
        self.result.cases.append(found)
        return found

    # Steps and plans ------------------------------------------------------------------------------

    def _refer(self, found: Case) -> None:
        prebirth.record_milestone(
            by=found.by, case=found.case, code=clock.REFERRAL, done_on=self.today,
            note="Referred by phone to the multi-agency safeguarding hub; the referral form followed the same day.",
            referral={"how": ReferralHow.PHONE, "to_whom": MASH, "reference": f"MASH-{self.rng.randint(200000, 899999)}"},
        )

    def _steps(self) -> None:
        """Most cases referred today; the newest not yet (its urgent task is on a midwife's work list);
        one plan completed, with the planning meeting held, and one saved part-way."""
        cases = list(self.result.cases)
        # The others, the furthest-on pregnancy first.
        others = sorted((c for c in cases if c is not self.result.late),
                        key=lambda c: c.case.baby.expected_delivery_date or self.today)
        waiting = None
        if len(others) >= 3:  # the newest pregnancy, the persona's if she has one: referral still to make
            waiting = next((c for c in reversed(others) if c.by == self.midwife), others[-1])
        for found in cases:
            if found is not waiting:
                self._refer(found)
        # The furthest-on pregnancies have their delivery safety plans under way.
        planned = [c for c in others if c is not waiting]
        if planned:
            self._completed_plan(planned[0])
        if len(planned) >= 2:
            self._part_plan(planned[1])

    @staticmethod
    def _people(household: Household) -> tuple[str, str]:
        mother = household.mother
        fathers = household.people_as(Relationship.FATHER)
        return (str(mother) if mother else "the mother"), (str(fathers[0]) if fathers else "")

    def _completed_plan(self, found: Case) -> None:
        by, case = found.by, found.case
        mother, father = self._people(found.household)
        prebirth.record_milestone(
            by=by, case=case, code=clock.PLANNING_MEETING, done_on=self.today,
            note=f"Held with children's social care, the midwife, the health visitor and {mother}. "
                 "Child and family assessment under way; delivery safety plan agreed at the meeting.",
        )
        excluded = father or "The mother's former partner"
        prebirth.save_delivery_plan(by=by, case=case, values={
            "birthing_partner": f"{mother}'s sister, who she lives near",
            "exclusions_needed": True,
            "excluded_people": f"{excluded}: a non-molestation order is in place after domestic abuse during the "
                               "pregnancy. Not to be told when the mother is admitted.",
            # Numbers from Ofcom's ranges for drama, which are never given to anyone.
            "labour_contacts": "Duty social worker, multi-agency safeguarding hub: 0115 496 0123 (office hours). "
                               "Emergency duty team: 0115 496 0456 (out of hours). Named midwife: 07700 900 312.",
            "discharge_arrangements": "No discharge before a discharge planning meeting with children's social care. "
                                      "Mother and baby to go home together with daily visits for the first week.",
            "baby_goes_to": f"Home with {mother}, to her flat; the sister stays for the first two weeks.",
            "contact_arrangements": f"No contact between {excluded.split(':')[0]} and the baby without children's "
                                    "social care agreeing it first.",
            "safe_sleep_arrangements": "Cot in the mother's room, bought with a grant; safer sleep talked through at "
                                       "the planning meeting.",
            "agreed_with_parents": True, "agreed_on": self.today,
            "shared_with": [SharedWith.WARD, SharedWith.GP, SharedWith.HV],
        })
        prebirth.complete_delivery_plan(by=by, case=case)

    def _part_plan(self, found: Case) -> None:
        """Saved and come back to later: the birthing partner and sleep arrangements written, the
        labour contacts and discharge arrangements still to agree."""
        mother, father = self._people(found.household)
        prebirth.save_delivery_plan(by=found.by, case=found.case, values={
            "birthing_partner": father or f"{mother}'s mother",
            "exclusions_needed": False,
            "safe_sleep_arrangements": "Moses basket next to the parents' bed for the first months; cot being "
                                       "collected from family.",
        })


def add_prebirth(cast: Cast, households: list[Household]) -> PreBirthResult:
    return PreBirth(cast, households).run()
