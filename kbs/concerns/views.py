"""Pages for concerns, referrals and tasks, the safeguarding lead's inbox and everyone's work list.

Each view loads through `kbs.concerns.access` (or `kbs.families.access`), calls one action, and
redirects. A refusal by the lifecycle (`TransitionRefused`) is shown on the form, with nothing saved.
"""

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.concerns import access, actions, forms, presenters, states
from kbs.concerns.models import Concern, ConcernState, Referral, ReferralState, Task, TaskKind, TaskState
from kbs.concerns.states import TransitionRefused
from kbs.families import access as family_access
from kbs.families.access import NOT_FOUND


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, {**presenters.GLOBALS, **context}, status=status)


def _refused(form: django_forms.Form, error: TransitionRefused, field: str | None = None) -> None:
    form.add_error(field, str(error))


# --- concerns --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def raise_concern(request: HttpRequest, family_id: str) -> HttpResponse:
    user = _user(request)
    family = family_access.family_for(user, family_id, need=Permission.EDIT_FAMILY)
    if user.agency_id is None:
        raise Http404(NOT_FOUND)
    babies = list(family.babies.order_by("date_of_birth", "expected_delivery_date", "id"))
    form = forms.RaiseConcernForm(request.POST or None, babies=babies)
    if request.method == "POST" and form.is_valid():
        try:
            concern = actions.raise_concern(
                by=user, family=family, baby=form.chosen_baby(), category=form.cleaned_data["category"],
                what_was_seen=form.cleaned_data["what_was_seen"], severity=form.cleaned_data["severity"],
            )
        except TransitionRefused as error:
            _refused(form, error)
        else:
            messages.success(request, "Concern raised. Your safeguarding lead has been told.")
            return redirect(concern)
    return _render(request, "concerns/raise.jinja", {
        "title": "Raise a concern", "form": form, "family": family, "back_link": family.get_absolute_url(),
    }, status=400 if form.errors else 200)


def _concern_context(request: HttpRequest, concern: Concern, **forms_in: Any) -> dict[str, Any]:
    user = _user(request)
    referrals = list(access.referrals_of(concern))
    can_decide = states.allowed(concern, ConcernState.DECIDED, user)
    can_close = states.allowed(concern, ConcernState.CLOSED, user)
    own_agency = states.is_practitioner_of(user, concern.agency_id)
    return {
        "title": "Concern",
        "concern": concern,
        "clock_now": presenters.clock(concern.decision_due_at, running=concern.state == ConcernState.RAISED),
        "transitions": [presenters.transition_row(t) for t in access.transitions_of(concern)],
        "referrals": referrals,
        "tasks": list(access.tasks_from(user, concern)) if own_agency else [],
        "referral_needed": presenters.referral_needed(concern.decision, concern.state, len(referrals)),
        "decide_form": forms_in.get("decide_form") or (forms.DecideForm() if can_decide else None),
        "close_form": forms_in.get("close_form") or (forms.CloseConcernForm() if can_close else None),
        "close_refusal": actions.close_refusal(concern) if can_close else "",
        "can_record_referral": own_agency and concern.state == ConcernState.DECIDED,
        "back_link": concern.family.get_absolute_url(),
    }


@login_required
def concern_page(request: HttpRequest, concern_id: str) -> HttpResponse:
    concern = access.concern_for(_user(request), concern_id)
    return _render(request, "concerns/concern.jinja", _concern_context(request, concern))


def _concern_action(request: HttpRequest, concern_id: str, form_class: type[django_forms.Form], key: str,
                    act: Any, done: str) -> HttpResponse:
    user = _user(request)
    concern = access.concern_for(user, concern_id, need=Permission.DECIDE_CONCERN)
    if not states.is_lead_of(user, concern.agency_id):
        raise Http404(NOT_FOUND)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            act(user, concern, form.cleaned_data)
        except TransitionRefused as error:
            _refused(form, error)
        else:
            messages.success(request, done)
            return redirect(concern)
    concern.refresh_from_db()
    return _render(request, "concerns/concern.jinja", {**_concern_context(request, concern, **{key: form}), "form": form},
                   status=400)


@login_required
@require_POST
def decide(request: HttpRequest, concern_id: str) -> HttpResponse:
    return _concern_action(
        request, concern_id, forms.DecideForm, "decide_form",
        lambda user, concern, data: actions.decide_concern(by=user, concern=concern, decision=data["decision"],
                                                           rationale=data["rationale"]),
        "Decision recorded",
    )


@login_required
@require_POST
def close(request: HttpRequest, concern_id: str) -> HttpResponse:
    return _concern_action(
        request, concern_id, forms.CloseConcernForm, "close_form",
        lambda user, concern, data: actions.close_concern(by=user, concern=concern, note=data["note"]),
        "Concern closed",
    )


# --- referrals -------------------------------------------------------------------------------


def _record_referral(request: HttpRequest, family: Any, concern: Concern | None) -> HttpResponse:
    user = _user(request)
    suggested = actions.REFERRAL_DECISIONS.get(concern.decision, "") if concern else ""  # type: ignore[call-overload]
    form = forms.ReferralForm(request.POST or None, suggested_to=suggested)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = actions.record_referral(
                by=user, family=family, concern=concern, to=data["to"], how=data["how"], to_whom=data["to_whom"],
                made_at=data["when"], reference=data["reference"],
            )
        except TransitionRefused as error:
            _refused(form, error)
        else:
            messages.success(request, "Referral recorded. The clock for its acknowledgement has started.")
            return redirect(referral)
    return _render(request, "concerns/record_referral.jinja", {
        "title": "Record a referral", "form": form, "family": family, "concern": concern,
        "back_link": (concern or family).get_absolute_url(),
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def record_referral_for_concern(request: HttpRequest, concern_id: str) -> HttpResponse:
    user = _user(request)
    concern = access.concern_for(user, concern_id, need=Permission.EDIT_FAMILY)
    if not states.is_practitioner_of(user, concern.agency_id) or concern.state != ConcernState.DECIDED:
        raise Http404(NOT_FOUND)
    return _record_referral(request, concern.family, concern)


@login_required
@require_http_methods(["GET", "POST"])
def record_referral_for_family(request: HttpRequest, family_id: str) -> HttpResponse:
    user = _user(request)
    family = family_access.family_for(user, family_id, need=Permission.EDIT_FAMILY)
    if user.agency_id is None:
        raise Http404(NOT_FOUND)
    return _record_referral(request, family, None)


def _referral_context(request: HttpRequest, referral: Referral, **forms_in: Any) -> dict[str, Any]:
    user = _user(request)
    own_agency = states.is_practitioner_of(user, referral.agency_id)
    can_acknowledge = states.allowed(referral, ReferralState.ACKNOWLEDGED, user)
    can_outcome = states.allowed(referral, ReferralState.OUTCOME_RECORDED, user)
    concern = referral.concern
    return {
        "title": f"Referral to {referral.get_to_display()}",
        "referral": referral,
        "concern": concern if concern is not None and access.visible_concerns(user).filter(pk=concern.pk).exists() else None,
        "clock_now": presenters.clock(referral.acknowledgement_due_at, running=referral.state == ReferralState.MADE),
        "transitions": [presenters.transition_row(t) for t in access.transitions_of(referral)],
        "tasks": list(access.tasks_from(user, referral)) if own_agency else [],
        "acknowledge_form": forms_in.get("acknowledge_form") or (forms.AcknowledgeForm() if can_acknowledge else None),
        "outcome_form": forms_in.get("outcome_form") or (forms.OutcomeForm() if can_outcome else None),
        "back_link": referral.family.get_absolute_url(),
    }


@login_required
def referral_page(request: HttpRequest, referral_id: str) -> HttpResponse:
    referral = access.referral_for(_user(request), referral_id)
    return _render(request, "concerns/referral.jinja", _referral_context(request, referral))


def _referral_action(request: HttpRequest, referral_id: str, form: django_forms.Form, key: str, act: Any,
                     done: str) -> HttpResponse:
    user = _user(request)
    referral = access.referral_for(user, referral_id, need=Permission.EDIT_FAMILY)
    if not states.is_practitioner_of(user, referral.agency_id):
        raise Http404(NOT_FOUND)
    if form.is_valid():
        try:
            act(user, referral, form.cleaned_data)
        except TransitionRefused as error:
            _refused(form, error)
        else:
            messages.success(request, done)
            return redirect(referral)
    referral.refresh_from_db()
    return _render(request, "concerns/referral.jinja",
                   {**_referral_context(request, referral, **{key: form}), "form": form}, status=400)


@login_required
@require_POST
def acknowledge(request: HttpRequest, referral_id: str) -> HttpResponse:
    return _referral_action(
        request, referral_id, forms.AcknowledgeForm(request.POST), "acknowledge_form",
        lambda user, referral, data: actions.acknowledge_referral(
            by=user, referral=referral, acknowledged_at=data["when"], reference=data["reference"]),
        "Acknowledgement recorded",
    )


@login_required
@require_POST
def outcome(request: HttpRequest, referral_id: str) -> HttpResponse:
    return _referral_action(
        request, referral_id, forms.OutcomeForm(request.POST), "outcome_form",
        lambda user, referral, data: actions.record_referral_outcome(
            by=user, referral=referral, outcome=data["outcome"], note=data["note"]),
        "Outcome recorded",
    )


# --- lists -----------------------------------------------------------------------------------


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    waiting = list(access.inbox(_user(request)))
    return _render(request, "concerns/inbox.jinja", {"title": "Concerns waiting for your decision", "waiting": waiting})


@login_required
def overdue(request: HttpRequest) -> HttpResponse:
    late = access.overdue(_user(request))
    return _render(request, "concerns/overdue.jinja", {"title": "Overdue", "late": late})


@login_required
def my_work(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    tasks = list(access.my_work(user))
    rows = [{
        "task": task,
        "clock": presenters.clock(task.due_at, running=True),
        "form": forms.CompleteTaskForm(urgent=task.urgent, auto_id=f"task-{task.public_id}-%s"),
        "completable": task.kind != TaskKind.DECIDE_CONCERN,
    } for task in tasks]
    return _render(request, "concerns/my_work.jinja", {
        "title": "My work", "rows": rows, "has_lead_tasks": has_permission(user, Permission.DECIDE_CONCERN),
    })


# --- tasks -----------------------------------------------------------------------------------


def _task_context(request: HttpRequest, task: Task, **forms_in: Any) -> dict[str, Any]:
    user = _user(request)
    is_open = task.state == TaskState.OPEN and task.kind != TaskKind.DECIDE_CONCERN
    may_complete = is_open and (task.assigned_to_id == user.pk or states.is_lead_of(user, task.agency_id))
    may_cancel = is_open and states.is_lead_of(user, task.agency_id)
    source: Concern | Referral | None = None
    if task.source_type == "concern":
        source = access.visible_concerns(user).filter(public_id=task.source_id).first()
    elif task.source_type == "referral":
        source = access.visible_referrals(user).filter(public_id=task.source_id).first()
    return {
        "title": task.title,
        "task": task,
        "source": source,
        "clock_now": presenters.clock(task.due_at, running=task.state == TaskState.OPEN),
        "complete_form": forms_in.get("complete_form") or (forms.CompleteTaskForm(urgent=task.urgent) if may_complete else None),
        "cancel_form": forms_in.get("cancel_form") or (forms.CancelTaskForm() if may_cancel else None),
        "decide_instead": task.kind == TaskKind.DECIDE_CONCERN and task.state == TaskState.OPEN,
        "back_link": reverse("concerns:my_work"),
    }


@login_required
def task_page(request: HttpRequest, task_id: str) -> HttpResponse:
    task = access.task_for(_user(request), task_id)
    return _render(request, "concerns/task.jinja", _task_context(request, task))


def _may_act_on(user: User, task: Task, key: str) -> bool:
    if key == "cancel_form":
        return states.is_lead_of(user, task.agency_id)
    return task.assigned_to_id == user.pk or states.is_lead_of(user, task.agency_id)


def _task_action(request: HttpRequest, task_id: str, key: str, act: Any, done: str) -> HttpResponse:
    user = _user(request)
    task = access.task_for(user, task_id)
    if not _may_act_on(user, task, key):
        raise Http404(NOT_FOUND)
    form: django_forms.Form = (
        forms.CompleteTaskForm(request.POST, urgent=task.urgent) if key == "complete_form" else forms.CancelTaskForm(request.POST)
    )
    if form.is_valid():
        try:
            act(user, task, form.cleaned_data)
        except TransitionRefused as error:
            _refused(form, error)
        else:
            messages.success(request, done)
            return redirect("concerns:my_work")
    task.refresh_from_db()
    return _render(request, "concerns/task.jinja", {**_task_context(request, task, **{key: form}), "form": form}, status=400)


@login_required
@require_POST
def complete_task(request: HttpRequest, task_id: str) -> HttpResponse:
    return _task_action(
        request, task_id, "complete_form",
        lambda user, task, data: actions.complete_task(by=user, task=task, note=data["note"]),
        "Task done",
    )


@login_required
@require_POST
def cancel_task(request: HttpRequest, task_id: str) -> HttpResponse:
    return _task_action(
        request, task_id, "cancel_form",
        lambda user, task, data: actions.cancel_task(by=user, task=task, note=data["reason"]),
        "Task cancelled",
    )


def may_raise_concern(user: User) -> bool:
    """For the family page: whether to offer "Raise a concern"."""
    return user.agency_id is not None and has_permission(user, Permission.EDIT_FAMILY)
