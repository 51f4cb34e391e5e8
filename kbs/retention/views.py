"""The retention pages, for the data protection officer only: the review list, a family's review
page (an audited read), placing and lifting a legal hold, recording "reviewed: dispose", and the
disposal confirmation. Everyone else gets "not found".
"""

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from kbs.accounts.models import User
from kbs.families.models import Family
from kbs.retention import access, actions, forms
from kbs.retention.models import reference_for
from kbs.retention.schedule import RULE_NAMES, configured_schedule

PAGE_SIZE = 25


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _family_url(family: Family) -> str:
    return reverse("retention:family", args=[family.public_id])


@login_required
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    rows = access.review_rows(user, today)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    holds = list(access.held_families(user))
    return render(request, "retention/list.jinja", {
        "title": "Retention review", "page": page, "today": today, "coming_up_days": access.COMING_UP_DAYS,
        "due_count": sum(1 for r in rows if r.overdue), "coming_up_count": sum(1 for r in rows if not r.overdue),
        "holds": [{"hold": h, "reference": reference_for(h.family.public_id)} for h in holds],
        "schedule": configured_schedule().describe(),
    })


@login_required
@require_GET
def family(request: HttpRequest, family_id: str) -> HttpResponse:
    user = _user(request)
    record = access.family_for_review(user, family_id)
    disposal = access.disposal_of(record)
    context: dict[str, Any] = {
        "title": f"Retention review: {reference_for(record.public_id)}",
        "reference": reference_for(record.public_id), "family": record, "disposal": disposal,
        "holds": list(access.holds_of(record)), "reviews": list(access.reviews_of(record)),
        "rule_names": RULE_NAMES, "back_link": reverse("retention:list"),
    }
    if disposal is None:
        due, facts = access.due_of(record)
        context.update({
            "due": due, "facts": facts, "today": timezone.localdate(),
            "babies": list(access.babies_of(record)), "counts": access.record_counts(record),
        })
    return render(request, "retention/family.jinja", context)


def _form_page(
    request: HttpRequest, family_id: str, form_class: type[django_forms.Form], template: str, title: str,
    act: Any, done: str,
) -> HttpResponse:
    """A form about one family: on a valid POST, call `act(family, data)`; a refusal from the action is
    shown in the error summary with status 400, and nothing is saved."""
    user = _user(request)
    record = access.family_for_review(user, family_id, audit=False)
    form = form_class(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                act(record, form.cleaned_data)
            except actions.RetentionRefused as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, done)
                return redirect(_family_url(record))
        status = 400
    return render(request, template, {
        "title": title, "form": form, "family": record, "reference": reference_for(record.public_id),
        "back_link": _family_url(record),
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def place_hold(request: HttpRequest, family_id: str) -> HttpResponse:
    user = _user(request)
    return _form_page(
        request, family_id, forms.PlaceHoldForm, "retention/place_hold.jinja", "Place a legal hold",
        lambda f, d: actions.place_legal_hold(by=user, family=f, reason=d["reason"], review_on=d["review_on"]),
        "Legal hold placed",
    )


@login_required
@require_http_methods(["GET", "POST"])
def lift_hold(request: HttpRequest, family_id: str) -> HttpResponse:
    user = _user(request)
    return _form_page(
        request, family_id, forms.LiftHoldForm, "retention/lift_hold.jinja", "Lift the legal hold",
        lambda f, d: actions.lift_legal_hold(by=user, family=f, reason=d["reason"]),
        "Legal hold lifted",
    )


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, family_id: str) -> HttpResponse:
    user = _user(request)
    return _form_page(
        request, family_id, forms.ReviewForm, "retention/review.jinja", "Reviewed: dispose",
        lambda f, d: actions.review_for_disposal(by=user, family=f, reason=d["reason"]),
        "Review recorded: these records can now be disposed of",
    )


@login_required
@require_http_methods(["GET", "POST"])
def dispose(request: HttpRequest, family_id: str) -> HttpResponse:
    user = _user(request)
    return _form_page(
        request, family_id, forms.DisposeForm, "retention/dispose.jinja", "Dispose of these records",
        lambda f, d: actions.dispose_family(by=user, family=f),
        "The family's records have been disposed of",
    )
