"""Pages for completing a tool for a baby: one page per section, check answers, outcome, sign-off,
corrections, the FHIR download and the partnership's tool settings."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.families import access as family_access
from kbs.families.actions import NotAllowed, StaleEdit
from kbs.tools import access, actions, forms
from kbs.tools.engine import AnswersInvalid, evaluate_partial, shown_items
from kbs.tools.fhir import questionnaire_response_for
from kbs.tools.labels import action_label
from kbs.tools.models import Assessment, Status
from kbs.tools.spec import UnknownTool, all_specs, condition_items, get_spec

NOT_FOUND = family_access.NOT_FOUND


def _spec_or_404(slug: str) -> Any:
    try:
        return get_spec(slug)
    except UnknownTool:
        raise Http404(NOT_FOUND) from None


def _draft_or_redirect(assessment: Assessment) -> HttpResponse | None:
    if assessment.status != Status.DRAFT:
        return redirect(assessment)
    return None


@login_required
@require_POST
def start(request: HttpRequest, baby_id: str, slug: str) -> HttpResponse:
    baby = family_access.baby_for(request.user, baby_id, need=Permission.COMPLETE_ASSESSMENT)  # type: ignore[arg-type]
    spec = _spec_or_404(slug)
    if slug not in actions.tools_for(baby):
        raise Http404(NOT_FOUND)
    assessment = actions.start_assessment(by=request.user, baby=baby, tool_slug=spec.slug)  # type: ignore[arg-type]
    return redirect("tools:section", assessment.public_id, spec.sections[0].id)


def _hidden_on_page(spec: Any, page: Any, answers: dict[str, Any]) -> set[str]:
    """Questions on this page that do not apply, judged only on answers given on earlier pages
    (a question that depends on an answer on the same page is always shown: pages work without
    JavaScript)."""
    shown = shown_items(spec, answers)
    hidden = set()
    for item_id in page.items:
        item = spec.item(item_id)
        if item_id in shown or item.show_when is None:
            continue
        if not set(condition_items(item.show_when, spec.facts)) & set(page.items):
            hidden.add(item_id)
    return hidden


def _next_page(spec: Any, assessment: Assessment, section_id: str) -> str:
    ids = [s.id for s in spec.sections]
    following = ids[ids.index(section_id) + 1:]
    if following:
        return reverse("tools:section", args=[assessment.public_id, following[0]])
    return reverse("tools:check", args=[assessment.public_id])


def _section_links(spec: Any, assessment: Assessment, current: str | None) -> list[dict[str, Any]]:
    missing = {p["item"] for p in evaluate_partial(spec, assessment.answers, assessment.settings_applied)}
    return [
        {"id": s.id, "title": s.title, "current": s.id == current, "done": not (set(s.items) & missing)}
        for s in spec.sections
    ]


@login_required
@require_http_methods(["GET", "POST"])
def section(request: HttpRequest, assessment_id: str, section_id: str) -> HttpResponse:
    assessment = access.assessment_for(request.user, assessment_id, need=Permission.COMPLETE_ASSESSMENT)  # type: ignore[arg-type]
    if (done := _draft_or_redirect(assessment)) is not None:
        return done
    spec = get_spec(assessment.tool_slug)
    sections = {s.id: s for s in spec.sections}
    if section_id not in sections:
        raise Http404(NOT_FOUND)
    page = sections[section_id]
    hidden = _hidden_on_page(spec, page, assessment.answers)
    if hidden == set(page.items) and request.method == "GET":
        # Nothing on this page applies (for example questions for an older baby): move on.
        return redirect(_next_page(spec, assessment, section_id))
    form = forms.SectionForm(
        request.POST or None, spec=spec, section=page, answers=assessment.answers,
        initial={"version": assessment.version},
    )
    for item_id in hidden:
        del form.fields[item_id]
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                actions.save_answers(by=request.user, assessment=assessment, answers=form.section_answers(),  # type: ignore[arg-type]
                                     expected_version=form.cleaned_data["version"])
            except StaleEdit:
                form.add_error(None, "This assessment was saved somewhere else while you were on this page. "
                                     "Check the answers below and save again.")
                assessment.refresh_from_db()
                # Resubmitting must be possible: offer the typed answers against the version now saved.
                form.data = request.POST.copy()
                form.data["version"] = str(assessment.version)
                status = 409
            except AnswersInvalid as invalid:
                for problem in invalid.errors:
                    form.add_error(problem["item"] if problem["item"] in form.fields else None,
                                   forms._plain(spec.item(problem["item"]), problem["problem"]) if problem["item"] in form.fields else problem["problem"])
            else:
                if request.POST.get("next") == "check":
                    return redirect("tools:check", assessment.public_id)
                return redirect(_next_page(spec, assessment, section_id))
    context = {
        "title": f"{page.title} – {spec.title}", "spec": spec, "section": page, "form": form,
        "assessment": assessment, "baby": assessment.baby, "sections": _section_links(spec, assessment, section_id),
        "back_link": assessment.baby.get_absolute_url(),
    }
    if assessment.tool_slug == "bruising":
        context["birthmarks"] = list(assessment.baby.birthmarks.select_related("confirmed_by"))
        context["selected_regions"] = (form["mark_regions"].value() or []) if "mark_regions" in form.fields else []
    return render(request, "tools/section.jinja", context, status=status)


def _answer_rows(spec: Any, answers: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    applies = shown_items(spec, answers)
    for sec in spec.sections:
        for item_id in sec.items:
            if item_id not in applies:
                continue
            item = spec.item(item_id)
            value = answers.get(item_id)
            labels = {c.code: c.label for c in item.codes}
            if isinstance(value, list):
                shown = ", ".join(labels.get(str(v), str(v)) for v in value)
            elif value is None:
                shown = "Not answered"
            else:
                shown = labels.get(value, "Yes" if value == "yes" else "No" if value == "no" else str(value))
            rows.append({"section": sec, "item": item, "value": shown})
    return rows


@login_required
def check(request: HttpRequest, assessment_id: str) -> HttpResponse:
    assessment = access.assessment_for(request.user, assessment_id, need=Permission.COMPLETE_ASSESSMENT)  # type: ignore[arg-type]
    if (done := _draft_or_redirect(assessment)) is not None:
        return done
    return _check_page(request, assessment)


def _check_page(request: HttpRequest, assessment: Assessment, form: Any = None, status: int = 200) -> HttpResponse:
    spec = get_spec(assessment.tool_slug)
    problems = evaluate_partial(spec, assessment.answers, assessment.settings_applied)
    outcome = None if problems else actions.preview(assessment)
    if outcome is not None and form is None:
        form = forms.CompleteForm(
            actions=[(a, action_label(a)) for a in outcome.actions], urgent=outcome.level in actions.URGENT_LEVELS
        )
    item_sections = {item_id: s.id for s in spec.sections for item_id in s.items}
    return render(request, "tools/check.jinja", {
        "title": f"Check answers – {spec.title}", "spec": spec, "assessment": assessment, "baby": assessment.baby,
        "rows": _answer_rows(spec, assessment.answers), "outcome": outcome, "form": form,
        "problems": [{"text": forms._plain(spec.item(p["item"]), p["problem"]) if p["item"] in spec.items_by_id else p["problem"],
                      "section": item_sections.get(p["item"])} for p in problems],
        "sections": _section_links(spec, assessment, None), "back_link": assessment.baby.get_absolute_url(),
    }, status=status)


@login_required
@require_POST
def complete(request: HttpRequest, assessment_id: str) -> HttpResponse:
    assessment = access.assessment_for(request.user, assessment_id, need=Permission.COMPLETE_ASSESSMENT)  # type: ignore[arg-type]
    if (done := _draft_or_redirect(assessment)) is not None:
        return done
    outcome = actions.preview(assessment)
    if outcome is None:
        return _check_page(request, assessment, status=400)
    form = forms.CompleteForm(
        request.POST, actions=[(a, action_label(a)) for a in outcome.actions], urgent=outcome.level in actions.URGENT_LEVELS
    )
    if not form.is_valid():
        return _check_page(request, assessment, form=form, status=400)
    data = form.cleaned_data
    steps = actions.SameDaySteps(
        csc_referral_at=data.get("csc_referral_at"), csc_referral_reference=data.get("csc_referral_reference", ""),
        medical_review_at=data.get("medical_review_at"), medical_review_where=data.get("medical_review_where", ""),
    )
    try:
        assessment = actions.complete_assessment(
            by=request.user, assessment=assessment, confirmed_actions=data["confirmed_actions"],  # type: ignore[arg-type]
            actions_not_taken_reason=data["actions_not_taken_reason"], steps=steps,
            steps_not_recorded_reason=data.get("steps_not_recorded_reason", ""),
        )
    except (AnswersInvalid, actions.ActionsNotConfirmed, actions.SameDayStepsMissing, NotAllowed):
        # Someone else changed the draft between this page loading and the form arriving.
        assessment.refresh_from_db()
        if assessment.status != Status.DRAFT:
            return redirect(assessment)
        form.add_error(None, "The answers changed while you were completing this. Check the outcome and try again.")
        return _check_page(request, assessment, form=form, status=409)
    if assessment.status == Status.AWAITING_SIGN_OFF:
        messages.success(request, "Sent to your safeguarding lead to sign off")
    else:
        messages.success(request, "Assessment completed")
    return redirect(assessment)


@login_required
def outcome(request: HttpRequest, assessment_id: str) -> HttpResponse:
    assessment = access.assessment_for(request.user, assessment_id)  # type: ignore[arg-type]
    if assessment.status == Status.DRAFT:
        return redirect("tools:check", assessment.public_id)
    spec = get_spec(assessment.tool_slug)
    user = request.user
    return render(request, "tools/outcome.jinja", {
        "title": f"{spec.title}: outcome", "spec": spec, "assessment": assessment, "baby": assessment.baby,
        "result": assessment.outcome, "rows": _answer_rows(spec, assessment.answers),
        "corrections": list(assessment.corrections.select_related("created_by").order_by("created_at")),
        "plans": list(assessment.sleep_plans.select_related("created_by")),
        "can_correct": assessment.is_completed and has_permission(user, Permission.COMPLETE_ASSESSMENT),  # type: ignore[arg-type]
        "can_sign_off": assessment.status == Status.AWAITING_SIGN_OFF and has_permission(user, Permission.SIGN_OFF_URGENT)  # type: ignore[arg-type]
        and assessment.created_by.agency_id == user.agency_id,  # type: ignore[union-attr]
        "action_label": action_label, "back_link": assessment.baby.get_absolute_url(),
    })


@login_required
@require_POST
def discard(request: HttpRequest, assessment_id: str) -> HttpResponse:
    assessment = access.assessment_for(request.user, assessment_id, need=Permission.COMPLETE_ASSESSMENT)  # type: ignore[arg-type]
    if (done := _draft_or_redirect(assessment)) is not None:
        return done
    baby = assessment.baby
    actions.discard_draft(by=request.user, assessment=assessment)  # type: ignore[arg-type]
    messages.success(request, "Draft discarded")
    return redirect(baby)


@login_required
@require_http_methods(["GET", "POST"])
def correct(request: HttpRequest, assessment_id: str) -> HttpResponse:
    original = access.assessment_for(request.user, assessment_id, need=Permission.COMPLETE_ASSESSMENT)  # type: ignore[arg-type]
    if not original.is_completed:
        raise Http404(NOT_FOUND)
    form = forms.CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        draft = actions.start_assessment(
            by=request.user, baby=original.baby, tool_slug=original.tool_slug,  # type: ignore[arg-type]
            corrects=original, correction_reason=form.cleaned_data["reason"],
        )
        return redirect("tools:section", draft.public_id, get_spec(draft.tool_slug).sections[0].id)
    return render(request, "tools/correct.jinja", {
        "title": "Correct an assessment", "form": form, "assessment": original, "back_link": original.get_absolute_url(),
    }, status=400 if form.errors else 200)


@login_required
def sign_off_list(request: HttpRequest) -> HttpResponse:
    waiting = access.awaiting_my_sign_off(request.user)  # type: ignore[arg-type]
    return render(request, "tools/sign_off_list.jinja", {"title": "Waiting for your sign-off", "waiting": list(waiting)})


@login_required
@require_http_methods(["GET", "POST"])
def sign_off(request: HttpRequest, assessment_id: str) -> HttpResponse:
    assessment = access.assessment_for(request.user, assessment_id, need=Permission.SIGN_OFF_URGENT)  # type: ignore[arg-type]
    if assessment.status != Status.AWAITING_SIGN_OFF or assessment.created_by.agency_id != request.user.agency_id:  # type: ignore[union-attr]
        raise Http404(NOT_FOUND)
    form = forms.SignOffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.sign_off_assessment(by=request.user, assessment=assessment, note=form.cleaned_data["note"])  # type: ignore[arg-type]
        except NotAllowed:
            raise Http404(NOT_FOUND) from None
        messages.success(request, "Signed off")
        return redirect(assessment)
    return render(request, "tools/sign_off.jinja", {
        "title": "Sign off an urgent assessment", "form": form, "assessment": assessment,
        "result": assessment.outcome, "back_link": assessment.get_absolute_url(),
    }, status=400 if form.errors else 200)


@login_required
def fhir_response(request: HttpRequest, assessment_id: str) -> HttpResponse:
    assessment = access.assessment_for(request.user, assessment_id, audit=False)  # type: ignore[arg-type]
    if not assessment.is_completed:
        raise Http404(NOT_FOUND)
    spec = get_spec(assessment.tool_slug)
    resource = questionnaire_response_for(
        spec, assessment.answers, authored=assessment.completed_at or timezone.now(),
        subject_reference=f"Patient/{assessment.baby.public_id}",
    )
    record_event(by=request.user, action=Action.EXPORT, obj=assessment, family=assessment.family,
                 summary="Downloaded an assessment as a FHIR QuestionnaireResponse")
    response = JsonResponse(resource, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{spec.slug}-{assessment.public_id}.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def partnership_settings(request: HttpRequest) -> HttpResponse:
    if not has_permission(request.user, Permission.MANAGE_PARTNERSHIP_SETTINGS):  # type: ignore[arg-type]
        raise Http404(NOT_FOUND)
    spec_settings = [s for spec in all_specs() for s in spec.settings]
    current = {s.name: v for spec in all_specs() for s in spec.settings for n, v in actions.partnership_settings(spec).items() if n == s.name}
    form = forms.PartnershipSettingForm(request.POST or None, spec_settings=spec_settings, current=current)
    if request.method == "POST" and form.is_valid():
        for name, value in form.cleaned_data.items():
            if current.get(name) != value:
                actions.set_partnership_setting(by=request.user, name=name, value=value)  # type: ignore[arg-type]
        messages.success(request, "Settings saved. New assessments use them; completed ones keep the settings they used.")
        return redirect("tools:settings")
    return render(request, "tools/settings.jinja", {"title": "Partnership tool settings", "form": form},
                  status=400 if form.errors else 200)


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    """Every tool, its version, its rules and where each rule comes from."""
    if not (has_permission(request.user, Permission.COMPLETE_ASSESSMENT)  # type: ignore[arg-type]
            or has_permission(request.user, Permission.MANAGE_PARTNERSHIP_SETTINGS)):  # type: ignore[arg-type]
        raise Http404(NOT_FOUND)
    return render(request, "tools/catalogue.jinja", {"title": "Tools and their rules", "specs": all_specs(),
                                                      "action_label": action_label})
