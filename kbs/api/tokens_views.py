"""The API token pages, for administrators: every token with its scopes, expiry and last use;
making one (shown once, never again); rotating one (a successor, with the old one working for a
grace period); and revoking one with a reason. Everyone else is told "not found".

Tokens are read through `kbs.api.tokens_access` and changed through `kbs.api.actions`, which audit
each change. Rotating and revoking are POSTs from the forms on the list; bad input shows the list
again with the NHS error summary (status 400) and changes nothing.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kbs.accounts.models import User
from kbs.api import actions, tokens_access
from kbs.api.actions import MAX_GRACE_DAYS
from kbs.api.models import DEFAULT_DAYS, DEFAULT_GRACE_DAYS, MAX_DAYS, SCOPES, ApiToken


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def scope_label(scope: str) -> str:
    resource, mode = scope.split(":")
    return f"{'Read' if mode == 'read' else 'Write'} {resource}"


class TokenForm(forms.Form):
    account = forms.ModelChoiceField(
        queryset=User.objects.none(), label="Which account the token acts as",
        help_text="A system account of the agency whose system will use the token. The token sees only what the account may see.",
        error_messages={"required": "Choose the account the token acts as", "invalid_choice": "Choose the account the token acts as"},
    )
    name = forms.CharField(label="Name", max_length=100, help_text="What the token is for, for example: maternity system, Royal Derby",
                           error_messages={"required": "Enter a name for the token"})
    scopes = forms.MultipleChoiceField(
        label="What the token may do", choices=[(s, scope_label(s)) for s in SCOPES], widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one thing the token may do"},
    )
    days = forms.IntegerField(label="Days until it expires", initial=DEFAULT_DAYS, min_value=1, max_value=MAX_DAYS,
                              help_text=f"At most {MAX_DAYS} days",
                              error_messages={"required": "Enter how many days the token works for",
                                              "min_value": "A token must work for at least 1 day",
                                              "max_value": f"A token can work for at most {MAX_DAYS} days"})

    def __init__(self, *args: Any, accounts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts  # type: ignore[attr-defined]
        self.fields["account"].label_from_instance = (  # type: ignore[attr-defined]
            lambda u: f"{u} ({u.username}), {u.agency.name if u.agency else 'no agency'}")


class RotateForm(forms.Form):
    grace_days = forms.IntegerField(
        label="Days the old token keeps working", initial=DEFAULT_GRACE_DAYS, min_value=0, max_value=MAX_GRACE_DAYS,
        error_messages={"required": "Enter how many days the old token keeps working",
                        "min_value": "Enter 0 or more days", "max_value": f"Enter at most {MAX_GRACE_DAYS} days"},
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(label="Why revoke it", max_length=500,
                             error_messages={"required": "Enter why the token is being revoked"})


def _token_id(request: HttpRequest) -> int | None:
    value = request.POST.get("token", "")
    return int(value) if value.isdigit() and len(value) < 12 else None


def _row(token: ApiToken, rotate: RotateForm | None = None, revoke: RevokeForm | None = None) -> dict[str, Any]:
    auto_id = f"id_%s_{token.pk}"
    return {
        "token": token,
        "scopes": [scope_label(s) for s in token.scopes],
        "working": token.works_at(timezone.now()),
        "rotatable": token.works_at(timezone.now()) and token.successor_id is None,
        "rotate": rotate or RotateForm(auto_id=auto_id),
        "revoke": revoke or RevokeForm(auto_id=auto_id),
    }


def _list(request: HttpRequest, *, failed: ApiToken | None = None, rotate: RotateForm | None = None,
          revoke: RevokeForm | None = None, problem: str = "") -> HttpResponse:
    rows = [_row(t, rotate, revoke) if failed is not None and t.pk == failed.pk else _row(t)
            for t in tokens_access.tokens(_user(request))]
    bad = (rotate or revoke) if failed is not None else None
    return render(request, "api/tokens_list.jinja", {
        "title": "API tokens", "rows": rows, "failed_form": bad, "problem": problem,
    }, status=400 if (bad is not None or problem) else 200)


def _shown_once(request: HttpRequest, token: ApiToken, value: str, rotated: bool) -> HttpResponse:
    return render(request, "api/tokens_shown.jinja", {
        "title": "Copy the API token now", "token": token, "value": value, "rotated": rotated,
        "scopes": [scope_label(s) for s in token.scopes],
        "predecessor": getattr(token, "predecessor", None) if rotated else None,
    })


@login_required
@require_GET
def token_list(request: HttpRequest) -> HttpResponse:
    return _list(request)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def new_token(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = TokenForm(request.POST or None, accounts=tokens_access.accounts_for_tokens(user),
                     initial={"days": DEFAULT_DAYS})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            token, value = actions.create_api_token(by=user, user=data["account"], name=data["name"],
                                                    scopes=data["scopes"], days=data["days"])
        except actions.Refused as refused:
            form.add_error(None, str(refused))
        else:
            return _shown_once(request, token, value, rotated=False)
    return render(request, "api/tokens_new.jinja", {
        "title": "Make an API token", "form": form, "back_link": reverse("api_tokens:list"),
    }, status=400 if form.errors else 200)


@never_cache
@login_required
@require_POST
def rotate_token(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    tokens_access.require_manager(user)
    token_id = _token_id(request)
    if token_id is None:
        return _list(request, problem="Choose a token to rotate")
    token = tokens_access.token_to_manage(user, token_id)
    form = RotateForm(request.POST, auto_id=f"id_%s_{token.pk}")
    if form.is_valid():
        try:
            successor, value = actions.rotate_api_token(by=user, token=token, grace_days=form.cleaned_data["grace_days"])
        except actions.Refused as refused:
            form.add_error(None, str(refused))
        else:
            return _shown_once(request, successor, value, rotated=True)
    return _list(request, failed=token, rotate=form)


@login_required
@require_POST
def revoke_token(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    tokens_access.require_manager(user)
    token_id = _token_id(request)
    if token_id is None:
        return _list(request, problem="Choose a token to revoke")
    token = tokens_access.token_to_manage(user, token_id)
    form = RevokeForm(request.POST, auto_id=f"id_%s_{token.pk}")
    if form.is_valid():
        try:
            actions.revoke_api_token(by=user, token=token, reason=form.cleaned_data["reason"])
        except actions.Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"API token {token.name!r} revoked: it no longer works")
            return redirect("api_tokens:list")
    return _list(request, failed=token, revoke=form)
