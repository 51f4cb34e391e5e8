"""Recording a baby's death: the row, what stops, who is told, and who may record it.

After a death no routine task is made for the baby, whichever action asks (a task made directly, a
contact with a change to routine, a completed tool), and open routine tasks are cancelled; the
safeguarding work of concerns and referrals carries on. The safeguarding leads of the recording and
lead agencies and the partnership's child death contact are e-mailed a link and nothing else.
"""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kbs.accounts.models import Agency, User
from kbs.audit.models import Action, AuditEvent
from kbs.chronology.models import Entry, Kind, Significance
from kbs.concerns import actions as concern_actions
from kbs.concerns.models import Task, TaskKind, TaskState
from kbs.contacts.actions import record_contact
from kbs.families import actions
from kbs.families.actions import NotAllowed
from kbs.families.models import Baby, Death, Family
from kbs.tools.tests.test_actions import completed

TODAY = timezone.localdate()
NAMES = ("Amelia", "Hart", "Sophie", "Test Street", "DE1 2AB")


@pytest.fixture
def baby(family: Family) -> Baby:
    return family.babies.get()


def details(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "died_on": TODAY - timedelta(days=1), "place": "home", "place_detail": "",
        "how_learned": "Phone call from the emergency department consultant this morning",
        "who_else_aware": "Police, ambulance service, emergency department",
        "other_children": "None", "bereavement_support_offered": True,
        "bereavement_support_detail": "Bereavement midwife, Royal Derby Hospital", "key_worker": "",
    }
    data.update(overrides)
    return data


def task(family: Family, agency: Agency, *, baby: Baby | None = None, kind: TaskKind = TaskKind.REVISIT_SLEEP_PLAN,
         by: User | None = None) -> Task | None:
    return concern_actions.create_task(
        by=by, family=family, baby=baby, kind=kind, title="Revisit the safe sleep plan", agency=agency,
        due_at=timezone.now() + timedelta(days=2),
    )


def contact_with_life_event(by: User, family: Family) -> Any:
    return record_contact(
        by=by, family=family, present=[], deliveries=[],
        details={"at": timezone.now() - timedelta(hours=1), "contact_type": "home_visit", "setting": "home",
                 "baby_seen": False, "sleep_place_observed": "not_seen", "language": "English",
                 "interpreter_used": False, "notes": "", "shared": True},
        life_events=[{"kind": "bereavement", "note": ""}],
    )


# --- the record ----------------------------------------------------------------------------------


def test_record_death_saves_the_record_and_flags_the_baby(cast: dict[str, User], baby: Baby) -> None:
    death = actions.record_death(by=cast["health_visitor"], baby=baby, details=details())
    assert death.recorded_by == cast["health_visitor"]
    assert death.recorded_by_agency == cast["health_visitor"].agency
    assert death.died_on == TODAY - timedelta(days=1)
    assert Baby.objects.get(pk=baby.pk).has_died
    assert not Baby.objects.create(family=baby.family, family_name="Hart", expected_delivery_date=TODAY).has_died


def test_record_death_writes_the_audit_row_and_a_significant_shared_entry(cast: dict[str, User], baby: Baby) -> None:
    death = actions.record_death(by=cast["midwife"], baby=baby, details=details())
    event = AuditEvent.objects.get(action=Action.CREATE, object_type="death")
    assert event.actor == cast["midwife"]
    assert event.family == baby.family
    assert event.detail["how_learned"] == details()["how_learned"]
    entry = Entry.objects.get(kind=Kind.DEATH)
    assert (entry.baby, entry.significance, entry.shared) == (baby, Significance.SIGNIFICANT, True)
    assert entry.link == death.get_absolute_url()
    assert "Test Maternity" in entry.summary


def test_record_death_is_recorded_once(cast: dict[str, User], baby: Baby) -> None:
    actions.record_death(by=cast["health_visitor"], baby=baby, details=details())
    with pytest.raises(ValidationError, match="already been recorded"):
        actions.record_death(by=cast["midwife"], baby=baby, details=details())
    assert Death.objects.count() == 1


@pytest.mark.parametrize(("died_on", "message"), [
    (TODAY + timedelta(days=1), "today or in the past"),
    (TODAY - timedelta(weeks=11), "on or after their date of birth"),
])
def test_record_death_with_an_impossible_date_saves_nothing(cast: dict[str, User], baby: Baby, died_on: date,
                                                           message: str) -> None:
    open_task = task(baby.family, cast["health_visitor"].agency, baby=baby)
    assert open_task is not None
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match=message):
        actions.record_death(by=cast["health_visitor"], baby=baby, details=details(died_on=died_on))
    assert not Death.objects.exists()
    assert not Entry.objects.filter(kind=Kind.DEATH).exists()
    assert AuditEvent.objects.count() == before
    assert Task.objects.get(pk=open_task.pk).state == TaskState.OPEN


@pytest.mark.parametrize(("overrides", "field"), [
    ({"place": "elsewhere", "place_detail": " "}, "place_detail"),
    ({"bereavement_support_offered": True, "bereavement_support_detail": ""}, "bereavement_support_detail"),
])
def test_record_death_needs_the_detail_its_answers_call_for(cast: dict[str, User], baby: Baby, overrides: dict[str, Any],
                                                            field: str) -> None:
    with pytest.raises(ValidationError) as error:
        actions.record_death(by=cast["health_visitor"], baby=baby, details=details(**overrides))
    assert field in error.value.message_dict
    assert not Death.objects.exists()


def test_record_death_refused_for_an_unborn_baby(cast: dict[str, User], make_family: Callable[..., Family]) -> None:
    from kbs.conftest import baby_details

    unborn = make_family(baby=baby_details(nhs_number="", date_of_birth=None, expected_delivery_date=TODAY + timedelta(days=20)),
                         postcode="DE22 1AA").babies.get()
    with pytest.raises(ValidationError, match="birth is recorded"):
        actions.record_death(by=cast["health_visitor"], baby=unborn, details=details())
    assert not Death.objects.exists()


@pytest.mark.parametrize("persona", ["health_visitor", "midwife", "lead"])
def test_record_death_allowed_for_health_professionals_and_leads(cast: dict[str, User], baby: Baby, persona: str) -> None:
    actions.record_death(by=cast[persona], baby=baby, details=details())
    assert Death.objects.filter(recorded_by=cast[persona]).exists()


@pytest.mark.parametrize("role", ["gp", "paediatrician"])
def test_record_death_allowed_for_doctors(agencies: dict[str, Agency], make_user: Callable[..., User], baby: Baby,
                                          role: str) -> None:
    doctor = make_user(f"dr-{role}", role, agencies["maternity"])
    actions.record_death(by=doctor, baby=baby, details=details())
    assert Death.objects.exists()


@pytest.mark.parametrize("persona", ["police", "analyst", "admin", "outsider"])
def test_record_death_refused_for_everyone_else(cast: dict[str, User], baby: Baby, persona: str) -> None:
    with pytest.raises(NotAllowed):
        actions.record_death(by=cast[persona], baby=baby, details=details())
    assert not Death.objects.exists()


# --- what stops ----------------------------------------------------------------------------------


def test_record_death_cancels_open_routine_tasks_and_keeps_safeguarding_ones(cast: dict[str, User], baby: Baby) -> None:
    hv, agency = cast["health_visitor"], cast["health_visitor"].agency
    for_baby = task(baby.family, agency, baby=baby)
    for_family = task(baby.family, agency, kind=TaskKind.TOOL_ACTION)
    concern = concern_actions.raise_concern(by=hv, family=baby.family, baby=baby, category="unsafe_sleep",
                                            what_was_seen="Asleep on the sofa with dad", severity="medium")
    already_done = task(baby.family, agency, baby=baby, by=hv)
    assert for_baby
    assert for_family
    assert already_done
    Task.objects.filter(pk=already_done.pk).update(state=TaskState.DONE)

    actions.record_death(by=cast["midwife"], baby=baby, details=details())

    for cancelled in (for_baby, for_family):
        cancelled.refresh_from_db()
        assert cancelled.state == TaskState.CANCELLED
        assert cancelled.completion_note == "The baby has died"
        assert cancelled.completed_by == cast["midwife"]
        assert AuditEvent.objects.filter(object_id=str(cancelled.public_id), summary__startswith="Cancelled").exists()
    assert Task.objects.get(source_id=str(concern.public_id)).state == TaskState.OPEN
    assert Task.objects.get(pk=already_done.pk).state == TaskState.DONE


def test_record_death_keeps_family_tasks_while_another_baby_lives(cast: dict[str, User], baby: Baby) -> None:
    Baby.objects.create(family=baby.family, given_name="Isla", family_name="Hart", date_of_birth=baby.date_of_birth,
                        multiple_birth=True)
    agency = cast["health_visitor"].agency
    for_family = task(baby.family, agency)
    actions.record_death(by=cast["health_visitor"], baby=baby, details=details())
    assert for_family is not None
    assert Task.objects.get(pk=for_family.pk).state == TaskState.OPEN
    # A surviving twin still gets the family's routine reminders.
    assert task(baby.family, agency) is not None


def test_no_routine_task_is_made_for_a_baby_who_has_died(cast: dict[str, User], baby: Baby, mailoutbox: list[Any],
                                                         django_capture_on_commit_callbacks: Any) -> None:
    hv = cast["health_visitor"]
    actions.record_death(by=cast["midwife"], baby=baby, details=details())
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert task(baby.family, hv.agency, baby=baby) is None
        assert task(baby.family, hv.agency, kind=TaskKind.OTHER) is None
        contact_with_life_event(hv, baby.family)
        # No tool can even be started for a baby who has died, so none can make a task.
        with pytest.raises(actions.NotAllowed):
            completed(hv, baby.family, "safer-sleep")
    assert not Task.objects.exists()
    assert mailoutbox == []


def test_safeguarding_tasks_are_still_made_after_a_death(cast: dict[str, User], baby: Baby) -> None:
    actions.record_death(by=cast["midwife"], baby=baby, details=details())
    concern = concern_actions.raise_concern(by=cast["health_visitor"], family=baby.family, baby=baby, category="other",
                                            what_was_seen="Worries raised about the circumstances", severity="high")
    assert Task.objects.get(source_id=str(concern.public_id)).kind == TaskKind.DECIDE_CONCERN


# --- who is told ---------------------------------------------------------------------------------


def test_record_death_tells_the_leads_and_the_child_death_contact_without_names(
    cast: dict[str, User], baby: Baby, agencies: dict[str, Agency], make_user: Callable[..., User],
    mailoutbox: list[Any], django_capture_on_commit_callbacks: Any, settings: Any,
) -> None:
    settings.KBS_CHILD_DEATH_CONTACT_EMAIL = "cdop@example.nhs.uk"
    maternity_lead = make_user("lead-mo", "safeguarding-lead", agencies["maternity"])
    with django_capture_on_commit_callbacks(execute=True):
        death = actions.record_death(by=cast["midwife"], baby=baby, details=details())

    # The recording agency (maternity) and the lead agency (health visiting): each lead once.
    to_leads, to_contact = mailoutbox
    assert sorted(to_leads.to) == sorted([maternity_lead.email, cast["lead"].email])
    assert to_contact.to == ["cdop@example.nhs.uk"]
    for mail in mailoutbox:
        assert death.get_absolute_url() in mail.body
        assert "Test Maternity" in mail.body
        for name in (*NAMES, str(cast["midwife"])):
            assert name not in mail.body
            assert name not in mail.subject
    assert cast["health_visitor"].email not in to_leads.to


def test_record_death_without_a_child_death_contact_still_tells_the_leads(
    cast: dict[str, User], baby: Baby, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any, settings: Any,
) -> None:
    settings.KBS_CHILD_DEATH_CONTACT_EMAIL = ""
    with django_capture_on_commit_callbacks(execute=True):
        actions.record_death(by=cast["health_visitor"], baby=baby, details=details())
    assert [mail.to for mail in mailoutbox] == [[cast["lead"].email]]


def test_record_death_sends_nothing_when_it_fails(cast: dict[str, User], baby: Baby, mailoutbox: list[Any],
                                                  django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        actions.record_death(by=cast["health_visitor"], baby=baby, details=details(died_on=TODAY + timedelta(days=2)))
    assert mailoutbox == []
