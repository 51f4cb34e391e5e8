"""The contacts file's rules, each written in Python and in SQL (kbs/imports/contacts_rules.py): a
table of examples with the reason each must give, checked in Python everywhere and, when the suite
runs on PostgreSQL, checked in SQL too with the same answers."""

import os
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection

from kbs.conftest import TEST_NHS_NUMBERS
from kbs.imports import contacts_rules as rules
from kbs.imports.contacts_samples import contact_row

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://", "pgsql://"))
ON = date(2026, 6, 15)
KNOWN = {"baby_id": 1, "first_row": None, "already": False}

EXAMPLES: list[tuple[dict[str, str], dict[str, Any], list[tuple[str, str]]]] = [
    ({}, {}, []),
    ({"source_system": ""}, {}, [("source_system", "Enter the source system")]),
    ({"source_system": "x" * 51}, {}, [("source_system", "The source system must be 50 characters or fewer")]),
    ({"source_reference": ""}, {}, [("source_reference", "Enter the source reference")]),
    ({}, {"first_row": 7}, [("source_reference", "The same source system and reference are also in row 7")]),
    ({}, {"already": True}, [("source_reference", "Already imported: this source system and reference are in KBS already")]),
    ({"baby_nhs_number": ""}, {}, [("baby_nhs_number", "Enter the baby's NHS number")]),
    ({"baby_nhs_number": "999 000 0018"}, {}, []),
    ({"baby_nhs_number": "12345"}, {"baby_id": None}, [("baby_nhs_number", "The baby's NHS number must have 10 digits")]),
    ({"baby_nhs_number": "99900000x8"}, {"baby_id": None}, [("baby_nhs_number", "The baby's NHS number must have 10 digits")]),
    ({"baby_nhs_number": "9990000019"}, {"baby_id": None},
     [("baby_nhs_number", "The baby's NHS number is not valid: its check digit does not match")]),
    ({}, {"baby_id": None}, [("baby_nhs_number", "No baby with this NHS number is in KBS")]),
    # A number KBS holds for a baby is taken as it is (KBS checked it when it was recorded).
    ({"baby_nhs_number": "12345"}, {}, []),
    ({"safe_handling_given_to": "grandparent;father;birth_mother;other_adult;mothers_partner"}, {}, []),
    ({"safe_handling_given_to": "father;father"}, {}, []),
    ({"safe_handling_given_to": ""}, {}, []),
    ({"contact_date": ""}, {}, [("contact_date", "Enter the date of the contact")]),
    ({"contact_date": "2025-02-29"}, {},
     [("contact_date", "The date of the contact must be a real date written YYYY-MM-DD, like 2024-03-31")]),
    ({"contact_date": "2024-02-29"}, {}, []),
    ({"contact_date": "2025-13-01"}, {},
     [("contact_date", "The date of the contact must be a real date written YYYY-MM-DD, like 2024-03-31")]),
    ({"contact_date": "0000-01-01"}, {},
     [("contact_date", "The date of the contact must be a real date written YYYY-MM-DD, like 2024-03-31")]),
    ({"contact_date": "15/06/2026"}, {},
     [("contact_date", "The date of the contact must be a real date written YYYY-MM-DD, like 2024-03-31")]),
    ({"contact_date": "2026-06-16"}, {}, [("contact_date", "The date of the contact is in the future")]),
    ({"contact_date": "2026-06-15"}, {}, []),
    ({"contact_date": "1999-12-31"}, {}, [("contact_date", "The date of the contact must be in 2000 or later")]),
    ({"contact_time": ""}, {}, []),
    ({"contact_time": "24:00"}, {},
     [("contact_time", "The time of the contact must be written HH:MM on the 24-hour clock, like 14:30")]),
    ({"contact_time": "9:30"}, {},
     [("contact_time", "The time of the contact must be written HH:MM on the 24-hour clock, like 14:30")]),
    ({"agency_code": "Health_Visiting"}, {},
     [("agency_code", "The agency code must be one of the agency codes listed in the guidance")]),
    ({"agency_code": ""}, {}, [("agency_code", "Enter the agency code")]),
    ({"contact_type": "visit"}, {},
     [("contact_type", "The type of contact must be one of the contact types listed in the guidance")]),
    ({"setting": "car"}, {}, [("setting", "The setting must be one of the settings listed in the guidance")]),
    ({"baby_seen": "YES"}, {}, []),
    ({"baby_seen": "y"}, {}, [("baby_seen", "The answer to whether the baby was seen must be yes or no")]),
    ({"baby_seen": ""}, {}, [("baby_seen", "Enter the answer to whether the baby was seen")]),
    ({"sleep_place_observed": "floor"}, {},
     [("sleep_place_observed", "The sleep place observed must be one of the sleep places listed in the guidance")]),
    ({"safe_sleep_given_to": "Birth_Mother; father"}, {}, []),
    ({"safe_sleep_given_to": "birth_mother;uncle"}, {},
     [("safe_sleep_given_to", "The list of who was given safe sleep must name only birth_mother, father, "
                              "mothers_partner, grandparent or other_adult, separated by semicolons")]),
    ({"safe_space_given_to": "father;"}, {},
     [("safe_space_given_to", "The list of who was given safe space must name only birth_mother, father, "
                              "mothers_partner, grandparent or other_adult, separated by semicolons")]),
    ({"notes": "n" * 2001}, {}, [("notes", "The notes must be 2,000 characters or fewer")]),
    ({"notes": "Café visit – “quoted”, with a comma"}, {}, []),
    ({"source_system": "", "contact_date": "2030-01-01", "baby_seen": "maybe"}, {"baby_id": None}, [
        ("source_system", "Enter the source system"), ("baby_nhs_number", "No baby with this NHS number is in KBS"),
        ("contact_date", "The date of the contact is in the future"),
        ("baby_seen", "The answer to whether the baby was seen must be yes or no")]),
]


def _values(overrides: dict[str, str]) -> dict[str, str]:
    row = contact_row(TEST_NHS_NUMBERS[0], contact_date="2026-05-01")
    row.update(overrides)
    return {c: rules.clean(v) for c, v in row.items()}


@pytest.mark.parametrize(("overrides", "context", "expected"), EXAMPLES)
def test_python_rules(overrides: dict[str, str], context: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert rules.check_row(_values(overrides), {**KNOWN, **context}, ON) == expected


def test_every_column_has_a_label_and_the_future_rule_follows_the_day() -> None:
    assert set(rules.LABELS) == set(rules.COLUMNS)
    tomorrow = (ON + timedelta(days=1)).isoformat()
    assert rules.check_row(_values({"contact_date": tomorrow}), KNOWN, ON + timedelta(days=1)) == []


if ON_POSTGRES:

    def _sql(overrides: dict[str, str], context: dict[str, Any]) -> list[tuple[str, str]]:
        row = contact_row(TEST_NHS_NUMBERS[0], contact_date="2026-05-01")
        row.update(overrides)
        both = {**KNOWN, **context}
        names = ", ".join(rules.COLUMNS)
        placeholders = ", ".join(["%s"] * len(rules.COLUMNS))
        statement = (f"SELECT {{problems}}, {{accepted}} FROM (SELECT {rules.sql_cleaned()}, %s::bigint AS baby_id, "  # noqa: S608
                     f"%s::bigint AS first_row, %s::boolean AS already FROM (VALUES ({placeholders})) AS s({names})) AS v")
        statement = statement.replace("%", "%%").replace("%%s", "%s").replace("{problems}", rules.sql_problems(ON)
                                                                              .replace("%", "%%"))
        statement = statement.replace("{accepted}", rules.sql_accepted(ON).replace("%", "%%"))
        with connection.cursor() as cursor:
            cursor.execute(statement, [both["baby_id"], both["first_row"], both["already"],
                                       *(row[c] or None for c in rules.COLUMNS)])
            found, accepted = cursor.fetchone()
        assert accepted is (not found)
        return [(item.split("|", 1)[0], item.split("|", 1)[1]) for item in found]

    @pytest.mark.django_db
    @pytest.mark.parametrize(("overrides", "context", "expected"), EXAMPLES)
    def test_sql_rules_agree_with_python(overrides: dict[str, str], context: dict[str, Any],
                                         expected: list[tuple[str, str]]) -> None:
        assert _sql(overrides, context) == expected
