"""Our own system checks (`manage.py check`), for the settings that keep children's data safe and
that Django's deploy checks do not know about: how long a session lasts, how its cookies are sent,
multi-factor sign-in, the Content Security Policy, and no debug or demo mode in production.

Each check reads the settings in force, so a settings module that imports kbs.settings and changes
something (the benchmark's, say) is checked too. Ids are kbs.E001 onwards; an id is never reused.
"""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from kbs.core.middleware import content_security_policy

IDLE_LIMIT_SECONDS = 30 * 60
ABSOLUTE_LIMIT_SECONDS = 12 * 60 * 60
SAFE_SAMESITE = {"Lax", "Strict"}
OTP_MIDDLEWARE = "django_otp.middleware.OTPMiddleware"


def _production() -> bool:
    return getattr(settings, "KBS_ENV", "development") == "production"


@register(Tags.security)
def check_session_lifetime(**kwargs: Any) -> list[CheckMessage]:
    """A session ends after at most 30 minutes idle and at most 12 hours in all."""
    errors: list[CheckMessage] = []
    idle = getattr(settings, "KBS_SESSION_IDLE_SECONDS", None)
    if not isinstance(idle, int) or not 0 < idle <= IDLE_LIMIT_SECONDS:
        errors.append(Error(
            f"KBS_SESSION_IDLE_SECONDS is {idle!r}: an idle session must end within {IDLE_LIMIT_SECONDS} seconds.",
            hint="Set KBS_SESSION_IDLE_SECONDS to 1800 or less.", id="kbs.E001",
        ))
    age = settings.SESSION_COOKIE_AGE
    if not isinstance(age, int) or not 0 < age <= ABSOLUTE_LIMIT_SECONDS:
        errors.append(Error(
            f"SESSION_COOKIE_AGE is {age!r}: every session must end within {ABSOLUTE_LIMIT_SECONDS} seconds of signing in.",
            hint="Set SESSION_COOKIE_AGE to 43200 or less.", id="kbs.E002",
        ))
    return errors


def _cookie_errors(kind: str, prefix: str, first_id: int) -> Iterable[CheckMessage]:
    """HttpOnly, SameSite and (in production) Secure for one cookie; three ids from first_id."""
    if not getattr(settings, f"{prefix}_HTTPONLY"):
        yield Error(f"{prefix}_HTTPONLY is off: scripts could read the {kind} cookie.", id=f"kbs.E{first_id:03d}")
    samesite = getattr(settings, f"{prefix}_SAMESITE")
    if samesite not in SAFE_SAMESITE:
        yield Error(
            f"{prefix}_SAMESITE is {samesite!r}: the {kind} cookie would be sent with other sites' requests.",
            hint="Use 'Lax' (or 'Strict').", id=f"kbs.E{first_id + 1:03d}",
        )
    if _production() and not getattr(settings, f"{prefix}_SECURE"):
        yield Error(f"{prefix}_SECURE is off in production: the {kind} cookie could travel unencrypted.",
                    id=f"kbs.E{first_id + 2:03d}")


@register(Tags.security)
def check_cookies(**kwargs: Any) -> list[CheckMessage]:
    """The session and CSRF cookies are HttpOnly, SameSite, and Secure in production."""
    return [*_cookie_errors("session", "SESSION_COOKIE", 3), *_cookie_errors("CSRF", "CSRF_COOKIE", 6)]


@register(Tags.security)
def check_multi_factor(**kwargs: Any) -> list[CheckMessage]:
    """Everyone signs in with a one-time code outside demo mode; lockout is installed in production."""
    errors: list[CheckMessage] = []
    if not settings.DEMO_MODE and getattr(settings, "KBS_MFA_REQUIRED", None) is not True:
        errors.append(Error(
            "KBS_MFA_REQUIRED is not on: outside demo mode every account must sign in with a one-time code.",
            id="kbs.E009",
        ))
    if _production():
        if "django_otp" not in settings.INSTALLED_APPS:
            errors.append(Error("django_otp is not in INSTALLED_APPS in production.", id="kbs.E010"))
        if OTP_MIDDLEWARE not in settings.MIDDLEWARE:
            errors.append(Error(f"{OTP_MIDDLEWARE} is not in MIDDLEWARE in production.", id="kbs.E011"))
        if "axes" not in settings.INSTALLED_APPS:
            errors.append(Error(
                "axes is not in INSTALLED_APPS in production: repeated failed sign-ins would not lock the account.",
                id="kbs.E012",
            ))
    return errors


def _directives(policy: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives.setdefault(words[0].lower(), words[1:])
    return directives


@register(Tags.security)
def check_content_security_policy(**kwargs: Any) -> list[CheckMessage]:
    """No inline code or eval anywhere in the policy, and no framing of our pages."""
    policy = content_security_policy()
    errors: list[CheckMessage] = []
    unsafe = sorted({word for word in policy.replace(";", " ").split() if word.lower() in {"'unsafe-inline'", "'unsafe-eval'"}})
    if unsafe:
        errors.append(Error(f"The Content Security Policy allows {', '.join(unsafe)}.", id="kbs.E013"))
    if _directives(policy).get("frame-ancestors") != ["'none'"]:
        errors.append(Error("The Content Security Policy must say frame-ancestors 'none'.", id="kbs.E014"))
    return errors


@register(Tags.security)
def check_production_modes(**kwargs: Any) -> list[CheckMessage]:
    """Production never runs with debug pages or demo personas, whatever a settings module does."""
    errors: list[CheckMessage] = []
    if _production() and settings.DEBUG:
        errors.append(Error("DEBUG is on in production.", id="kbs.E015"))
    if _production() and (settings.DEMO_MODE or "kbs.nonprod" in settings.INSTALLED_APPS):
        errors.append(Error("Demo mode (or the kbs.nonprod app) is on in production.", id="kbs.E016"))
    return errors
