"""Every Level 3 course URL: the happy path and a refusal for each persona who must not use it; the
session form's errors save nothing."""

import html
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import Agency, User
from kbs.workforce import courses
from kbs.workforce.models import Booking, BookingState, CourseSession, TrainingRecord

STAFF = ["health_visitor", "lead", "midwife", "police", "analyst", "admin", "training_lead"]
NOT_LEADS = ["health_visitor", "lead", "midwife", "police", "analyst", "outsider"]


@pytest.fixture
def people(cast: dict[str, User], agencies: dict[str, Agency], make_user: Callable[..., User]) -> dict[str, User]:
    return {**cast, "training_lead": make_user("tl-tara", "training-lead", agencies["partnership"])}


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def session(people: dict[str, User]) -> CourseSession:
    starts_at = timezone.now() + timedelta(days=7)
    return courses.create_session(by=people["training_lead"], details={
        "starts_at": starts_at, "ends_at": starts_at + timedelta(hours=3), "venue": "Council House, Derby",
        "online_link": "https://meet.example.org/kbs-l3", "trainer": "Pat Trainer", "capacity": 1,
    })


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


def _assert_sign_in_redirect(response: Any) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in") + "?next=")


# --- the course page and a session's page --------------------------------------------------


@pytest.mark.parametrize("persona", STAFF)
def test_course_page_shows_outcomes_and_sessions_to_staff(people: dict[str, User], session: CourseSession, persona: str) -> None:
    response = _client(people[persona]).get(reverse("workforce:course"))
    assert response.status_code == 200
    page = _text(response)
    assert "By the end of the course you will be able to" in page
    assert "out of routine" in page
    assert "Myth of Invisible Men" in page
    assert reverse("workforce:course_session", args=[session.pk]) in page
    assert ("Add a session" in page) == (persona in ("admin", "training_lead"))


@pytest.mark.parametrize("url", ["workforce:course", "workforce:course_session_new"])
def test_course_pages_are_not_found_for_people_with_no_role(people: dict[str, User], url: str) -> None:
    assert _client(people["outsider"]).get(reverse(url)).status_code == 404


def test_course_pages_ask_strangers_to_sign_in(session: CourseSession) -> None:
    for url in (reverse("workforce:course"), reverse("workforce:course_session", args=[session.pk])):
        _assert_sign_in_redirect(_client(None).get(url))


def test_session_page_shows_the_link_only_to_people_with_a_place(people: dict[str, User], session: CourseSession) -> None:
    hv = _client(people["health_visitor"])
    url = reverse("workforce:course_session", args=[session.pk])
    assert "https://meet.example.org/kbs-l3" not in _text(hv.get(url))
    courses.book_place(by=people["health_visitor"], session=session)
    assert "https://meet.example.org/kbs-l3" in _text(hv.get(url))


def test_session_page_lists_bookings_only_for_the_training_lead(people: dict[str, User], session: CourseSession) -> None:
    courses.book_place(by=people["health_visitor"], session=session)
    url = reverse("workforce:course_session", args=[session.pk])
    assert "Hv Tester" in _text(_client(people["training_lead"]).get(url))
    page = _text(_client(people["midwife"]).get(url))
    assert "Hv Tester" not in page
    assert "Join the waiting list" in page


def test_session_page_not_found_for_missing_session_and_outsider(people: dict[str, User], session: CourseSession) -> None:
    assert _client(people["health_visitor"]).get(reverse("workforce:course_session", args=[session.pk + 99])).status_code == 404
    assert _client(people["outsider"]).get(reverse("workforce:course_session", args=[session.pk])).status_code == 404


# --- adding and cancelling sessions ----------------------------------------------------------


def _session_form(**overrides: Any) -> dict[str, Any]:
    on = timezone.localdate() + timedelta(days=14)
    data = {"on-day": on.day, "on-month": on.month, "on-year": on.year, "start": "09:30", "end": "16:00",
            "venue": "Council House, Derby DE1 2FS", "online_link": "", "trainer": "Pat Trainer", "capacity": "20"}
    data.update(overrides)
    return data


def test_training_lead_adds_a_session(people: dict[str, User]) -> None:
    client = _client(people["training_lead"])
    assert client.get(reverse("workforce:course_session_new")).status_code == 200
    response = client.post(reverse("workforce:course_session_new"), _session_form())
    session = CourseSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("workforce:course_session", args=[session.pk])
    assert (timezone.localtime(session.starts_at).hour, session.capacity) == (9, 20)


@pytest.mark.parametrize(("overrides", "error"), [
    ({"venue": "", "online_link": ""}, "Enter a venue, an online link, or both"),
    ({"end": "09:00"}, "The end time must be after the start time"),
    ({"start": "half nine"}, "Enter the start time as hours and minutes, like 09:30"),
    ({"capacity": "0"}, "A session needs at least 1 place"),
    ({"trainer": ""}, "Enter the trainer's name"),
    ({"on-year": "2001"}, "The session must start in the future"),
    ({"online_link": "not a link", "venue": ""}, "Enter the online link as a web address"),
])
def test_session_form_errors_save_nothing(people: dict[str, User], overrides: dict[str, Any], error: str) -> None:
    response = _client(people["training_lead"]).post(reverse("workforce:course_session_new"), _session_form(**overrides))
    assert response.status_code == 400
    assert error in _text(response)
    assert CourseSession.objects.count() == 0


@pytest.mark.parametrize("persona", NOT_LEADS)
def test_only_the_training_lead_adds_or_cancels_sessions(people: dict[str, User], session: CourseSession, persona: str) -> None:
    client = _client(people[persona])
    assert client.get(reverse("workforce:course_session_new")).status_code == 404
    assert client.post(reverse("workforce:course_session_new"), _session_form()).status_code == 404
    assert client.post(reverse("workforce:course_session_cancel", args=[session.pk])).status_code == 404
    assert client.post(reverse("workforce:course_attendance", args=[session.pk]), {}).status_code == 404
    assert CourseSession.objects.filter(cancelled=False).count() == 1


def test_training_lead_cancels_a_session(people: dict[str, User], session: CourseSession) -> None:
    response = _client(people["training_lead"]).post(reverse("workforce:course_session_cancel", args=[session.pk]), {"reason": "Room lost"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.cancelled


# --- booking, cancelling, offers -----------------------------------------------------------


def test_booking_from_the_page_then_joining_the_waiting_list(people: dict[str, User], session: CourseSession) -> None:
    url = reverse("workforce:course_session_book", args=[session.pk])
    hv = _client(people["health_visitor"])
    assert hv.get(url).status_code == 405
    response = hv.post(url, follow=True)
    assert "Place booked" in _text(response)
    response = _client(people["midwife"]).post(url, follow=True)
    assert "you are on the waiting list" in _text(response)
    again = hv.post(url)
    assert again.status_code == 400
    assert "You already have a place on this session" in _text(again)
    assert [b.state for b in Booking.objects.order_by("pk")] == ["booked", "waiting"]


def test_outsider_cannot_book(people: dict[str, User], session: CourseSession) -> None:
    response = _client(people["outsider"]).post(reverse("workforce:course_session_book", args=[session.pk]))
    assert response.status_code == 404
    assert Booking.objects.count() == 0


def test_cancelling_offers_the_place_and_only_the_person_offered_can_accept(people: dict[str, User], session: CourseSession) -> None:
    booked = courses.book_place(by=people["health_visitor"], session=session)
    waiting = courses.book_place(by=people["midwife"], session=session)
    # Another practitioner cannot cancel someone else's booking; the training lead can.
    assert _client(people["police"]).post(reverse("workforce:booking_cancel", args=[booked.pk])).status_code == 404
    assert _client(people["health_visitor"]).post(reverse("workforce:booking_cancel", args=[booked.pk])).status_code == 302
    for persona in ("health_visitor", "training_lead", "police"):
        assert _client(people[persona]).post(reverse("workforce:offer_accept", args=[waiting.pk])).status_code == 404
        assert _client(people[persona]).post(reverse("workforce:offer_decline", args=[waiting.pk])).status_code == 404
    midwife = _client(people["midwife"])
    page = _text(midwife.get(reverse("workforce:course_session", args=[session.pk])))
    assert "Accept the place" in page
    assert midwife.post(reverse("workforce:offer_accept", args=[waiting.pk])).status_code == 302
    waiting.refresh_from_db()
    assert waiting.state == BookingState.BOOKED


def test_declining_from_the_page(people: dict[str, User], session: CourseSession) -> None:
    booked = courses.book_place(by=people["health_visitor"], session=session)
    waiting = courses.book_place(by=people["midwife"], session=session)
    courses.cancel_booking(by=people["training_lead"], booking=booked)
    assert _client(people["midwife"]).post(reverse("workforce:offer_decline", args=[waiting.pk])).status_code == 302
    waiting.refresh_from_db()
    assert waiting.state == BookingState.CANCELLED


def test_accepting_an_expired_offer_from_the_page_is_refused(people: dict[str, User], session: CourseSession) -> None:
    booked = courses.book_place(by=people["health_visitor"], session=session)
    waiting = courses.book_place(by=people["midwife"], session=session)
    courses.cancel_booking(by=people["health_visitor"], booking=booked)
    Booking.objects.filter(pk=waiting.pk).update(offered_until=timezone.now() - timedelta(minutes=5))
    response = _client(people["midwife"]).post(reverse("workforce:offer_accept", args=[waiting.pk]))
    assert response.status_code == 400
    assert "This offer ran out" in _text(response)
    waiting.refresh_from_db()
    assert waiting.state == BookingState.OFFERED


def test_training_lead_marks_attendance(people: dict[str, User], session: CourseSession) -> None:
    booked = courses.book_place(by=people["health_visitor"], session=session)
    CourseSession.objects.filter(pk=session.pk).update(starts_at=timezone.now() - timedelta(hours=2))
    lead = _client(people["training_lead"])
    page = _text(lead.get(reverse("workforce:course_session", args=[session.pk])))
    assert "Save attendance" in page
    empty = lead.post(reverse("workforce:course_attendance", args=[session.pk]), {})
    assert empty.status_code == 400
    assert TrainingRecord.objects.count() == 0
    response = lead.post(reverse("workforce:course_attendance", args=[session.pk]), {f"booking-{booked.pk}": "attended"}, follow=True)
    assert "1 attended and given a certificate" in _text(response)
    assert TrainingRecord.objects.get().user == people["health_visitor"]


def test_training_lead_sees_past_sessions_to_mark_and_cancelled_ones(people: dict[str, User], session: CourseSession) -> None:
    CourseSession.objects.filter(pk=session.pk).update(starts_at=timezone.now() - timedelta(days=1))
    later = courses.create_session(by=people["training_lead"], details={
        "starts_at": timezone.now() + timedelta(days=3), "ends_at": timezone.now() + timedelta(days=3, hours=2),
        "venue": "", "online_link": "https://meet.example.org/x", "trainer": "Pat Trainer", "capacity": 5,
    })
    courses.cancel_session(by=people["training_lead"], session=later)
    lead_page = _text(_client(people["training_lead"]).get(reverse("workforce:course")))
    assert "Past sessions" in lead_page
    assert "Cancelled" in lead_page
    hv_page = _text(_client(people["health_visitor"]).get(reverse("workforce:course")))
    assert "Past sessions" not in hv_page
    assert reverse("workforce:course_session", args=[later.pk]) not in hv_page
