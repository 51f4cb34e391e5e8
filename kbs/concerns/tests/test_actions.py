"""Each action: the state it leaves, its Transition row, its audit event and its chronology entry;
the refusals; the e-mails (after the commit, links only); and the clock that escalates."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kbs.accounts.models import User
from kbs.audit.models import Action, AuditEvent
from kbs.chronology.models import Entry, Kind, Significance
from kbs.concerns import actions
from kbs.concerns.models import Concern, Referral, Task, TaskKind, Transition
from kbs.concerns.states import TransitionRefused
from kbs.core.clocks import working_days_deadline
from kbs.families.models import Family

PERSONAL = ["Amelia", "Hart", "Hv Tester", "Lead Tester", "DE1 2AB", "bruise", "Test Street"]


def _no_personal_details(message: Any) -> None:
    text = message.subject + message.body
    for word in PERSONAL:
        assert word not in text, f"{word!r} must not be in an e-mail"


def _audit(obj: Any, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_id=str(obj.public_id), action=action).order_by("id"))


def _entries(obj: Any) -> list[Entry]:
    return list(Entry.objects.filter(source_id=str(obj.public_id)).order_by("id"))


def _tasks(source: Any, kind: str | None = None) -> list[Task]:
    tasks = Task.objects.filter(source_id=str(source.public_id)).order_by("id")
    return list(tasks.filter(kind=kind) if kind else tasks)


# --- raise -----------------------------------------------------------------------------------


def test_raise_concern_records_state_transition_audit_and_private_chronology(concern: Concern, cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    assert (concern.state, concern.agency, concern.raised_by) == ("raised", hv.agency, hv)
    rows = list(Transition.objects.filter(concern=concern))
    assert [(r.from_state, r.to_state, r.by) for r in rows] == [("", "raised", hv)]
    assert [e.actor for e in _audit(concern, Action.CREATE)] == [hv]
    [entry] = _entries(concern)
    assert (entry.kind, entry.shared, entry.significance) == (Kind.CONCERN, False, Significance.NOTABLE)
    assert entry.link == concern.get_absolute_url()


def test_raise_concern_gives_the_agency_an_unassigned_decision_task(concern: Concern, cast: dict[str, User]) -> None:
    [task] = _tasks(concern)
    assert (task.kind, task.assigned_to, task.agency, task.urgent, task.due_at) == (
        TaskKind.DECIDE_CONCERN, None, cast["health_visitor"].agency, False, concern.decision_due_at,
    )


def test_high_severity_concern_is_significant_urgent_and_due_today(raise_concern: Callable[..., Concern]) -> None:
    concern = raise_concern(severity="high")
    assert timezone.localtime(concern.decision_due_at).date() == timezone.localdate()
    assert _entries(concern)[0].significance == Significance.SIGNIFICANT
    assert _tasks(concern)[0].urgent


def test_raise_concern_emails_the_agencys_leads_once_after_commit(
    raise_concern: Callable[..., Concern], cast: dict[str, User], mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        concern = raise_concern(severity="high")
    [message] = mailoutbox
    assert message.to == [cast["lead"].email]
    assert concern.get_absolute_url() in message.body
    assert "high-severity" in message.subject
    _no_personal_details(message)


def test_raise_concern_sends_nothing_before_commit(raise_concern: Callable[..., Concern], mailoutbox: list[Any]) -> None:
    raise_concern()
    assert mailoutbox == []


@pytest.mark.parametrize("who", ["analyst", "admin", "outsider"])
def test_raise_concern_refused_without_a_practitioner_role(raise_concern: Callable[..., Concern], cast: dict[str, User], who: str) -> None:
    with pytest.raises(TransitionRefused):
        raise_concern(by=cast[who])
    assert not Concern.objects.exists()


def test_raise_concern_refused_for_a_baby_of_another_family(
    raise_concern: Callable[..., Concern], make_family: Callable[..., Family],
) -> None:
    from kbs.conftest import baby_details

    other = make_family(baby=baby_details(nhs_number="", given_name="Other"))
    with pytest.raises(TransitionRefused, match="not in this family"):
        raise_concern(baby=other.babies.first())


# --- decide ----------------------------------------------------------------------------------


def test_decide_concern_records_decision_and_shares_it(decided: Concern, cast: dict[str, User]) -> None:
    lead = cast["lead"]
    decided.refresh_from_db()
    assert (decided.state, decided.decision, decided.decided_by) == ("decided", "refer_csc", lead)
    assert decided.rationale == "Non-mobile baby with a bruise"
    last = Transition.objects.filter(concern=decided).last()
    assert last is not None
    assert (last.from_state, last.to_state, last.by) == ("raised", "decided", lead)
    assert "Non-mobile baby" in last.note
    assert [e.actor for e in _audit(decided, Action.UPDATE)] == [lead]
    raised, decision = _entries(decided)
    assert (raised.shared, decision.shared, decision.significance) == (False, True, Significance.SIGNIFICANT)
    assert "Refer to children's social care" in decision.summary


def test_decide_concern_closes_the_decision_task_and_asks_the_lead_to_refer(decided: Concern, cast: dict[str, User]) -> None:
    [decide] = _tasks(decided, TaskKind.DECIDE_CONCERN)
    assert (decide.state, decide.completed_by) == ("done", cast["lead"])
    [refer] = _tasks(decided, TaskKind.OTHER)
    assert (refer.state, refer.assigned_to) == ("open", cast["lead"])
    assert "Make the referral" in refer.title


def test_decide_concern_without_a_referral_asks_for_nothing_more(concern: Concern, decide: Callable[..., Concern]) -> None:
    decide(concern, decision="advice", rationale="Advice about safe handling given")
    assert _tasks(concern, TaskKind.OTHER) == []
    assert _entries(concern)[-1].significance == Significance.NOTABLE


@pytest.mark.parametrize("who", ["health_visitor", "midwife", "police"])
def test_decide_concern_refused_for_anyone_but_the_agencys_lead(concern: Concern, cast: dict[str, User], who: str) -> None:
    with pytest.raises(TransitionRefused, match="Only a safeguarding lead"):
        actions.decide_concern(by=cast[who], concern=concern, decision="advice", rationale="x")
    concern.refresh_from_db()
    assert (concern.state, concern.decision) == ("raised", "")


def test_decide_concern_needs_reasons(concern: Concern, cast: dict[str, User]) -> None:
    with pytest.raises(TransitionRefused, match="reasons"):
        actions.decide_concern(by=cast["lead"], concern=concern, decision="advice", rationale="  ")
    assert Transition.objects.filter(concern=concern).count() == 1


def test_decide_concern_twice_is_refused(decided: Concern, decide: Callable[..., Concern]) -> None:
    with pytest.raises(TransitionRefused, match="already decided"):
        decide(decided, decision="advice")


# --- referrals -------------------------------------------------------------------------------


def test_record_referral_starts_the_acknowledgement_clock(referral: Referral, cast: dict[str, User]) -> None:
    lead = cast["lead"]
    assert referral.state == "made"
    assert referral.acknowledgement_due_at == working_days_deadline(referral.made_at, 1)
    assert [(t.from_state, t.to_state, t.by) for t in referral.transitions.all()] == [("", "made", lead)]
    assert [e.actor for e in _audit(referral, Action.CREATE)] == [lead]
    [entry] = _entries(referral)
    assert (entry.kind, entry.shared, entry.significance) == (Kind.REFERRAL, True, Significance.SIGNIFICANT)


def test_record_referral_finishes_the_make_referral_task_and_sets_a_chase(referral: Referral, cast: dict[str, User]) -> None:
    assert referral.concern is not None
    assert [t.state for t in _tasks(referral.concern, TaskKind.OTHER)] == ["done"]
    [chase] = _tasks(referral)
    assert (chase.kind, chase.assigned_to, chase.due_at) == (
        TaskKind.CHASE_ACKNOWLEDGEMENT, cast["lead"], referral.acknowledgement_due_at,
    )


def test_record_referral_straight_from_the_family_by_a_practitioner(
    family: Family, refer: Callable[..., Referral], cast: dict[str, User],
) -> None:
    referral = refer(family=family, by=cast["midwife"], to="police", how="in_person")
    assert (referral.agency, referral.concern) == (cast["midwife"].agency, None)
    [chase] = _tasks(referral)
    assert (chase.assigned_to, chase.agency) == (None, cast["midwife"].agency)


def test_record_referral_refused_before_the_concern_is_decided(concern: Concern, refer: Callable[..., Referral]) -> None:
    with pytest.raises(TransitionRefused, match="must decide"):
        refer(concern)
    assert not Referral.objects.exists()


def test_record_referral_refused_about_another_agencys_concern(
    decided: Concern, refer: Callable[..., Referral], cast: dict[str, User],
) -> None:
    with pytest.raises(TransitionRefused, match="Only staff of Test Health Visiting"):
        refer(decided, by=cast["midwife"])


def test_record_referral_refused_in_the_future(decided: Concern, refer: Callable[..., Referral]) -> None:
    with pytest.raises(TransitionRefused, match="future"):
        refer(decided, made_at=timezone.now() + timedelta(hours=2))


def test_acknowledge_referral(referral: Referral, cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    when = timezone.now() - timedelta(minutes=5)
    actions.acknowledge_referral(by=hv, referral=referral, acknowledged_at=when, reference="CSC-99")
    referral.refresh_from_db()
    assert (referral.state, referral.acknowledged_at, referral.reference) == ("acknowledged", when, "CSC-99")
    assert referral.transitions.last().to_state == "acknowledged"  # type: ignore[union-attr]
    assert _audit(referral, Action.UPDATE)[-1].actor == hv
    assert _entries(referral)[-1].significance == Significance.NOTABLE
    chase, outcome = _tasks(referral)
    assert chase.state == "done"
    assert (outcome.kind, outcome.state, outcome.assigned_to) == (TaskKind.RECORD_OUTCOME, "open", cast["lead"])


def test_acknowledge_referral_refused_before_it_was_made(referral: Referral, cast: dict[str, User]) -> None:
    with pytest.raises(TransitionRefused, match="before the referral was made"):
        actions.acknowledge_referral(by=cast["lead"], referral=referral,
                                     acknowledged_at=referral.made_at - timedelta(hours=1))


def test_record_referral_outcome(referral: Referral, cast: dict[str, User]) -> None:
    actions.acknowledge_referral(by=cast["lead"], referral=referral, acknowledged_at=timezone.now())
    actions.record_referral_outcome(by=cast["lead"], referral=referral, outcome="child_in_need", note="Assessment opened")
    referral.refresh_from_db()
    assert (referral.state, referral.outcome, referral.outcome_note) == ("outcome_recorded", "child_in_need", "Assessment opened")
    assert referral.outcome_at is not None
    assert [t.to_state for t in referral.transitions.all()] == ["made", "acknowledged", "outcome_recorded"]
    assert _entries(referral)[-1].significance == Significance.SIGNIFICANT
    assert {t.state for t in _tasks(referral)} == {"done"}


def test_record_referral_outcome_refused_before_acknowledgement(referral: Referral, cast: dict[str, User]) -> None:
    with pytest.raises(TransitionRefused, match="waiting for acknowledgement"):
        actions.record_referral_outcome(by=cast["lead"], referral=referral, outcome="advice")


# --- close -----------------------------------------------------------------------------------


def test_close_refused_while_a_referral_has_no_outcome(referral: Referral, cast: dict[str, User]) -> None:
    assert referral.concern is not None
    with pytest.raises(TransitionRefused, match="outcome of every referral"):
        actions.close_concern(by=cast["lead"], concern=referral.concern, note="Done")
    referral.concern.refresh_from_db()
    assert referral.concern.state == "decided"


def test_close_refused_for_a_decision_to_refer_with_no_referral(decided: Concern, cast: dict[str, User]) -> None:
    with pytest.raises(TransitionRefused, match="record the referral"):
        actions.close_concern(by=cast["lead"], concern=decided, note="Done")


def test_close_refused_for_high_severity_without_a_decision(raise_concern: Callable[..., Concern], cast: dict[str, User]) -> None:
    concern = raise_concern(severity="high")
    with pytest.raises(TransitionRefused, match="high-severity concern cannot be closed"):
        actions.close_concern(by=cast["lead"], concern=concern, note="Raised in error")
    assert Transition.objects.filter(concern=concern).count() == 1


def test_close_needs_a_note(concern: Concern, cast: dict[str, User]) -> None:
    with pytest.raises(TransitionRefused, match="Say what was done"):
        actions.close_concern(by=cast["lead"], concern=concern, note="")


def test_close_refused_for_a_practitioner(concern: Concern, cast: dict[str, User]) -> None:
    with pytest.raises(TransitionRefused, match="Only a safeguarding lead"):
        actions.close_concern(by=cast["health_visitor"], concern=concern, note="Raised twice")


def test_close_an_undecided_low_concern_keeps_it_private(raise_concern: Callable[..., Concern], cast: dict[str, User]) -> None:
    concern = raise_concern(severity="low")
    actions.close_concern(by=cast["lead"], concern=concern, note="Raised twice by mistake")
    concern.refresh_from_db()
    assert concern.state == "closed"
    assert [t.to_state for t in concern.transitions.all()] == ["raised", "closed"]
    assert [e.shared for e in _entries(concern)] == [False, False]
    assert [t.state for t in _tasks(concern)] == ["cancelled"]


def test_close_after_the_outcome(referral: Referral, cast: dict[str, User]) -> None:
    lead = cast["lead"]
    concern = referral.concern
    assert concern is not None
    actions.acknowledge_referral(by=lead, referral=referral, acknowledged_at=timezone.now())
    actions.record_referral_outcome(by=lead, referral=referral, outcome="no_further_action")
    actions.close_concern(by=lead, concern=concern, note="CSC took no further action; HV to continue universal plus")
    concern.refresh_from_db()
    assert concern.state == "closed"
    last = concern.transitions.last()
    assert last is not None
    assert (last.from_state, last.to_state, last.by) == ("decided", "closed", lead)
    assert _audit(concern, Action.UPDATE)[-1].summary == "Closed a concern"
    assert _entries(concern)[-1].shared is True


# --- tasks -----------------------------------------------------------------------------------


def test_complete_task_by_its_assignee(hv_task: Task, cast: dict[str, User]) -> None:
    actions.complete_task(by=cast["health_visitor"], task=hv_task, note="Plan reviewed with both parents")
    hv_task.refresh_from_db()
    assert (hv_task.state, hv_task.completed_by, hv_task.completion_note) == ("done", cast["health_visitor"], "Plan reviewed with both parents")
    assert _audit(hv_task, Action.UPDATE)[-1].actor == cast["health_visitor"]
    [entry] = _entries(hv_task)
    assert (entry.kind, entry.shared) == (Kind.TASK, False)


def test_complete_task_by_a_lead_of_its_agency(hv_task: Task, cast: dict[str, User]) -> None:
    actions.complete_task(by=cast["lead"], task=hv_task)
    hv_task.refresh_from_db()
    assert hv_task.state == "done"


@pytest.mark.parametrize("who", ["midwife", "police", "analyst"])
def test_complete_task_refused_for_others(hv_task: Task, cast: dict[str, User], who: str) -> None:
    with pytest.raises(TransitionRefused, match="Only the person this task is for"):
        actions.complete_task(by=cast[who], task=hv_task)


def test_complete_task_refused_for_a_colleague_on_an_unassigned_task(concern: Concern, family: Family, cast: dict[str, User]) -> None:
    task = actions.create_task(by=None, family=family, kind=TaskKind.OTHER, title="Check", agency=cast["lead"].agency,  # type: ignore[arg-type]
                               due_at=timezone.now())
    with pytest.raises(TransitionRefused):
        actions.complete_task(by=cast["health_visitor"], task=task)


def test_complete_urgent_task_needs_a_note(family: Family, cast: dict[str, User]) -> None:
    task = actions.create_task(by=None, family=family, kind=TaskKind.TOOL_ACTION, title="Same-day review",
                               agency=cast["health_visitor"].agency, due_at=timezone.now(), urgent=True,  # type: ignore[arg-type]
                               assigned_to=cast["health_visitor"])
    with pytest.raises(TransitionRefused, match="urgent"):
        actions.complete_task(by=cast["health_visitor"], task=task, note=" ")
    task.refresh_from_db()
    assert task.state == "open"


def test_decision_task_cannot_be_completed_or_cancelled_by_hand(concern: Concern, cast: dict[str, User]) -> None:
    [task] = _tasks(concern)
    with pytest.raises(TransitionRefused, match="when the concern is decided"):
        actions.complete_task(by=cast["lead"], task=task, note="x")
    with pytest.raises(TransitionRefused, match="when the concern is decided"):
        actions.cancel_task(by=cast["lead"], task=task, note="x")


def test_a_done_task_cannot_be_done_again(hv_task: Task, cast: dict[str, User]) -> None:
    actions.complete_task(by=cast["health_visitor"], task=hv_task)
    with pytest.raises(TransitionRefused, match="already done"):
        actions.complete_task(by=cast["health_visitor"], task=hv_task)


def test_cancel_task_by_a_lead_with_a_reason(hv_task: Task, cast: dict[str, User]) -> None:
    with pytest.raises(TransitionRefused, match="Say why"):
        actions.cancel_task(by=cast["lead"], task=hv_task, note="")
    actions.cancel_task(by=cast["lead"], task=hv_task, note="Family moved away")
    hv_task.refresh_from_db()
    assert (hv_task.state, hv_task.completion_note) == ("cancelled", "Family moved away")
    assert _entries(hv_task)[-1].shared is False


def test_cancel_task_refused_for_the_assignee(hv_task: Task, cast: dict[str, User]) -> None:
    with pytest.raises(TransitionRefused, match="Only a safeguarding lead"):
        actions.cancel_task(by=cast["health_visitor"], task=hv_task, note="Not needed")


# --- task e-mails ----------------------------------------------------------------------------


def test_create_task_emails_the_assignee_not_the_creator(
    family: Family, cast: dict[str, User], mailoutbox: list[Any], django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        task = actions.create_task(by=cast["lead"], family=family, kind=TaskKind.OTHER, title="Visit Amelia Hart",
                                   agency=cast["lead"].agency, due_at=timezone.now(), assigned_to=cast["health_visitor"])  # type: ignore[arg-type]
    [message] = mailoutbox
    assert message.to == [cast["health_visitor"].email]
    assert task.get_absolute_url() in message.body
    _no_personal_details(message)


def test_create_task_unassigned_emails_the_leads(
    family: Family, cast: dict[str, User], mailoutbox: list[Any], django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.create_task(by=cast["health_visitor"], family=family, kind=TaskKind.OTHER, title="Check",
                            agency=cast["lead"].agency, due_at=timezone.now())  # type: ignore[arg-type]
    assert [m.to for m in mailoutbox] == [[cast["lead"].email]]


def test_create_urgent_task_emails_the_assignee_and_the_leads(
    family: Family, cast: dict[str, User], mailoutbox: list[Any], django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.create_task(by=None, family=family, kind=TaskKind.TOOL_ACTION, title="Same day", urgent=True,
                            agency=cast["lead"].agency, due_at=timezone.now(), assigned_to=cast["health_visitor"])  # type: ignore[arg-type]
    [message] = mailoutbox
    assert sorted(message.to) == sorted([cast["health_visitor"].email, cast["lead"].email])
    assert "urgent" in message.subject


# --- escalation ------------------------------------------------------------------------------


def test_escalate_overdue_does_nothing_before_anything_is_due(concern: Concern, referral: Referral, hv_task: Task) -> None:
    assert actions.escalate_overdue() == []
    assert not Concern.objects.filter(escalated_at__isnull=False).exists()


def test_escalate_overdue_escalates_each_thing_once_and_emails_the_leads_once(
    raise_concern: Callable[..., Concern], referral: Referral, hv_task: Task, cast: dict[str, User],
    mailoutbox: list[Any], django_capture_on_commit_callbacks: Any,
) -> None:
    waiting = raise_concern(severity="low")
    later = working_days_deadline(timezone.now(), 2) + timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        escalated = actions.escalate_overdue(now=later)
    assert waiting in escalated
    assert referral in escalated
    assert hv_task in escalated
    for record in (waiting, referral, hv_task):
        record.refresh_from_db()
        assert record.escalated_at == later
        [event] = [e for e in _audit(record, Action.UPDATE) if e.summary.startswith("Escalated")]
        assert (event.actor, event.actor_name) == (None, actions.CLOCK_NAME)
    [message] = mailoutbox
    assert message.to == [cast["lead"].email]
    for record in (waiting, referral, hv_task):
        assert record.get_absolute_url() in message.body
    _no_personal_details(message)

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.escalate_overdue(now=later + timedelta(days=1)) == []
    assert mailoutbox == []


def test_escalate_overdue_skips_what_is_done(referral: Referral, cast: dict[str, User]) -> None:
    actions.acknowledge_referral(by=cast["lead"], referral=referral, acknowledged_at=timezone.now())
    escalated = actions.escalate_overdue(now=referral.acknowledgement_due_at + timedelta(minutes=1))
    assert referral not in escalated
    assert referral.concern not in escalated  # decided, so its decision clock has stopped
    assert all(getattr(r, "state", "open") in {"open", "raised", "made"} for r in escalated)


def test_run_clocks_command(concern: Concern, capsys: Any) -> None:
    from django.core.management import call_command

    call_command("run_clocks")
    assert "Escalated 0 overdue items" in capsys.readouterr().out
