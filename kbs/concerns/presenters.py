"""Display values for concern, referral and task pages, so the templates hold no logic."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from kbs.concerns.models import (
    ConcernState,
    Decision,
    ReferralState,
    ReferralTo,
    Severity,
    TaskState,
    Transition,
)
from kbs.core.presenters import moment

SEVERITY_TAGS: dict[str, str] = {Severity.HIGH: "nhsuk-tag--red", Severity.MEDIUM: "nhsuk-tag--orange", Severity.LOW: "nhsuk-tag--grey"}
STATE_TAGS: dict[str, str] = {
    ConcernState.RAISED: "nhsuk-tag--blue", ConcernState.DECIDED: "nhsuk-tag--purple", ConcernState.CLOSED: "nhsuk-tag--grey",
    ReferralState.MADE: "nhsuk-tag--blue", ReferralState.ACKNOWLEDGED: "nhsuk-tag--purple",
    ReferralState.OUTCOME_RECORDED: "nhsuk-tag--grey",
    TaskState.OPEN: "nhsuk-tag--blue", TaskState.DONE: "nhsuk-tag--green", TaskState.CANCELLED: "nhsuk-tag--grey",
}
STATE_WORDS: dict[str, str] = {
    "": "new",
    ConcernState.RAISED: "Raised", ConcernState.DECIDED: "Decided", ConcernState.CLOSED: "Closed",
    ReferralState.MADE: "Made", ReferralState.ACKNOWLEDGED: "Acknowledged", ReferralState.OUTCOME_RECORDED: "Outcome recorded",
}
SEVERITY_WORDS: dict[str, str] = {Severity.HIGH: "High", Severity.MEDIUM: "Medium", Severity.LOW: "Low"}


@dataclass(frozen=True)
class Clock:
    """"Due by …", or overdue, or stopped because the step was done."""

    text: str
    overdue: bool
    running: bool


def clock(due_at: datetime | None, *, running: bool, now: datetime | None = None) -> Clock:
    if due_at is None:
        return Clock("No time limit", False, False)
    if not running:
        return Clock(f"Was due by {moment(due_at)}", False, False)
    late = (now or timezone.now()) > due_at
    return Clock(f"{'Was due' if late else 'Due'} by {moment(due_at)}", late, True)


def severity_tag(severity: str) -> str:
    return SEVERITY_TAGS.get(severity, "nhsuk-tag--grey")


def state_tag(state: str) -> str:
    return STATE_TAGS.get(state, "nhsuk-tag--grey")


def severity_word(severity: str) -> str:
    return SEVERITY_WORDS.get(severity, severity)


def transition_row(transition: Transition) -> dict[str, str]:
    who = str(transition.by)
    if transition.by.agency is not None:
        who = f"{who}, {transition.by.agency}"
    return {
        "when": moment(transition.at),
        "what": STATE_WORDS.get(transition.to_state, transition.to_state),
        "who": who,
        "note": transition.note,
    }


def referral_needed(decision: str, state: str, referrals: int) -> str:
    """What to show when a decision to refer has no referral recorded yet."""
    if state != ConcernState.DECIDED or referrals:
        return ""
    places: dict[str, str] = {Decision.REFER_CSC: ReferralTo.CSC.label, Decision.REFER_POLICE: ReferralTo.POLICE.label}
    place = places.get(decision)
    return f"The decision was to refer to {place}. Record the referral once it has been made." if place else ""


GLOBALS: dict[str, Any] = {
    "clock": clock,
    "severity_tag": severity_tag,
    "state_tag": state_tag,
    "severity_word": severity_word,
    "transition_row": transition_row,
}
