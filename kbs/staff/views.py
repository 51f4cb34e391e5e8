"""Staff administration pages: the staff list, a person's page, giving and removing roles,
deactivating and reactivating accounts, signing someone out of every device; the role
descriptions for information-governance reviewers; and everyone's own "Your account" page.

Each view reads through `kbs.staff.access` (404 for anyone who may not), calls one action and
redirects. A refused change is shown in the NHS error summary with status 400, and nothing is saved.
"""

from typing import Any

from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kbs.accounts import sessions
from kbs.accounts.models import User
from kbs.staff import access, actions, forms, presenters

PAGE_SIZE = 25


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = forms.StaffSearchForm(request.GET or None, agencies=access.agencies(user))
    query, agency_id = "", None
    if form.is_bound and form.is_valid():
        query, agency_id = form.cleaned_data["q"], form.cleaned_data["agency"]
    people = access.find_staff(user, query=query, agency_id=agency_id)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "staff/list.jinja", {
        "title": "Staff accounts", "form": form, "page": page, "query": params.urlencode(),
        "searched": bool(query.strip() or agency_id), "rows": [presenters.person_row(p) for p in page.object_list],
    }, status=400 if form.errors else 200)


@login_required
@require_GET
def person(request: HttpRequest, person_id: int) -> HttpResponse:
    user = _user(request)
    someone = access.person_for(user, person_id)
    return render(request, "staff/person.jinja", {
        "title": str(someone), "person": someone, "row": presenters.person_row(someone),
        "sessions_ended_at": access.sessions_ended_at(user, someone), "yourself": someone.pk == user.pk,
        "back_link": reverse("staff:list"),
    })


def _role_change(request: HttpRequest, person_id: int, *, granting: bool) -> HttpResponse:
    user = _user(request)
    someone = access.person_to_change(user, person_id)
    all_roles = access.roles(user)
    held = {role.slug for role in someone.roles.all()}
    shown = [r for r in all_roles if (r.slug not in held) == granting]
    label = "Which role should they have?" if granting else "Which role should they lose?"
    initial = {"role": request.GET.get("role", "")} if request.method == "GET" else {}
    form = forms.RoleChangeForm(request.POST or None, roles=all_roles, shown=shown, label=label, initial=initial)
    if request.method == "POST" and form.is_valid():
        change = actions.grant_role if granting else actions.remove_role
        try:
            role = change(by=user, person=someone, role_slug=form.cleaned_data["role"],
                          reason=form.cleaned_data["reason"])
        except actions.Refused as refused:
            form.add_error(refused.field, str(refused))
        else:
            if not granting and someone.pk == user.pk:
                sessions.keep_current(request)
            messages.success(request, f"{someone} now has the role {role.name}" if granting
                             else f"{someone} no longer has the role {role.name}")
            return redirect("staff:person", person_id=someone.pk)
    return render(request, "staff/role_change.jinja", {
        "title": f"Give {someone} a role" if granting else f"Remove a role from {someone}",
        "form": form, "person": someone, "granting": granting, "nothing_to_show": not shown,
        "back_link": reverse("staff:person", args=[someone.pk]),
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def grant_role(request: HttpRequest, person_id: int) -> HttpResponse:
    return _role_change(request, person_id, granting=True)


@login_required
@require_http_methods(["GET", "POST"])
def remove_role(request: HttpRequest, person_id: int) -> HttpResponse:
    return _role_change(request, person_id, granting=False)


def _account_change(request: HttpRequest, person_id: int, *, activating: bool) -> HttpResponse:
    user = _user(request)
    someone = access.person_to_change(user, person_id)
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        change: Any = actions.reactivate_account if activating else actions.deactivate_account
        try:
            change(by=user, person=someone, reason=form.cleaned_data["reason"])
        except actions.Refused as refused:
            form.add_error(refused.field, str(refused))
        else:
            messages.success(request, f"{someone}'s account is active again" if activating
                             else f"{someone}'s account is deactivated and their sessions have ended")
            return redirect("staff:person", person_id=someone.pk)
    return render(request, "staff/account_change.jinja", {
        "title": f"Reactivate {someone}'s account" if activating else f"Deactivate {someone}'s account",
        "form": form, "person": someone, "activating": activating,
        "back_link": reverse("staff:person", args=[someone.pk]),
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def deactivate(request: HttpRequest, person_id: int) -> HttpResponse:
    return _account_change(request, person_id, activating=False)


@login_required
@require_http_methods(["GET", "POST"])
def reactivate(request: HttpRequest, person_id: int) -> HttpResponse:
    return _account_change(request, person_id, activating=True)


@login_required
@require_POST
def sign_out_person(request: HttpRequest, person_id: int) -> HttpResponse:
    user = _user(request)
    someone = access.person_to_change(user, person_id)
    if someone.pk == user.pk:
        return sign_out_everywhere(request)
    actions.sign_out_everywhere(by=user, person=someone)
    messages.success(request, f"{someone} has been signed out of every device")
    return redirect("staff:person", person_id=someone.pk)


@login_required
@require_GET
def role_descriptions(request: HttpRequest) -> HttpResponse:
    summaries = access.role_summaries(_user(request))
    return render(request, "staff/roles.jinja", {
        "title": "Roles and what they allow", "summaries": summaries,
        "permissions": presenters.permission_rows(), "meaning": presenters.meaning,
        "can_manage": access.can_manage(_user(request)),
    })


@login_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    yours = access.own_account(_user(request))
    return render(request, "staff/account.jinja", {
        "title": "Your account", "person": yours, "row": presenters.person_row(yours),
    })


@login_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    access.require_signed_in(user)
    actions.sign_out_everywhere(by=user, person=user)
    auth.logout(request)
    messages.success(request, "You have signed out of every device, this one included")
    return redirect("accounts:sign_in")
