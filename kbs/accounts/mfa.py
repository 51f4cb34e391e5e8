"""Two-step sign-in: after the password, a code from an authenticator app (TOTP, django-otp), or
one of ten single-use recovery codes.

`TwoStepRequiredMiddleware` is the one gate: a session that has passed the password but not the
code can reach only the sign-in and sign-out pages, the two-step pages themselves, static files and
the public pages that need no sign-in. Everything else, the API with a session included, sends it
to enter a code (or to set up an app first). Bearer-token API calls carry no session and are
judged by their token alone.

Recovery codes are stored hashed: each is 60 random bits, shown once, and kept as a truncated
SHA-256 in django-otp's static-token table, so a copy of the database does not give them away.
"""

import hashlib
import secrets
from base64 import b32encode
from collections.abc import Callable

import segno
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from kbs.accounts.models import User

# Set at the password step for someone who has an authenticator app, so that the gate holds them
# at the code page even where two-step sign-in is optional (demo mode).
PENDING = "kbs_two_step_pending"

RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
RECOVERY_LENGTH = 12  # about 59 bits each

# Pages anyone may open, and the pages that finish signing in.
EXEMPT_PREFIXES = ("/keeping-babies-safe/", "/.well-known/")
EXEMPT_NAMES = (
    "accounts:sign_in", "accounts:sign_out", "accounts:signed_out", "accounts:mfa_verify", "accounts:mfa_enrol",
    "accounts:mfa_recovery", "core:privacy", "core:accessibility", "core:cookies", "core:health", "core:security",
)


def totp_device(user: User, *, confirmed: bool = True) -> TOTPDevice | None:
    """The person's authenticator app (confirmed), or the one they are setting up (unconfirmed)."""
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("-pk").first()


def recovery_device(user: User) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user).order_by("-pk").first()


def recovery_codes_left(user: User) -> int:
    device = recovery_device(user)
    return device.token_set.count() if device else 0


def is_verified(request: HttpRequest) -> bool:
    verified = getattr(request.user, "is_verified", None)
    return bool(verified and verified())


def needs_second_step(request: HttpRequest) -> bool:
    """True for a signed-in session that still has to enter a code (or set up an app) before it
    may see anything else."""
    if not request.user.is_authenticated or is_verified(request):
        return False
    return bool(settings.KBS_MFA_REQUIRED or request.session.get(PENDING))


def second_step_url(user: User, next_url: str) -> str:
    """Where someone goes after their password: the code page, or setting up an app first."""
    name = "accounts:mfa_verify" if totp_device(user) else "accounts:mfa_enrol"
    return f"{reverse(name)}?{urlencode({'next': next_url})}" if next_url else reverse(name)


def _exempt(request: HttpRequest) -> bool:
    path = request.path_info
    if path.startswith((settings.STATIC_URL or "/static/", *EXEMPT_PREFIXES)):
        return True
    if path.startswith("/api/") and request.headers.get("Authorization", "").startswith("Bearer "):
        return True  # a machine call, judged by its token alone (kbs.api.auth)
    return path in {reverse(name) for name in EXEMPT_NAMES}


class TwoStepRequiredMiddleware:
    """Holds a session that has given a password but no code at the two-step pages (see above)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if needs_second_step(request) and not _exempt(request):
            return redirect(second_step_url(request.user, request.get_full_path()))  # type: ignore[arg-type]
        return self.get_response(request)


# --- setting up an app --------------------------------------------------------------------------


def secret_for_typing(device: TOTPDevice) -> str:
    """The secret as an app asks for it when typed in: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The app's set-up link as a QR code, an SVG in a data: URI (the CSP allows data: images and
    no inline style)."""
    code = segno.make(device.config_url, error="m")
    return str(code.svg_data_uri(scale=5, dark="#000", light="#fff", border=4))


# --- recovery codes -----------------------------------------------------------------------------


def new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, RECOVERY_LENGTH, 4))


def normalise_recovery_code(typed: str) -> str:
    return "".join(ch for ch in typed.lower() if ch.isalnum())


def hash_recovery_code(code: str) -> str:
    """What is stored for a code: 80 bits of SHA-256 in base32, 16 characters (the column's size).
    The codes are random and long, so a fast hash is enough; the database alone cannot reverse it."""
    digest = hashlib.sha256(f"kbs-recovery:{normalise_recovery_code(code)}".encode()).digest()
    return b32encode(digest[:10]).decode("ascii").lower()
