"""Pages that belong to no single record: home, errors, statements, health check."""

from datetime import UTC, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.messages.storage.cookie import CookieStorage
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import Agency
from kbs.accounts.permissions import Permission, has_permission
from kbs.families.models import Baby, Family, Involvement, LawfulBasis

# Counts below this are shown as "<5" so that nobody can be picked out from a small number.
SMALL_NUMBER = 5


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect("accounts:sign_in")
    if has_permission(user, Permission.VIEW_FAMILY):
        return redirect("families:mine")
    if has_permission(user, Permission.VIEW_AGGREGATES):
        return redirect("core:overview")
    if has_permission(user, Permission.SEARCH_AUDIT_ALL):
        return redirect("audit:search")
    return render(request, "core/no_access.jinja", {"title": "You have no access yet"})


def suppress(count: int) -> str:
    return "<5" if 0 < count < SMALL_NUMBER else f"{count:,}"


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """Partnership figures: counts only, never a name, NHS number or address."""
    if not has_permission(request.user, Permission.VIEW_AGGREGATES):  # type: ignore[arg-type]
        raise Http404("Page not found")
    today = timezone.localdate()
    babies = Baby.objects.aggregate(
        born=Count("id", filter=Q(date_of_birth__isnull=False)),
        unborn=Count("id", filter=Q(date_of_birth__isnull=True)),
        # A year before 29 February is 28 February (replace() alone raises on that day).
        under_one=Count("id", filter=Q(date_of_birth__gt=today.replace(
            year=today.year - 1, day=28 if (today.month, today.day) == (2, 29) else today.day))),
    )
    by_agency = (
        Agency.objects.annotate(
            families=Count("involvements", filter=Q(involvements__ended_on__isnull=True), distinct=True)
        )
        .filter(families__gt=0)
        .order_by("-families", "name")
    )
    rows: list[dict[str, Any]] = [{"agency": a.name, "families": suppress(a.families)} for a in by_agency]
    return render(request, "core/overview.jinja", {
        "title": "Partnership overview",
        "families": suppress(Family.objects.count()),
        "born": suppress(babies["born"]),
        "unborn": suppress(babies["unborn"]),
        "under_one": suppress(babies["under_one"]),
        "involvements": suppress(Involvement.objects.filter(ended_on__isnull=True).count()),
        "rows": rows,
    })


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.jinja", {"title": "Accessibility statement"})


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "core/privacy.jinja", {"title": "Privacy notice", "lawful_bases": LawfulBasis.choices,
                                                  "break_glass_hours": settings.KBS_BREAK_GLASS_HOURS})


def cookies(request: HttpRequest) -> HttpResponse:
    """Which cookies the service sets: only those it cannot work without, named from the settings."""
    return render(request, "core/cookies.jinja", {
        "title": "Cookies", "session_cookie": settings.SESSION_COOKIE_NAME, "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "messages_cookie": CookieStorage.cookie_name, "session_hours": settings.SESSION_COOKIE_AGE // 3600,
        "csrf_weeks": (settings.CSRF_COOKIE_AGE or 0) // (7 * 24 * 3600),
    })


def security_policy(request: HttpRequest) -> HttpResponse:
    """How to tell us about a security problem, and what we promise in return (security.txt's Policy)."""
    return render(request, "core/security.jinja", {
        "title": "Reporting a security problem", "contact": settings.KBS_SECURITY_CONTACT,
    })


# How far ahead security.txt's Expires date is. It is worked out on each request, so it is always
# current; the contact it names is a setting that the partnership reviews with the rest.
SECURITY_TXT_DAYS = 180


def security_txt(request: HttpRequest) -> HttpResponse:
    """/.well-known/security.txt (RFC 9116), or "not found" where no contact has been set."""
    contact = settings.KBS_SECURITY_CONTACT
    if not contact:
        raise Http404("Page not found")
    base = settings.KBS_BASE_URL.rstrip("/")
    expires = (timezone.now() + timedelta(days=SECURITY_TXT_DAYS)).astimezone(UTC)
    fields = [
        "# Keeping Babies Safe: how to report a security problem",
        f"Contact: {contact}",
        f"Expires: {expires:%Y-%m-%dT00:00:00Z}",
        "Preferred-Languages: en",
        f"Policy: {base}{reverse('core:security')}",
        f"Canonical: {base}{reverse('core:security_txt')}",
    ]
    response = HttpResponse("\n".join(fields) + "\n", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "max-age=86400"
    return response


def health(request: HttpRequest) -> HttpResponse:
    Family.objects.exists()
    return HttpResponse("ok", content_type="text/plain")


def hello(request: HttpRequest) -> HttpResponse:
    """The benchmark's baseline: the cheapest response the stack can give."""
    return HttpResponse("hello", content_type="text/plain")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/not_found.jinja", {"title": "Page not found"}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "core/server_error.jinja", {"title": "Sorry, there is a problem with the service"}, status=500)
