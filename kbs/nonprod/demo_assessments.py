"""Demo assessments and birthmarks: safer sleep for about three babies in five (a safe sleep plan
after each high outcome), a few bruising assessments, and congenital dermal melanocytosis recorded
for about one baby in twenty.

Answers are the tools' own worked examples (`ToolSpec.examples`) with the baby's real age,
gestation, birth weight and mobility put in, and evaluated before use so that each baby gets the
level the mix asks for. Everything goes through `kbs.tools.actions` and
`kbs.families.actions.record_birthmark`; completing an assessment stamps it "now".
"""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from kbs.accounts.models import AgencyType, User
from kbs.concerns.actions import record_referral
from kbs.concerns.models import ReferralHow, ReferralTo
from kbs.families.actions import record_birthmark
from kbs.families.models import Baby, BirthmarkKind, Mobility, Relationship
from kbs.nonprod.demo_activity import Cast, Household
from kbs.tools import actions as tools
from kbs.tools.engine import LEVEL_RANK, evaluate
from kbs.tools.models import Assessment
from kbs.tools.spec import get_spec

NON_MOBILE = frozenset({Mobility.NOT_ROLLING, Mobility.ROLLING})
MOBILE = frozenset({Mobility.CRAWLING, Mobility.CRUISING, Mobility.WALKING})


class Assessments:
    def __init__(self, cast: Cast, households: list[Household]) -> None:
        self.rng = cast.rng
        self.today = cast.today
        self.households = [h for h in households if h.born]
        self.hv_persona = cast.personas["health-visitor"]
        self.safer_sleep = get_spec("safer-sleep")
        self.bruising = get_spec("bruising")
        self.settings = {spec.slug: tools.partnership_settings(spec) for spec in (self.safer_sleep, self.bruising)}
        self.birthmarked: set[int] = set()  # baby ids

    def run(self) -> None:
        others = [h for h in self.households if not h.fixed]
        self._birthmarks(others)
        for household in self.households:
            if household.fixed:  # Amelia Hart: one safer sleep assessment, all safe
                example = next(e for e in self.safer_sleep.examples if e.name == "all safe answers")
                self._assess(household, household.baby, self.safer_sleep, dict(example.answers),
                             by=self._assessor(household))
                continue
            for baby in household.born:
                self._safer_sleep(household, baby)
        self._bruising(others)

    def _assessor(self, household: Household) -> User:
        for kind in (AgencyType.HEALTH_VISITING, AgencyType.MATERNITY, AgencyType.GP_PRACTICE):
            by = household.practitioner(kind, active=True)
            if by is not None:
                return by
        lead = next(i for i in household.involvements if i.is_lead_agency and i.ended_on is None)
        return household.practitioners[lead.pk]

    def _examples(self, slug: str, baby: Baby, *, birthmark: bool = False) -> dict[str, list[dict[str, object]]]:
        """The spec's examples with the baby's own age, gestation, weight and mobility, by the level they give now."""
        spec = get_spec(slug)
        known = tools.prefill(spec, baby)
        by_level: dict[str, list[dict[str, object]]] = {}
        for example in spec.examples:
            if dict(example.settings) not in ({}, self.settings[slug]):
                continue
            if example.answers.get("documented_birthmark", "no") == "yes" and not birthmark:
                continue
            if example.answers.get("immobile_due_to_disability") == "yes":  # a different story from an age
                continue
            answers = {**example.answers, **known}
            if slug == "bruising" and birthmark and answers.get("documented_birthmark") == "yes":
                answers["mark_regions"] = ["back", "buttocks"]
            level = evaluate(spec, answers, self.settings[slug]).level
            by_level.setdefault(level, []).append(answers)
        return by_level

    def _assess(self, household: Household, baby: Baby, spec: Any, answers: dict[str, object], *, by: User,
                steps: tools.SameDaySteps | None = None, steps_reason: str = "") -> Assessment:
        assessment = tools.start_assessment(by=by, baby=baby, tool_slug=spec.slug)
        tools.save_answers(by=by, assessment=assessment, answers={**answers, **tools.prefill(spec, baby)})
        outcome = evaluate(spec, assessment.answers, assessment.settings_applied)
        return tools.complete_assessment(
            by=by, assessment=assessment, confirmed_actions=list(outcome.actions), steps=steps,
            steps_not_recorded_reason=steps_reason,
        )

    def _safer_sleep(self, household: Household, baby: Baby) -> None:
        rng = self.rng
        if rng.random() >= 0.6:
            return
        target = rng.choices(["universal", "raised", "high"], weights=[58, 28, 14])[0]
        by_level = self._examples("safer-sleep", baby)
        level = target if target in by_level else min(by_level, key=lambda lv: LEVEL_RANK[lv])
        by = self._assessor(household)
        assessment = self._assess(household, baby, self.safer_sleep, rng.choice(by_level[level]), by=by)
        if assessment.level == "high":
            carers = household.names(Relationship.BIRTH_MOTHER) or "the baby's carers"
            if household.father_engaged:
                carers = household.names(Relationship.BIRTH_MOTHER, Relationship.FATHER)
            tools.record_sleep_plan(by=by, assessment=assessment, plan={
                "night_sleep_place": "In their own cot in the parents' bedroom, on their back, feet to the foot of the cot",
                "day_sleep_place": "In the Moses basket in the living room, where an adult can see them",
                "out_of_routine_plan": "Travel cot goes with the baby on visits and stays away. If a parent is very tired, "
                                       "has had a drink or is on sedating medication, the baby goes in the cot, never the "
                                       "sofa or the parents' bed.",
                "agreed_with": carers,
                "other_actions": rng.choice(["Fitted sheet and baby sleeping bag provided by the family support service.",
                                             "Smoke-free home advice; referral to the stop smoking service accepted.", ""]),
                "review_on": self.today + timedelta(days=rng.choice([7, 14, 14, 28])),
            })

    def _bruising(self, households: list[Household]) -> None:
        rng = self.rng
        babies = [(h, b) for h in households for b in h.born if b.mobility]
        non_mobile = [(h, b) for h, b in babies if b.mobility in NON_MOBILE and b.pk not in self.birthmarked]
        # The health visiting service's own families first, so its safeguarding lead sees the urgent ones.
        non_mobile.sort(key=lambda hb: (hb[0].practitioner(AgencyType.HEALTH_VISITING, active=True) != self.hv_persona,
                                        hb[0].involvement(AgencyType.HEALTH_VISITING, active=True) is None, hb[1].pk))
        mobile = [(h, b) for h, b in babies if b.mobility in MOBILE]

        # Mobile babies: mostly an everyday knock that fits the story.
        for household, baby in mobile:
            if rng.random() < 0.14:
                by_level = self._examples("bruising", baby)
                level = "high" if "high" in by_level and rng.random() < 0.2 else "universal"
                if level not in by_level:
                    continue
                self._assess(household, baby, self.bruising, rng.choice(by_level[level]), by=self._assessor(household))

        # Non-mobile babies with a bruise: urgent, with the same-day steps taken; and one, in a family
        # the health visiting service works with, where the medical review could not be arranged in
        # time, so it waits for that service's safeguarding lead to sign it off.
        urgent = [(h, b) for h, b in non_mobile if "urgent" in self._examples("bruising", b)]
        awaiting = next((hb for hb in urgent if hb[0].involvement(AgencyType.HEALTH_VISITING, active=True)), None)
        if awaiting is not None:
            urgent.remove(awaiting)
            self._urgent_bruise(*awaiting, sign_off=True)
        for household, baby in urgent[:3]:
            self._urgent_bruise(household, baby, sign_off=False)

        # A recorded birthmark makes the same mark a record-only outcome.
        for baby_id in sorted(self.birthmarked)[:1]:
            household, baby = next((h, b) for h, b in babies if b.pk == baby_id)
            if baby.mobility in NON_MOBILE:
                answers = self._examples("bruising", baby, birthmark=True).get("universal")
                if answers:
                    self._assess(household, baby, self.bruising, answers[0], by=self._assessor(household))

    def _urgent_bruise(self, household: Household, baby: Baby, *, sign_off: bool) -> None:
        rng = self.rng
        now = timezone.now()
        by = (household.practitioner(AgencyType.HEALTH_VISITING, active=True) if sign_off else None) or self._assessor(household)
        answers = rng.choice(self._examples("bruising", baby)["urgent"])
        called_at = now - timedelta(minutes=rng.randint(60, 180))
        reference = f"MASH-{rng.randint(200000, 899999)}"
        hospital = "Chesterfield Royal Hospital" if household.family.postcode.startswith("S") else "Royal Derby Hospital"
        if sign_off:
            steps = tools.SameDaySteps(csc_referral_at=called_at, csc_referral_reference=reference)
            reason = (f"The paediatric assessment unit at {hospital} has no slot until 9am tomorrow and the family "
                      "has no way to get there tonight. The GP saw the baby earlier today and found no other marks; "
                      "children's social care agreed the plan.")
        else:
            steps = tools.SameDaySteps(
                csc_referral_at=called_at, csc_referral_reference=reference,
                medical_review_at=now + timedelta(minutes=rng.randint(60, 240)),
                medical_review_where=f"Paediatric assessment unit, {hospital}",
            )
            reason = ""
        self._assess(household, baby, self.bruising, answers, by=by, steps=steps, steps_reason=reason)
        # The same-day call to children's social care is a referral, recorded from the family page.
        record_referral(by=by, family=household.family, to=ReferralTo.CSC, how=ReferralHow.PHONE,
                        to_whom="Duty social worker, multi-agency safeguarding hub", made_at=called_at, reference=reference)

    # Birthmarks ---------------------------------------------------------------------------------

    def _birthmarks(self, households: list[Household]) -> None:
        rng = self.rng
        candidates = []
        for household in households:
            by = household.practitioner(AgencyType.HEALTH_VISITING) or household.practitioner(AgencyType.MATERNITY)
            if by is not None:
                candidates += [(household, baby, by) for baby in household.born]
        # About one baby in twenty, and at least one, so that the bruising tool's birthmark check shows.
        wanted = max(1, round(0.05 * sum(len(h.born) for h in households)))
        chosen = sorted(rng.sample(candidates, min(wanted, len(candidates))), key=lambda c: c[1].pk)
        for _household, baby, by in chosen:
            dob = baby.date_of_birth
            assert dob is not None
            regions, where = rng.choice([(["back", "buttocks"], "the lower back and buttocks"),
                                         (["buttocks"], "the buttocks"), (["back"], "the lower back")])
            record_birthmark(by=by, baby=baby, details={
                "kind": BirthmarkKind.CDM, "regions": regions,
                "size_mm": rng.randint(20, 90), "colour": rng.choice(["Blue-grey", "Slate grey", "Blue-green"]),
                "description": f"Flat, even-coloured patch over {where}, not tender or raised. "
                               "Mother says it has been there since birth.",
                "observed_on": min(self.today, dob + timedelta(days=rng.randint(3, 14))),
            })
            self.birthmarked.add(baby.pk)
