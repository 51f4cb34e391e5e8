"""Pages for an unborn baby's pre-birth case: the timetable and its timeline, recording a step,
the premature-birth flag, the delivery safety plan (form, page and PDF for the ward), closing the
case, and the partnership's milestone weeks.

Each view loads through `kbs.prebirth.access` (which loads the baby through `kbs.families.access`),
calls one action, and redirects.
"""

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.core.pdf import render_pdf
from kbs.core.presenters import day
from kbs.families.access import NOT_FOUND
from kbs.families.models import Relationship
from kbs.prebirth import access, actions, clock, forms, presenters
from kbs.prebirth.models import DeliverySafetyPlan, PreBirthCase, SharedWith


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required has run


def _case_context(request: HttpRequest, case: PreBirthCase, premature_form: Any = None) -> dict[str, Any]:
    summary = presenters.case_summary(case)
    states = summary["states"]
    return {
        "title": f"Pre-birth plan for {case.baby.display_name}", "case": case, "baby": case.baby,
        "family": case.family, "summary": summary, "rows": presenters.rows(states),
        "timeline": presenters.timeline(case, states), "plan": access.plan_of(case),
        "records": list(case.milestones.select_related("by", "by__agency", "referral").order_by("-at", "-id")),
        "edd": case.baby.expected_delivery_date, "weeks_now": clock.gestation_text(case.baby.expected_delivery_date, timezone.localdate())
        if case.baby.expected_delivery_date and not case.baby.is_born else "",
        "found_at": clock.gestation_text(case.baby.expected_delivery_date, case.trigger_found_on)
        if case.baby.expected_delivery_date else "",
        "can_edit": case.is_open and has_permission(_user(request), Permission.EDIT_FAMILY),
        "premature_form": premature_form or forms.PrematureForm(initial={"likely": case.premature_birth_likely}),
        "back_link": case.baby.get_absolute_url(),
    }


@login_required
@require_GET
def case_page(request: HttpRequest, baby_id: str) -> HttpResponse:
    case = access.case_for(_user(request), baby_id)
    return render(request, "prebirth/case.jinja", _case_context(request, case))


@login_required
@require_POST
def premature(request: HttpRequest, baby_id: str) -> HttpResponse:
    case = access.case_for(_user(request), baby_id, need=Permission.EDIT_FAMILY, audit=False)
    form = forms.PrematureForm(request.POST)
    if not case.is_open:
        raise Http404(NOT_FOUND)
    if not form.is_valid():
        return render(request, "prebirth/case.jinja", _case_context(request, case, form), status=400)
    actions.set_premature_birth_likely(by=_user(request), case=case, likely=form.cleaned_data["likely"],
                                       reason=form.cleaned_data["reason"])
    messages.success(request, "Timetable updated")
    return redirect("prebirth:case", case.baby.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def record_milestone(request: HttpRequest, baby_id: str, code: str) -> HttpResponse:
    case = access.case_for(_user(request), baby_id, need=Permission.EDIT_FAMILY, audit=request.method == "GET")
    milestone = clock.BY_CODE.get(code)
    if milestone is None or not case.is_open:
        raise Http404(NOT_FOUND)
    form = forms.MilestoneForm(request.POST if request.method == "POST" else None, code=code)
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_milestone(by=_user(request), case=case, code=code, done_on=form.cleaned_data["done_on"],
                                     note=form.cleaned_data["note"], referral=form.referral())
        except actions.Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"{milestone.label}: recorded as done")
            return redirect("prebirth:case", case.baby.public_id)
    state = next(s for s in actions.states_for(case) if s.milestone.code == code)
    return render(request, "prebirth/milestone_form.jinja", {
        "title": f"Record: {milestone.label}", "form": form, "case": case, "baby": case.baby, "milestone": milestone,
        "state": state, "status_text": presenters.status_text(state), "back_link": case.get_absolute_url(),
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def close(request: HttpRequest, baby_id: str) -> HttpResponse:
    case = access.case_for(_user(request), baby_id, need=Permission.EDIT_FAMILY, audit=request.method == "GET")
    if not case.is_open:
        raise Http404(NOT_FOUND)
    form = forms.CloseCaseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        actions.close_case(by=_user(request), case=case, reason=form.cleaned_data["reason"])
        messages.success(request, "Pre-birth case closed")
        return redirect("prebirth:case", case.baby.public_id)
    return render(request, "prebirth/close.jinja", {
        "title": "Close the pre-birth case", "form": form, "case": case, "baby": case.baby,
        "back_link": case.get_absolute_url(),
    }, status=400 if form.errors else 200)


# --- the delivery safety plan ----------------------------------------------------------------


def _plan_initial(plan: DeliverySafetyPlan | None) -> dict[str, Any]:
    if plan is None:
        return {"version": ""}
    initial = {name: getattr(plan, name) for name in actions.PLAN_FIELDS}
    initial["version"] = plan.version
    return initial


def _plan_rows(plan: DeliverySafetyPlan) -> list[dict[str, str]]:
    """The plan's parts in order, as label and text, for the page and the PDF."""
    shared = {code: label for code, label in SharedWith.choices}

    def yes_no(value: bool | None) -> str:
        return "Not answered yet" if value is None else ("Yes" if value else "No")

    excluded = plan.excluded_people if plan.exclusions_needed else ("Nobody" if plan.exclusions_needed is False else "")
    return [
        {"key": "Birthing partner", "value": plan.birthing_partner},
        {"key": "Who must be kept out of the unit, and why", "value": excluded},
        {"key": "Who to call when the mother arrives in labour", "value": plan.labour_contacts},
        {"key": "Discharge arrangements", "value": plan.discharge_arrangements},
        {"key": "Where the baby will go", "value": plan.baby_goes_to},
        {"key": "Contact arrangements and supervision", "value": plan.contact_arrangements},
        {"key": "Safe sleep arrangements", "value": plan.safe_sleep_arrangements},
        {"key": "Agreed with the parents", "value": yes_no(plan.agreed_with_parents)
         + (f", on {day(plan.agreed_on)}" if plan.agreed_with_parents and plan.agreed_on else "")},
        {"key": "Shared with", "value": ", ".join(shared[c] for c in plan.shared_with if c in shared)},
    ]


def _plan_context(case: PreBirthCase, plan: DeliverySafetyPlan) -> dict[str, Any]:
    mothers = [p for p in case.family.people.all() if p.relationship == Relationship.BIRTH_MOTHER]
    return {
        "case": case, "baby": case.baby, "plan": plan, "rows": _plan_rows(plan), "mothers": mothers,
        "gaps": list(actions.plan_gaps({name: getattr(plan, name) for name in actions.PLAN_FIELDS}).values()),
        "made_on": day(timezone.localdate()),
    }


@login_required
@require_GET
def plan_page(request: HttpRequest, baby_id: str) -> HttpResponse:
    case = access.case_for(_user(request), baby_id, summary="Viewed the delivery safety plan")
    plan = access.plan_of(case)
    context: dict[str, Any] = {"case": case, "baby": case.baby, "plan": plan, "back_link": case.get_absolute_url(),
                               "title": f"Delivery safety plan for {case.baby.display_name}",
                               "can_edit": case.is_open and has_permission(_user(request), Permission.EDIT_FAMILY)}
    if plan is not None:
        context.update(_plan_context(case, plan))
    return render(request, "prebirth/plan.jinja", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, baby_id: str) -> HttpResponse:
    by = _user(request)
    case = access.case_for(by, baby_id, need=Permission.EDIT_FAMILY, audit=request.method == "GET",
                           summary="Opened the delivery safety plan form")
    if not case.is_open:
        raise Http404(NOT_FOUND)
    plan = access.plan_of(case)
    form = forms.DeliveryPlanForm(request.POST if request.method == "POST" else None, initial=_plan_initial(plan))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                plan = actions.save_delivery_plan(by=by, case=case, values=form.plan_values(),
                                                  expected_version=form.cleaned_data["version"])
                if request.POST.get("action") == "complete":
                    actions.complete_delivery_plan(by=by, case=case)
            except actions.StalePlan:
                form.add_error(None, "Someone else saved this plan while you were editing it. Check the plan, then "
                                     "make your changes again.")
                status = 409
            except actions.PlanIncomplete as incomplete:
                saved = access.plan_of(case)
                if saved is not None:  # what was typed is kept: the form now carries the version saved
                    form.data = request.POST.copy()
                    form.data["version"] = str(saved.version)
                form.add_error(None, "The plan is saved, but it cannot be marked as complete yet"
                               if saved is not None and not saved.completed else "This change would leave the plan incomplete")
                for name, message in incomplete.missing.items():
                    form.add_error(name, message)
            except actions.Refused as refused:
                form.add_error(None, str(refused))
            else:
                completed = plan is not None and DeliverySafetyPlan.objects.get(pk=plan.pk).completed
                messages.success(request, "Delivery safety plan complete" if request.POST.get("action") == "complete"
                                 and completed else "Delivery safety plan saved")
                return redirect("prebirth:plan", case.baby.public_id)
    return render(request, "prebirth/plan_form.jinja", {
        "title": f"Delivery safety plan for {case.baby.display_name}", "form": form, "case": case, "baby": case.baby,
        "plan": plan, "back_link": case.get_absolute_url(),
    }, status=status)


@login_required
@require_GET
def plan_pdf(request: HttpRequest, baby_id: str) -> HttpResponse:
    # The export row below is the audit of this read.
    case = access.case_for(_user(request), baby_id, audit=False)
    plan = access.plan_of(case)
    if plan is None:
        raise Http404(NOT_FOUND)
    html = render_to_string("prebirth/plan_print.jinja", _plan_context(case, plan), request=request)
    pdf = render_pdf(html, base_url=None)  # inline CSS, no files named
    record_event(by=_user(request), action=Action.EXPORT, obj=plan, family=case.family,
                 summary=f"Downloaded the delivery safety plan for {case.baby.display_name} as a PDF for the ward",
                 detail={"case": str(case.public_id), "completed": plan.completed, "version": plan.version})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="delivery-safety-plan.pdf"'
    return response


# --- partnership settings --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def milestone_settings(request: HttpRequest) -> HttpResponse:
    by = _user(request)
    if not has_permission(by, Permission.MANAGE_PARTNERSHIP_SETTINGS):
        raise Http404(NOT_FOUND)
    current = actions.partnership_weeks()
    form = forms.MilestoneSettingsForm(request.POST if request.method == "POST" else None, current=current)
    if request.method == "POST" and form.is_valid():
        for code, (week, premature_week) in form.weeks().items():
            if current[code] != (week, premature_week):
                actions.set_milestone_weeks(by=by, code=code, week=week, premature_week=premature_week)
        messages.success(request, "Pre-birth timetable saved. New cases use it; open cases keep the weeks they started with.")
        return redirect("prebirth:settings")
    return render(request, "prebirth/settings.jinja", {
        "title": "Pre-birth timetable", "form": form, "milestones": clock.MILESTONES,
    }, status=400 if form.errors else 200)
