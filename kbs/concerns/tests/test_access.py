"""Who may open a concern, referral or task, and the work lists. Refusals are the same Http404."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from kbs.accounts.models import Agency, User
from kbs.audit.models import Action, AuditEvent
from kbs.concerns import access, actions
from kbs.concerns.models import Concern, Referral, Task, TaskKind
from kbs.families import actions as family_actions
from kbs.families.models import Family


def test_own_agency_sees_an_undecided_concern(concern: Concern, cast: dict[str, User]) -> None:
    for who in ("health_visitor", "lead"):
        assert access.concern_for(cast[who], concern.public_id) == concern


def test_another_agencys_undecided_concern_is_not_found(concern: Concern, cast: dict[str, User]) -> None:
    with pytest.raises(Http404):
        access.concern_for(cast["midwife"], concern.public_id)


def test_a_decided_concern_is_shared_with_involved_agencies(decided: Concern, cast: dict[str, User]) -> None:
    assert access.concern_for(cast["midwife"], decided.public_id) == decided


@pytest.mark.parametrize("who", ["police", "analyst", "admin", "outsider"])
def test_a_decided_concern_is_not_found_by_anyone_not_involved(decided: Concern, cast: dict[str, User], who: str) -> None:
    with pytest.raises(Http404):
        access.concern_for(cast[who], decided.public_id)


def test_a_concern_closed_undecided_stays_with_its_agency(raise_concern: Callable[..., Concern], cast: dict[str, User]) -> None:
    concern = raise_concern(severity="low")
    actions.close_concern(by=cast["lead"], concern=concern, note="Raised twice")
    with pytest.raises(Http404):
        access.concern_for(cast["midwife"], concern.public_id)


def test_concern_for_is_audited_and_refusals_are_not(concern: Concern, cast: dict[str, User]) -> None:
    access.concern_for(cast["lead"], concern.public_id)
    assert AuditEvent.objects.filter(action=Action.VIEW, object_id=str(concern.public_id), actor=cast["lead"]).count() == 1
    with pytest.raises(Http404):
        access.concern_for(cast["midwife"], concern.public_id)
    assert not AuditEvent.objects.filter(action=Action.VIEW, actor=cast["midwife"], object_id=str(concern.public_id)).exists()


@pytest.mark.parametrize("bad", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_missing_or_malformed_ids_are_not_found(cast: dict[str, User], bad: str) -> None:
    for finder in (access.concern_for, access.referral_for, access.task_for):
        with pytest.raises(Http404):
            finder(cast["lead"], bad)


def test_referrals_are_shared_with_every_involved_agency(referral: Referral, cast: dict[str, User]) -> None:
    for who in ("health_visitor", "lead", "midwife"):
        assert access.referral_for(cast[who], referral.public_id) == referral
    for who in ("police", "analyst", "admin", "outsider"):
        with pytest.raises(Http404):
            access.referral_for(cast[who], referral.public_id)


def test_tasks_are_the_agencys_own(hv_task: Task, cast: dict[str, User]) -> None:
    for who in ("health_visitor", "lead"):
        assert access.task_for(cast[who], hv_task.public_id) == hv_task
    for who in ("midwife", "police", "analyst", "outsider"):
        with pytest.raises(Http404):
            access.task_for(cast[who], hv_task.public_id)


def test_police_not_involved_see_nothing_even_of_their_own_agencys_records(
    family: Family, cast: dict[str, User],
) -> None:
    # A police officer records a referral while involved, then the involvement ends.
    police = cast["police"]
    involvement = family_actions.record_involvement(by=police, family=family, reason="Domestic abuse call-out")
    referral = actions.record_referral(by=police, family=family, to="csc", how="phone", to_whom="MASH",
                                       made_at=timezone.now())
    assert access.referral_for(police, referral.public_id) == referral
    family_actions.end_involvement(by=police, involvement=involvement)
    with pytest.raises(Http404):
        access.referral_for(police, referral.public_id)


def test_inbox_is_for_leads_and_puts_overdue_then_severe_first(
    raise_concern: Callable[..., Concern], cast: dict[str, User],
) -> None:
    low = raise_concern(severity="low")
    high = raise_concern(severity="high")
    late = raise_concern(severity="medium")
    Concern.objects.filter(pk=late.pk).update(decision_due_at=timezone.now() - timedelta(hours=1))
    decided = raise_concern(severity="high")
    actions.decide_concern(by=cast["lead"], concern=decided, decision="advice", rationale="Advice given")
    assert list(access.inbox(cast["lead"])) == [late, high, low]
    for who in ("health_visitor", "midwife", "analyst", "outsider"):
        with pytest.raises(Http404):
            access.inbox(cast[who])


def test_inbox_shows_only_the_leads_own_agency(
    raise_concern: Callable[..., Concern], cast: dict[str, User], make_user: Callable[..., User], agencies: dict[str, Agency],
) -> None:
    raise_concern(by=cast["midwife"])
    maternity_lead = make_user("lead-mo", "safeguarding-lead", agencies["maternity"])
    assert list(access.inbox(cast["lead"])) == []
    assert len(access.inbox(maternity_lead)) == 1


def test_my_work_orders_overdue_then_urgent_then_soonest(family: Family, cast: dict[str, User]) -> None:
    hv, agency, now = cast["health_visitor"], cast["health_visitor"].agency, timezone.now()

    def task(title: str, due: timedelta, urgent: bool = False, assigned: User | None = hv) -> Task:
        return actions.create_task(by=None, family=family, kind=TaskKind.OTHER, title=title, agency=agency,  # type: ignore[arg-type]
                                   due_at=now + due, urgent=urgent, assigned_to=assigned)

    soon = task("soon", timedelta(days=1))
    urgent = task("urgent", timedelta(days=2), urgent=True)
    late = task("late", -timedelta(hours=1))
    unassigned = task("for the leads", timedelta(days=1), assigned=None)
    assert list(access.my_work(hv)) == [late, urgent, soon]
    assert unassigned in list(access.my_work(cast["lead"]))
    assert soon not in list(access.my_work(cast["lead"]))  # a colleague's task is theirs, not the lead's
    assert list(access.my_work(cast["midwife"])) == []
    with pytest.raises(Http404):
        access.my_work(cast["analyst"])


def test_overdue_is_for_leads_and_lists_late_and_escalated_things(
    raise_concern: Callable[..., Concern], referral: Referral, hv_task: Task, cast: dict[str, User],
) -> None:
    assert access.overdue(cast["lead"]).count == 0
    late = raise_concern()
    Concern.objects.filter(pk=late.pk).update(decision_due_at=timezone.now() - timedelta(minutes=1))
    actions.escalate_overdue(now=referral.acknowledgement_due_at + timedelta(minutes=1))
    found = access.overdue(cast["lead"])
    assert late in found.concerns
    assert found.referrals == [referral]
    assert hv_task not in found.tasks  # due in three days: not late
    with pytest.raises(Http404):
        access.overdue(cast["health_visitor"])


def test_family_page_lists_only_what_the_user_may_see(concern: Concern, referral: Referral, cast: dict[str, User]) -> None:
    # `concern` is decided in the `referral` fixture's chain; raise a second, undecided one.
    undecided = actions.raise_concern(by=cast["health_visitor"], family=concern.family, baby=None, category="neglect",
                                      what_was_seen="Home very cold", severity="low")
    assert undecided in access.open_concerns_of(cast["health_visitor"], concern.family)
    assert undecided not in access.open_concerns_of(cast["midwife"], concern.family)
    assert referral in access.open_referrals_of(cast["midwife"], concern.family)
