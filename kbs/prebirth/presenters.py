"""Display values for the pre-birth pages: the rows of the timetable, the geometry of the
timeline drawing and the panel on the baby's page, so that templates hold no logic.

The timeline runs down the page (weeks 0 to 42), so that it reads at 320 px as well as on a desk:
each step is a marker on the line with its label beside it; labels that would overlap are pushed
down and joined to their marker by a short line. Status is shown by shape and by words, never by
colour alone: done is a filled circle with a tick, due an open circle, late a triangle.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from kbs.core.presenters import day
from kbs.families.models import Baby
from kbs.prebirth import access, actions, clock
from kbs.prebirth.models import PreBirthCase

WIDTH = 360
LINE_X = 84
LABEL_X = 108
TOP = 40
PER_WEEK = 14
MAX_WEEK = 42
LABEL_GAP = 42
COLOURS = {clock.Status.DONE: "#007f3b", clock.Status.DUE: "#005eb8", clock.Status.LATE: "#d5281b"}


def status_text(state: clock.State) -> str:
    """What the status means, in words: the same on the drawing, in the table and in the panel."""
    due = state.due
    if state.status == clock.Status.DONE:
        return f"Done on {day(state.done_on)}" + (" (after it was due)" if state.done_late else "")
    if due.due_on is None:
        return f"Due {due.milestone.when}"
    if state.status == clock.Status.LATE:
        return f"Late: was due by {day(due.due_on)}"
    return f"Due by {day(due.due_on)}"


def _short_day(value: date | None) -> str:
    return f"{value.day} {value:%b %Y}" if value else ""


def short_status_text(state: clock.State) -> str:
    """The status in a few words, for the timeline where a line holds about 30 characters."""
    due = state.due
    if state.status == clock.Status.DONE:
        return f"Done {_short_day(state.done_on)}" + (" (late)" if state.done_late else "")
    if due.due_on is None:
        return "Due before leaving hospital" if due.code == clock.DISCHARGE_PLANNING else f"Due {due.milestone.when}"
    if state.status == clock.Status.LATE:
        return f"Late: was due {_short_day(due.due_on)}"
    return f"Due by {_short_day(due.due_on)}"


def when_text(due: clock.Due) -> str:
    """The rule that set the date: "By 20 weeks", "At once: found after 28 weeks"."""
    if due.code == clock.REFERRAL:
        return "On the day the trigger was found"
    if due.week is None:
        return due.milestone.when[0].upper() + due.milestone.when[1:]
    if due.late_booking:
        return f"At once: the trigger was found after {due.week} weeks"
    return f"By {due.week} weeks"


@dataclass(frozen=True)
class Row:
    state: clock.State
    label: str
    when: str
    status: str
    status_text: str
    code: str


def rows(states: list[clock.State]) -> list[Row]:
    return [Row(s, s.milestone.label, when_text(s.due), s.status_label, status_text(s), s.milestone.code) for s in states]


def _week_of(edd: date, on: date) -> float:
    weeks, days = clock.gestation_on(edd, on)
    return min(max(weeks + days / 7, 0), MAX_WEEK)


def _y(week: float) -> float:
    return round(TOP + week * PER_WEEK, 1)


@dataclass
class Marker:
    state: clock.State
    y: float
    label_y: float  # pushed down when it would overlap the label above
    status: str
    colour: str
    label: str
    text: str


def timeline(case: PreBirthCase, states: list[clock.State], today: date | None = None) -> dict[str, Any]:
    """Everything the SVG needs, in its own coordinates (a viewBox WIDTH wide)."""
    baby = case.baby
    edd = baby.expected_delivery_date or baby.date_of_birth
    assert edd is not None
    today = today or timezone.localdate()
    markers: list[Marker] = []
    for state in states:
        due = state.due
        if due.code == clock.REFERRAL:
            week = _week_of(edd, case.trigger_found_on)
        elif due.due_on is not None:
            week = _week_of(edd, due.due_on)
        else:
            week = _week_of(edd, baby.date_of_birth) if baby.date_of_birth else float(clock.TERM_WEEKS)
        y = _y(week)
        markers.append(Marker(state, y, y, state.status.value, COLOURS[state.status], state.milestone.short,
                              short_status_text(state)))
    markers.sort(key=lambda m: m.y)
    last = -float(LABEL_GAP)
    for marker in markers:
        marker.label_y = max(marker.y, last + LABEL_GAP)
        last = marker.label_y
    if baby.date_of_birth is not None:
        now_week, now_label = _week_of(edd, baby.date_of_birth), "Born"
    else:
        now_week, now_label = _week_of(edd, today), "Today"
    now_y = _y(now_week)
    # Week numbers every 4 weeks, leaving out any that would sit under the "Today" mark.
    ticks = [{"y": _y(w), "text": f"{w}"} for w in range(0, MAX_WEEK + 1, 4) if abs(_y(w) - now_y) >= PER_WEEK * 1.5]
    bottom = _y(MAX_WEEK)
    return {
        "width": WIDTH, "height": int(max(bottom + 28, last + 30)), "line_x": LINE_X, "label_x": LABEL_X,
        "top": TOP, "bottom": bottom, "markers": markers, "ticks": ticks,
        "now": {"y": now_y, "label": now_label, "gestation": clock.gestation_text(edd, baby.date_of_birth or today)},
    }


def _counts_text(states: list[clock.State]) -> str:
    found = clock.counts(states)
    parts = [f"{found[s]} {s.value}" for s in (clock.Status.LATE, clock.Status.DUE, clock.Status.DONE) if found[s]]
    return ", ".join(parts)


def case_summary(case: PreBirthCase, now: datetime | None = None) -> dict[str, Any]:
    """The clock in a few lines: counts, what is late, and what is next."""
    states = actions.states_for(case, now)
    upcoming = clock.next_due(states)
    return {
        "case": case, "states": states, "counts": _counts_text(states),
        "late": [s for s in states if s.status == clock.Status.LATE],
        "next": upcoming, "next_text": f"{upcoming.milestone.label}: {status_text(upcoming)}" if upcoming else "",
    }


def baby_panel(baby: Baby) -> dict[str, Any] | None:
    """The "Pre-birth" panel on the baby's page, or None when the baby has no pre-birth case."""
    case = access.case_of(baby)
    if case is None:
        return None
    case.baby = baby
    return case_summary(case)
