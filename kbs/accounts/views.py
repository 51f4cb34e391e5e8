"""Signing in and out, two-step sign-in, lockouts and passwords.

Every attempt, good or bad, is in the audit trail (the signal handlers in apps.py, and the actions).
Signing in is two steps: the password (`sign_in`), then a code from an authenticator app
(`mfa_verify`), a recovery code (`mfa_recovery`), or setting up an app first (`mfa_enrol`).
`kbs.accounts.mfa.TwoStepRequiredMiddleware` holds a half-signed-in session at those pages, and the
`next` address is carried through every step.
"""

from datetime import datetime
from typing import Any

import django_otp
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods, require_POST

from kbs.accounts import access, actions, lockout, mfa, notices
from kbs.accounts.forms import (
    ChangePasswordForm,
    CodeForm,
    RecoveryCodeForm,
    ResetAuthenticatorForm,
    SignInForm,
    UnlockForm,
)
from kbs.accounts.models import User

BY_PASSWORD = "password"
BY_CODE = "an authenticator code"
BY_RECOVERY_CODE = "a recovery code"
THROTTLED = "You have entered several wrong codes in a row. Wait a minute, then enter the code your app shows now"
THROTTLED_RECOVERY = "You have entered several wrong recovery codes in a row. Wait a minute, then try again"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%H:%M on %-d %B %Y}"


def _finish(request: HttpRequest, user: User, method: str) -> actions.SignedIn:
    """Both steps are done: say what the person should know about their account's activity."""
    request.session.pop(mfa.PENDING, None)
    result = actions.complete_sign_in(by=user, fingerprint=notices.fingerprint(request), method=method)
    if result.new_device:
        messages.warning(request, "You signed in from a new device or place. If this was not you, change your "
                                  "password and tell your administrator.")
    if result.previous is not None or result.failures:
        since = f"Since you last signed in, at {_when(result.previous)}, " if result.previous else "Before this sign-in "
        if result.failures:
            attempts = "1 attempt" if result.failures == 1 else f"{result.failures} attempts"
            messages.info(request, f"{since}{attempts} to sign in to your account failed. If that was not you, "
                                   "tell your administrator.")
        else:
            messages.info(request, f"{since}there have been no failed attempts to sign in to your account.")
    return result


def _locked_out(request: HttpRequest, username: str) -> HttpResponse:
    """Sign a half-signed-in person out and show the locked-out page."""
    if request.user.is_authenticated:
        auth.logout(request)
    return lockout.lockout_response(request, None, {"username": username})


# --- the password ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = auth.authenticate(request, **form.cleaned_data)
        if getattr(request, "axes_locked_out", False):
            return lockout.lockout_response(request, None, {"username": form.cleaned_data["username"]})
        if user is not None:
            auth.login(request, user)
            if settings.KBS_MFA_REQUIRED or mfa.totp_device(user):
                request.session[mfa.PENDING] = True
                return redirect(mfa.second_step_url(user, _next_url(request)))
            _finish(request, user, BY_PASSWORD)
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


# --- the second step ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    user, next_url = _user(request), _next_url(request)
    if mfa.is_verified(request):
        return redirect(next_url)
    device = mfa.totp_device(user)
    if device is None:
        return redirect(_with_next("accounts:mfa_enrol", next_url))
    if lockout.is_locked(request, user.get_username()):
        return _locked_out(request, user.get_username())
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not device.verify_is_allowed()[0]:
            form.add_error("code", THROTTLED)
        else:
            verified = django_otp.verify_token(user, device.persistent_id, form.cleaned_data["code"])
            if verified is not None:
                django_otp.login(request, verified)
                _finish(request, user, BY_CODE)
                return redirect(next_url)
            if lockout.count_code_failure(request, user):
                return _locked_out(request, user.get_username())
            form.add_error("code", "The code is not right. Enter the code your authenticator app shows now")
    return render(request, "accounts/mfa_verify.jinja", {
        "title": "Enter the code from your authenticator app", "form": form, "next": next_url,
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def mfa_recovery(request: HttpRequest) -> HttpResponse:
    user, next_url = _user(request), _next_url(request)
    if mfa.is_verified(request):
        return redirect(next_url)
    if mfa.totp_device(user) is None:
        return redirect(_with_next("accounts:mfa_enrol", next_url))
    if lockout.is_locked(request, user.get_username()):
        return _locked_out(request, user.get_username())
    form = RecoveryCodeForm(request.POST or None)
    codes = mfa.recovery_device(user)
    if request.method == "POST" and form.is_valid() and codes is not None and not codes.verify_is_allowed()[0]:
        form.add_error("code", THROTTLED_RECOVERY)
    elif request.method == "POST" and form.is_valid():
        device = actions.use_recovery_code(by=user, code=form.cleaned_data["code"])
        if device is not None:
            django_otp.login(request, device)
            _finish(request, user, BY_RECOVERY_CODE)
            left = mfa.recovery_codes_left(user)
            messages.warning(request, f"You have used a recovery code. You have {left} left: make new ones from "
                                      "your account's recovery codes page if you are running low.")
            return redirect(next_url)
        if lockout.count_code_failure(request, user):
            return _locked_out(request, user.get_username())
        form.add_error("code", "That recovery code is not right, or has been used already")
    return render(request, "accounts/mfa_recovery.jinja", {
        "title": "Use a recovery code", "form": form, "next": next_url,
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def mfa_enrol(request: HttpRequest) -> HttpResponse:
    user, next_url = _user(request), _next_url(request)
    if mfa.totp_device(user) is not None:
        # Someone with an app proves it; they cannot set up another before that.
        return redirect(next_url if mfa.is_verified(request) else _with_next("accounts:mfa_verify", next_url))
    device = actions.start_enrolment(by=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not device.verify_is_allowed()[0]:
            form.add_error("code", THROTTLED)
        elif device.verify_token(form.cleaned_data["code"]):
            codes = actions.enrol_authenticator(by=user, device=device)
            django_otp.login(request, device)
            _finish(request, user, BY_CODE)
            return render(request, "accounts/recovery_codes_new.jinja", {
                "title": "Your recovery codes", "codes": codes, "next": next_url, "enrolled": True,
            })
        else:
            form.add_error("code", "The code is not right. Check that you scanned the QR code or typed the key, "
                                   "then enter the code the app shows now")
    return render(request, "accounts/mfa_enrol.jinja", {
        "title": "Set up two-step sign-in", "form": form, "next": next_url,
        "qr_code": mfa.qr_code_data_uri(device), "secret": mfa.secret_for_typing(device),
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if mfa.totp_device(user) is None:
        return redirect(_with_next("accounts:mfa_enrol", reverse("accounts:recovery_codes")))
    if request.method == "POST":
        codes = actions.regenerate_recovery_codes(by=user)
        return render(request, "accounts/recovery_codes_new.jinja", {
            "title": "Your new recovery codes", "codes": codes, "next": reverse("home"), "enrolled": False,
        })
    return render(request, "accounts/recovery_codes.jinja", {
        "title": "Recovery codes", "left": mfa.recovery_codes_left(user),
    })


# --- administrators ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def locked_out(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    access.require_administrator(user)
    rows = access.locked_now(user)
    posted = (request.POST.get("kind"), request.POST.get("value")) if request.method == "POST" else None
    forms: list[dict[str, Any]] = []
    for n, row in enumerate(rows, start=1):
        mine = posted == (row.kind, row.value)
        form = UnlockForm(request.POST if mine else None, initial={"kind": row.kind, "value": row.value},
                          auto_id=f"unlock-{n}-%s")
        if mine and form.is_valid():
            actions.unlock(by=user, kind=row.kind, value=row.value, reason=form.cleaned_data["reason"])
            messages.success(request, f"Unlocked the {row.kind} {row.value}")
            return redirect("accounts:locked_out")
        forms.append({"row": row, "form": form, "until": timezone.localtime(row.until)})
    if posted is not None and not any(f["form"].is_bound for f in forms):
        messages.success(request, "That account or address is no longer locked")
        return redirect("accounts:locked_out")
    bad = next((f["form"] for f in forms if f["form"].errors), None)
    return render(request, "accounts/locked_out.jinja", {
        "title": "Locked accounts and addresses", "rows": forms, "form": bad,
        "limit": lockout.limit(), "hours": lockout.cool_off().total_seconds() / 3600,
    }, status=400 if bad is not None else 200)


@login_required
@require_POST
def reset_mfa(request: HttpRequest, user_id: int) -> HttpResponse:
    admin = _user(request)
    person = access.staff_member_for(admin, user_id)
    form = ResetAuthenticatorForm(request.POST)
    form.is_valid()  # the reason is optional; nothing here can be wrong
    actions.reset_authenticator(by=admin, user=person, reason=form.cleaned_data.get("reason", ""))
    messages.success(request, f"Two-step sign-in reset for {person}. They will set up an authenticator app "
                              "next time they sign in.")
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect("accounts:locked_out")


# --- passwords ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def change_password(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ChangePasswordForm(user, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            actions.change_password(by=user, new_password=form.cleaned_data["new_password"])
            auth.update_session_auth_hash(request, user)  # this session stays signed in; others end
            messages.success(request, "Your password has been changed")
            return redirect("home")
        if "current_password" in form.errors and lockout.count_code_failure(request, user):
            return _locked_out(request, user.get_username())
    return render(request, "accounts/change_password.jinja", {"title": "Change your password", "form": form},
                  status=400 if form.errors else 200)
