"""The PostgreSQL path of the births import: the accepted rows go through COPY into a temporary
staging table and are matched there in set-based joins. It must plan exactly what the ORM path
plans for the same file, and the confirmed import must use it.

These tests need PostgreSQL, so they exist only when the suite itself runs on PostgreSQL
(DATABASE_URL set, as in CI's PostgreSQL phase and `make test-postgres`); on SQLite this module
holds no test at all rather than a skipped one (as kbs/core/tests/test_crash.py).
"""

import os
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from kbs.accounts.models import User
from kbs.conftest import TEST_NHS_NUMBERS
from kbs.families.models import Baby, Family
from kbs.imports import actions, load
from kbs.imports.models import State
from kbs.imports.tests.conftest import birth_row, births_csv
from kbs.imports.tests.test_matching import BORN, MOTHER, unborn  # noqa: F401  (the fixture)
from kbs.imports.validation import check_births

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://", "pgsql://"))
OTHER_MOTHER, THIRD_MOTHER = TEST_NHS_NUMBERS[4], TEST_NHS_NUMBERS[5]


def _mixed_file(family: Family) -> bytes:
    return births_csv([
        birth_row(1, nhs_number=family.babies.get().nhs_number),  # NHS number match
        birth_row(2, mother_nhs_number=MOTHER),  # the unborn baby
        birth_row(3, mother_nhs_number=MOTHER),  # its twin
        birth_row(4, mother_nhs_number=OTHER_MOTHER),  # two candidate families: rejected
        birth_row(5, mother_nhs_number=THIRD_MOTHER, date_of_birth=(BORN - timedelta(days=80)).isoformat()),  # too early
        birth_row(6, mother_nhs_number=""),
        birth_row(7, mother_nhs_number=THIRD_MOTHER),  # the third mother's unborn baby
    ])


@pytest.fixture
def world(cast: dict[str, User], family: Family, unborn: Callable[..., Baby]) -> bytes:  # noqa: F811
    unborn()
    unborn(mother=OTHER_MOTHER)
    unborn(mother=OTHER_MOTHER)
    unborn(mother=THIRD_MOTHER, expected_in_days=-3)
    return _mixed_file(family)


if ON_POSTGRES:

    def test_staging_table_plans_exactly_as_the_orm(world: bytes) -> None:
        rows = check_births(world).accepted
        staged, orm = load.lookup_for(rows, staged=True), load.lookup_for(rows, staged=False)
        assert staged == orm
        assert load.plan_births(rows, staged=True) == load.plan_births(rows, staged=False)
        plans, problems = load.plan_births(rows, staged=True)
        assert [p.kind for p in plans] == ["nhs", "unborn", "sibling", "new", "new", "unborn"]
        assert [(p.row, p.column, p.reason) for p in problems] == [(5, "mother_nhs_number", load.AMBIGUOUS)]
        with connection.cursor() as cursor:  # the staging table is dropped when the lookup is done
            cursor.execute("SELECT to_regclass('pg_temp.kbs_births_staging')")
            assert cursor.fetchone() == (None,)

    def test_confirmed_import_goes_through_copy_and_gives_the_same_result(
            world: bytes, cast: dict[str, User], monkeypatch: pytest.MonkeyPatch) -> None:
        used: list[int] = []
        real = load.staged_lookup

        def spy(rows: list[Any]) -> load.Lookup:
            used.append(len(rows))
            return real(rows)

        monkeypatch.setattr(load, "staged_lookup", spy)
        batch = actions.check_births_file(by=cast["midwife"], data=world, file_name="births.csv")
        assert (batch.state, batch.planned_new, batch.planned_nhs, batch.planned_unborn, batch.rejected_rows) == (
            State.CHECKED, 3, 1, 2, 1)
        assert used == []  # the check, a part per request, uses the ORM
        batch = actions.import_births(by=cast["midwife"], batch=batch, accepted_only=True)
        assert used == [7]  # every accepted row is staged; the ambiguous one is rejected after the join
        assert (batch.created_count, batch.matched_count, batch.born_count, batch.rejected_rows) == (3, 1, 2, 1)
        assert Baby.objects.filter(date_of_birth__isnull=True).count() == 2  # the two the file could not tell apart

    def test_all_or_nothing_on_postgres_leaves_nothing(world: bytes, cast: dict[str, User]) -> None:
        before = (Family.objects.count(), Baby.objects.count(), Baby.objects.filter(date_of_birth__isnull=True).count())
        batch = actions.check_births_file(by=cast["midwife"], data=world, file_name="births.csv")
        with pytest.raises(actions.ImportRefused):
            actions.import_births(by=cast["midwife"], batch=batch, accepted_only=False)
        assert (Family.objects.count(), Baby.objects.count(),
                Baby.objects.filter(date_of_birth__isnull=True).count()) == before
