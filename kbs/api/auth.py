"""Who is calling the API: a bearer token, or a signed-in session (which must pass CSRF).

Two django-ninja security schemes, tried in this order, so that the OpenAPI schema declares both:

- `BearerToken`: `Authorization: Bearer kbs_…`. A request that sends a bearer header is judged by
  its token alone: a wrong or revoked token is refused even if a session cookie comes with it.
- `SignedInSession`: the `sessionid` cookie of someone signed in to the web service, with Django's
  own CSRF check for unsafe methods.

Both answer a `Caller` (the user and, for a token, its name, which the audit trail records), and
both refuse a caller whose roles do not include the API (403), after the 401 cases.

A token is also held to its own limits: an expired or revoked token is a 401; a token over its
rate (requests a minute, counted in Django's cache) is a 429 with Retry-After; and a token without
the scope an operation needs (`required_scope`: "babies:read" to find a baby, "tools:read" for the
tools, otherwise the first part of the path and read for GET, write for anything else) is a 403.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.api.models import ApiToken, hash_token
from kbs.audit.actions import through_api

BEARER = "Bearer "


@dataclass(frozen=True)
class Caller:
    """Who made an API call: the user, and the name of the token used (empty for a session)."""

    user: User
    token_name: str = ""
    token: ApiToken | None = None

    @property
    def via(self) -> str:
        """How the call was made, for audit summaries."""
        return f"API token {self.token_name!r}" if self.token_name else "a signed-in session"


class NotAllowed(Exception):
    """The caller is known but their roles do not include the API, or their token lacks the
    operation's scope (403)."""

    def __init__(self, problem: str = "") -> None:
        self.problem = problem
        super().__init__(problem)


class RateLimited(Exception):
    """The token has made more requests this minute than it may (429)."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(retry_after)


# Operations whose scope is not what their path and method suggest (they read, though they POST).
SCOPE_BY_OPERATION = {"tools": "tools:read", "tool": "tools:read", "evaluate": "tools:read",
                      "find_baby": "babies:read"}
READ_METHODS = ("GET", "HEAD", "OPTIONS")
# Operations whose resource is not the first part of their path (read or write by method as usual).
RESOURCE_BY_OPERATION = {"family_contacts": "contacts", "baby_assessments": "assessments",
                         "family_concerns": "concerns"}


def required_scope(request: HttpRequest) -> str:
    """The scope a token needs for this request."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.url_name in SCOPE_BY_OPERATION:
        return SCOPE_BY_OPERATION[match.url_name]
    parts = [part for part in request.path.split("/") if part]
    if parts[:1] == ["api"]:
        parts = parts[1:]
    if parts[:1] == ["v1"]:
        parts = parts[1:]
    resource = parts[0].lower() if parts else ""
    if match is not None and match.url_name in RESOURCE_BY_OPERATION:
        resource = RESOURCE_BY_OPERATION[match.url_name]
    return f"{resource}:{'read' if request.method in READ_METHODS else 'write'}"


def check_rate(token: ApiToken, now: float | None = None) -> None:
    """Count one request against the token's rate for the current minute; raise RateLimited over it."""
    now = time.time() if now is None else now
    minute = int(now // 60)
    key = f"kbs-api-rate:{token.token_hash}:{minute}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    if count > token.rate_per_minute:
        raise RateLimited(retry_after=max(1, 60 - int(now % 60)))


def _no_response(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


def _csrf_ok(request: HttpRequest) -> bool:
    """Run Django's own CSRF check; it returns None when the request passes."""
    check = CsrfViewMiddleware(_no_response)
    return check.process_view(request, _no_response, (), {}) is None


def _sends_bearer(request: HttpRequest) -> bool:
    return request.headers.get("Authorization", "").startswith(BEARER)


def token_caller(request: HttpRequest) -> Caller | None:
    """The caller behind the request's bearer token, or None if it is missing, wrong, revoked or
    expired (a rotated token works until the grace expiry its rotation set)."""
    if not _sends_bearer(request):
        return None
    value = request.headers["Authorization"].removeprefix(BEARER).strip()
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(value), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return Caller(token.user, token.name, token)


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
    if caller is not None:
        through_api(caller.via, {"token": caller.token_name} if caller.token_name else {"session": True})
    return caller


def _within_limits(request: HttpRequest, caller: Caller | None) -> Caller | None:
    """A token's rate (429) and scope (403) checks, after the role's."""
    if caller is None or caller.token is None:
        return caller
    check_rate(caller.token)
    scope = required_scope(request)
    if not caller.token.allows(scope):
        raise NotAllowed(f"this token does not have the scope {scope!r}")
    return caller


class BearerToken(HttpBearer):
    """An API token made by an administrator at /api-tokens/ or with `manage.py create_api_token`
    (only its hash is stored)."""

    def __call__(self, request: HttpRequest) -> Caller | None:
        return _within_limits(request, _allowed(token_caller(request)))

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
