"""The Level 3 course's booking rules: capacity, the waiting list, offers and their expiry, double
booking, cancellation, and attendance giving a training record and a certificate."""

from collections.abc import Callable
from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from kbs.accounts.models import Agency, User
from kbs.audit.models import Action, AuditEvent
from kbs.workforce import courses
from kbs.workforce.models import Booking, BookingState, Certificate, CourseSession, RecordSource, TrainingRecord


@pytest.fixture
def lead(agencies: dict[str, Agency], make_user: Callable[..., User]) -> User:
    return make_user("tl-tara", "training-lead", agencies["partnership"])


@pytest.fixture
def staff(agencies: dict[str, Agency], make_user: Callable[..., User]) -> list[User]:
    """Five health visitors, who book in this order."""
    return [make_user(f"hv{i}-staff", "health-visitor", agencies["hv"]) for i in range(1, 6)]


@pytest.fixture
def new_session(lead: User) -> Callable[..., CourseSession]:
    def make(capacity: int = 2, starts_in: timedelta = timedelta(days=7), **details: Any) -> CourseSession:
        starts_at = timezone.now() + starts_in
        return courses.create_session(by=lead, details={
            "starts_at": starts_at, "ends_at": starts_at + timedelta(hours=3), "venue": "Council House, Derby DE1 2FS",
            "online_link": "", "trainer": "Pat Trainer", "capacity": capacity, **details,
        })

    return make


def _states(session: CourseSession) -> list[tuple[str, str]]:
    return [(b.user.username, b.state) for b in session.bookings.select_related("user").order_by("created_at", "pk")]


def _started(session: CourseSession, ago: timedelta = timedelta(hours=1)) -> CourseSession:
    """Move a session into the past (the action refuses to create one there)."""
    CourseSession.objects.filter(pk=session.pk).update(starts_at=timezone.now() - ago, ends_at=timezone.now() - ago + timedelta(hours=3))
    session.refresh_from_db()
    return session


def _expire(booking: Booking) -> None:
    Booking.objects.filter(pk=booking.pk).update(offered_until=timezone.now() - timedelta(minutes=1))


# --- sessions --------------------------------------------------------------------------------


def test_create_session_saves_and_audits(new_session: Callable[..., CourseSession], lead: User) -> None:
    session = new_session()
    assert session.course_code == "L3-KBS"
    assert session.created_by == lead
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="coursesession", object_id=str(session.pk)).exists()


@pytest.mark.parametrize(("details", "problem"), [
    ({"starts_in": timedelta(hours=-1)}, "The session must start in the future"),
    ({"venue": "", "online_link": ""}, "Enter a venue, an online link, or both"),
])
def test_create_session_refuses_bad_details_saving_nothing(
    new_session: Callable[..., CourseSession], details: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ValidationError) as error:
        new_session(**details)
    assert problem in error.value.messages
    assert CourseSession.objects.count() == 0


def test_create_session_refused_for_practitioners(staff: list[User]) -> None:
    starts_at = timezone.now() + timedelta(days=1)
    with pytest.raises(courses.NotAllowed):
        courses.create_session(by=staff[0], details={"starts_at": starts_at, "ends_at": starts_at + timedelta(hours=1),
                                                     "venue": "x", "online_link": "", "trainer": "x", "capacity": 1})


# --- booking and capacity --------------------------------------------------------------------


def test_booking_takes_places_until_full_then_joins_the_waiting_list(new_session: Callable[..., CourseSession], staff: list[User]) -> None:
    session = new_session(capacity=2)
    for user in staff[:4]:
        courses.book_place(by=user, session=session)
    assert _states(session) == [("hv1-staff", "booked"), ("hv2-staff", "booked"), ("hv3-staff", "waiting"), ("hv4-staff", "waiting")]
    assert courses.places_taken(session) == 2
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="booking").count() == 4


def test_double_booking_is_refused(new_session: Callable[..., CourseSession], staff: list[User]) -> None:
    session = new_session(capacity=1)
    courses.book_place(by=staff[0], session=session)
    courses.book_place(by=staff[1], session=session)
    with pytest.raises(ValidationError, match="already have a place"):
        courses.book_place(by=staff[0], session=session)
    with pytest.raises(ValidationError, match="already on the waiting list"):
        courses.book_place(by=staff[1], session=session)
    assert session.bookings.count() == 2


def test_booking_again_after_cancelling_is_allowed(new_session: Callable[..., CourseSession], staff: list[User]) -> None:
    session = new_session(capacity=1)
    booking = courses.book_place(by=staff[0], session=session)
    courses.cancel_booking(by=staff[0], booking=booking)
    again = courses.book_place(by=staff[0], session=session)
    assert again.state == BookingState.BOOKED


def test_booking_a_cancelled_or_started_session_is_refused(new_session: Callable[..., CourseSession], staff: list[User], lead: User) -> None:
    cancelled = new_session()
    courses.cancel_session(by=lead, session=cancelled)
    with pytest.raises(ValidationError, match="cancelled"):
        courses.book_place(by=staff[0], session=cancelled)
    started = _started(new_session())
    with pytest.raises(ValidationError, match="already started"):
        courses.book_place(by=staff[0], session=started)
    assert Booking.objects.count() == 0


def test_people_with_no_role_cannot_book(new_session: Callable[..., CourseSession], cast: dict[str, User]) -> None:
    with pytest.raises(courses.NotAllowed):
        courses.book_place(by=cast["outsider"], session=new_session())


# --- offers ----------------------------------------------------------------------------------


def test_cancelling_a_place_offers_it_to_the_first_person_waiting_and_emails_them(
    new_session: Callable[..., CourseSession], staff: list[User], mailoutbox: list[Any], django_capture_on_commit_callbacks: Any,
) -> None:
    session = new_session(capacity=1)
    first = courses.book_place(by=staff[0], session=session)
    courses.book_place(by=staff[1], session=session)
    courses.book_place(by=staff[2], session=session)
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        courses.cancel_booking(by=staff[0], booking=first)
    assert _states(session) == [("hv1-staff", "cancelled"), ("hv2-staff", "offered"), ("hv3-staff", "waiting")]
    offer = session.bookings.get(user=staff[1])
    assert offer.offered_until is not None
    assert before + timedelta(hours=48) <= offer.offered_until <= timezone.now() + timedelta(hours=48)
    assert [m.to for m in mailoutbox] == [[staff[1].email]]
    assert "Accept it by" in mailoutbox[0].body
    assert f"/training/level-3/sessions/{session.pk}/" in mailoutbox[0].body
    assert courses.places_taken(session) == 1  # the offered place is held


def test_no_email_when_the_change_is_rolled_back(
    new_session: Callable[..., CourseSession], staff: list[User], mailoutbox: list[Any], django_capture_on_commit_callbacks: Any,
) -> None:
    session = new_session(capacity=1)
    first = courses.book_place(by=staff[0], session=session)
    courses.book_place(by=staff[1], session=session)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        courses.cancel_booking(by=staff[0], booking=first)
    assert len(callbacks) == 1
    assert mailoutbox == []


def test_offer_runs_until_the_session_starts_when_that_is_sooner_than_48_hours(
    new_session: Callable[..., CourseSession], staff: list[User],
) -> None:
    session = new_session(capacity=1, starts_in=timedelta(hours=20))
    first = courses.book_place(by=staff[0], session=session)
    courses.book_place(by=staff[1], session=session)
    courses.cancel_booking(by=staff[0], booking=first)
    assert session.bookings.get(user=staff[1]).offered_until == session.starts_at


def test_accepting_an_offer_books_the_place(new_session: Callable[..., CourseSession], staff: list[User]) -> None:
    session = new_session(capacity=1)
    first = courses.book_place(by=staff[0], session=session)
    waiting = courses.book_place(by=staff[1], session=session)
    courses.cancel_booking(by=staff[0], booking=first)
    courses.accept_offer(by=staff[1], booking=waiting)
    waiting.refresh_from_db()
    assert waiting.state == BookingState.BOOKED
    assert waiting.offered_until is None
    with pytest.raises(ValidationError, match="no offer"):
        courses.accept_offer(by=staff[1], booking=waiting)


def test_only_the_person_offered_may_accept(new_session: Callable[..., CourseSession], staff: list[User], lead: User) -> None:
    session = new_session(capacity=1)
    first = courses.book_place(by=staff[0], session=session)
    waiting = courses.book_place(by=staff[1], session=session)
    courses.cancel_booking(by=staff[0], booking=first)
    for other in (staff[2], lead):
        with pytest.raises(courses.NotAllowed):
            courses.accept_offer(by=other, booking=waiting)


def test_declining_an_offer_moves_it_to_the_next_person(new_session: Callable[..., CourseSession], staff: list[User]) -> None:
    session = new_session(capacity=1)
    first = courses.book_place(by=staff[0], session=session)
    second = courses.book_place(by=staff[1], session=session)
    courses.book_place(by=staff[2], session=session)
    courses.cancel_booking(by=staff[0], booking=first)
    courses.decline_offer(by=staff[1], booking=second)
    assert _states(session)[1:] == [("hv2-staff", "cancelled"), ("hv3-staff", "offered")]


def test_accepting_after_the_offer_ran_out_is_refused(new_session: Callable[..., CourseSession], staff: list[User]) -> None:
    session = new_session(capacity=1)
    first = courses.book_place(by=staff[0], session=session)
    waiting = courses.book_place(by=staff[1], session=session)
    courses.cancel_booking(by=staff[0], booking=first)
    _expire(waiting)
    with pytest.raises(ValidationError, match="ran out"):
        courses.accept_offer(by=staff[1], booking=waiting)
    waiting.refresh_from_db()
    assert waiting.state == BookingState.OFFERED  # nothing changed; the expiry run moves it on


def test_expired_offers_move_on_to_the_next_person(
    new_session: Callable[..., CourseSession], staff: list[User], mailoutbox: list[Any], django_capture_on_commit_callbacks: Any,
) -> None:
    session = new_session(capacity=1)
    first = courses.book_place(by=staff[0], session=session)
    second = courses.book_place(by=staff[1], session=session)
    courses.book_place(by=staff[2], session=session)
    courses.cancel_booking(by=staff[0], booking=first)
    _expire(second)
    with django_capture_on_commit_callbacks(execute=True):
        out = StringIO()
        call_command("expire_course_offers", stdout=out)
    assert out.getvalue().strip() == "Expired 1 offer"
    assert _states(session)[1:] == [("hv2-staff", "cancelled"), ("hv3-staff", "offered")]
    assert sorted(m.to[0] for m in mailoutbox) == sorted([staff[1].email, staff[2].email])
    assert AuditEvent.objects.filter(actor=None, actor_name="Waiting list", summary__contains="ran out").count() == 1
    # Running again changes nothing: the new offer has not run out.
    assert courses.expire_offers() == []


def test_no_offers_once_the_session_has_started(new_session: Callable[..., CourseSession], staff: list[User]) -> None:
    session = new_session(capacity=1, starts_in=timedelta(hours=1))
    first = courses.book_place(by=staff[0], session=session)
    second = courses.book_place(by=staff[1], session=session)
    courses.book_place(by=staff[2], session=session)
    courses.cancel_booking(by=staff[0], booking=first)
    _expire(second)
    courses.expire_offers(now=session.starts_at + timedelta(minutes=1))
    assert _states(session)[2] == ("hv3-staff", "waiting")


def test_cancelling_a_session_cancels_everyone_and_emails_them(
    new_session: Callable[..., CourseSession], staff: list[User], lead: User, mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    session = new_session(capacity=1)
    courses.book_place(by=staff[0], session=session)
    courses.book_place(by=staff[1], session=session)
    with django_capture_on_commit_callbacks(execute=True):
        courses.cancel_session(by=lead, session=session, reason="Trainer ill")
    session.refresh_from_db()
    assert session.cancelled
    assert {state for _, state in _states(session)} == {"cancelled"}
    assert len(mailoutbox) == 2
    assert AuditEvent.objects.filter(object_type="coursesession", detail__reason="Trainer ill").exists()
    with pytest.raises(ValidationError, match="already been cancelled"):
        courses.cancel_session(by=lead, session=session)


# --- attendance ------------------------------------------------------------------------------


def test_attending_gives_a_training_record_and_a_certificate_for_three_years(
    new_session: Callable[..., CourseSession], staff: list[User], lead: User,
) -> None:
    session = new_session(capacity=3)
    came = courses.book_place(by=staff[0], session=session)
    stayed_away = courses.book_place(by=staff[1], session=session)
    session = _started(session)
    courses.mark_attendance(by=lead, session=session, marks={came.pk: True, stayed_away.pk: False})
    assert _states(session) == [("hv1-staff", "attended"), ("hv2-staff", "did_not_attend")]
    on = timezone.localtime(session.starts_at).date()
    record = TrainingRecord.objects.get()
    assert (record.user, record.course_code, record.level, record.completed_on, record.source) == (staff[0], "L3-KBS", 3, on, RecordSource.KBS)
    certificate = Certificate.objects.get()
    assert record.certificate == certificate
    assert (certificate.user, certificate.course_code, certificate.issued_on) == (staff[0], "L3-KBS", on)
    assert certificate.expires_on == record.expires_on == on.replace(year=on.year + 3)
    assert AuditEvent.objects.filter(object_type="booking", detail__certificate=str(certificate.public_id)).exists()


def test_attendance_marks_are_final_and_wait_for_the_session(
    new_session: Callable[..., CourseSession], staff: list[User], lead: User,
) -> None:
    session = new_session(capacity=1)
    booking = courses.book_place(by=staff[0], session=session)
    with pytest.raises(ValidationError, match="once the session has started"):
        courses.mark_attendance(by=lead, session=session, marks={booking.pk: True})
    session = _started(session)
    with pytest.raises(courses.NotAllowed):
        courses.mark_attendance(by=staff[0], session=session, marks={booking.pk: True})
    courses.mark_attendance(by=lead, session=session, marks={booking.pk: True})
    with pytest.raises(ValidationError, match="already been marked"):
        courses.mark_attendance(by=lead, session=session, marks={booking.pk: False})
    assert TrainingRecord.objects.count() == Certificate.objects.count() == 1


def test_certificate_from_29_february_expires_on_28_february() -> None:
    assert courses.certificate_expiry(date(2028, 2, 29)) == date(2031, 2, 28)
