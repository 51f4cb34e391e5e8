from typing import Any

import pytest

from kbs.accounts.models import User
from kbs.audit.models import AuditEvent
from kbs.chronology.models import Entry
from kbs.conftest import TEST_NHS_NUMBERS
from kbs.families.models import Baby, Family, Involvement, Person
from kbs.imports import actions
from kbs.imports.load import REASON
from kbs.imports.models import BirthImport, State
from kbs.imports.tests.conftest import birth_row, births_csv, good_file
from kbs.imports.validation import COLUMNS


def domain_state() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Family, Baby, Person, Involvement, Entry)}


MALFORMED = {
    "wrong encoding": births_csv([birth_row(1), birth_row(2, mother_given_name="Zoë")], encoding="latin-1"),
    "missing columns": births_csv([birth_row(1)], columns=COLUMNS[:-2]),
    "bad NHS number": births_csv([birth_row(1), birth_row(2, nhs_number="9990000019")]),
    "future date": births_csv([birth_row(1), birth_row(2, date_of_birth="2999-01-01")]),
    "duplicated row": births_csv([birth_row(1), birth_row(2), birth_row(1)]),
    "gestation out of range": births_csv([birth_row(1), birth_row(2, gestation_weeks="12")]),
    "unknown sex": births_csv([birth_row(1), birth_row(2, sex="x")]),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_file_all_or_nothing_leaves_database_unchanged(case: str, cast: dict[str, User]) -> None:
    before = domain_state()
    batch = actions.check_births_file(by=cast["midwife"], data=MALFORMED[case], file_name="births.csv")
    assert batch.state == State.REFUSED or batch.rejected_rows >= 1
    if batch.state == State.CHECKED:
        with pytest.raises(actions.ImportRefused, match="Nothing was imported"):
            actions.import_births(by=cast["midwife"], batch=batch, accepted_only=False)
        batch.refresh_from_db()
        assert batch.state == State.CHECKED
    else:
        assert batch.refusal
    assert domain_state() == before


def test_refused_file_is_recorded_and_audited(cast: dict[str, User]) -> None:
    batch = actions.check_births_file(by=cast["midwife"], data=MALFORMED["wrong encoding"], file_name="b.csv")
    assert (batch.state, batch.text) == (State.REFUSED, "")
    assert "UTF-8" in batch.refusal
    assert AuditEvent.objects.filter(actor=cast["midwife"], summary="A births file was refused").exists()


def test_accepted_only_imports_exactly_the_good_rows(cast: dict[str, User]) -> None:
    data = births_csv([birth_row(1), birth_row(2, nhs_number="9990000019"), birth_row(3), birth_row(1)])
    batch = actions.check_births_file(by=cast["midwife"], data=data, file_name="births.csv")
    assert (batch.total_rows, batch.rejected_rows) == (4, 2)
    batch = actions.import_births(by=cast["midwife"], batch=batch, accepted_only=True)
    assert (batch.created_count, batch.matched_count, batch.state, batch.text) == (2, 0, State.IMPORTED, "")
    assert sorted(Baby.objects.values_list("family_name", flat=True)) == ["Hart1", "Hart3"]
    assert batch.problems == [[3, "nhs_number", "The baby's NHS number is not valid: its check digit does not match"],
                              [5, "nhs_number", "The same baby's NHS number is also in row 2"]]


def test_new_baby_gets_a_family_with_the_mother_through_the_real_actions(cast: dict[str, User]) -> None:
    row: dict[str, Any] = birth_row(1, mother_nhs_number=TEST_NHS_NUMBERS[5], postcode="de12ab", sex="not_known")
    batch = actions.check_births_file(by=cast["midwife"], data=births_csv([row]), file_name="births.csv")
    actions.import_births(by=cast["midwife"], batch=batch, accepted_only=False)
    baby = Baby.objects.get()
    family = baby.family
    assert (baby.nhs_number, baby.family_name, baby.given_name, baby.sex, baby.gestation_at_birth_weeks,
            baby.birth_weight_g) == (row["nhs_number"], "Hart1", "", "not_known", 39, 3400)
    assert (family.postcode, family.address_line_1, family.town) == ("DE1 2AB", "1 Test Street", "Derby")
    mother = family.people.get()
    assert (mother.given_name, mother.relationship, mother.nhs_number, mother.parental_responsibility) == (
        "Sophie", "birth_mother", TEST_NHS_NUMBERS[5], True)
    involvement = family.involvements.get()
    assert (involvement.agency, involvement.reason, involvement.is_lead_agency) == (
        cast["midwife"].agency, REASON, True)
    assert Entry.objects.filter(family=family).count() == 2  # registered, mother added
    summaries = set(AuditEvent.objects.filter(actor=cast["midwife"]).values_list("summary", flat=True))
    assert {"Registered the family with Baby Hart1", "Imported births: 1 new, 0 matched, 0 unborn babies born, 0 rejected"} <= summaries


def test_existing_baby_is_matched_not_duplicated_or_changed(cast: dict[str, User], family: Family) -> None:
    baby = family.babies.get()
    row = birth_row(1, nhs_number=baby.nhs_number, mother_family_name="Other", birth_weight_g="2500")
    batch = actions.check_births_file(by=cast["police"], data=births_csv([row, birth_row(2)]), file_name="b.csv")
    batch = actions.import_births(by=cast["police"], batch=batch, accepted_only=False)
    assert (batch.created_count, batch.matched_count) == (1, 1)
    assert Baby.objects.filter(nhs_number=baby.nhs_number).count() == 1
    version, weight = baby.version, baby.birth_weight_g
    baby.refresh_from_db()
    assert (baby.version, baby.birth_weight_g, baby.family_name) == (version, weight, "Hart")
    # No involvement is recorded with a matched family: a file cannot be used to gain access.
    assert not family.involvements.filter(agency=cast["police"].agency).exists()


def test_import_runs_once_and_only_for_its_uploader(cast: dict[str, User]) -> None:
    batch = actions.check_births_file(by=cast["midwife"], data=good_file(1), file_name="b.csv")
    with pytest.raises(actions.ImportRefused):
        actions.import_births(by=cast["health_visitor"], batch=batch, accepted_only=False)
    actions.import_births(by=cast["midwife"], batch=batch, accepted_only=False)
    with pytest.raises(actions.ImportRefused):
        actions.import_births(by=cast["midwife"], batch=batch, accepted_only=False)
    assert Baby.objects.count() == 1


@pytest.mark.parametrize("persona", ["analyst", "admin", "dpo", "outsider"])
def test_only_people_who_register_families_may_import(persona: str, cast: dict[str, User]) -> None:
    with pytest.raises(actions.NotAllowed):
        actions.check_births_file(by=cast[persona], data=good_file(1), file_name="b.csv")
    assert not BirthImport.objects.exists()


def test_discarded_file_keeps_its_report_but_not_its_text_and_cannot_be_imported(cast: dict[str, User]) -> None:
    batch = actions.check_births_file(by=cast["midwife"], data=MALFORMED["unknown sex"], file_name="b.csv")
    batch = actions.discard_births_file(by=cast["midwife"], batch=batch)
    batch.refresh_from_db()
    assert (batch.state, batch.text, batch.rejected_rows) == (State.DISCARDED, "", 1)
    with pytest.raises(actions.ImportRefused):
        actions.import_births(by=cast["midwife"], batch=batch, accepted_only=True)
    assert not Baby.objects.exists()


def test_hundred_thousand_rows_with_one_bad_row_import_nothing(cast: dict[str, User]) -> None:
    rows = [birth_row(n) for n in range(100_000)]
    rows[-1] = birth_row(100_000, date_of_birth="2999-12-31")
    before = domain_state()
    batch = actions.check_births_file(by=cast["midwife"], data=births_csv(rows), file_name="big.csv")
    assert (batch.total_rows, batch.rejected_rows) == (100_000, 1)
    assert batch.problems == [[100_001, "date_of_birth", "The baby's date of birth is in the future"]]
    with pytest.raises(actions.ImportRefused):
        actions.import_births(by=cast["midwife"], batch=batch, accepted_only=False)
    assert domain_state() == before


def test_a_failure_part_way_through_saves_nothing(cast: dict[str, User], monkeypatch: pytest.MonkeyPatch) -> None:
    from kbs.imports import load

    real, calls = load.create_birth, []

    def fail_on_third(*, by: User, row: Any, multiple: bool) -> Any:
        calls.append(row.row)
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return real(by=by, row=row, multiple=multiple)

    monkeypatch.setattr(load, "create_birth", fail_on_third)
    batch = actions.check_births_file(by=cast["midwife"], data=good_file(4), file_name="b.csv")
    before = domain_state()
    with pytest.raises(RuntimeError):
        actions.import_births(by=cast["midwife"], batch=batch, accepted_only=False)
    assert calls == [2, 3, 4]
    assert domain_state() == before
    batch.refresh_from_db()
    assert batch.state == State.CHECKED
