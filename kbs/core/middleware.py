"""Headers every response carries."""

import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# Only our own scripts, styles and images; no inline script. Inline SVG charts use attributes only.
# The NHS.UK page template has one small inline script, allowed by a per-response nonce.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self' 'nonce-{nonce}'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.csp_nonce = secrets.token_urlsafe(16)  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY.format(nonce=request.csp_nonce))  # type: ignore[attr-defined]
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if getattr(getattr(request, "user", None), "is_authenticated", False):
            # Pages about children must not be kept in shared browser caches.
            response.setdefault("Cache-Control", "no-store")
        return response
