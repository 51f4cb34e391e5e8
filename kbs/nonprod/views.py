"""Persona sign-in, for demo mode only. This app is not even installed outside demo mode."""

from django.conf import settings
from django.contrib import auth
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from kbs.accounts.models import User
from kbs.nonprod.personas import PERSONAS, persona_user


@require_http_methods(["GET", "POST"])
def personas(request: HttpRequest) -> HttpResponse:
    if not settings.DEMO_MODE:
        raise Http404("Page not found")
    if request.method == "POST":
        keys = {p.key for p in PERSONAS}
        key = request.POST.get("persona", "")
        if key not in keys:
            raise Http404("Page not found")
        try:
            user = persona_user(key)
        except User.DoesNotExist:
            raise Http404("Demo data are not loaded: run make demo") from None
        auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("home")
    return render(request, "nonprod/personas.jinja", {"title": "Sign in as a demo persona", "personas": PERSONAS})
