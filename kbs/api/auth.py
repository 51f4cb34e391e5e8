"""Who is calling the API: a bearer token, or a signed-in session (which must pass CSRF).

Two django-ninja security schemes, tried in this order, so that the OpenAPI schema declares both:

- `BearerToken`: `Authorization: Bearer kbs_…`. A request that sends a bearer header is judged by
  its token alone: a wrong or revoked token is refused even if a session cookie comes with it.
- `SignedInSession`: the `sessionid` cookie of someone signed in to the web service, with Django's
  own CSRF check for unsafe methods.

Both answer a `Caller` (the user and, for a token, its name, which the audit trail records), and
both refuse a caller whose roles do not include the API (403), after the 401 cases.
"""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.api.models import ApiToken, hash_token

BEARER = "Bearer "


@dataclass(frozen=True)
class Caller:
    """Who made an API call: the user, and the name of the token used (empty for a session)."""

    user: User
    token_name: str = ""

    @property
    def via(self) -> str:
        """How the call was made, for audit summaries."""
        return f"API token {self.token_name!r}" if self.token_name else "a signed-in session"


class NotAllowed(Exception):
    """The caller is known but their roles do not include the API (403)."""


def _no_response(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


def _csrf_ok(request: HttpRequest) -> bool:
    """Run Django's own CSRF check; it returns None when the request passes."""
    check = CsrfViewMiddleware(_no_response)
    return check.process_view(request, _no_response, (), {}) is None


def _sends_bearer(request: HttpRequest) -> bool:
    return request.headers.get("Authorization", "").startswith(BEARER)


def token_caller(request: HttpRequest) -> Caller | None:
    """The caller behind the request's bearer token, or None if it is missing, wrong or revoked."""
    if not _sends_bearer(request):
        return None
    value = request.headers["Authorization"].removeprefix(BEARER).strip()
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(value), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return Caller(token.user, token.name)


def session_caller(request: HttpRequest) -> Caller | None:
    """The signed-in user, if the request sends no bearer token and passes CSRF; else None."""
    if _sends_bearer(request):
        return None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and _csrf_ok(request):
        return Caller(user)
    return None


def api_user(request: HttpRequest) -> User | None:
    """The user behind a bearer token, or the session's user if the request passes CSRF; else None."""
    caller = token_caller(request) or session_caller(request)
    return caller.user if caller else None


def _allowed(caller: Caller | None) -> Caller | None:
    if caller is not None and not has_permission(caller.user, Permission.USE_API):
        raise NotAllowed
    return caller


class BearerToken(HttpBearer):
    """An API token made with `manage.py create_api_token` (only its hash is stored)."""

    def __call__(self, request: HttpRequest) -> Caller | None:
        return _allowed(token_caller(request))

    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:  # pragma: no cover - see __call__
        return _allowed(token_caller(request))


class SignedInSession(APIKeyCookie):
    """The session of someone signed in to KBS in this browser; unsafe methods need the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)  # CSRF is checked in session_caller, and failure is a 401

    def __call__(self, request: HttpRequest) -> Caller | None:
        return _allowed(session_caller(request))

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller | None:  # pragma: no cover - see __call__
        return _allowed(session_caller(request))


AUTH = [BearerToken(), SignedInSession()]
