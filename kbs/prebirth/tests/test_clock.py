"""The pre-birth clock: dates from the expected delivery date, boundaries, late booking, the
premature-birth flag and status. Pure functions: no database."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from kbs.core.clocks import end_of_day
from kbs.prebirth import clock

# A Wednesday, with no bank holidays nearby.
EDD = date(2027, 9, 15)


def _by_code(dues: list[clock.Due]) -> dict[str, clock.Due]:
    return {d.code: d for d in dues}


def test_date_at_week_counts_edd_as_forty_weeks() -> None:
    assert clock.date_at(EDD, 40) == EDD
    assert clock.date_at(EDD, 20) == EDD - timedelta(weeks=20)
    assert clock.date_at(EDD, 19, 6) == EDD - timedelta(weeks=20) - timedelta(days=1)


def test_gestation_on_round_trips_date_at() -> None:
    for weeks in (4, 19, 20, 28, 32, 40, 41):
        for days in (0, 3, 6):
            assert clock.gestation_on(EDD, clock.date_at(EDD, weeks, days)) == (weeks, days)


def test_defaults_are_twenty_twenty_eight_thirty_two() -> None:
    assert clock.default_weeks() == {
        clock.PLANNING_MEETING: (20, 16), clock.CONFERENCE: (28, 24), clock.DELIVERY_PLAN: (32, 28),
    }


def test_due_dates_from_early_trigger_use_the_weeks() -> None:
    trigger = clock.date_at(EDD, 12)
    dues = _by_code(clock.due_dates(edd=EDD, trigger_on=trigger))
    assert dues[clock.REFERRAL].due_on == trigger
    assert dues[clock.PLANNING_MEETING].due_on == clock.date_at(EDD, 20)
    assert dues[clock.CONFERENCE].due_on == clock.date_at(EDD, 28)
    assert dues[clock.DELIVERY_PLAN].due_on == clock.date_at(EDD, 32)
    assert dues[clock.DISCHARGE_PLANNING].due_on is None
    assert not any(d.late_booking for d in dues.values())
    assert dues[clock.CONFERENCE].due_at == end_of_day(clock.date_at(EDD, 28))


def test_trigger_at_nineteen_weeks_six_days_planning_meeting_due_at_twenty_weeks() -> None:
    trigger = clock.date_at(EDD, 19, 6)
    planning = _by_code(clock.due_dates(edd=EDD, trigger_on=trigger))[clock.PLANNING_MEETING]
    assert not planning.late_booking
    assert planning.due_on == clock.date_at(EDD, 20, 0) == trigger + timedelta(days=1)


def test_trigger_at_exactly_twenty_weeks_planning_meeting_due_next_working_day() -> None:
    trigger = clock.date_at(EDD, 20, 0)  # a Wednesday
    assert trigger.weekday() == 2
    planning = _by_code(clock.due_dates(edd=EDD, trigger_on=trigger))[clock.PLANNING_MEETING]
    assert planning.late_booking
    assert planning.due_on == trigger + timedelta(days=1)


def test_late_booking_at_thirty_weeks_makes_three_steps_due_at_once() -> None:
    trigger = clock.date_at(EDD, 30, 2)  # a Friday: the next working day is the Monday
    assert trigger.weekday() == 4
    dues = _by_code(clock.due_dates(edd=EDD, trigger_on=trigger))
    assert dues[clock.PLANNING_MEETING].late_booking
    assert dues[clock.CONFERENCE].late_booking
    assert dues[clock.PLANNING_MEETING].due_on == dues[clock.CONFERENCE].due_on == trigger + timedelta(days=3)
    assert not dues[clock.DELIVERY_PLAN].late_booking
    assert dues[clock.DELIVERY_PLAN].due_on == clock.date_at(EDD, 32)


def test_late_booking_skips_bank_holidays() -> None:
    edd = date(2027, 12, 24) + timedelta(weeks=40 - 33)  # 33+0 falls on Christmas Eve (a Friday)
    trigger = clock.date_at(edd, 33)
    plan = _by_code(clock.due_dates(edd=edd, trigger_on=trigger))[clock.DELIVERY_PLAN]
    assert plan.late_booking
    assert plan.due_on == date(2027, 12, 29)  # 27 and 28 December 2027 are bank holidays


def test_premature_flag_brings_steps_forward() -> None:
    trigger = clock.date_at(EDD, 12)
    dues = _by_code(clock.due_dates(edd=EDD, trigger_on=trigger, premature=True))
    assert dues[clock.PLANNING_MEETING].week == 16
    assert dues[clock.CONFERENCE].due_on == clock.date_at(EDD, 24)
    assert dues[clock.DELIVERY_PLAN].due_on == clock.date_at(EDD, 28)
    assert dues[clock.REFERRAL].due_on == trigger


def test_premature_flag_can_make_a_step_late_booked() -> None:
    trigger = clock.date_at(EDD, 26)
    usual = _by_code(clock.due_dates(edd=EDD, trigger_on=trigger))
    early = _by_code(clock.due_dates(edd=EDD, trigger_on=trigger, premature=True))
    assert not usual[clock.CONFERENCE].late_booking
    assert early[clock.CONFERENCE].late_booking


def test_partnership_weeks_replace_the_defaults() -> None:
    trigger = clock.date_at(EDD, 10)
    dues = _by_code(clock.due_dates(edd=EDD, trigger_on=trigger, weeks={clock.CONFERENCE: (26, 22)}))
    assert dues[clock.CONFERENCE].due_on == clock.date_at(EDD, 26)
    assert dues[clock.PLANNING_MEETING].due_on == clock.date_at(EDD, 20)


@pytest.mark.parametrize(("week", "premature", "problem"), [
    (20, 16, ""), (20, 20, ""), (4, 4, ""), (42, 30, ""),
    (3, 3, "Weeks must be from 4 to 42"), (43, 30, "Weeks must be from 4 to 42"),
    (20, 24, "The week when a premature birth is likely cannot be later than the usual week"),
])
def test_weeks_problem(week: int, premature: int, problem: str) -> None:
    assert clock.weeks_problem(week, premature) == problem


def test_status_done_due_late() -> None:
    trigger = clock.date_at(EDD, 12)
    dues = clock.due_dates(edd=EDD, trigger_on=trigger)
    # At 20+1 with the referral done: the planning meeting (due 20+0) is late, the rest due.
    now = end_of_day(clock.date_at(EDD, 20, 1))
    states = {s.due.code: s for s in clock.statuses(dues, {clock.REFERRAL: trigger}, now)}
    assert states[clock.REFERRAL].status == clock.Status.DONE
    assert states[clock.PLANNING_MEETING].status == clock.Status.LATE
    assert states[clock.CONFERENCE].status == clock.Status.DUE
    assert states[clock.DISCHARGE_PLANNING].status == clock.Status.DUE


def test_status_due_all_of_its_last_day_then_late() -> None:
    dues = clock.due_dates(edd=EDD, trigger_on=clock.date_at(EDD, 12))
    last_day = clock.date_at(EDD, 20)
    on_the_day = timezone.make_aware(timezone.datetime.combine(last_day, timezone.datetime.min.time())) + timedelta(hours=23)
    states = {s.due.code: s for s in clock.statuses(dues, {}, on_the_day)}
    assert states[clock.PLANNING_MEETING].status == clock.Status.DUE
    states = {s.due.code: s for s in clock.statuses(dues, {}, end_of_day(last_day) + timedelta(seconds=1))}
    assert states[clock.PLANNING_MEETING].status == clock.Status.LATE


def test_done_after_its_date_is_done_late() -> None:
    dues = clock.due_dates(edd=EDD, trigger_on=clock.date_at(EDD, 12))
    done = {clock.PLANNING_MEETING: clock.date_at(EDD, 21)}
    state = next(s for s in clock.statuses(dues, done, end_of_day(EDD)) if s.due.code == clock.PLANNING_MEETING)
    assert state.status == clock.Status.DONE
    assert state.done_late


def test_next_due_is_the_soonest_not_done() -> None:
    trigger = clock.date_at(EDD, 12)
    dues = clock.due_dates(edd=EDD, trigger_on=trigger)
    states = clock.statuses(dues, {clock.REFERRAL: trigger}, end_of_day(trigger))
    upcoming = clock.next_due(states)
    assert upcoming is not None
    assert upcoming.due.code == clock.PLANNING_MEETING
    assert clock.counts(states) == {clock.Status.DONE: 1, clock.Status.DUE: 4, clock.Status.LATE: 0}
