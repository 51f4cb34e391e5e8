"""The lifecycles of a concern and a referral, written down as data.

Each machine lists the only steps allowed: from which state, to which state, and who may take the
step. A practitioner is anyone in the record's agency who may edit family records; a lead is that
agency's safeguarding lead (who is also a practitioner). Staff of other agencies never move another
agency's concern or referral: they raise their own.

`begin` writes the first Transition row of a new record and `move` every later one. Both refuse with
`TransitionRefused`, whose message is written for the person who tried, so views can show it as it
is. Actions call these; nothing else writes Transition rows.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.db import models
from django.utils import timezone

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.concerns.models import Concern, ConcernState, Referral, ReferralState, Transition


class TransitionRefused(Exception):
    """A change of state that is not allowed, with a plain-English reason."""


class Who(StrEnum):
    PRACTITIONER = "practitioner"
    LEAD = "lead"


@dataclass(frozen=True)
class Step:
    from_state: str  # "" for the step that creates the record
    to_state: str
    who: Who


@dataclass(frozen=True)
class Machine:
    noun: str
    steps: tuple[Step, ...]
    # How to finish "This concern is …" for each state, and "… so it cannot be …" for each target.
    state_words: dict[str, str]
    step_words: dict[str, str]

    def step(self, from_state: str, to_state: str) -> Step | None:
        return next((s for s in self.steps if s.from_state == from_state and s.to_state == to_state), None)

    def next_states(self, from_state: str) -> list[str]:
        return [s.to_state for s in self.steps if s.from_state == from_state]


CONCERN = Machine(
    noun="concern",
    steps=(
        Step("", ConcernState.RAISED, Who.PRACTITIONER),
        Step(ConcernState.RAISED, ConcernState.DECIDED, Who.LEAD),
        # Closing without a decision is for a concern raised in error or twice; the action refuses
        # it for a high-severity concern, whose urgent pathway must be recorded.
        Step(ConcernState.RAISED, ConcernState.CLOSED, Who.LEAD),
        Step(ConcernState.DECIDED, ConcernState.CLOSED, Who.LEAD),
    ),
    state_words={
        ConcernState.RAISED: "waiting for a decision",
        ConcernState.DECIDED: "already decided",
        ConcernState.CLOSED: "closed",
    },
    step_words={
        ConcernState.RAISED: "raised again",
        ConcernState.DECIDED: "decided",
        ConcernState.CLOSED: "closed",
    },
)

REFERRAL = Machine(
    noun="referral",
    steps=(
        Step("", ReferralState.MADE, Who.PRACTITIONER),
        Step(ReferralState.MADE, ReferralState.ACKNOWLEDGED, Who.PRACTITIONER),
        # An outcome always follows an acknowledgement: the date it was acknowledged is what the
        # partnership measures, so it is recorded first, even if both arrive together.
        Step(ReferralState.ACKNOWLEDGED, ReferralState.OUTCOME_RECORDED, Who.PRACTITIONER),
    ),
    state_words={
        ReferralState.MADE: "waiting for acknowledgement",
        ReferralState.ACKNOWLEDGED: "already acknowledged",
        ReferralState.OUTCOME_RECORDED: "finished: its outcome is recorded",
    },
    step_words={
        ReferralState.MADE: "made again",
        ReferralState.ACKNOWLEDGED: "marked as acknowledged",
        ReferralState.OUTCOME_RECORDED: "given an outcome",
    },
)

Record = Concern | Referral


def machine_for(record: models.Model) -> Machine:
    if isinstance(record, Concern):
        return CONCERN
    if isinstance(record, Referral):
        return REFERRAL
    raise TypeError(f"no state machine for {type(record).__name__}")


def is_practitioner_of(user: User, agency_id: int | None) -> bool:
    return agency_id is not None and user.agency_id == agency_id and has_permission(user, Permission.EDIT_FAMILY)


def is_lead_of(user: User, agency_id: int | None) -> bool:
    return is_practitioner_of(user, agency_id) and has_permission(user, Permission.DECIDE_CONCERN)


def may_take(step: Step, user: User, agency_id: int | None) -> bool:
    if step.who == Who.LEAD:
        return is_lead_of(user, agency_id)
    return is_practitioner_of(user, agency_id)


def allowed(record: Record, to_state: str, by: User) -> bool:
    """Whether `by` may move the record to `to_state` now (for showing or hiding forms)."""
    step = machine_for(record).step(record.state, to_state)
    return step is not None and may_take(step, by, record.agency_id)


def _check(machine: Machine, from_state: str, to_state: str, by: User, agency: object) -> None:
    step = machine.step(from_state, to_state)
    if step is None:
        raise TransitionRefused(
            f"This {machine.noun} is {machine.state_words.get(from_state, from_state)}, "
            f"so it cannot be {machine.step_words.get(to_state, to_state)}"
        )
    if not may_take(step, by, getattr(agency, "pk", None)):
        if step.who == Who.LEAD:
            raise TransitionRefused(f"Only a safeguarding lead of {agency} can do this")
        raise TransitionRefused(f"Only staff of {agency} can do this")


def begin(record: Record, by: User, note: str = "") -> Transition:
    """Write the first Transition row of a record just created in its first state."""
    machine = machine_for(record)
    _check(machine, "", record.state, by, record.agency)
    return _write(record, "", record.state, by, note)


def move(record: Record, to_state: str, by: User, note: str = "") -> Transition:
    """Move a concern or referral to `to_state`, or refuse with TransitionRefused.

    The row is locked and its state read afresh, so two people acting at once cannot both move it
    (the second is refused as if they had seen the new state). Saves the record's new state and
    writes the Transition row; the calling action saves any other fields.
    """
    machine = machine_for(record)
    current = type(record).objects.select_for_update().only("state").get(pk=record.pk)
    _check(machine, current.state, to_state, by, record.agency)
    record.state = to_state
    type(record).objects.filter(pk=record.pk).update(state=to_state)
    return _write(record, current.state, to_state, by, note)


def _write(record: Record, from_state: str, to_state: str, by: User, note: str) -> Transition:
    return Transition.objects.create(
        concern=record if isinstance(record, Concern) else None,
        referral=record if isinstance(record, Referral) else None,
        from_state=from_state, to_state=to_state, by=by, at=timezone.now(), note=note,
    )
