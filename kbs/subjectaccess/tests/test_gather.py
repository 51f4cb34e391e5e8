"""Gathering: every record about the subject is in the document, a third party in the same family
only where they are part of a record about the subject, the number of queries does not grow with
the records, and gathering is audited."""

import json
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from kbs.accounts.models import User
from kbs.audit.models import Action, AuditEvent
from kbs.chronology.models import Entry
from kbs.contacts.models import HistoricContact
from kbs.families import actions as family_actions
from kbs.subjectaccess import actions
from kbs.subjectaccess.access import subject_of
from kbs.subjectaccess.gather import gather
from kbs.subjectaccess.models import SubjectAccessRequest
from kbs.subjectaccess.tests.conftest import CONCERN_TEXT, CONTACT_NOTE, THIRD_PARTY, Records, _contact


def _items(document: dict[str, Any], section: str) -> dict[str, dict[str, Any]]:
    found = next(s for s in document["sections"] if s["key"] == section)
    return {item["id"]: item for item in found["items"]}


def _fields(item: dict[str, Any]) -> dict[str, str]:
    return {f["key"]: f["value"] for f in item["fields"]}


def _gathered(request: SubjectAccessRequest, by: User) -> dict[str, Any]:
    document = actions.gather_records(by=by, request=request).document
    assert document is not None
    return document


def test_gather_holds_every_record_about_the_mother(
    records: Records, make_request: Callable[..., SubjectAccessRequest], cast: dict[str, User]
) -> None:
    document = _gathered(make_request(), cast["dpo"])
    assert document["format"] == "kbs-subject-access"
    assert document["format_version"] == 1
    assert [s["key"] for s in document["sections"]] == [
        "own_records", "household", "contacts", "historic_contacts", "assessments", "concerns", "tasks", "chronology",
        "prebirth", "audit",
    ]

    own = _items(document, "own_records")
    assert set(own) == {f"person:{records.mother.public_id}"}
    assert _fields(own[f"person:{records.mother.public_id}"])["nhs_number"] == "999 000 0034"

    household = _items(document, "household")
    assert _fields(household[f"family:{records.family.public_id}"])["address_line_1"] == "1 Test Street"
    agencies = {_fields(i)["agency"] for key, i in household.items() if key.startswith("involvement:")}
    assert agencies == {"Test Health Visiting", "Test Maternity"}

    contacts = _items(document, "contacts")
    assert set(contacts) == {f"contact:{records.contact_with_mother.public_id}"}  # not the one she missed
    contact = _fields(contacts[f"contact:{records.contact_with_mother.public_id}"])
    assert contact["notes"] == CONTACT_NOTE
    assert contact["you_were_present"] == "Yes"
    assert "Safe sleep" in contact["messages_given_to_you"]
    assert "Safe space" in contact["messages_given_to_you"]
    assert "Safe handling" not in contact["messages_given_to_you"]  # given to the grandmother, not her

    assessments = _items(document, "assessments")
    assert f"assessment:{records.assessment.public_id}" in assessments
    assert _fields(assessments[f"assessment:{records.assessment.public_id}"])["status"] == "Completed"

    concerns = _items(document, "concerns")
    assert _fields(concerns[f"concern:{records.concern.public_id}"])["what_was_seen"] == CONCERN_TEXT
    assert _items(document, "tasks"), "the concern's decision task"
    summaries = [_fields(i)["summary"] for i in _items(document, "chronology").values()]
    assert any(s.startswith("Concern") or "concern" in s.lower() for s in summaries)
    assert any("Sophie Hart added" in s for s in summaries)

    audit = [_fields(i) for i in _items(document, "audit").values()]
    views = {(a["who"], a["agency"], a["summary"]) for a in audit if a["action"] == "Viewed"}
    assert ("Hv Tester", "Test Health Visiting", "Viewed the family page") in views
    assert ("Mw Tester", "Test Maternity", "Viewed Sophie Hart") in views


def test_third_party_appears_only_in_records_about_the_subject(
    records: Records, make_request: Callable[..., SubjectAccessRequest], cast: dict[str, User]
) -> None:
    document = _gathered(make_request(), cast["dpo"])
    places = [
        (section["key"], item["id"], field["key"])
        for section in document["sections"] for item in section["items"] for field in item["fields"]
        if "Thirdparty" in field["value"] or "Janet" in field["value"]
    ]
    # Only as someone else at the contact Sophie was at (and in that contact's chronology entry of
    # who was given which messages): never her own record, the contact she was alone at, the view
    # of her page, or the chronology entry about adding her.
    messages_entry = Entry.objects.get(source_type="contact", source_id=str(records.contact_with_mother.public_id),
                                       kind="messages")
    assert places == [
        ("contacts", f"contact:{records.contact_with_mother.public_id}", "others_present"),
        ("chronology", f"chronology:{messages_entry.pk}", "summary"),
    ]
    assert THIRD_PARTY not in json.dumps(_items(document, "audit"))
    assert str(records.grandmother.public_id) not in json.dumps(document)


def test_gather_for_a_baby_found_by_name_and_date_of_birth(
    records: Records, make_request: Callable[..., SubjectAccessRequest], cast: dict[str, User]
) -> None:
    baby = records.baby
    request = make_request(nhs_number="", given_name="amelia", family_name="HART", date_of_birth=baby.date_of_birth)
    document = _gathered(request, cast["dpo"])
    assert set(_items(document, "own_records")) == {f"baby:{baby.public_id}"}
    # Every contact with the baby's family is about the baby.
    assert set(_items(document, "contacts")) == {
        f"contact:{records.contact_with_mother.public_id}", f"contact:{records.contact_without_mother.public_id}",
    }
    assert f"assessment:{records.assessment.public_id}" in _items(document, "assessments")


def test_a_person_in_two_families_is_gathered_from_both(
    records: Records, make_family: Callable[..., Any], make_request: Callable[..., SubjectAccessRequest],
    cast: dict[str, User],
) -> None:
    from kbs.conftest import TEST_NHS_NUMBERS, baby_details

    other = make_family(baby=baby_details(given_name="Leo", nhs_number=TEST_NHS_NUMBERS[1]), address_line_1="9 Other Road")
    again = family_actions.add_person(by=cast["health_visitor"], family=other, details={
        "given_name": "Sophie", "family_name": "Hart", "relationship": "other_adult", "nhs_number": "9990000034",
        "date_of_birth": records.mother.date_of_birth,
    })
    babies, people = subject_of(make_request())
    assert (babies, {p.pk for p in people}) == ([], {records.mother.pk, again.pk})
    document = _gathered(make_request(), cast["dpo"])
    assert {f"family:{records.family.public_id}", f"family:{other.public_id}"} <= set(_items(document, "household"))


def test_gathering_is_audited_with_a_read_of_each_family(
    records: Records, make_request: Callable[..., SubjectAccessRequest], cast: dict[str, User]
) -> None:
    request = make_request()
    before = AuditEvent.objects.count()
    actions.gather_records(by=cast["dpo"], request=request)
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [(e.action, e.object_type, e.family_id) for e in events] == [
        (Action.SUBJECT_ACCESS, "subjectaccessrequest", None),
        (Action.VIEW, "family", records.family.pk),
    ]
    assert events[0].actor == cast["dpo"]
    assert events[0].detail["items"]["contacts"] == 1


def test_gather_holds_contacts_sent_by_other_systems(
    records: Records, make_request: Callable[..., SubjectAccessRequest], cast: dict[str, User]
) -> None:
    sent = HistoricContact.objects.create(
        source_system="Maternity EPR", source_reference="A-1", baby_nhs_number=records.baby.nhs_number,
        contact_date=date(2026, 1, 5), contact_time=time(9, 30), agency_code="maternity", contact_type="home_visit",
        setting="home", baby_seen=True, sleep_place_observed="cot", safe_sleep_given_to="birth_mother",
        safe_handling_given_to="", safe_space_given_to="", notes="Seen at home", baby=records.baby,
        family=records.family)
    document = _gathered(make_request(), cast["dpo"])
    found = _fields(_items(document, "historic_contacts")[f"historic-contact:{sent.pk}"])
    assert found["source"] == "Maternity EPR (reference A-1)"
    assert found["when"] == "05 January 2026, 09:30"
    assert found["safe_sleep_given_to"] == "birth_mother"
    assert found["safe_handling_given_to"] == "No one recorded"
    assert found["notes"] == "Seen at home"


def test_gather_writes_nothing_to_the_records(records: Records) -> None:
    entries = Entry.objects.count()
    babies, people = [], [records.mother]
    gather(babies, people, subject={"name": "Sophie Hart", "nhs_number": "", "date_of_birth": ""})
    assert Entry.objects.count() == entries


def test_gather_queries_do_not_grow_with_the_records(
    records: Records, cast: dict[str, User], django_assert_max_num_queries: Any
) -> None:
    hv = cast["health_visitor"]
    for hours in range(6, 26):
        _contact(hv, records.family, [records.mother, records.grandmother],
                 {records.mother: ("safe_sleep",), records.grandmother: ("safe_space",)}, f"Visit {hours}", hours)
    from kbs.concerns import actions as concern_actions

    for n in range(10):
        concern_actions.raise_concern(by=hv, family=records.family, baby=records.baby, category="neglect",
                                      what_was_seen=f"Concern {n}", severity="low")
    with django_assert_max_num_queries(30):
        document = gather([], [records.mother], subject={"name": "Sophie Hart", "nhs_number": "", "date_of_birth": ""})
    assert len(_items(document, "contacts")) == 21
    assert len([i for i in _items(document, "concerns") if i.startswith("concern:")]) == 11
    assert len(_items(document, "audit")) > 40


def test_gathered_document_is_plain_json(records: Records) -> None:
    before = timezone.now()
    document = gather([records.baby], [], subject={"name": "Amelia Hart", "nhs_number": "", "date_of_birth": ""})
    assert json.loads(json.dumps(document)) == document
    assert datetime.fromisoformat(document["gathered_at"]) >= before - timedelta(seconds=1)
    values = [f["value"] for s in document["sections"] for i in s["items"] for f in i["fields"]]
    assert values
    assert all(isinstance(v, str) for v in values)
