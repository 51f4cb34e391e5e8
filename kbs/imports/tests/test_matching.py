"""Matching a births row to a baby KBS already has: by the baby's NHS number, or to an unborn baby
by the birth mother's NHS number and the expected delivery date; twins; two candidate families
(rejected, never guessed); and a mother's NHS number that is not known."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kbs.accounts.models import User
from kbs.audit.models import AuditEvent
from kbs.chronology.models import Entry
from kbs.conftest import TEST_NHS_NUMBERS, baby_details
from kbs.families import actions as family_actions
from kbs.families.models import Baby, Death, Family, Involvement
from kbs.imports import actions
from kbs.imports.load import AMBIGUOUS, WINDOW_DAYS
from kbs.imports.models import State
from kbs.imports.tests.conftest import birth_row, births_csv
from kbs.prebirth.models import PreBirthCase

MOTHER = TEST_NHS_NUMBERS[3]
BORN = timezone.localdate() - timedelta(days=2)


@pytest.fixture
def unborn(make_family: Callable[..., Family], cast: dict[str, User]) -> Callable[..., Baby]:
    """An unborn baby in a new family whose birth mother has the given NHS number (or joins `family`)."""

    def make(mother: str = MOTHER, expected_in_days: int = 10, family: Family | None = None,
             mother_relationship: str = "birth_mother") -> Baby:
        details = baby_details(given_name="", date_of_birth=None, nhs_number="", sex="", gestation_at_birth_weeks=None,
                               birth_weight_g=None, expected_delivery_date=BORN + timedelta(days=expected_in_days))
        if family is not None:
            return Baby.objects.create(family=family, **details)
        family = make_family(baby=details)
        family_actions.add_person(by=cast["health_visitor"], family=family, details={
            "given_name": "Sophie", "family_name": "Hart", "relationship": mother_relationship, "date_of_birth": None,
            "nhs_number": mother, "lives_in_household": True, "regular_carer": True, "parental_responsibility": True,
            "last_seen_on": None,
        })
        return family.babies.get()

    return make


def _import(user: User, rows: list[dict[str, str]], accepted_only: bool = False) -> Any:
    batch = actions.check_births_file(by=user, data=births_csv(rows), file_name="births.csv")
    assert batch.state == State.CHECKED
    checked = (batch.planned_new, batch.planned_nhs, batch.planned_unborn, batch.rejected_rows)
    if batch.rejected_rows and not accepted_only:
        return batch, checked
    return actions.import_births(by=user, batch=batch, accepted_only=accepted_only), checked


def test_nhs_number_match_is_counted_at_the_check(cast: dict[str, User], family: Family) -> None:
    row = birth_row(1, nhs_number=family.babies.get().nhs_number)
    batch, checked = _import(cast["midwife"], [row, birth_row(2)])
    assert checked == (1, 1, 0, 0)
    assert (batch.created_count, batch.matched_count, batch.born_count) == (1, 1, 0)


def test_unborn_baby_becomes_the_born_baby_with_its_pre_birth_work(
        cast: dict[str, User], unborn: Callable[..., Baby]) -> None:
    baby = unborn()
    agency = cast["health_visitor"].agency
    assert agency is not None
    case = PreBirthCase.objects.create(baby=baby, family=baby.family, agency=agency,
                                       trigger_found_on=BORN - timedelta(weeks=10), opened_by=cast["health_visitor"],
                                       opened_at=timezone.now())
    families = Family.objects.count()
    row = birth_row(1, mother_nhs_number=MOTHER, sex="male", gestation_weeks="38", birth_weight_g="3100")
    batch, checked = _import(cast["midwife"], [row])
    assert checked == (0, 0, 1, 0)
    assert (batch.created_count, batch.matched_count, batch.born_count) == (0, 0, 1)
    assert Family.objects.count() == families
    baby.refresh_from_db()
    assert (baby.date_of_birth, baby.nhs_number, baby.sex, baby.gestation_at_birth_weeks, baby.birth_weight_g,
            baby.multiple_birth) == (BORN, row["nhs_number"], "male", 38, 3100, False)
    assert baby.prebirth_cases.get() == case
    assert Entry.objects.filter(baby=baby, kind="birth").count() == 1
    assert AuditEvent.objects.filter(actor=cast["midwife"], summary__startswith="Recorded the birth of").exists()
    assert AuditEvent.objects.filter(summary__startswith="Birth recorded for a baby with a pre-birth case").exists()
    # As with a match by NHS number, the file gives the importing agency no access to the family.
    assert not Involvement.objects.filter(family=baby.family, agency=cast["midwife"].agency).exists()


@pytest.mark.parametrize(("days", "matched"), [(WINDOW_DAYS, True), (-WINDOW_DAYS, True), (WINDOW_DAYS + 1, False),
                                               (-WINDOW_DAYS - 1, False)])
def test_expected_date_must_be_within_eight_weeks(cast: dict[str, User], unborn: Callable[..., Baby],
                                                  days: int, matched: bool) -> None:
    baby = unborn(expected_in_days=days)
    _, checked = _import(cast["midwife"], [birth_row(1, mother_nhs_number=MOTHER)])
    assert checked == ((0, 0, 1, 0) if matched else (1, 0, 0, 0))
    baby.refresh_from_db()
    assert baby.is_born is matched


def test_a_mother_who_is_not_the_birth_mother_is_not_matched(cast: dict[str, User], unborn: Callable[..., Baby]) -> None:
    unborn(mother_relationship="father")
    _, checked = _import(cast["midwife"], [birth_row(1, mother_nhs_number=MOTHER)])
    assert checked == (1, 0, 0, 0)


def test_twins_take_the_unborn_baby_then_join_its_family(cast: dict[str, User], unborn: Callable[..., Baby]) -> None:
    baby = unborn()
    rows = [birth_row(1, mother_nhs_number=MOTHER), birth_row(2, mother_nhs_number=MOTHER, sex="male")]
    batch, checked = _import(cast["midwife"], rows)
    assert checked == (1, 0, 1, 0)
    assert (batch.created_count, batch.born_count) == (1, 1)
    twins = list(baby.family.babies.order_by("id"))
    assert [(b.nhs_number, b.sex, b.multiple_birth) for b in twins] == [
        (rows[0]["nhs_number"], "female", True), (rows[1]["nhs_number"], "male", True)]
    assert Entry.objects.filter(family=baby.family, kind="birth").count() == 2


def test_twins_match_two_unborn_babies_in_one_family(cast: dict[str, User], unborn: Callable[..., Baby]) -> None:
    first = unborn(expected_in_days=3)
    second = unborn(family=first.family, expected_in_days=4)
    rows = [birth_row(1, mother_nhs_number=MOTHER), birth_row(2, mother_nhs_number=MOTHER)]
    batch, checked = _import(cast["midwife"], rows)
    assert checked == (0, 0, 2, 0)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.nhs_number, second.nhs_number) == (rows[0]["nhs_number"], rows[1]["nhs_number"])
    assert first.family.babies.count() == 2


def test_twins_with_no_unborn_record_share_one_new_family(cast: dict[str, User]) -> None:
    rows = [birth_row(1, mother_nhs_number=MOTHER), birth_row(2, mother_nhs_number=MOTHER), birth_row(3)]
    batch, checked = _import(cast["midwife"], rows)
    assert checked == (3, 0, 0, 0)
    assert Family.objects.count() == 2
    twins = Baby.objects.get(nhs_number=rows[0]["nhs_number"]).family
    assert sorted(twins.babies.values_list("nhs_number", flat=True)) == sorted([rows[0]["nhs_number"],
                                                                               rows[1]["nhs_number"]])
    assert twins.people.count() == 1  # the mother, once


def test_two_candidate_families_reject_the_row(cast: dict[str, User], unborn: Callable[..., Baby]) -> None:
    one, two = unborn(), unborn()
    rows = [birth_row(1, mother_nhs_number=MOTHER), birth_row(2)]
    batch, checked = _import(cast["midwife"], rows)
    assert checked == (1, 0, 0, 1)
    assert batch.problems == [[2, "mother_nhs_number", AMBIGUOUS]]
    with pytest.raises(actions.ImportRefused, match="Nothing was imported"):
        actions.import_births(by=cast["midwife"], batch=batch, accepted_only=False)
    batch = actions.import_births(by=cast["midwife"], batch=batch, accepted_only=True)
    assert (batch.created_count, batch.born_count, batch.rejected_rows) == (1, 0, 1)
    for baby in (one, two):
        baby.refresh_from_db()
        assert not baby.is_born


def test_mothers_nhs_number_unknown_creates_a_new_family(cast: dict[str, User], unborn: Callable[..., Baby]) -> None:
    baby = unborn()
    rows = [birth_row(1, mother_nhs_number=""), birth_row(2, mother_nhs_number="")]
    batch, checked = _import(cast["midwife"], rows)
    assert checked == (2, 0, 0, 0)
    assert Family.objects.count() == 3  # the unborn baby's, and one each: no twins guessed without an NHS number
    baby.refresh_from_db()
    assert not baby.is_born


def test_a_baby_who_died_before_birth_is_not_matched(cast: dict[str, User], unborn: Callable[..., Baby]) -> None:
    baby = unborn()
    agency = cast["health_visitor"].agency
    assert agency is not None
    Death.objects.create(baby=baby, died_on=BORN, place="hospital", how_learned="Told by the ward",
                         who_else_aware="The midwife", other_children="None", bereavement_support_offered=False,
                         recorded_by=cast["health_visitor"], recorded_by_agency=agency,
                         recorded_at=timezone.now())
    _, checked = _import(cast["midwife"], [birth_row(1, mother_nhs_number=MOTHER)])
    assert checked == (1, 0, 0, 0)
