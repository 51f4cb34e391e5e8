"""Searching the audit trail."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kbs.audit.access import audit_events_for
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.core.forms import DateField


class AuditSearchForm(forms.Form):
    who = forms.CharField(label="Who (name or username)", required=False, max_length=100)
    action = forms.ChoiceField(label="What they did", choices=[("", "Anything"), *Action.choices], required=False)
    family = forms.UUIDField(
        label="Family reference (optional)", required=False,
        error_messages={"invalid": "Enter a family reference as shown on the family page"},
    )
    since = DateField(label="From", required=False)
    until = DateField(label="To", required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "The 'to' date must be the same as or after the 'from' date")
        return data


@login_required
def search(request: HttpRequest) -> HttpResponse:
    events = audit_events_for(request.user)  # type: ignore[arg-type]
    form = AuditSearchForm(request.GET or None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["who"]:
            events = events.filter(actor_name__icontains=data["who"])
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["family"]:
            events = events.filter(family__public_id=data["family"])
        if data["since"]:
            events = events.filter(at__date__gte=data["since"])
        if data["until"]:
            events = events.filter(at__date__lte=data["until"])
    record_event(
        by=request.user, action=Action.SEARCH, summary="Searched the audit trail",
        detail={k: str(v) for k, v in (form.cleaned_data.items() if form.is_bound and form.is_valid() else [])},
    )
    page = Paginator(events.order_by("-at", "-id"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/search.jinja", {
        "title": "Audit trail", "form": form, "page": page, "query": query.urlencode(),
    }, status=400 if form.errors else 200)
