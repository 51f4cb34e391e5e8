"""Both lifecycles, exhaustively: every allowed step works for the right person and writes a
Transition row; every other step, and every step by the wrong person, is refused and writes nothing."""

from collections.abc import Callable
from itertools import product

import pytest
from django.db.models import Model
from django.utils import timezone

from kbs.accounts.models import User
from kbs.concerns import states
from kbs.concerns.models import Concern, ConcernState, Referral, ReferralState, Transition
from kbs.concerns.states import CONCERN, REFERRAL, TransitionRefused, Who

CONCERN_STEPS = {(s.from_state, s.to_state) for s in CONCERN.steps}
REFERRAL_STEPS = {(s.from_state, s.to_state) for s in REFERRAL.steps}


def _refused_pairs(values: list[str], allowed: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """Every move between two states (including to the same state) that the machine does not list."""
    return [(a, b) for a, b in product(values, values) if (a, b) not in allowed]


def test_the_machines_are_what_the_service_promises() -> None:
    assert CONCERN_STEPS == {
        ("", "raised"), ("raised", "decided"), ("raised", "closed"), ("decided", "closed"),
    }
    assert REFERRAL_STEPS == {("", "made"), ("made", "acknowledged"), ("acknowledged", "outcome_recorded")}
    assert {s.who for s in CONCERN.steps if s.from_state} == {Who.LEAD}
    assert {s.who for s in REFERRAL.steps} == {Who.PRACTITIONER}


def _at(record: Model, state: str) -> Model:
    type(record).objects.filter(pk=record.pk).update(state=state)  # type: ignore[attr-defined]
    record.refresh_from_db()
    return record


# --- concerns --------------------------------------------------------------------------------


@pytest.mark.parametrize(("from_state", "to_state"), sorted(p for p in CONCERN_STEPS if p[0]))
def test_concern_allowed_step(concern: Concern, cast: dict[str, User], from_state: str, to_state: str) -> None:
    _at(concern, from_state)
    before = Transition.objects.filter(concern=concern).count()
    row = states.move(concern, to_state, cast["lead"], "because")
    concern.refresh_from_db()
    assert concern.state == to_state
    assert Transition.objects.filter(concern=concern).count() == before + 1
    assert (row.from_state, row.to_state, row.by, row.note) == (from_state, to_state, cast["lead"], "because")
    assert row.at <= timezone.now()


@pytest.mark.parametrize(("from_state", "to_state"), sorted(p for p in CONCERN_STEPS if p[0]))
@pytest.mark.parametrize("who", ["health_visitor", "midwife", "police", "analyst", "outsider"])
def test_concern_step_refused_for_anyone_but_the_agencys_lead(
    concern: Concern, cast: dict[str, User], from_state: str, to_state: str, who: str,
) -> None:
    _at(concern, from_state)
    before = Transition.objects.count()
    with pytest.raises(TransitionRefused, match="Only a safeguarding lead of Test Health Visiting"):
        states.move(concern, to_state, cast[who], "")
    assert Transition.objects.count() == before
    concern.refresh_from_db()
    assert concern.state == from_state


def test_concern_step_refused_for_another_agencys_lead(
    concern: Concern, cast: dict[str, User], make_user: Callable[..., User], agencies: dict,
) -> None:
    other_lead = make_user("lead-mo", "safeguarding-lead", agencies["maternity"])
    with pytest.raises(TransitionRefused, match="Only a safeguarding lead of Test Health Visiting"):
        states.move(concern, ConcernState.DECIDED, other_lead, "")


@pytest.mark.parametrize(("from_state", "to_state"), _refused_pairs(ConcernState.values, CONCERN_STEPS))
def test_concern_refused_step(concern: Concern, cast: dict[str, User], from_state: str, to_state: str) -> None:
    _at(concern, from_state)
    before = Transition.objects.count()
    with pytest.raises(TransitionRefused, match=r"^This concern is .*, so it cannot be "):
        states.move(concern, to_state, cast["lead"], "")
    assert Transition.objects.count() == before


@pytest.mark.parametrize("state", [ConcernState.DECIDED, ConcernState.CLOSED])
def test_a_concern_cannot_begin_anywhere_but_raised(concern: Concern, cast: dict[str, User], state: str) -> None:
    concern.state = state
    with pytest.raises(TransitionRefused, match="cannot be"):
        states.begin(concern, cast["health_visitor"])


def test_a_concern_is_begun_by_a_practitioner_of_its_agency_only(concern: Concern, cast: dict[str, User]) -> None:
    with pytest.raises(TransitionRefused, match="Only staff of Test Health Visiting"):
        states.begin(concern, cast["midwife"])
    row = states.begin(concern, cast["health_visitor"], "seen")
    assert (row.from_state, row.to_state) == ("", "raised")


def test_move_reads_the_state_afresh_so_a_second_decision_is_refused(concern: Concern, cast: dict[str, User]) -> None:
    stale = Concern.objects.get(pk=concern.pk)
    states.move(concern, ConcernState.DECIDED, cast["lead"], "first")
    with pytest.raises(TransitionRefused, match="already decided"):
        states.move(stale, ConcernState.DECIDED, cast["lead"], "second")


# --- referrals -------------------------------------------------------------------------------


@pytest.mark.parametrize(("from_state", "to_state"), sorted(p for p in REFERRAL_STEPS if p[0]))
@pytest.mark.parametrize("who", ["health_visitor", "lead"])
def test_referral_allowed_step(referral: Referral, cast: dict[str, User], from_state: str, to_state: str, who: str) -> None:
    _at(referral, from_state)
    row = states.move(referral, to_state, cast[who], "")
    referral.refresh_from_db()
    assert referral.state == to_state
    assert (row.referral, row.concern, row.from_state, row.to_state, row.by) == (referral, None, from_state, to_state, cast[who])


@pytest.mark.parametrize(("from_state", "to_state"), sorted(p for p in REFERRAL_STEPS if p[0]))
@pytest.mark.parametrize("who", ["midwife", "police", "analyst", "admin", "outsider"])
def test_referral_step_refused_outside_its_agency(
    referral: Referral, cast: dict[str, User], from_state: str, to_state: str, who: str,
) -> None:
    _at(referral, from_state)
    before = Transition.objects.count()
    with pytest.raises(TransitionRefused, match="Only staff of Test Health Visiting"):
        states.move(referral, to_state, cast[who], "")
    assert Transition.objects.count() == before


@pytest.mark.parametrize(("from_state", "to_state"), _refused_pairs(ReferralState.values, REFERRAL_STEPS))
def test_referral_refused_step(referral: Referral, cast: dict[str, User], from_state: str, to_state: str) -> None:
    _at(referral, from_state)
    before = Transition.objects.count()
    with pytest.raises(TransitionRefused, match=r"^This referral is .*, so it cannot be "):
        states.move(referral, to_state, cast["health_visitor"], "")
    assert Transition.objects.count() == before


def test_allowed_says_what_the_page_may_offer(referral: Referral, cast: dict[str, User]) -> None:
    decided = referral.concern
    assert decided is not None
    assert states.allowed(decided, ConcernState.CLOSED, cast["lead"])
    assert not states.allowed(decided, ConcernState.CLOSED, cast["health_visitor"])
    assert not states.allowed(decided, ConcernState.DECIDED, cast["lead"])
    assert states.allowed(referral, ReferralState.ACKNOWLEDGED, cast["health_visitor"])
    assert not states.allowed(referral, ReferralState.OUTCOME_RECORDED, cast["health_visitor"])
    assert not states.allowed(referral, ReferralState.ACKNOWLEDGED, cast["midwife"])
