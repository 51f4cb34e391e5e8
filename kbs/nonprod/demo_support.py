"""Demo family support work: Every Baby Matters assessments (about one family in ten) with a few
support plans and one draft left half done, safe space checklists and dog assessments, coping with
crying plans, and one baby's death with bereavement support offered.

Everything goes through the apps' actions: `kbs.tools.actions` and `kbs.tools.support_plans` for
the tools, `kbs.contacts.crying_plans` for the crying plans and `kbs.families.actions.record_death`
for the death. Answers are the specs' own worked examples (`ToolSpec.examples`), adapted to the
baby (born or unborn, age, gestation, weight and mobility from the record) and evaluated before use.

The death is recorded last, in a family no browser test uses (never the fixed first family, nor one
the health visitor persona works with), with no assessment or concern of its own, a few days after
its last contact. Recording it cancels the baby's open routine tasks; the household is then marked
`died`, so that any later step leaves the baby alone (see `living`).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from kbs.accounts.models import AgencyType, User
from kbs.concerns.models import Concern
from kbs.contacts.crying_plans import record_crying_plan
from kbs.contacts.models import Contact
from kbs.families.actions import record_death
from kbs.families.models import Baby, PlaceOfDeath, Relationship
from kbs.nonprod.demo_activity import Cast, Household
from kbs.nonprod.demo_prebirth import complete
from kbs.tools import actions as tools
from kbs.tools.engine import LEVEL_RANK, AnswersInvalid, evaluate, visible_answers
from kbs.tools.models import Assessment
from kbs.tools.spec import get_spec
from kbs.tools.support_plans import AREAS_BY_ID, judgements, needs_help, record_support_plan

EBM = "every-baby-matters"
# Items of Every Baby Matters asked only about a baby who has been born, or only before the birth.
BORN_ONLY = ("baby_age_days", "gestation_at_birth_weeks", "birth_weight_g", "mobility")
UNBORN_ONLY = ("weeks_pregnant",)
# The area of the family's plan each rule is about, so the practitioner's judgement of that area
# says that some support is offered there.
AREA_OF_RULE = {
    "EBM-CURRENT-RISK": "health", "EBM-DOMESTIC-ABUSE": "health", "EBM-PRE-BIRTH-TRIGGER": "health",
    "EBM-SUDI": "knowledge", "EBM-CRYING": "bonding", "EBM-NEW-PARTNER": "people",
    "EBM-SEVERAL-FACTORS": "community", "EBM-DOG": "community", "EBM-OUT-OF-ROUTINE": "community",
    "EBM-AREA-CONCERN": "health",
}
PLAN_ACTIONS = {
    "bonding": ("Talk through the baby's cues and crying with both parents; ICON messages again", "Health visitor"),
    "development": ("Extra weight and development check at the clinic", "Health visitor"),
    "health": ("Referral to the perinatal mental health team, and a GP appointment for the mother", "Health visitor"),
    "knowledge": ("Safer sleep and smoke-free home: stop smoking service referral, and a sleep space check at home",
                  "Family support worker"),
    "community": ("Help to apply for a grant for a cot and bedding, and to join the local baby group",
                  "Early help practitioner"),
    "people": ("Meet the mother's new partner at the next home visit and give him the three messages",
               "Health visitor"),
}
# The safe space checklist is done at these reviews: (stage, from and to age in days).
SAFE_SPACE_STAGES = (
    ("new_baby_review", 10, 28), ("six_to_eight_weeks", 42, 63), ("six_months", 170, 215),
    ("nine_to_twelve_months", 270, 364),
)


def living(households: list[Household]) -> list[Household]:
    """The households whose babies are all alive: later steps make no tasks or contacts for the others."""
    return [h for h in households if not h.died]


@dataclass
class SupportResult:
    ebm: list[Assessment] = field(default_factory=list)
    draft: Assessment | None = None
    support_plans: int = 0
    safe_space: int = 0
    dogs: int = 0
    crying_plans: int = 0
    died: Baby | None = None


class Support:
    def __init__(self, cast: Cast, households: list[Household], *, busy: set[int]) -> None:
        """`busy`: families other steps have just given something (pre-birth cases), left out here."""
        self.rng = cast.rng
        self.today = cast.today
        self.helen = cast.personas["health-visitor"]
        self.households = [h for h in households if not h.fixed and not h.died]
        self.busy = set(busy)
        self.bereaved: Household | None = None
        self.result = SupportResult()

    def run(self) -> SupportResult:
        # The bereaved family is chosen first, so that nothing else is added to it; it is recorded last.
        self.bereaved = self._bereaved()
        if self.bereaved is not None:
            self.busy.add(self.bereaved.family.pk)
        self._every_baby_matters()
        self._ebm_draft()
        self._safe_space()
        self._dogs()
        self._crying_plans()
        if self.bereaved is not None:
            self._death(self.bereaved)
        return self.result

    def _free(self, households: list[Household]) -> list[Household]:
        return [h for h in households if h.family.pk not in self.busy]

    @staticmethod
    def _practitioner(household: Household, *kinds: str) -> User | None:
        for kind in kinds:
            by = household.practitioner(kind, active=True)
            if by is not None:
                return by
        return None

    # Every Baby Matters ---------------------------------------------------------------------------

    def _ebm_examples(self, baby: Baby) -> dict[str, list[dict[str, object]]]:
        """The spec's examples for this baby, born or unborn, by the level they give now."""
        spec = get_spec(EBM)
        settings = tools.partnership_settings(spec)
        known = tools.prefill(spec, baby)
        drop = UNBORN_ONLY if baby.is_born else BORN_ONLY
        by_level: dict[str, list[dict[str, object]]] = {}
        for example in spec.examples:
            if dict(example.settings) not in ({}, settings):
                continue
            answers = {k: v for k, v in {**example.answers, **known}.items() if k not in drop}
            try:
                answers = visible_answers(spec, answers)
                level = evaluate(spec, answers, settings).level
            except AnswersInvalid:
                continue
            if LEVEL_RANK[level] >= LEVEL_RANK["urgent"]:
                continue
            by_level.setdefault(level, []).append(answers)
        return by_level

    def _ebm_answers(self, baby: Baby, target: str) -> dict[str, object] | None:
        by_level = self._ebm_examples(baby)
        if not by_level:
            return None
        level = target if target in by_level else min(by_level, key=lambda lv: LEVEL_RANK[lv])
        answers = dict(self.rng.choice(by_level[level]))
        # The practitioner judges some support is needed in the areas the rules are about.
        spec = get_spec(EBM)
        fired = evaluate(spec, answers, tools.partnership_settings(spec)).fired
        for rule in fired:
            area = AREA_OF_RULE.get(rule)
            if area and answers.get(f"{area}_judgement") == "strength":
                changed = {**answers, f"{area}_judgement": "some_support"}
                if evaluate(spec, changed, tools.partnership_settings(spec)).level == level:
                    answers = changed
        return answers

    def _every_baby_matters(self) -> None:
        rng = self.rng
        # Early help's families first (it is their assessment), then the rest in a random order; a
        # few before the birth, as the tool is used in pregnancy too.
        order = sorted(self._free(self.households),
                       key=lambda h: (h.involvement(AgencyType.EARLY_HELP, active=True) is None, rng.random()))
        wanted = max(1, round(0.1 * (len(self.households) + 1)))
        unborn = [h for h in order if not h.born][:max(1, round(wanted * 0.15))]
        first = {h.family.pk for h in unborn}
        order = unborn + [h for h in order if h.family.pk not in first]
        for household in order:
            if len(self.result.ebm) >= wanted:
                break
            baby = household.babies[0]
            by = self._practitioner(household, AgencyType.EARLY_HELP, AgencyType.HEALTH_VISITING,
                                    AgencyType.MATERNITY, AgencyType.VOLUNTARY_SECTOR)
            # The first with something to work on, so that there is always a support plan to show.
            target = "raised" if not self.result.ebm else rng.choices(["universal", "raised", "high"], weights=[45, 40, 15])[0]
            answers = self._ebm_answers(baby, target)
            if by is None or answers is None:
                continue
            assessment = complete(by, baby, EBM, answers)
            self.result.ebm.append(assessment)
            self.busy.add(household.family.pk)
            if assessment.level != "universal" and self.result.support_plans < 4:
                self._support_plan(household, assessment, by)

    def _support_plan(self, household: Household, assessment: Assessment, by: User) -> None:
        areas = needs_help(judgements(assessment)) or ["knowledge"]
        agreed = household.names(Relationship.BIRTH_MOTHER, Relationship.FATHER) if household.father_engaged \
            else household.names(Relationship.BIRTH_MOTHER)
        rows = []
        for number, area in enumerate(areas[:4]):
            action, who = PLAN_ACTIONS[area]
            rows.append({"area": area, "action": action, "who": f"{by} ({who.lower()})" if who == by.job_title else who,
                         "by_when": self.today + timedelta(days=14 * (number + 1))})
        rows.append({"area": areas[0], "action": f"Review this plan together: {AREAS_BY_ID[areas[0]].title.lower()} first",
                     "who": str(by), "by_when": self.today + timedelta(days=42)})
        record_support_plan(by=by, assessment=assessment, plan={"agreed_with": agreed or "The baby's mother", "actions": rows})
        self.result.support_plans += 1

    def _ebm_draft(self) -> None:
        """The health visitor persona started an assessment at a visit and saved two sections."""
        spec = get_spec(EBM)
        own = [h for h in self._free(self.households) if h.born
               and h.practitioner(AgencyType.HEALTH_VISITING, active=True) == self.helen]
        if not own:
            return
        # Not one of her newest families, which head her list and which the browser tests open.
        household = own[len(own) // 2]
        baby = household.babies[0]
        by_level = self._ebm_examples(baby)
        found = by_level.get("raised") or by_level.get("universal")
        if not found:
            return
        answers = found[0]
        draft = tools.start_assessment(by=self.helen, baby=baby, tool_slug=EBM)
        for section in spec.sections[:2]:
            tools.save_answers(by=self.helen, assessment=draft,
                               answers={item: answers[item] for item in section.items if item in answers})
        self.result.draft = draft
        self.busy.add(household.family.pk)

    # Safe space and dogs --------------------------------------------------------------------------

    def _safe_space(self) -> None:
        rng = self.rng
        spec = get_spec("safe-space")
        settings = tools.partnership_settings(spec)
        by_stage: dict[str, list[tuple[Household, Baby]]] = {}
        for household in self._free(self.households):
            for baby in household.born[:1]:
                age = household.age_days
                for stage, low, high in SAFE_SPACE_STAGES:
                    if low <= age <= high:
                        by_stage.setdefault(stage, []).append((household, baby))
        wanted = max(len(SAFE_SPACE_STAGES), round(sum(len(v) for v in by_stage.values()) / 6))
        picks: list[tuple[str, Household, Baby]] = []
        for stage, _low, _high in SAFE_SPACE_STAGES:  # one at each stage first, then the rest
            rng.shuffle(by_stage.get(stage, []))
        while len(picks) < wanted and any(by_stage.values()):
            for stage, _low, _high in SAFE_SPACE_STAGES:
                if by_stage.get(stage) and len(picks) < wanted:
                    household, baby = by_stage[stage].pop()
                    picks.append((stage, household, baby))
        for stage, household, baby in picks:
            by = self._practitioner(household, AgencyType.HEALTH_VISITING, AgencyType.MATERNITY, AgencyType.EARLY_HELP,
                                    AgencyType.GP_PRACTICE)
            examples = [dict(e.answers) for e in spec.examples
                        if e.answers.get("age_stage") == stage and dict(e.settings) in ({}, settings)]
            if by is None or not examples:
                continue
            # Mostly a safe home; about one in three with something to put right.
            raised = [a for a in examples if evaluate(spec, visible_answers(spec, a), settings).level == "raised"]
            safe = [a for a in examples if a not in raised]
            pool = raised if raised and (rng.random() < 0.35 or not safe) else safe
            complete(by, baby, "safe-space", visible_answers(spec, rng.choice(pool)))
            self.result.safe_space += 1
            self.busy.add(household.family.pk)

    def _dogs(self) -> None:
        rng = self.rng
        spec = get_spec("dogs")
        examples = {e.name: dict(e.answers) for e in spec.examples}
        stories = ["no dog and no other concerns", "well-managed family dog", "unsure of the dog's type",
                   "baby left with the dog, no other concerns", "dog not kept apart when the baby is on the floor",
                   "other concerns but a well-managed dog"]
        candidates = [h for h in self._free(self.households) if h.born]
        rng.shuffle(candidates)
        wanted = max(3, round(len(candidates) / 25))
        for index, household in enumerate(candidates[:wanted]):
            by = self._practitioner(household, AgencyType.HEALTH_VISITING, AgencyType.EARLY_HELP,
                                    AgencyType.CHILDRENS_SOCIAL_CARE, AgencyType.MATERNITY, AgencyType.GP_PRACTICE)
            if by is None:
                continue
            name = stories[index % len(stories)]
            complete(by, household.born[0], "dogs", visible_answers(spec, examples[name]))
            self.result.dogs += 1
            self.busy.add(household.family.pk)

    # Coping with crying ---------------------------------------------------------------------------

    def _crying_plans(self) -> None:
        """About one baby in four under six months, with the health visitor or midwife."""
        rng = self.rng
        for household in self.households:
            if household is self.bereaved or not household.born or household.age_days > 180 or rng.random() >= 0.25:
                continue
            by = self._practitioner(household, AgencyType.HEALTH_VISITING, AgencyType.MATERNITY)
            if by is None:
                continue
            baby = household.born[0]
            first = baby.given_name or "the baby"
            mother = household.mother
            helpers = [p for p in household.people_as(Relationship.GRANDPARENT)][:1]
            carers = [p for p in [mother, *(household.people_as(Relationship.FATHER) if household.father_engaged else [])] if p]
            # Phone numbers from Ofcom's ranges for drama, which are never given to anyone.
            who_to_call = "\n".join(
                [f"{p} ({p.get_relationship_display().lower()}): 07700 900 {rng.randint(100, 999)}" for p in helpers]
                + [f"Health visiting duty line: 0115 496 0{rng.randint(100, 999)}",
                   "The Cry-sis helpline (the number is on the leaflet)"]
            )
            record_crying_plan(by=by, baby=baby, plan={
                "soothing": rng.choice([
                    f"Check if {first} is hungry, needs winding or a clean nappy. Then skin to skin, a warm bath, "
                    "or a walk round the block in the pram.",
                    f"Feed, wind, check the nappy. Hold {first} close and sing or hum. White noise on the phone.",
                    f"A walk in the sling. Dim the lights and keep things quiet. Take turns with {first} when one "
                    "of us has had enough, or ask Nan to come round.",
                ]),
                "who_to_call": who_to_call,
                "if_stressed": f"Put {first} down on their back in the cot, where they are safe.\n"
                               "Walk away to another room for a few minutes, and breathe.\n"
                               f"When I feel calmer, go back and check on {first}.",
                "agreed_with": " and ".join(f"{p} ({p.get_relationship_display().lower()})" for p in carers)
                or "The baby's mother",
            })
            self.result.crying_plans += 1

    # A death --------------------------------------------------------------------------------------

    def _bereaved(self) -> Household | None:
        """A family with one baby, aged 4 weeks to 7 months, known to a health professional other than
        the health visitor persona, with contacts but no assessment or concern. Never one of the ten
        newest families, which head the family lists the browser tests open."""
        with_assessments = set(Assessment.objects.values_list("family_id", flat=True))
        with_concerns = set(Concern.objects.values_list("family_id", flat=True))
        newest = {h.family.pk for h in sorted(self.households, key=lambda h: h.family.pk)[-10:]}
        candidates = []
        for household in self._free(self.households):
            by = self._recorder(household)
            if (len(household.babies) != 1 or not household.born or not 28 <= household.age_days <= 210
                    or by is None or household.family.pk in with_assessments | with_concerns | newest
                    or self.helen in household.practitioners.values()):
                continue
            candidates.append(household)
        return self.rng.choice(candidates) if candidates else None

    def _recorder(self, household: Household) -> User | None:
        return self._practitioner(household, AgencyType.HEALTH_VISITING, AgencyType.GP_PRACTICE, AgencyType.MATERNITY)

    def _death(self, household: Household) -> None:
        baby = household.baby
        by = self._recorder(household)
        assert by is not None
        assert baby.date_of_birth is not None
        latest = Contact.objects.filter(family=household.family).order_by("-at").values_list("at", flat=True).first()
        last: date = timezone.localtime(latest).date() if latest else baby.date_of_birth
        died_on = min(self.today - timedelta(days=1), last + timedelta(days=self.rng.randint(2, 4)))
        died_on = max(died_on, baby.date_of_birth)
        mother = household.mother
        siblings = [p for p in household.people_as(Relationship.SIBLING) if p.lives_in_household]
        hospital = "Chesterfield Royal Hospital" if household.family.postcode.startswith("S") else "Royal Derby Hospital"
        details: dict[str, Any] = {
            "died_on": died_on, "place": PlaceOfDeath.HOSPITAL, "place_detail": f"Emergency department, {hospital}",
            "how_learned": f"The emergency department's safeguarding nurse phoned {by.agency}. "
                           f"{mother or 'The mother'} found the baby unresponsive in the morning; an ambulance took "
                           "the baby to hospital, where the baby could not be revived.",
            "who_else_aware": "Police (child death investigation team), the emergency department, the GP practice "
                              "and the rapid response nurse.",
            "other_children": (", ".join(str(p) for p in siblings) + ": staying with their grandparents for now")
            if siblings else "None living in the household.",
            "bereavement_support_offered": True,
            "bereavement_support_detail": "Leaflet and details of The Lullaby Trust bereavement support line given; "
                                          "referral to the hospital bereavement midwife and the GP for the parents. "
                                          f"{by.job_title} to call the family next week.",
            "key_worker": f"{by} ({by.job_title}, {by.agency})",
        }
        self.result.died = baby
        record_death(by=by, baby=baby, details=details)
        household.died = True


def add_support(cast: Cast, households: list[Household], *, busy: set[int]) -> SupportResult:
    return Support(cast, households, busy=busy).run()
