"""record_contact: what it saves, what it moves on, what it writes to the audit trail, the chronology
and the task list, and what it refuses (saving nothing)."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kbs.accounts.models import User
from kbs.audit.models import Action, AuditEvent
from kbs.chronology.models import Entry, Kind, Significance
from kbs.concerns.models import Task, TaskKind
from kbs.conftest import TEST_NHS_NUMBERS, baby_details
from kbs.contacts import actions
from kbs.contacts.models import Contact, LifeEvent, MessageDelivery
from kbs.contacts.tests.conftest import ALL_THREE
from kbs.core.clocks import working_days_deadline
from kbs.families.models import Family, Person


def _counts() -> tuple[int, ...]:
    return (Contact.objects.count(), MessageDelivery.objects.count(), LifeEvent.objects.count(), Task.objects.count(),
            Entry.objects.filter(kind__in=[Kind.CONTACT, Kind.MESSAGES, Kind.LIFE_EVENT]).count(),
            AuditEvent.objects.filter(action=Action.CREATE, object_type="contact").count())


@pytest.fixture
def dad(family: Family, add_person: Callable[..., Person]) -> Person:
    return add_person(family, "Daniel", "father", lives_in_household=True, regular_carer=True)


def test_record_contact_saves_the_contact_people_and_messages(
    cast: dict[str, User], family: Family, mother: Person, dad: Person, record: Callable[..., Contact],
) -> None:
    hv = cast["health_visitor"]
    contact = record(family, given={mother: ALL_THREE, dad: ("safe_handling",)}, notes="Dad holding baby well")
    contact.refresh_from_db()
    assert contact.agency == hv.agency
    assert contact.practitioner == hv
    assert set(contact.present.all()) == {mother, dad}
    assert contact.notes == "Dad holding baby well"
    given = set(contact.deliveries.values_list("person__given_name", "message", "leaflet_given"))
    assert given == {("Sophie", "safe_sleep", True), ("Sophie", "safe_handling", True), ("Sophie", "safe_space", True),
                     ("Daniel", "safe_handling", True)}


def test_record_contact_moves_last_seen_on_with_a_new_version(
    family: Family, mother: Person, dad: Person, record: Callable[..., Contact],
) -> None:
    yesterday = timezone.now() - timedelta(days=1)
    assert dad.last_seen_on is None
    assert mother.last_seen_on == timezone.localdate()
    record(family, given={dad: ("safe_sleep",)}, present=[mother, dad], at=yesterday)
    dad.refresh_from_db()
    mother.refresh_from_db()
    assert dad.last_seen_on == timezone.localtime(yesterday).date()
    assert dad.version == 2
    # Seen today already: a contact yesterday does not move her back, nor change her version.
    assert mother.last_seen_on == timezone.localdate()
    assert mother.version == 1
    update = AuditEvent.objects.get(action=Action.UPDATE, object_id=str(dad.public_id))
    assert update.detail["last_seen_on"] == [None, timezone.localtime(yesterday).date().isoformat()]


def test_record_contact_audits_with_the_details(
    cast: dict[str, User], family: Family, mother: Person, record: Callable[..., Contact],
) -> None:
    contact = record(family, given={mother: ("safe_sleep",)}, life_events=[{"kind": "visitors", "note": "Christmas"}])
    event = AuditEvent.objects.get(action=Action.CREATE, object_type="contact")
    assert event.actor == cast["health_visitor"]
    assert event.family == family
    assert event.object_id == str(contact.public_id)
    assert event.detail["details"]["contact_type"] == "home_visit"
    assert event.detail["present"] == [str(mother.public_id)]
    assert event.detail["deliveries"] == [{"person": str(mother.public_id), "message": "safe_sleep",
                                           "leaflet_given": True, "understanding_checked": False}]
    assert event.detail["life_events"] == [{"kind": "visitors", "note": "Christmas"}]


def test_record_contact_writes_the_chronology(
    family: Family, mother: Person, dad: Person, record: Callable[..., Contact],
) -> None:
    contact = record(family, given={mother: ALL_THREE, dad: ("safe_handling",)},
                     life_events=[{"kind": "move", "note": "Moving to nan's"}, {"kind": "illness", "note": ""}])
    entry = Entry.objects.get(kind=Kind.CONTACT)
    assert entry.summary == "Home visit by Test Health Visiting: baby seen, sleeping in a cot"
    assert entry.shared is True
    assert entry.at == contact.at
    assert entry.link == contact.get_absolute_url()
    messages = Entry.objects.get(kind=Kind.MESSAGES)
    assert messages.summary == ("Three messages: Sophie Hart, safe sleep, safe handling and safe space (leaflet given); "
                                "Daniel Hart, safe handling (leaflet given)")
    events = Entry.objects.filter(kind=Kind.LIFE_EVENT).order_by("id")
    assert [e.summary for e in events] == ["Moving home or temporary accommodation: Moving to nan's", "Illness in the family"]
    assert {e.significance for e in events} == {Significance.NOTABLE}


def test_unshared_contact_keeps_its_chronology_and_notes_to_the_agency(
    family: Family, mother: Person, record: Callable[..., Contact],
) -> None:
    record(family, given={mother: ("safe_sleep",)}, shared=False, sleep_place_observed="sofa",
           life_events=[{"kind": "domestic_abuse", "note": "Police called on Saturday"}])
    contact_entry = Entry.objects.get(kind=Kind.CONTACT)
    assert contact_entry.shared is False
    assert contact_entry.significance == Significance.NOTABLE  # sleeping on a sofa
    assert "sleeping on a sofa or armchair" in contact_entry.summary
    life_event = Entry.objects.get(kind=Kind.LIFE_EVENT)
    assert life_event.shared is False
    assert life_event.summary == "A domestic abuse incident"  # the free-text note stays out
    assert Entry.objects.get(kind=Kind.MESSAGES).shared is True


def test_life_event_gives_the_practitioner_a_task_within_two_working_days(
    cast: dict[str, User], family: Family, mother: Person, record: Callable[..., Contact],
) -> None:
    hv = cast["health_visitor"]
    before = timezone.now()
    contact = record(family, given={mother: ("safe_sleep",)},
                     life_events=[{"kind": "new_partner", "note": ""}, {"kind": "domestic_abuse", "note": ""}])
    tasks = list(Task.objects.order_by("id"))
    assert [t.title for t in tasks] == ["Revisit the safe sleep plan: A new partner",
                                        "Revisit the safe sleep plan: A domestic abuse incident"]
    assert [t.urgent for t in tasks] == [False, True]
    for task in tasks:
        assert task.kind == TaskKind.REVISIT_SLEEP_PLAN
        assert task.assigned_to == hv
        assert task.agency == hv.agency
        assert task.family == family
        assert task.due_at == working_days_deadline(before, 2)
        assert task.source_id == str(contact.public_id)


def test_contact_without_messages_or_life_events_writes_one_chronology_entry(
    family: Family, mother: Person, record: Callable[..., Contact],
) -> None:
    record(family, present=[mother], baby_seen=False, sleep_place_observed="not_seen")
    assert [e.summary for e in Entry.objects.filter(kind__in=[Kind.CONTACT, Kind.MESSAGES, Kind.LIFE_EVENT])] == [
        "Home visit by Test Health Visiting: baby not seen"]
    assert not Task.objects.exists()


# --- refusals, which save nothing ------------------------------------------------------------


def test_message_for_someone_not_present_is_refused(
    family: Family, mother: Person, dad: Person, record: Callable[..., Contact],
) -> None:
    before = _counts()
    with pytest.raises(ValidationError, match="Mark Daniel Hart as present"):
        record(family, given={mother: ALL_THREE, dad: ("safe_sleep",)}, present=[mother])
    assert _counts() == before
    dad.refresh_from_db()
    assert dad.last_seen_on is None


def test_person_from_another_family_is_refused(
    family: Family, make_family: Callable[..., Family], add_person: Callable[..., Person],
    record: Callable[..., Contact],
) -> None:
    other = make_family(baby=baby_details(nhs_number=TEST_NHS_NUMBERS[1]))
    stranger = add_person(other, "Lee", "father", lives_in_household=True)
    before = _counts()
    with pytest.raises(ValidationError, match="not recorded in this family"):
        record(family, given={stranger: ("safe_sleep",)})
    with pytest.raises(ValidationError, match="not recorded in this family"):
        record(family, present=[stranger])
    assert _counts() == before


def test_future_contact_is_refused(family: Family, mother: Person, record: Callable[..., Contact]) -> None:
    before = _counts()
    with pytest.raises(ValidationError, match="must not be in the future"):
        record(family, given={mother: ("safe_sleep",)}, at=timezone.now() + timedelta(hours=2))
    assert _counts() == before


def test_unknown_choice_is_refused(family: Family, mother: Person, record: Callable[..., Contact]) -> None:
    before = _counts()
    with pytest.raises(ValidationError):
        record(family, given={mother: ("safe_sleep",)}, setting="moon")
    with pytest.raises(ValidationError):
        record(family, given={mother: ("safe_sleep",)}, life_events=[{"kind": "lottery_win", "note": ""}])
    assert _counts() == before


@pytest.mark.parametrize("persona", ["analyst", "admin", "outsider"])
def test_people_without_edit_permission_cannot_record(
    cast: dict[str, User], family: Family, mother: Person, record: Callable[..., Contact], persona: str,
) -> None:
    with pytest.raises(actions.NotAllowed):
        record(family, by=cast[persona], given={mother: ("safe_sleep",)})
    assert not Contact.objects.exists()
