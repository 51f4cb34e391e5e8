"""Who is calling the API: a bearer token, or a signed-in session (which must pass CSRF)."""

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone

from kbs.accounts.models import User
from kbs.api.models import ApiToken, hash_token


def _no_response(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


def _csrf_ok(request: HttpRequest) -> bool:
    """Run Django's own CSRF check; it returns None when the request passes."""
    check = CsrfViewMiddleware(_no_response)
    return check.process_view(request, _no_response, (), {}) is None


def api_user(request: HttpRequest) -> User | None:
    """The user behind a bearer token, or the session's user if the request passes CSRF; else None."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        token = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=hash_token(header.removeprefix("Bearer ").strip()), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            return None
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user
    user = request.user
    if user.is_authenticated and _csrf_ok(request):
        return user
    return None
