"""Every change to a family goes through an action: each changes the state and writes its audit row."""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kbs.accounts.models import User
from kbs.audit.models import Action, AuditEvent
from kbs.conftest import TEST_NHS_NUMBERS, baby_details, household_details
from kbs.families import actions
from kbs.families.models import Baby, BreakGlass, Family, Involvement, Person


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # Django's PBKDF2 costs about 0.2 s a user and the cast has seven; these tests are not about hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-id").first()


def _unborn(**overrides: Any) -> dict[str, Any]:
    return baby_details(
        given_name="", date_of_birth=None, expected_delivery_date=timezone.localdate() + timedelta(days=30),
        nhs_number="", sex="", gestation_at_birth_weeks=None, birth_weight_g=None, **overrides,
    )


PERSON = {
    "given_name": "Jack", "family_name": "Hart", "relationship": "father", "date_of_birth": date(1993, 8, 1),
    "nhs_number": "", "lives_in_household": True, "regular_carer": True, "parental_responsibility": True,
    "last_seen_on": None,
}


# --- register_family -------------------------------------------------------------------------


def test_register_family_creates_family_baby_and_lead_involvement(cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    family = actions.register_family(by=hv, family=household_details(), baby=baby_details(), reason="New birth")

    baby = family.babies.get()
    assert (baby.given_name, baby.nhs_number) == ("Amelia", TEST_NHS_NUMBERS[0])
    assert family.created_by == hv
    involvement = family.involvements.get()
    assert involvement.agency == hv.agency
    assert involvement.is_lead_agency
    assert involvement.is_active
    assert involvement.lead_professional == hv
    assert involvement.reason == "New birth"
    assert involvement.started_on == timezone.localdate()

    event = _last_event()
    assert (event.action, event.family, event.actor) == (Action.CREATE, family, hv)
    assert event.object_id == str(family.public_id)
    assert event.detail["reason"] == "New birth"
    assert event.detail["baby"]["nhs_number"] == TEST_NHS_NUMBERS[0]
    assert event.actor_agency == hv.agency


def test_register_family_refused_without_agency(make_user: Callable[..., User]) -> None:
    floating = make_user("float-fay", "health-visitor", None)
    with pytest.raises(actions.NotAllowed):
        actions.register_family(by=floating, family=household_details(), baby=baby_details(), reason="New birth")
    assert not Family.objects.exists()
    assert not AuditEvent.objects.exists()


def test_register_family_refused_for_invalid_baby_and_saves_nothing(cast: dict[str, User]) -> None:
    with pytest.raises(ValidationError):
        actions.register_family(
            by=cast["health_visitor"], family=household_details(), baby=baby_details(birth_weight_g=100),
            reason="New birth",
        )
    assert not Family.objects.exists()
    assert not Involvement.objects.exists()


# --- edits and the version check ------------------------------------------------------------


def test_update_family_changes_fields_and_audits_before_after(family: Family, cast: dict[str, User]) -> None:
    actions.update_family(
        by=cast["health_visitor"], family=family, expected_version=1,
        changes={"town": "Nottingham", "postcode": "NG1 1AA", "language": "English"},
    )
    family.refresh_from_db()
    assert (family.town, family.postcode, family.version) == ("Nottingham", "NG1 1AA", 2)
    event = _last_event()
    assert (event.action, event.family, event.object_type) == (Action.UPDATE, family, "family")
    # Only the fields that changed, each as [before, after].
    assert event.detail == {"town": ["Derby", "Nottingham"], "postcode": ["DE1 2AB", "NG1 1AA"]}


def test_update_family_stale_when_another_user_saved_first(family: Family, cast: dict[str, User]) -> None:
    # Two people open the household form at version 1.
    hvs_copy = Family.objects.get(pk=family.pk)
    midwifes_copy = Family.objects.get(pk=family.pk)
    assert hvs_copy.version == midwifes_copy.version == 1

    actions.update_family(by=cast["health_visitor"], family=hvs_copy, expected_version=1, changes={"town": "Nottingham"})
    events_before = AuditEvent.objects.count()

    with pytest.raises(actions.StaleEdit) as caught:
        actions.update_family(
            by=cast["midwife"], family=midwifes_copy, expected_version=1,
            changes={"town": "Leicester", "postcode": "DE1 2AB", "interpreter_needed": True},
        )

    differences = {d.field: d for d in caught.value.differences}
    assert set(differences) == {"town", "interpreter_needed"}  # the postcode is the same in both
    assert (differences["town"].saved, differences["town"].yours) == ("Nottingham", "Leicester")
    assert differences["town"].label == "town"
    assert caught.value.current.version == 2
    # No lost update: the first save stands and nothing of the second is saved or audited.
    row = Family.objects.get(pk=family.pk)
    assert (row.town, row.interpreter_needed, row.version) == ("Nottingham", False, 2)
    assert AuditEvent.objects.count() == events_before


def test_update_baby_changes_fields_and_audits(family: Family, cast: dict[str, User]) -> None:
    baby = family.babies.get()
    actions.update_baby(by=cast["midwife"], baby=baby, expected_version=1, changes={"mobility": "rolling", "given_name": "Amy"})
    baby.refresh_from_db()
    assert (baby.mobility, baby.given_name, baby.version) == ("rolling", "Amy", 2)
    event = _last_event()
    assert (event.action, event.family, event.actor) == (Action.UPDATE, family, cast["midwife"])
    assert event.object_id == str(baby.public_id)
    assert event.detail == {"mobility": ["not_rolling", "rolling"], "given_name": ["Amelia", "Amy"]}


def test_update_baby_stale_names_the_field(family: Family, cast: dict[str, User]) -> None:
    baby = family.babies.get()
    actions.update_baby(by=cast["health_visitor"], baby=Baby.objects.get(pk=baby.pk), expected_version=1,
                        changes={"mobility": "sitting"})
    with pytest.raises(actions.StaleEdit) as caught:
        actions.update_baby(by=cast["midwife"], baby=baby, expected_version=1, changes={"mobility": "crawling_or_shuffling"})
    assert [(d.field, d.saved, d.yours) for d in caught.value.differences] == [
        ("mobility", "sitting", "crawling_or_shuffling")
    ]
    assert Baby.objects.get(pk=baby.pk).mobility == "sitting"


def test_add_person_creates_person_and_audits(family: Family, cast: dict[str, User]) -> None:
    person = actions.add_person(by=cast["health_visitor"], family=family, details=PERSON)
    assert Person.objects.get(pk=person.pk).family == family
    assert family.people.count() == 2
    event = _last_event()
    assert (event.action, event.family, event.object_id) == (Action.CREATE, family, str(person.public_id))
    assert event.summary == "Added Jack Hart (Father)"
    assert event.detail["date_of_birth"] == "1993-08-01"


def test_update_person_changes_fields_and_audits(family: Family, cast: dict[str, User]) -> None:
    person = family.people.get()
    actions.update_person(by=cast["health_visitor"], person=person, expected_version=1, changes={"regular_carer": False})
    person.refresh_from_db()
    assert (person.regular_carer, person.version) == (False, 2)
    event = _last_event()
    assert (event.action, event.object_id) == (Action.UPDATE, str(person.public_id))
    assert event.detail == {"regular_carer": [True, False]}


def test_update_person_stale_leaves_row_unchanged(family: Family, cast: dict[str, User]) -> None:
    person = family.people.get()
    actions.update_person(by=cast["health_visitor"], person=Person.objects.get(pk=person.pk), expected_version=1,
                          changes={"family_name": "Hart-Jones"})
    with pytest.raises(actions.StaleEdit) as caught:
        actions.update_person(by=cast["midwife"], person=person, expected_version=1, changes={"family_name": "Smith"})
    assert [d.field for d in caught.value.differences] == ["family_name"]
    assert Person.objects.get(pk=person.pk).family_name == "Hart-Jones"


# --- record_birth ----------------------------------------------------------------------------


def test_record_birth_keeps_the_same_baby_row(make_family: Callable[..., Family], cast: dict[str, User]) -> None:
    family = make_family(baby=_unborn())
    baby = family.babies.get()
    assert not baby.is_born
    pk, public_id = baby.pk, baby.public_id

    actions.record_birth(by=cast["health_visitor"], baby=baby, expected_version=1, birth={
        "date_of_birth": timezone.localdate(), "nhs_number": TEST_NHS_NUMBERS[2], "given_name": "Ava",
        "gestation_at_birth_weeks": 38, "birth_weight_g": 3100,
    })

    assert Baby.objects.count() == 1
    born = Baby.objects.get()
    assert (born.pk, born.public_id) == (pk, public_id)
    assert born.is_born
    assert (born.nhs_number, born.given_name, born.version) == (TEST_NHS_NUMBERS[2], "Ava", 2)
    event = _last_event()
    assert (event.action, event.object_id) == (Action.UPDATE, str(public_id))
    assert event.summary == "Recorded the birth of Ava Hart"
    assert event.detail["date_of_birth"] == [None, timezone.localdate().isoformat()]


def test_record_birth_refused_for_born_baby(family: Family, cast: dict[str, User]) -> None:
    baby = family.babies.get()
    events = AuditEvent.objects.count()
    with pytest.raises(actions.NotAllowed):
        actions.record_birth(by=cast["health_visitor"], baby=baby, expected_version=1,
                             birth={"date_of_birth": timezone.localdate()})
    assert Baby.objects.get(pk=baby.pk).version == 1
    assert AuditEvent.objects.count() == events


# --- involvements ----------------------------------------------------------------------------


def test_record_involvement_creates_active_involvement_and_audits(family: Family, cast: dict[str, User]) -> None:
    police = cast["police"]
    involvement = actions.record_involvement(by=police, family=family, reason="Domestic abuse report")
    assert involvement.is_active
    assert not involvement.is_lead_agency
    assert (involvement.agency, involvement.lead_professional) == (police.agency, police)
    event = _last_event()
    assert (event.action, event.family, event.actor) == (Action.INVOLVEMENT, family, police)
    assert event.detail == {"reason": "Domestic abuse report", "lawful_basis": "public_task"}


def test_record_involvement_idempotent_per_agency(family: Family, cast: dict[str, User],
                                                  make_user: Callable[..., User]) -> None:
    first = actions.record_involvement(by=cast["police"], family=family, reason="Report")
    events = AuditEvent.objects.count()
    colleague = make_user("pc-pat", "practitioner", cast["police"].agency)
    again = actions.record_involvement(by=colleague, family=family, reason="Another report")
    assert again.pk == first.pk
    assert Involvement.objects.filter(family=family, agency=cast["police"].agency).count() == 1
    assert AuditEvent.objects.count() == events


def test_record_involvement_emails_other_agencies_leads_on_commit(
    family: Family, cast: dict[str, User], mailoutbox: list[Any], django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.record_involvement(by=cast["police"], family=family, reason="Domestic abuse report")
    # Health visiting has a named lead; maternity has neither a lead nor a safeguarding address.
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["lead-lucy@example.nhs.uk"]
    assert "Test Police" in message.body
    assert "Domestic abuse report" in message.body
    assert str(family.public_id) in message.body
    assert "Amelia" not in message.body
    assert "Hart" not in message.body


def test_record_involvement_emails_nobody_before_commit(family: Family, cast: dict[str, User], mailoutbox: list[Any]) -> None:
    actions.record_involvement(by=cast["police"], family=family, reason="Domestic abuse report")
    assert mailoutbox == []  # the test's transaction never commits, so neither should the e-mail go


def test_record_involvement_emails_agency_address_without_named_lead(
    family: Family, cast: dict[str, User], mailoutbox: list[Any], django_capture_on_commit_callbacks: Any,
) -> None:
    cast["lead"].roles.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.record_involvement(by=cast["police"], family=family, reason="Report")
    assert [m.to for m in mailoutbox] == [["hv-safeguarding@example.nhs.uk"]]


def test_end_involvement_closes_it_and_audits(family: Family, cast: dict[str, User]) -> None:
    involvement = family.involvements.get(agency=cast["midwife"].agency)
    actions.end_involvement(by=cast["midwife"], involvement=involvement)
    involvement.refresh_from_db()
    assert involvement.ended_on == timezone.localdate()
    assert not involvement.is_active
    event = _last_event()
    assert (event.action, event.summary) == (Action.INVOLVEMENT, "Ended Test Maternity's involvement")


def test_end_involvement_refused_for_another_agency(family: Family, cast: dict[str, User]) -> None:
    involvement = family.involvements.get(agency=cast["midwife"].agency)
    with pytest.raises(actions.NotAllowed):
        actions.end_involvement(by=cast["health_visitor"], involvement=involvement)
    involvement.refresh_from_db()
    assert involvement.is_active


# --- break glass -----------------------------------------------------------------------------


def test_take_break_glass_grants_three_hours_and_audits_reason(family: Family, cast: dict[str, User]) -> None:
    police = cast["police"]
    grant = actions.take_break_glass(by=police, family=family, reason="  Baby found alone at the address  ")
    grant.refresh_from_db()
    assert (grant.user, grant.family) == (police, family)
    assert grant.reason == "Baby found alone at the address"
    assert grant.expires_at - grant.started_at == timedelta(hours=3)
    assert timezone.now() - grant.started_at < timedelta(minutes=1)
    event = _last_event()
    assert (event.action, event.family, event.actor) == (Action.BREAK_GLASS, family, police)
    assert event.detail == {"reason": "Baby found alone at the address"}
    assert event.summary == "Took emergency access for 3 hours"


def test_take_break_glass_emails_lead_agency_safeguarding_lead(
    family: Family, cast: dict[str, User], mailoutbox: list[Any], django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.take_break_glass(by=cast["police"], family=family, reason="Baby found alone at the address")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["lead-lucy@example.nhs.uk"]
    assert message.subject == "Keeping Babies Safe: emergency access taken"
    assert "Baby found alone at the address" in message.body
    assert "Test Police" in message.body
    assert str(family.public_id) in message.body
    assert "Amelia" not in message.body


@pytest.mark.parametrize("reason", ["", "urgent", "   too short     "])
def test_take_break_glass_refused_with_short_reason(family: Family, cast: dict[str, User], reason: str) -> None:
    events = AuditEvent.objects.count()
    with pytest.raises(ValueError, match="at least 10 characters"):
        actions.take_break_glass(by=cast["police"], family=family, reason=reason)
    assert not BreakGlass.objects.exists()
    assert AuditEvent.objects.count() == events


# --- permissions -----------------------------------------------------------------------------


def _attempts(family: Family) -> dict[str, Callable[[User], object]]:
    baby = family.babies.get()
    person = family.people.get()
    return {
        "register_family": lambda by: actions.register_family(
            by=by, family=household_details(), baby=baby_details(nhs_number=TEST_NHS_NUMBERS[3]), reason="x"),
        "update_family": lambda by: actions.update_family(by=by, family=family, expected_version=1, changes={"town": "X"}),
        "add_person": lambda by: actions.add_person(by=by, family=family, details=PERSON),
        "update_person": lambda by: actions.update_person(by=by, person=person, expected_version=1,
                                                          changes={"given_name": "X"}),
        "update_baby": lambda by: actions.update_baby(by=by, baby=baby, expected_version=1, changes={"given_name": "X"}),
        "record_birth": lambda by: actions.record_birth(by=by, baby=baby, expected_version=1,
                                                        birth={"date_of_birth": timezone.localdate()}),
        "record_involvement": lambda by: actions.record_involvement(by=by, family=family, reason="Curious"),
        "take_break_glass": lambda by: actions.take_break_glass(by=by, family=family, reason="Just curious, honestly"),
    }


@pytest.mark.parametrize("persona", ["analyst", "admin", "outsider"])
@pytest.mark.parametrize("action", [
    "register_family", "update_family", "add_person", "update_person", "update_baby", "record_birth",
    "record_involvement", "take_break_glass",
])
def test_action_refused_without_permission(family: Family, cast: dict[str, User], persona: str, action: str) -> None:
    events = AuditEvent.objects.count()
    counts = (Family.objects.count(), Person.objects.count(), Involvement.objects.count(), BreakGlass.objects.count())
    with pytest.raises(actions.NotAllowed):
        _attempts(family)[action](cast[persona])
    assert AuditEvent.objects.count() == events
    assert (Family.objects.count(), Person.objects.count(), Involvement.objects.count(),
            BreakGlass.objects.count()) == counts
    row = Family.objects.get(pk=family.pk)
    assert (row.town, row.version) == ("Derby", 1)


def test_action_refused_for_inactive_user(family: Family, cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    hv.is_active = False
    hv.save()
    with pytest.raises(actions.NotAllowed):
        actions.update_family(by=hv, family=family, expected_version=1, changes={"town": "X"})


def test_record_involvement_refused_without_agency(family: Family, make_user: Callable[..., User]) -> None:
    floating = make_user("float-fay", "practitioner", None)
    with pytest.raises(actions.NotAllowed):
        actions.record_involvement(by=floating, family=family, reason="Report")
    assert family.involvements.count() == 2

