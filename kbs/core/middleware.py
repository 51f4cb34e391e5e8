"""Headers every response carries: a strict Content Security Policy with a fresh nonce, and the
cross-origin and feature policies. Django's own middleware adds the rest (HSTS in production,
X-Frame-Options, X-Content-Type-Options, Referrer-Policy, Cross-Origin-Opener-Policy).

The policy can be replaced through the KBS_CONTENT_SECURITY_POLICY setting (the system checks in
kbs.core.checks refuse one that allows inline code or framing); "{nonce}" in it becomes the nonce.
"""

import secrets
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# Only our own scripts, styles and images. No inline style anywhere: templates use classes and the
# SVG charts use presentation attributes (fill=, stroke=), which a CSP does not govern. The NHS.UK
# page template has one tiny inline script (it marks the page as having JavaScript), allowed by a
# nonce that changes on every response; every other script is a file under /static/.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self' 'nonce-{nonce}'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def content_security_policy() -> str:
    """The policy template in force ("{nonce}" still to be filled in)."""
    return str(getattr(settings, "KBS_CONTENT_SECURITY_POLICY", CONTENT_SECURITY_POLICY))


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", content_security_policy().replace("{nonce}", nonce))
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        # Our pages, files and JSON are for this site alone: another site may neither open a window
        # onto us and keep a handle to it, nor embed our responses (images, PDFs) in its own pages.
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        signed_in = getattr(getattr(request, "user", None), "is_authenticated", False)
        if signed_in or "Authorization" in request.headers:
            # Pages, PDFs and API answers about children must not be kept in any cache.
            response.setdefault("Cache-Control", "no-store")
        return response
