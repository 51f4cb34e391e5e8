"""The pre-birth clock: when each step of the pre-birth timetable is due, and whether it is done,
due or late. Pure functions of the expected delivery date, the day a trigger was found, the
premature-birth flag, the partnership's weeks and what has been recorded; no database.

Defaults (domain §5.3; Derby's own timescales were not found, so each week is a partnership
setting, see `MilestoneSetting`):

- referral to children's social care: on the day the trigger is found (R-PB-1: never wait for a week);
- pre-birth planning meeting: by 20 weeks of pregnancy;
- initial child protection conference: by 28 weeks;
- delivery safety plan agreed and shared: by 32 weeks;
- discharge planning meeting: before the baby leaves hospital (no week; a task is made at birth).

"By N weeks" means by the end of the day the pregnancy reaches N weeks and 0 days, counting the
expected delivery date as 40+0. When a premature birth is likely the week-based steps each come
4 weeks earlier by default (planning 16, conference 24, plan 28: 24 weeks is the earliest an
unborn baby's child protection plan is usually made). A trigger found on or after a step's date
(late booking, concealed pregnancy) makes that step due at once: by the end of the next working
day after the trigger was found.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from kbs.core.clocks import add_working_days, end_of_day

REFERRAL = "referral"
PLANNING_MEETING = "planning_meeting"
CONFERENCE = "conference"
DELIVERY_PLAN = "delivery_plan"
DISCHARGE_PLANNING = "discharge_planning"

# PROPOSAL: "due at once" for a late booking is the end of the next working day after the trigger.
LATE_BOOKING_WORKING_DAYS = 1
# The weeks a partnership may choose for a step.
WEEK_RANGE = (4, 42)
TERM_WEEKS = 40
DAYS_IN_PREGNANCY = TERM_WEEKS * 7


class Status(StrEnum):
    DONE = "done"
    DUE = "due"
    LATE = "late"


STATUS_LABELS = {Status.DONE: "Done", Status.DUE: "Due", Status.LATE: "Late"}


@dataclass(frozen=True)
class Milestone:
    code: str
    label: str
    short: str  # for the timeline, where space is tight
    week: int | None  # the default "by N weeks"; None when the step is not tied to a week
    premature_week: int | None  # the default when a premature birth is likely
    when: str = ""  # how an undated step's timing is said

    @property
    def configurable(self) -> bool:
        return self.week is not None


MILESTONES: tuple[Milestone, ...] = (
    Milestone(REFERRAL, "Referral to children's social care", "Referral", None, None,
              "on the day a trigger is found"),
    Milestone(PLANNING_MEETING, "Pre-birth planning meeting", "Planning meeting", 20, 16),
    Milestone(CONFERENCE, "Initial child protection conference", "Child protection conference", 28, 24),
    Milestone(DELIVERY_PLAN, "Delivery safety plan agreed and shared", "Delivery safety plan", 32, 28),
    Milestone(DISCHARGE_PLANNING, "Discharge planning meeting", "Discharge planning", None, None,
              "before the baby leaves hospital"),
)
BY_CODE = {m.code: m for m in MILESTONES}
CODES = tuple(BY_CODE)

# code -> (week, week when a premature birth is likely)
Weeks = Mapping[str, tuple[int, int]]


def default_weeks() -> dict[str, tuple[int, int]]:
    return {m.code: (m.week, m.premature_week) for m in MILESTONES if m.week is not None and m.premature_week is not None}


def weeks_problem(week: int, premature_week: int) -> str:
    """Why this pair of weeks cannot be used, or "" if it can."""
    low, high = WEEK_RANGE
    if not (low <= week <= high and low <= premature_week <= high):
        return f"Weeks must be from {low} to {high}"
    if premature_week > week:
        return "The week when a premature birth is likely cannot be later than the usual week"
    return ""


def date_at(edd: date, weeks: int, days: int = 0) -> date:
    """The day the pregnancy reaches `weeks`+`days`, counting the expected delivery date as 40+0."""
    return edd - timedelta(days=DAYS_IN_PREGNANCY - (weeks * 7 + days))


def gestation_on(edd: date, on: date) -> tuple[int, int]:
    """Weeks and days of pregnancy on a day (may pass 40+0 when the baby is late)."""
    days = max(DAYS_IN_PREGNANCY - (edd - on).days, 0)
    return days // 7, days % 7


def gestation_text(edd: date, on: date) -> str:
    weeks, days = gestation_on(edd, on)
    return f"{weeks}+{days}"


@dataclass(frozen=True)
class Due:
    milestone: Milestone
    week: int | None  # the week in force for this pregnancy (premature or not)
    due_on: date | None  # the last day; None for a step tied to an event (leaving hospital)
    late_booking: bool  # found on or after the step's week: due at once instead

    @property
    def due_at(self) -> datetime | None:
        return end_of_day(self.due_on) if self.due_on else None

    @property
    def code(self) -> str:
        return self.milestone.code


def due_dates(*, edd: date, trigger_on: date, premature: bool = False, weeks: Weeks | None = None) -> list[Due]:
    """When each step is due for this pregnancy, in the order of `MILESTONES`."""
    chosen = {**default_weeks(), **(weeks or {})}
    dues = []
    for milestone in MILESTONES:
        if milestone.code == REFERRAL:
            dues.append(Due(milestone, None, trigger_on, False))
        elif milestone.code in chosen:
            usual, early = chosen[milestone.code]
            week = early if premature else usual
            by = date_at(edd, week)
            if trigger_on >= by:
                dues.append(Due(milestone, week, add_working_days(trigger_on, LATE_BOOKING_WORKING_DAYS), True))
            else:
                dues.append(Due(milestone, week, by, False))
        else:
            dues.append(Due(milestone, None, None, False))
    return dues


@dataclass(frozen=True)
class State:
    due: Due
    status: Status
    done_on: date | None = None

    @property
    def milestone(self) -> Milestone:
        return self.due.milestone

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def done_late(self) -> bool:
        return bool(self.done_on and self.due.due_on and self.done_on > self.due.due_on)


def statuses(dues: Iterable[Due], done: Mapping[str, date], now: datetime) -> list[State]:
    """Done when recorded; late when past its time and not done; due otherwise (including a step
    with no date yet, such as discharge planning before the birth)."""
    states = []
    for due in dues:
        if due.code in done:
            states.append(State(due, Status.DONE, done[due.code]))
        elif due.due_at is not None and now > due.due_at:
            states.append(State(due, Status.LATE))
        else:
            states.append(State(due, Status.DUE))
    return states


def counts(states: Iterable[State]) -> dict[Status, int]:
    found = {status: 0 for status in Status}
    for state in states:
        found[state.status] += 1
    return found


def next_due(states: Iterable[State]) -> State | None:
    """The soonest dated step not yet done (late ones first), or None."""
    waiting = [s for s in states if s.status != Status.DONE and s.due.due_on is not None]
    return min(waiting, key=lambda s: s.due.due_on or date.max, default=None)
