"""How long a signed-in session lasts: it ends after 30 minutes without a request, and 12 hours
after signing in, whatever happens in between (issue 9; NHS expectations for shared devices).

The times are kept in the session itself. "Last seen" is written at most once a minute, so that
a busy session is not saved on every request.

Signing out of every device (kbs.staff) stores a per-person cutoff: a session signed in before it
has ended. Checking it costs one lookup by primary key per signed-in request.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib import auth, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

STARTED = "kbs_signed_in_at"
SEEN = "kbs_last_seen_at"
SEEN_EVERY = timedelta(minutes=1)
# Set when this session was deliberately kept through its owner's own cutoff (see `keep_current`).
KEPT = "kbs_kept_at"
ENDED_EVERYWHERE = (
    "You were signed out because you chose to sign out of every device, or because your account was changed."
)


def idle_limit() -> timedelta:
    return timedelta(seconds=settings.KBS_SESSION_IDLE_SECONDS)


def absolute_limit() -> timedelta:
    return timedelta(seconds=settings.SESSION_COOKIE_AGE)


def start(request: HttpRequest) -> None:
    """Called when someone signs in: both clocks start now."""
    now = timezone.now().timestamp()
    request.session[STARTED] = now
    request.session[SEEN] = now


def expired(started: float, seen: float, now: float) -> str:
    """Why a session with these times has ended, or "" if it has not. Pure, for tests."""
    if now - started >= absolute_limit().total_seconds():
        return f"You were signed out because you signed in more than {absolute_limit().total_seconds() / 3600:g} hours ago."
    if now - seen >= idle_limit().total_seconds():
        return f"You were signed out after {idle_limit().total_seconds() / 60:g} minutes without using the service."
    return ""


def keep_current(request: HttpRequest) -> None:
    """Keep this session going although its owner's other sessions have just been ended (for an
    administrator who removes one of their own roles)."""
    request.session[KEPT] = timezone.now().timestamp()


def ended_everywhere(user_id: int, since: float) -> bool:
    """True when the person's sessions were ended everywhere after `since` (when this session
    started). One lookup by primary key."""
    from kbs.staff.models import SessionCutoff  # kbs.staff builds on accounts

    return SessionCutoff.objects.filter(user_id=user_id, valid_from__gt=datetime.fromtimestamp(since, tz=UTC)).exists()


class SessionLifetimeMiddleware:
    """Signs out a session that has been idle too long or has lasted too long, and sends the person
    to sign in again (coming back to where they were)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            session = request.session
            started = float(session.get(STARTED, now))
            seen = float(session.get(SEEN, now))
            reason = expired(started, seen, now)
            if not reason and ended_everywhere(request.user.pk, max(started, float(session.get(KEPT, 0)))):
                reason = ENDED_EVERYWHERE
            if reason:
                auth.logout(request)
                messages.warning(request, reason)
                return redirect(f"{reverse('accounts:sign_in')}?{urlencode({'next': request.get_full_path()})}")
            if STARTED not in session:
                session[STARTED] = started
            if now - seen >= SEEN_EVERY.total_seconds() or SEEN not in session:
                session[SEEN] = now
        return self.get_response(request)
