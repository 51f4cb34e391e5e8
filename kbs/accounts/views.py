"""Signing in and out. Every attempt, good or bad, is in the audit trail (see signals in apps.py)."""

from django.contrib import auth
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from kbs.accounts.forms import SignInForm


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = auth.authenticate(request, **form.cleaned_data)
        if user is not None:
            auth.login(request, user)
            return redirect(_next_url(request))
        # One message for a wrong username and a wrong password, so neither is confirmed.
        form.add_error(None, "The username or password is not right")
    return render(
        request, "accounts/sign_in.jinja",
        {"title": "Sign in", "form": form, "next": _next_url(request)},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        auth.logout(request)
        return redirect("accounts:signed_out")
    if not request.user.is_authenticated:
        return redirect("accounts:sign_in")
    return render(request, "accounts/sign_out.jinja", {"title": "Sign out"})


def signed_out(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/signed_out.jinja", {"title": "You have signed out"})
