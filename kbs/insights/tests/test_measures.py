"""Each measure on a small hand-made data set with known answers, without a database: families are
written as `FamilyData`, turned into contributions by the real rules, expanded into cells as the
rollups do, and read by the real measures."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from kbs.insights.facts import (
    AssessmentRow,
    BabyRow,
    CaseRow,
    ConcernRow,
    ContactRow,
    DeliveryRow,
    FamilyData,
    PersonRow,
    ReferralRow,
    contributions,
)
from kbs.insights.measures import BY_SLUG, Cells, Row, median_touchpoints
from kbs.insights.models import ALL_AGENCIES, ALL_DISTRICTS
from kbs.insights.query import change_text, count_text, numerator_text, percent_text, percent_value
from kbs.insights.rollups import expand

HV, MAT, GP, POLICE = 11, 12, 13, 14
ALL_THREE = ("safe_sleep", "safe_handling", "safe_space")
MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]


def at(day: date, hour: int = 11) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def cells_of(*families: FamilyData, agency: int = ALL_AGENCIES, district: str = ALL_DISTRICTS) -> Cells:
    cells: Counter[tuple[str, str, int, str, str]] = Counter()
    for family in families:
        cells.update(expand(contributions(family).items()))
    return Cells({(k, m, b): v for (k, m, a, d, b), v in cells.items() if a == agency and d == district})


def rows(slug: str, *families: FamilyData, **where: object) -> dict[str, Row]:
    return {r.label: r for r in BY_SLUG[slug].rows(cells_of(*families, **where), MONTHS)}  # type: ignore[arg-type]


class Builder:
    """A family with people and contacts, each contact giving messages to named people."""

    def __init__(self, pk: int, born: date | None = date(2026, 3, 1), due: date | None = None,
                 postcode: str = "DE1 2AB", agency: int = HV) -> None:
        self.data = FamilyData(pk, postcode, agency)
        self.data.babies.append(BabyRow(pk * 10, pk, born, due or born))
        self.people: dict[str, int] = {}
        self.next_id = pk * 100

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def person(self, name: str, relationship: str, lives: bool = True, carer: bool = True,
               seen: date | None = None) -> "Builder":
        pid = self._id()
        self.people[name] = pid
        self.data.people.append(PersonRow(pid, self.data.id, relationship, lives, carer, seen))
        return self

    def contact(self, day: date, contact_type: str, agency: int = HV, agency_type: str = "health_visiting",
                **given: tuple[str, ...]) -> "Builder":
        cid = self._id()
        self.data.contacts.append(ContactRow(cid, self.data.id, at(day), contact_type, agency, agency_type))
        self.data.contacts.sort(key=lambda c: (c.at, c.id))
        for name, messages in given.items():
            self.data.present.add((cid, self.people[name]))
            for m in messages:
                self.data.deliveries.append(DeliveryRow(cid, self.people[name], m, True, m == "safe_sleep"))
        return self


def hart() -> Builder:
    """Mother, father and a grandmother who helps; the baby born 1 March 2026."""
    return (Builder(1).person("mum", "birth_mother").person("dad", "father")
            .person("nan", "grandparent", lives=False, carer=True).person("sis", "sibling"))


def test_three_messages_at_each_universal_contact() -> None:
    a = (hart()
         .contact(date(2026, 3, 1), "birth_discharge", MAT, "maternity", mum=ALL_THREE)
         .contact(date(2026, 3, 12), "new_baby_review", mum=("safe_sleep",), dad=("safe_handling",))
         .contact(date(2026, 3, 20), "new_baby_review", mum=("safe_space",)))  # completes the point
    b = hart().contact(date(2026, 4, 20), "six_eight_week_review", mum=("safe_sleep", "safe_space"))
    b.data.id = 2
    found = rows("three-messages-at-contacts", a.data, b.data)
    assert (found["Birth or discharge"].numerator, found["Birth or discharge"].denominator) == (1, 1)
    assert (found["New baby review"].numerator, found["New baby review"].denominator) == (1, 1)
    assert (found["6 to 8 weeks"].numerator, found["6 to 8 weeks"].denominator) == (0, 1)
    assert found["Antenatal"].denominator == 0
    # Beyond the mother: only the new baby review reached the father.
    beyond = rows("beyond-the-mother", a.data, b.data)
    assert beyond["New baby review"].numerator == 1
    assert beyond["Birth or discharge"].numerator == 0


def test_contact_point_counts_for_the_agency_and_month_of_the_first_contact() -> None:
    a = (hart().contact(date(2026, 3, 1), "birth_discharge", MAT, "maternity", mum=ALL_THREE))
    for_maternity = rows("three-messages-at-contacts", a.data, agency=MAT)
    for_hv = rows("three-messages-at-contacts", a.data, agency=HV)
    assert for_maternity["Birth or discharge"].numerator == 1
    assert for_hv["Birth or discharge"].denominator == 0
    assert rows("three-messages-at-contacts", a.data, district="DE1")["Birth or discharge"].numerator == 1
    assert rows("three-messages-at-contacts", a.data, district="NG7")["Birth or discharge"].denominator == 0


def test_contacts_outside_the_babys_first_year_do_not_count() -> None:
    late = hart().contact(date(2027, 3, 5), "six_eight_week_review", mum=ALL_THREE)  # after the first birthday
    assert sum(r.denominator or 0 for r in rows("three-messages-at-contacts", late.data).values()) == 0


def test_carers_funnel_and_groups() -> None:
    a = (hart()
         .person("uncle", "other_adult", lives=False, carer=False)  # not a carer: not counted
         .contact(date(2026, 3, 12), "new_baby_review", mum=ALL_THREE, dad=("safe_sleep",))
         .contact(date(2026, 3, 20), "home_visit", nan=()))  # seen, no messages
    funnel = rows("carers-reached", a.data)
    assert [(r.numerator, r.denominator) for r in funnel.values()] == [(3, 3), (3, 3), (2, 3), (1, 3)]
    groups = rows("carers-by-group", a.data)
    assert (groups["Birth mothers"].numerator, groups["Birth mothers"].denominator) == (1, 1)
    assert (groups["Fathers and partners"].numerator, groups["Fathers and partners"].denominator) == (0, 1)
    assert (groups["Other adult carers"].numerator, groups["Other adult carers"].denominator) == (0, 1)


def test_every_carer_reached_needs_every_parent_and_carer() -> None:
    a = hart().contact(date(2026, 3, 12), "new_baby_review", mum=ALL_THREE, dad=ALL_THREE)
    b = hart().contact(date(2026, 3, 12), "new_baby_review", mum=ALL_THREE, dad=ALL_THREE, nan=ALL_THREE)
    b.data.id = 2
    found = rows("every-carer-reached", a.data, b.data)
    assert (found["Every parent and carer had all three messages"].numerator,
            found["Every parent and carer had all three messages"].denominator) == (1, 2)
    assert (found["Father or partner given a message"].numerator,
            found["Father or partner given a message"].denominator) == (2, 2)


def test_a_family_with_no_carers_recorded_is_never_every_carer_reached() -> None:
    lone = Builder(3).contact(date(2026, 3, 12), "new_baby_review")
    found = rows("every-carer-reached", lone.data)
    assert found["Every parent and carer had all three messages"].numerator == 0
    assert found["Every parent and carer had all three messages"].denominator == 1


def test_teach_back_by_message() -> None:
    a = hart().contact(date(2026, 3, 12), "new_baby_review", mum=ALL_THREE, dad=("safe_sleep",))
    found = rows("teach-back", a.data)
    assert (found["Safe sleep"].numerator, found["Safe sleep"].denominator) == (2, 2)  # the builder checks safe sleep
    assert (found["Safe space"].numerator, found["Safe space"].denominator) == (0, 1)


def test_icon_touchpoints_and_the_median() -> None:
    handling = ("safe_handling",)
    five = (hart()
            .contact(date(2026, 1, 10), "antenatal_booking", MAT, "maternity", mum=handling)
            .contact(date(2026, 3, 1), "birth_discharge", MAT, "maternity", mum=handling)
            .contact(date(2026, 3, 5), "community_midwife", MAT, "maternity", dad=handling)
            .contact(date(2026, 3, 12), "new_baby_review", mum=handling)
            .contact(date(2026, 4, 20), "gp_six_eight_week", GP, "gp_practice", mum=handling))
    police_home_visit = hart().contact(date(2026, 3, 12), "home_visit", POLICE, "police", mum=handling)
    police_home_visit.data.id = 2
    hv_home_visit = hart().contact(date(2026, 3, 12), "home_visit", HV, "health_visiting", mum=handling)
    hv_home_visit.data.id = 3
    found = rows("icon", five.data, police_home_visit.data, hv_home_visit.data)
    assert found["5 touchpoints"].numerator == 1
    assert found["0 touchpoints"].numerator == 1  # a police home visit is not the health visitor's touchpoint
    assert found["1 touchpoint"].numerator == 1
    assert found["Father or partner heard it"].numerator == 1
    assert median_touchpoints(cells_of(five.data, police_home_visit.data, hv_home_visit.data), MONTHS) == 1


def test_unborn_babies_are_not_in_icon() -> None:
    unborn = Builder(4, born=None, due=date(2026, 9, 1)).person("mum", "birth_mother")
    unborn.contact(date(2026, 6, 1), "hv_antenatal", mum=ALL_THREE)
    assert rows("icon", unborn.data)["0 touchpoints"].denominator == 0
    assert rows("three-messages-at-contacts", unborn.data)["Antenatal"].numerator == 1


def assessment(pk: int, slug: str, level: str, day: date, *, baby: int = 10, corrected: bool = False,
               plan: bool = False, csc: date | None = None, medical: date | None = None) -> AssessmentRow:
    return AssessmentRow(pk, baby, 1, slug, level, at(day), HV, at(csc) if csc else None,
                         at(medical) if medical else None, corrected, plan)


def test_safer_sleep_high_risk_reviewed_and_resolved() -> None:
    a = hart()
    a.data.assessments += [
        assessment(1, "safer-sleep", "high", date(2026, 3, 12), plan=True),
        assessment(2, "safer-sleep", "raised", date(2026, 4, 12), plan=True),
        assessment(3, "safer-sleep", "high", date(2026, 5, 1), corrected=True),  # replaced by its correction
        assessment(4, "safer-sleep", "universal", date(2026, 5, 2)),
    ]
    found = rows("safer-sleep", a.data)
    assert found["Completed"].numerator == 3
    assert (found["High risk found"].numerator, found["High risk found"].denominator) == (1, 3)
    assert found["With a safe sleep plan"].numerator == 2
    assert found["High risk looked at again"].numerator == 1
    assert found["High risk resolved at the next assessment"].numerator == 1


def test_bruising_same_day_steps() -> None:
    a = hart()
    day = date(2026, 3, 12)
    a.data.assessments += [
        assessment(1, "bruising", "urgent", day, csc=day, medical=day),
        assessment(2, "bruising", "emergency", day, csc=day, medical=day + timedelta(days=1)),  # review next day
        assessment(3, "bruising", "universal", day),
    ]
    found = rows("bruising", a.data)
    assert found["Completed"].numerator == 3
    assert found["Urgent or emergency"].numerator == 2
    assert (found["Same-day social care call and medical review"].numerator,
            found["Same-day social care call and medical review"].denominator) == (1, 2)


def test_prebirth_gestation_and_milestones() -> None:
    due = date(2026, 9, 1)
    a = Builder(5, born=None, due=due)
    a.data.cases.append(CaseRow(1, 50, 5, HV, at(date(2026, 2, 1)), {}, False))
    # 14 weeks of pregnancy is 26 weeks before the due date.
    a.data.milestones[1] = {"referral": due - timedelta(weeks=26), "conference": due - timedelta(weeks=13)}
    b = Builder(6, born=date(2026, 8, 20), due=due)
    b.data.cases.append(CaseRow(2, 60, 6, HV, at(date(2026, 4, 1)), {}, False))
    b.data.milestones[2] = {"referral": due - timedelta(weeks=18), "delivery_plan": date(2026, 8, 1),
                            "discharge_planning": date(2026, 8, 21)}
    found = rows("prebirth", a.data, b.data)
    assert found["Cases opened"].numerator == 2
    assert found["Referred before 16 weeks"].numerator == 1
    assert found["Referred at 20 to 27 weeks"].numerator == 1
    assert found["Referred by 16 weeks"].numerator == 1
    assert found["Conference by 28 weeks"].numerator == 1
    assert (found["Delivery safety plan before the birth"].numerator,
            found["Delivery safety plan before the birth"].denominator) == (1, 1)
    assert found["Discharge planning meeting held"].numerator == 1


def test_concerns_and_referrals_clocks() -> None:
    a = hart()
    t = at(date(2026, 3, 12))
    a.data.concerns += [
        ConcernRow(1, HV, t, "unsafe_sleep", t + timedelta(hours=2), t + timedelta(hours=8), None),
        ConcernRow(1, HV, t, "injury", None, t + timedelta(hours=8), t + timedelta(hours=9)),
    ]
    a.data.referrals += [ReferralRow(1, HV, t, "csc", t + timedelta(days=3), t + timedelta(days=1), t + timedelta(days=1))]
    found = rows("concerns", a.data)
    assert found["Concerns raised"].numerator == 2
    assert found["Concerns decided in time"].numerator == 1
    assert found["Concerns past their clock"].numerator == 1
    assert found["Referrals made"].numerator == 1
    assert found["Referrals acknowledged in time"].numerator == 0
    assert found["Referrals past their clock"].numerator == 1


def test_contacts_by_agency_type() -> None:
    a = hart().contact(date(2026, 3, 12), "home_visit").contact(date(2026, 3, 13), "police_attendance", POLICE, "police")
    found = rows("contacts-by-agency-type", a.data)
    assert (found["Police"].numerator, found["Police"].denominator) == (1, 2)


def test_every_measure_has_a_definition_with_numerator_denominator_and_period() -> None:
    for measure in BY_SLUG.values():
        text = " ".join(measure.paragraphs)
        for part in ("Numerator:", "Denominator:", "Period:"):
            assert part in text, measure.slug


def test_small_numbers_are_suppressed() -> None:
    assert count_text(0) == "0"
    assert count_text(3) == "<5"
    assert count_text(5) == "5"
    assert count_text(1234) == "1,234"
    assert percent_text(3, 10) == "Not shown (small numbers)"  # the numerator is small
    assert percent_text(8, 10) == "Not shown (small numbers)"  # so is the difference
    assert percent_text(5, 10) == "50%"
    assert percent_text(0, 10) == "0%"
    assert percent_text(10, 10) == "100%"
    assert percent_value(4, 4) is None
    assert percent_text(0, 0) == "No records"
    assert change_text(Row("x", 9, 10), Row("x", 5, 10)) == "Not shown"
    assert change_text(Row("x", 60, 100), Row("x", 50, 100)) == "Up 10 points"
    assert change_text(Row("x", 49, 100), Row("x", 50, 100)) == "Down 1 point"
    assert change_text(Row("x", 60), Row("x", 3)) == "Not shown"
    assert change_text(Row("x", 60), Row("x", 50)) == "Up 10"
    assert change_text(Row("x", 1000), Row("x", 2500)) == "Down 1,500"
    # Showing 13 out of 15 would tell that 2 did not: the count is hidden too.
    assert numerator_text(13, 15) == "Not shown"
    assert numerator_text(3, 15) == "<5"
    assert numerator_text(10, 15) == "10"
    assert numerator_text(15, 15) == "15"
    assert numerator_text(7, None) == "7"
