"""E-mails to a person about their own account: a lockout, a sign-in from a new device, an
authenticator app set up or reset. Links only, never a family's name. Sent after the commit.

Also the fingerprint of a sign-in: a keyed hash of the browser's user agent and the address, so
that "have we seen this before?" can be answered without keeping either.
"""

from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from kbs.accounts.models import User

SUBJECT = "Keeping Babies Safe: "


def fingerprint(request: HttpRequest) -> str:
    """A keyed hash of browser and address. Without the secret key it cannot be turned back into
    either, or matched against a list of addresses."""
    agent = request.META.get("HTTP_USER_AGENT", "")[:500]
    address = request.META.get("REMOTE_ADDR", "")
    return salted_hmac("kbs.accounts.notices.fingerprint", f"{agent}\n{address}", algorithm="sha256").hexdigest()[:32]


def _link(name: str) -> str:
    return f"{settings.KBS_BASE_URL}{reverse(name)}"


def _clock(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%H:%M on %-d %B %Y}"


def _send(user: User, subject: str, body: str) -> int:
    if not user.email:
        return 0
    return send_mail(SUBJECT + subject, body, None, [user.email])


def account_locked(user: User, until: datetime | None) -> int:
    after = f"after {_clock(until)}" if until else "in an hour"
    body = (
        "There have been too many attempts to sign in to your Keeping Babies Safe account, so it is locked "
        "for now.\n\n"
        f"You can try again {after}, or ask your administrator to unlock it sooner.\n\n"
        "If you did not try to sign in, someone else may know your username or password. Change your password "
        f"when you can ({_link('accounts:change_password')}) and tell your administrator.\n"
    )
    return _send(user, "your account is locked for now", body)


def new_device(user: User, when: datetime) -> int:
    body = (
        f"Your Keeping Babies Safe account was signed in to at {_clock(when)} from a browser or place we "
        "have not seen you use in the last 90 days.\n\n"
        "If this was you, there is nothing to do.\n\n"
        f"If it was not you, change your password now ({_link('accounts:change_password')}) and tell your "
        "administrator.\n"
    )
    return _send(user, "a sign-in from a new device", body)


def authenticator_set_up(user: User) -> int:
    body = (
        "An authenticator app has just been set up for two-step sign-in to your Keeping Babies Safe account, "
        "and new recovery codes were made.\n\n"
        "If this was you, there is nothing to do.\n\n"
        "If it was not you, tell your administrator straight away: they can reset it.\n"
    )
    return _send(user, "an authenticator app was set up", body)


def authenticator_reset(user: User) -> int:
    body = (
        "An administrator has reset two-step sign-in for your Keeping Babies Safe account. Your old "
        "authenticator app and recovery codes no longer work.\n\n"
        f"Next time you sign in ({_link('accounts:sign_in')}) you will set up an authenticator app again.\n\n"
        "If you did not ask for this, tell your administrator.\n"
    )
    return _send(user, "two-step sign-in was reset", body)
