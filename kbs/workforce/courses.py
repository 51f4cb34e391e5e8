"""The Level 3 course "Keeping Babies Safe": its learning outcomes, sessions, booking and the waiting
list, offers of cancelled places, attendance and certificates.

The rules:
- A session has a capacity. A place is taken by a booking that is booked, offered (the place is held
  for the person offered it), attended or did-not-attend. Capacity is checked with the session row
  locked (select_for_update), so two people booking the last place at once cannot both get it.
- One active booking per person per session (also a database constraint): booking twice is refused.
- When a session is full, people join its waiting list, first come first served.
- When a place comes free (a cancellation, a declined or expired offer), it is offered to the first
  person waiting, who has until an accept-by time to accept: 48 hours, or the start of the session
  if that is sooner. They are e-mailed once the change is committed.
- `expire_course_offers` (a management command, run from cron) cancels offers that ran out and
  offers the place to the next person. Accepting an offer after its time is refused.
- The training lead marks attendance once the session has started; attending gives the person a
  training record and a certificate (L3-KBS) that expires three years later.

The actions here follow `actions.py`'s rules (keyword-only, one transaction, `by=`, their own audit
rows); they live beside their only forms and views.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.core.forms import DateField
from kbs.core.presenters import moment
from kbs.workforce import access
from kbs.workforce.access import NOT_FOUND
from kbs.workforce.actions import CERTIFICATE_YEARS, add_years
from kbs.workforce.models import (
    COURSE_LEVELS,
    Booking,
    BookingState,
    Certificate,
    CourseCode,
    CourseSession,
    RecordSource,
    TrainingRecord,
)

COURSE = CourseCode.L3_KBS
COURSE_TITLE = "Keeping Babies Safe"
OFFER_HOURS = 48

# Written from the partnership's Level 3 proposal (domain notes §12.2) until DDSCP's own outcomes are
# obtained. Each starts "By the end of the course you will be able to".
LEARNING_OUTCOMES = (
    "carry out a safer sleep and co-sleeping assessment with a family, and agree an \"out of routine\" "
    "plan for nights away, visitors, illness and other changes",
    "use the Every Baby Matters observations and conversations tool to notice vulnerability and talk "
    "about it with parents",
    "recognise the triggers for a pre-birth referral and assessment, and keep to their timescales",
    "contribute to a pre-birth delivery safety plan with the other agencies involved",
    "find, engage and assess fathers and male carers, so that nobody who looks after the baby is invisible",
    "apply the learning from the national reviews \"Out of routine\" and \"The Myth of Invisible Men\" "
    "to your own practice",
    "explain the roles of the Joint Agency Response and the Child Death Overview Panel after a sudden "
    "unexpected death of a baby",
)

# States that hold a place on the session.
HOLDS_PLACE = (BookingState.BOOKED, BookingState.OFFERED, BookingState.ATTENDED, BookingState.DID_NOT_ATTEND)
ACTIVE = (BookingState.BOOKED, BookingState.WAITING, BookingState.OFFERED)


class NotAllowed(Exception):
    """The user may not do this (views have already checked, so this is a bug guard)."""


# --- who may do what -------------------------------------------------------------------------


def is_staff_member(user: Any) -> bool:
    """Anyone who holds a role may book (as for the e-learning); an account with no role may not."""
    return access.is_staff(user)


def is_training_lead(user: Any) -> bool:
    return access.can_manage(user)


def _require_lead(by: User) -> None:
    if not is_training_lead(by):
        raise NotAllowed(Permission.MANAGE_TRAINING)


# --- the rules -------------------------------------------------------------------------------


def places_taken(session: CourseSession) -> int:
    return session.bookings.filter(state__in=HOLDS_PLACE).count()


def accept_by(session: CourseSession, now: datetime) -> datetime:
    """An offer lasts 48 hours, or until the session starts if that is sooner."""
    return min(now + timedelta(hours=OFFER_HOURS), session.starts_at)


def certificate_expiry(issued_on: date) -> date:
    """Three years on, as for the Level 2 certificate; 29 February becomes 28 February."""
    return add_years(issued_on, CERTIFICATE_YEARS)


def _locked(session: CourseSession) -> CourseSession:
    """The session row again, locked until the end of the transaction: capacity decisions are made
    one at a time."""
    return CourseSession.objects.select_for_update().get(pk=session.pk)


def _set_state(booking: Booking, state: str, *, offered_until: datetime | None = None) -> None:
    booking.state = state
    booking.offered_until = offered_until
    booking.save(update_fields=["state", "offered_until", "updated_at"])


def _link(path: str) -> str:
    return f"{settings.KBS_BASE_URL}{path}"


def _session_words(session: CourseSession) -> str:
    return f"the {COURSE_TITLE} (Level 3) course on {moment(session.starts_at)}"


def _mail(to: str, subject: str, body: str) -> None:
    if to:
        send_mail(f"Keeping Babies Safe: {subject}", body, None, [to])


def _mail_on_commit(to: str, subject: str, body: str) -> None:
    """E-mail once the change is committed: never about a change that was rolled back. E-mail leaves
    the secure system, so these say only which session and where to click."""
    transaction.on_commit(partial(_mail, to, subject, body))


def _offer_free_places(by: User | None, session: CourseSession, now: datetime) -> list[Booking]:
    """Offer each free place to the next person waiting. Call with the session locked."""
    if session.cancelled or session.starts_at <= now:
        return []
    free = session.capacity - places_taken(session)
    offered = []
    for booking in session.bookings.filter(state=BookingState.WAITING).select_related("user").order_by("created_at", "pk")[:max(free, 0)]:
        until = accept_by(session, now)
        _set_state(booking, BookingState.OFFERED, offered_until=until)
        record_event(
            by=by, action=Action.UPDATE, obj=booking, actor_name="" if by else "Waiting list",
            summary=f"Offered a place on a Level 3 session to {booking.user} from the waiting list",
            detail={"session": session.pk, "user": booking.user_id, "state": ["waiting", "offered"], "offered_until": until},
        )
        offered.append(booking)
        _mail_on_commit(
            booking.user.email, "a place on the Level 3 course is yours if you want it",
            f"A place has come free on {_session_words(session)} and you are next on the waiting list.\n\n"
            f"Accept it by {moment(until)}, or it will be offered to the next person.\n"
            f"Accept or decline: {_link(reverse('workforce:course_session', args=[session.pk]))}\n",
        )
    return offered


# --- actions ---------------------------------------------------------------------------------


@transaction.atomic
def create_session(*, by: User, details: dict[str, Any]) -> CourseSession:
    """A new Level 3 session (starts_at, ends_at, venue and/or online_link, trainer, capacity).
    Raises ValidationError, saving nothing, when the details do not add up."""
    _require_lead(by)
    session = CourseSession(course_code=COURSE, created_by=by, **details)
    problems = []
    if session.starts_at and session.starts_at <= timezone.now():
        problems.append("The session must start in the future")
    if session.starts_at and session.ends_at and session.ends_at <= session.starts_at:
        problems.append("The session must end after it starts")
    if not (session.venue or "").strip() and not (session.online_link or "").strip():
        problems.append("Enter a venue, an online link, or both")
    if problems:
        raise ValidationError(problems)
    session.full_clean()
    session.save()
    record_event(by=by, action=Action.CREATE, obj=session, summary=f"Created a Level 3 session on {moment(session.starts_at)}",
                 detail={k: v for k, v in details.items()})
    return session


@transaction.atomic
def cancel_session(*, by: User, session: CourseSession, reason: str = "") -> CourseSession:
    """Cancel a session: every booking, waiting place and offer on it is cancelled and each person
    is e-mailed once the change is committed."""
    _require_lead(by)
    session = _locked(session)
    if session.cancelled:
        raise ValidationError("This session has already been cancelled")
    if session.starts_at <= timezone.now():
        raise ValidationError("A session that has started cannot be cancelled")
    session.cancelled = True
    session.save(update_fields=["cancelled"])
    affected = list(session.bookings.filter(state__in=ACTIVE).select_related("user"))
    for booking in affected:
        _set_state(booking, BookingState.CANCELLED)
        _mail_on_commit(
            booking.user.email, "Level 3 course session cancelled",
            f"Sorry: {_session_words(session)} has been cancelled. Your place or waiting-list place on it has "
            f"been cancelled too.\n\nBook another session: {_link(reverse('workforce:course'))}\n",
        )
    record_event(by=by, action=Action.UPDATE, obj=session, summary=f"Cancelled the Level 3 session on {moment(session.starts_at)}",
                 detail={"cancelled": [False, True], "reason": reason, "bookings_cancelled": [b.pk for b in affected]})
    return session


@transaction.atomic
def book_place(*, by: User, session: CourseSession) -> Booking:
    """Book `by` onto a session: a place if there is one and nobody is waiting, otherwise a place on
    the waiting list. Refuses a second active booking for the same session."""
    if not is_staff_member(by):
        raise NotAllowed("only staff may book")
    now = timezone.now()
    session = _locked(session)
    if session.cancelled:
        raise ValidationError("This session has been cancelled")
    if session.starts_at <= now:
        raise ValidationError("This session has already started")
    current = session.bookings.filter(user=by, state__in=(*ACTIVE, BookingState.ATTENDED, BookingState.DID_NOT_ATTEND)).first()
    if current is not None:
        raise ValidationError(
            "You are already on the waiting list for this session" if current.state == BookingState.WAITING
            else "You have already been offered a place on this session" if current.state == BookingState.OFFERED
            else "You already have a place on this session"
        )
    waiting = session.bookings.filter(state=BookingState.WAITING).exists()
    state = BookingState.BOOKED if not waiting and places_taken(session) < session.capacity else BookingState.WAITING
    try:
        with transaction.atomic():
            booking = Booking.objects.create(session=session, user=by, state=state)
    except IntegrityError:
        # Only a second request from the same person racing the first can get here.
        raise ValidationError("You already have a place on this session") from None
    record_event(
        by=by, action=Action.CREATE, obj=booking,
        summary=("Booked a place on" if state == BookingState.BOOKED else "Joined the waiting list for")
        + f" the Level 3 session on {moment(session.starts_at)}",
        detail={"session": session.pk, "state": state},
    )
    return booking


@transaction.atomic
def cancel_booking(*, by: User, booking: Booking) -> Booking:
    """Cancel a booking, a waiting-list place or an offer (the person themselves, or the training
    lead). A place given up is offered to the next person waiting."""
    if by.pk != booking.user_id:
        _require_lead(by)
    session = _locked(booking.session)
    booking = Booking.objects.select_related("user").get(pk=booking.pk)
    if booking.state not in ACTIVE:
        raise ValidationError("This booking cannot be cancelled now")
    if session.starts_at <= timezone.now() and booking.state == BookingState.BOOKED:
        raise ValidationError("The session has started: the training lead will mark attendance instead")
    before = booking.state
    _set_state(booking, BookingState.CANCELLED)
    record_event(by=by, action=Action.UPDATE, obj=booking,
                 summary=f"Cancelled {'their' if by.pk == booking.user_id else str(booking.user) + chr(39) + 's'} "
                         f"booking for the Level 3 session on {moment(session.starts_at)}",
                 detail={"session": session.pk, "user": booking.user_id, "state": [before, "cancelled"]})
    _offer_free_places(by, session, timezone.now())
    return booking


@transaction.atomic
def accept_offer(*, by: User, booking: Booking) -> Booking:
    """Accept the place offered from the waiting list, before the accept-by time."""
    if by.pk != booking.user_id:
        raise NotAllowed("only the person offered the place may accept it")
    _locked(booking.session)
    booking = Booking.objects.select_related("session").get(pk=booking.pk)
    if booking.state != BookingState.OFFERED or booking.offered_until is None:
        raise ValidationError("There is no offer to accept")
    if booking.offered_until <= timezone.now():
        raise ValidationError(f"This offer ran out at {moment(booking.offered_until)}")
    until = booking.offered_until
    _set_state(booking, BookingState.BOOKED)
    record_event(by=by, action=Action.UPDATE, obj=booking,
                 summary=f"Accepted a place on the Level 3 session on {moment(booking.session.starts_at)}",
                 detail={"session": booking.session_id, "state": ["offered", "booked"], "offered_until": until})
    return booking


@transaction.atomic
def decline_offer(*, by: User, booking: Booking) -> Booking:
    """Turn down the place offered: it goes to the next person waiting."""
    if by.pk != booking.user_id:
        raise NotAllowed("only the person offered the place may decline it")
    session = _locked(booking.session)
    booking = Booking.objects.get(pk=booking.pk)
    if booking.state != BookingState.OFFERED:
        raise ValidationError("There is no offer to decline")
    _set_state(booking, BookingState.CANCELLED)
    record_event(by=by, action=Action.UPDATE, obj=booking,
                 summary=f"Declined a place on the Level 3 session on {moment(session.starts_at)}",
                 detail={"session": session.pk, "state": ["offered", "cancelled"]})
    _offer_free_places(by, session, timezone.now())
    return booking


def expire_offers(*, now: datetime | None = None) -> list[Booking]:
    """Cancel every offer whose accept-by time has passed and offer each place to the next person
    waiting. One transaction per session, so one session's trouble does not hold up the rest;
    running it twice, or twice at once, expires nothing twice."""
    now = now or timezone.now()
    expired: list[Booking] = []
    sessions = CourseSession.objects.filter(bookings__state=BookingState.OFFERED, bookings__offered_until__lte=now).distinct()
    for session_id in sessions.values_list("pk", flat=True):
        with transaction.atomic():
            session = CourseSession.objects.select_for_update().get(pk=session_id)
            for booking in session.bookings.filter(state=BookingState.OFFERED, offered_until__lte=now).select_related("user"):
                until = booking.offered_until
                _set_state(booking, BookingState.CANCELLED)
                record_event(by=None, action=Action.UPDATE, obj=booking, actor_name="Waiting list",
                             summary=f"An offer of a place on the Level 3 session on {moment(session.starts_at)} ran out",
                             detail={"session": session.pk, "user": booking.user_id, "state": ["offered", "cancelled"],
                                     "offered_until": until})
                _mail_on_commit(
                    booking.user.email, "your offer of a Level 3 course place has run out",
                    f"The place offered to you on {_session_words(session)} was not accepted by {moment(until)}, "
                    f"so it has gone to the next person waiting.\n\nBook another session: {_link(reverse('workforce:course'))}\n",
                )
                expired.append(booking)
            _offer_free_places(None, session, now)
    return expired


@transaction.atomic
def mark_attendance(*, by: User, session: CourseSession, marks: dict[int, bool]) -> list[Booking]:
    """Mark who came (`marks`: booking id → attended). Attending gives the person a training record
    and an L3-KBS certificate that expires three years after the session. Marks are final: a booking
    already marked is refused."""
    _require_lead(by)
    session = _locked(session)
    if session.cancelled:
        raise ValidationError("This session was cancelled")
    if session.starts_at > timezone.now():
        raise ValidationError("Attendance can be marked once the session has started")
    bookings = {b.pk: b for b in session.bookings.filter(pk__in=list(marks)).select_related("user")}
    unknown = set(marks) - set(bookings)
    if unknown:
        raise ValidationError("A booking marked is not on this session")
    not_booked = [b for b in bookings.values() if b.state != BookingState.BOOKED]
    if not_booked:
        raise ValidationError(f"Attendance for {not_booked[0].user} has already been marked, or they had no place")
    issued_on = timezone.localtime(session.starts_at).date()
    marked = []
    for pk, attended in marks.items():
        booking = bookings[pk]
        state = BookingState.ATTENDED if attended else BookingState.DID_NOT_ATTEND
        _set_state(booking, state)
        detail: dict[str, Any] = {"session": session.pk, "user": booking.user_id, "state": ["booked", state]}
        if attended:
            expires_on = certificate_expiry(issued_on)
            certificate = Certificate.objects.create(user=booking.user, course_code=COURSE, issued_on=issued_on, expires_on=expires_on)
            record = TrainingRecord(
                user=booking.user, course_code=COURSE, level=COURSE_LEVELS[COURSE], completed_on=issued_on,
                expires_on=expires_on, source=RecordSource.KBS, certificate=certificate,
            )
            record.full_clean()
            record.save()
            detail |= {"training_record": record.pk, "certificate": str(certificate.public_id), "expires_on": expires_on}
        record_event(by=by, action=Action.UPDATE, obj=booking,
                     summary=f"Marked {booking.user} as {'attending' if attended else 'not attending'} the Level 3 session "
                             f"on {moment(session.starts_at)}", detail=detail)
        marked.append(booking)
    return marked


# --- forms -----------------------------------------------------------------------------------


class TimeField(forms.TimeField):
    def __init__(self, *, label: str) -> None:
        super().__init__(label=label, input_formats=["%H:%M", "%H.%M", "%H%M"],
                         help_text="Use the 24-hour clock, for example 09:30 or 14:00",
                         error_messages={"required": f"Enter the {label.lower()}",
                                         "invalid": f"Enter the {label.lower()} as hours and minutes, like 09:30"})


class SessionForm(forms.Form):
    on = DateField(label="Date of the session")
    start = TimeField(label="Start time")
    end = TimeField(label="End time")
    venue = forms.CharField(label="Venue", max_length=300, required=False,
                            help_text="The building and room, with the postcode. Leave blank for an online session.")
    online_link = forms.URLField(label="Online link", required=False, max_length=200, assume_scheme="https",
                                 help_text="The meeting link. Leave blank for a session in person.",
                                 error_messages={"invalid": "Enter the online link as a web address, starting https://"})
    trainer = forms.CharField(label="Trainer", max_length=200, error_messages={"required": "Enter the trainer's name"})
    capacity = forms.IntegerField(label="Places", min_value=1, max_value=500,
                                  error_messages={"required": "Enter the number of places",
                                                  "invalid": "Enter the number of places as a whole number",
                                                  "min_value": "A session needs at least 1 place",
                                                  "max_value": "A session can have at most 500 places"})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("venue", "").strip() and not data.get("online_link", "").strip() and not self.has_error("online_link"):
            self.add_error("venue", "Enter a venue, an online link, or both")
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", "The end time must be after the start time")
        if data.get("on") and data.get("start") and self._at(data["on"], data["start"]) <= timezone.now():
            self.add_error("on", "The session must start in the future")
        return data

    @staticmethod
    def _at(on: date, at: time) -> datetime:
        return timezone.make_aware(datetime.combine(on, at))

    def details(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "starts_at": self._at(data["on"], data["start"]), "ends_at": self._at(data["on"], data["end"]),
            "venue": data["venue"].strip(), "online_link": data["online_link"].strip(), "trainer": data["trainer"].strip(),
            "capacity": data["capacity"],
        }


# --- presenting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionRow:
    session: CourseSession
    taken: int
    waiting: int
    mine: Booking | None

    @property
    def places_left(self) -> int:
        return max(self.session.capacity - self.taken, 0)

    @property
    def availability(self) -> str:
        if self.session.cancelled:
            return "Cancelled"
        if self.places_left:
            return f"{self.places_left} place{'s' if self.places_left != 1 else ''} left"
        return f"Full: {self.waiting} waiting" if self.waiting else "Full: join the waiting list"

    @property
    def where(self) -> str:
        session = self.session
        if session.venue and session.online_link:
            return f"{session.venue}, or online"
        return session.venue or "Online"


STATE_TAGS = {
    BookingState.BOOKED: ("Booked", "green"),
    BookingState.WAITING: ("On the waiting list", "blue"),
    BookingState.OFFERED: ("Place offered", "yellow"),
    BookingState.CANCELLED: ("Cancelled", "grey"),
    BookingState.ATTENDED: ("Attended", "green"),
    BookingState.DID_NOT_ATTEND: ("Did not attend", "red"),
}


def state_tag(state: str) -> dict[str, str]:
    text, colour = STATE_TAGS[BookingState(state)]
    return {"text": text, "classes": f"nhsuk-tag--{colour}"}


def _rows(sessions: Any, user: User, *, limit: int | None = None) -> list[SessionRow]:
    """Sessions with their places taken, people waiting and the user's own booking. Two queries."""
    annotated = sessions.annotate(
        taken=Count("bookings", filter=Q(bookings__state__in=HOLDS_PLACE)),
        waiting=Count("bookings", filter=Q(bookings__state=BookingState.WAITING)),
    )
    listed = list(annotated[:limit] if limit else annotated)
    mine = {b.session_id: b for b in Booking.objects.filter(user=user, session__in=[s.pk for s in listed])
            .exclude(state=BookingState.CANCELLED)}
    return [SessionRow(s, s.taken, s.waiting, mine.get(s.pk)) for s in listed]


def _session_for(request: HttpRequest, session_id: int) -> CourseSession:
    if not is_staff_member(request.user):
        raise Http404(NOT_FOUND)
    session = CourseSession.objects.filter(pk=session_id, course_code=COURSE).first()
    if session is None:
        raise Http404(NOT_FOUND)
    return session


def _booking_for(request: HttpRequest, booking_id: int, *, lead_may: bool) -> Booking:
    """The user's own booking, or (when `lead_may`) anyone's for the training lead; the same 404 otherwise."""
    if not is_staff_member(request.user):
        raise Http404(NOT_FOUND)
    booking = Booking.objects.select_related("session", "user").filter(pk=booking_id).first()
    user: User = request.user  # type: ignore[assignment]
    if booking is None or not (booking.user_id == user.pk or (lead_may and is_training_lead(user))):
        raise Http404(NOT_FOUND)
    return booking


# --- views -----------------------------------------------------------------------------------


@login_required
@require_GET
def course_page(request: HttpRequest) -> HttpResponse:
    """The course: what it teaches, the sessions to come, and the person's own bookings."""
    if not is_staff_member(request.user):
        raise Http404(NOT_FOUND)
    user: User = request.user  # type: ignore[assignment]
    upcoming = CourseSession.objects.filter(course_code=COURSE, starts_at__gt=timezone.now()).order_by("starts_at", "pk")
    lead = is_training_lead(user)
    if not lead:
        upcoming = upcoming.filter(cancelled=False)
    past = []
    if lead:
        past = _rows(CourseSession.objects.filter(course_code=COURSE, starts_at__lte=timezone.now()).order_by("-starts_at", "-pk"), user, limit=20)
    mine = (Booking.objects.filter(user=user, session__course_code=COURSE).select_related("session")
            .order_by("-session__starts_at", "-pk")[:20])
    return render(request, "workforce/course.jinja", {
        "title": f"{COURSE_TITLE} (Level 3)", "outcomes": LEARNING_OUTCOMES, "rows": _rows(upcoming, user),
        "past": past, "lead": lead, "mine": [(b, state_tag(b.state)) for b in mine],
    })


def _session_page(request: HttpRequest, session: CourseSession, *, error: str = "", status: int = 200) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    lead = is_training_lead(user)
    row = _rows(CourseSession.objects.filter(pk=session.pk), user)[0]
    bookings = []
    if lead:
        bookings = [(b, state_tag(b.state)) for b in session.bookings.select_related("user", "user__agency").order_by("created_at", "pk")]
        record_event(by=user, action=Action.VIEW, obj=session,
                     summary=f"Viewed the bookings for the Level 3 session on {moment(session.starts_at)}")
    now = timezone.now()
    mine = row.mine
    return render(request, "workforce/course_session.jinja", {
        "title": f"{COURSE_TITLE}: {moment(session.starts_at)}", "session": session, "row": row, "lead": lead,
        "mine": mine, "mine_tag": state_tag(mine.state) if mine else None, "bookings": bookings,
        "started": session.starts_at <= now, "bookable": not session.cancelled and session.starts_at > now and mine is None,
        "offer_open": bool(mine and mine.state == BookingState.OFFERED and mine.offered_until and mine.offered_until > now),
        "to_mark": [b for b, _ in bookings if b.state == BookingState.BOOKED],
        # The meeting link goes only to people with a place, so that nobody joins without one.
        "show_link": bool(session.online_link) and (lead or bool(mine and mine.state in (BookingState.BOOKED, BookingState.ATTENDED))),
        "back_link": reverse("workforce:course"), "error": error,
    }, status=status)


@login_required
@require_GET
def session_page(request: HttpRequest, session_id: int) -> HttpResponse:
    return _session_page(request, _session_for(request, session_id))


def _refused(request: HttpRequest, session: CourseSession, error: ValidationError) -> HttpResponse:
    """The session page again with what went wrong: nothing was saved."""
    return _session_page(request, session, error=" ".join(error.messages), status=400)


@login_required
@require_http_methods(["GET", "POST"])
def session_new(request: HttpRequest) -> HttpResponse:
    if not is_training_lead(request.user):
        raise Http404(NOT_FOUND)
    form = SessionForm(request.POST) if request.method == "POST" else SessionForm()
    if request.method == "POST" and form.is_valid():
        try:
            session = create_session(by=request.user, details=form.details())  # type: ignore[arg-type]
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Session added")
            return redirect("workforce:course_session", session.pk)
    return render(request, "workforce/course_session_form.jinja",
                  {"title": "Add a Level 3 session", "form": form, "back_link": reverse("workforce:course")},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def session_cancel(request: HttpRequest, session_id: int) -> HttpResponse:
    if not is_training_lead(request.user):
        raise Http404(NOT_FOUND)
    session = _session_for(request, session_id)
    try:
        cancel_session(by=request.user, session=session, reason=request.POST.get("reason", "").strip()[:500])  # type: ignore[arg-type]
    except ValidationError as error:
        return _refused(request, session, error)
    messages.success(request, "Session cancelled. Everyone booked or waiting has been told by e-mail.")
    return redirect("workforce:course_session", session.pk)


@login_required
@require_POST
def session_book(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _session_for(request, session_id)
    try:
        booking = book_place(by=request.user, session=session)  # type: ignore[arg-type]
    except ValidationError as error:
        return _refused(request, session, error)
    messages.success(request, "Place booked" if booking.state == BookingState.BOOKED
                     else "The session is full: you are on the waiting list. We will e-mail you if a place comes free.")
    return redirect("workforce:course_session", session.pk)


@login_required
@require_POST
def attendance(request: HttpRequest, session_id: int) -> HttpResponse:
    if not is_training_lead(request.user):
        raise Http404(NOT_FOUND)
    session = _session_for(request, session_id)
    marks: dict[int, bool] = {}
    for key, value in request.POST.items():
        if key.startswith("booking-") and key[8:].isdigit() and value in ("attended", "did_not_attend"):
            marks[int(key[8:])] = value == "attended"
    if not marks:
        return _refused(request, session, ValidationError("Select attended or did not attend for at least one person"))
    try:
        marked = mark_attendance(by=request.user, session=session, marks=marks)  # type: ignore[arg-type]
    except ValidationError as error:
        return _refused(request, session, error)
    came = sum(1 for b in marked if b.state == BookingState.ATTENDED)
    messages.success(request, f"Attendance marked: {came} attended and given a certificate, {len(marked) - came} did not attend")
    return redirect("workforce:course_session", session.pk)


@login_required
@require_POST
def booking_cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = _booking_for(request, booking_id, lead_may=True)
    try:
        cancel_booking(by=request.user, booking=booking)  # type: ignore[arg-type]
    except ValidationError as error:
        return _refused(request, booking.session, error)
    messages.success(request, "Booking cancelled")
    return redirect("workforce:course_session", booking.session_id)


@login_required
@require_POST
def offer_accept(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = _booking_for(request, booking_id, lead_may=False)
    try:
        accept_offer(by=request.user, booking=booking)  # type: ignore[arg-type]
    except ValidationError as error:
        return _refused(request, booking.session, error)
    messages.success(request, "Place accepted: you are booked on this session")
    return redirect("workforce:course_session", booking.session_id)


@login_required
@require_POST
def offer_decline(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = _booking_for(request, booking_id, lead_may=False)
    try:
        decline_offer(by=request.user, booking=booking)  # type: ignore[arg-type]
    except ValidationError as error:
        return _refused(request, booking.session, error)
    messages.success(request, "Place declined: it has been offered to the next person waiting")
    return redirect("workforce:course_session", booking.session_id)
