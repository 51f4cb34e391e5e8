"""The family's support plan, agreed after an Every Baby Matters assessment: the action that records
it, the form, the page, and the PDF the family keeps.

The plan copies the practitioner's judgement of each of the six areas from the completed
assessment, so it says what was found when the assessment was completed even if the tool changes
later. The actions agreed are a short list of rows (area, what, who, by when). The form offers a
fixed number of rows, so it needs no JavaScript: blank rows are ignored, and a half-filled row is an
error next to that row.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_GET, require_http_methods

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.chronology.actions import add_entry
from kbs.chronology.models import Kind, Significance
from kbs.core.forms import DateField
from kbs.core.validators import today
from kbs.families.access import NOT_FOUND
from kbs.families.actions import NotAllowed
from kbs.public.i18n import local_day
from kbs.public.printing import download_links, plan_pdf_download
from kbs.tools import access
from kbs.tools.models import Assessment, SupportPlan

TOOL = "every-baby-matters"
MAX_ACTIONS = 8
JUDGEMENTS = ("strength", "some_support", "concern")


@dataclass(frozen=True)
class Area:
    id: str
    title: str  # the practitioner's name for the area, as in the tool
    for_family: str  # the same area as the family would read it on their plan (translated when shown)


AREAS = (
    Area("bonding", "Bonding and attachment", gettext_noop("You and your baby getting to know each other")),
    Area("development", "The baby's development", gettext_noop("How your baby is growing and developing")),
    Area("health", "Health and well-being", gettext_noop("Your own health and well-being")),
    Area("knowledge", "Knowledge and expectations", gettext_noop("Knowing what to expect and how to keep your baby safe")),
    Area("community", "Community strengths and stressors", gettext_noop("Your home, money and the people who help you")),
    Area("people", "Who is in your baby's life", gettext_noop("The people in your baby's life")),
)
AREAS_BY_ID = {area.id: area for area in AREAS}

# How each judgement reads to the family.
FOR_FAMILY = {
    "strength": gettext_noop("Going well"),
    "some_support": gettext_noop("Some extra help is on offer"),
    "concern": gettext_noop("We will work on this together"),
}


def judgements(assessment: Assessment) -> dict[str, str]:
    """Each area's judgement, from the assessment's answers."""
    return {area.id: str(assessment.answers.get(f"{area.id}_judgement", "")) for area in AREAS}


def needs_help(areas: dict[str, str]) -> list[str]:
    """The areas where help is offered, in the tool's order."""
    return [area.id for area in AREAS if areas.get(area.id) in {"some_support", "concern"}]


# ---- the action -----------------------------------------------------------------------------


def _problems(areas: dict[str, str], agreed_with: str, rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if not agreed_with:
        problems.setdefault("agreed_with", []).append("Enter who you agreed the plan with")
    if len(rows) > MAX_ACTIONS:
        problems.setdefault("actions", []).append(f"A plan can have at most {MAX_ACTIONS} actions")
    for number, row in enumerate(rows, start=1):
        if row.get("area") not in AREAS_BY_ID:
            problems.setdefault("actions", []).append(f"Action {number}: the area is not one of the six areas")
        for key in ("action", "who"):
            if not str(row.get(key) or "").strip():
                problems.setdefault("actions", []).append(f"Action {number}: {key} is missing")
        try:
            date.fromisoformat(str(row.get("by_when")))
        except ValueError:
            problems.setdefault("actions", []).append(f"Action {number}: by_when must be a date written YYYY-MM-DD")
    if needs_help(areas) and not rows:
        problems.setdefault("actions", []).append("Agree at least one action for the areas where help is offered")
    return problems


@transaction.atomic
def record_support_plan(*, by: User, assessment: Assessment, plan: dict[str, Any]) -> SupportPlan:
    """Record the support plan agreed with the family after a completed Every Baby Matters assessment.

    `plan` holds `agreed_with` and `actions`, a list of {area, action, who, by_when}; `by_when` is a
    date or an ISO date. The six areas' judgements are copied from the assessment. Raises NotAllowed
    without the permission or for any other assessment, and ValidationError naming every problem."""
    if not has_permission(by, Permission.COMPLETE_ASSESSMENT):
        raise NotAllowed(Permission.COMPLETE_ASSESSMENT)
    if assessment.tool_slug != TOOL or not assessment.is_completed:
        raise NotAllowed("a support plan follows a completed Every Baby Matters assessment")
    areas = judgements(assessment)
    agreed_with = str(plan.get("agreed_with") or "").strip()
    rows = [
        {
            "area": str(row.get("area") or ""),
            "action": str(row.get("action") or "").strip(),
            "who": str(row.get("who") or "").strip(),
            "by_when": row["by_when"].isoformat() if isinstance(row.get("by_when"), date) else str(row.get("by_when") or ""),
        }
        for row in plan.get("actions") or []
    ]
    problems = _problems(areas, agreed_with, rows)
    if problems:
        raise ValidationError(problems)
    support_plan = SupportPlan(assessment=assessment, areas=areas, actions=rows, agreed_with=agreed_with, created_by=by)
    support_plan.full_clean()
    support_plan.save()
    baby = assessment.baby
    record_event(by=by, action=Action.CREATE, obj=support_plan, family=assessment.family,
                 summary=f"Recorded the support plan for {baby.display_name}",
                 detail={"assessment": str(assessment.public_id), "areas": areas, "actions": rows, "agreed_with": agreed_with})
    helped = ", ".join(AREAS_BY_ID[a].title.lower() for a in needs_help(areas)) or "no area needs extra help"
    add_entry(by=by, family=assessment.family, baby=baby, kind=Kind.ASSESSMENT, significance=Significance.ROUTINE,
              summary=f"Support plan agreed with {agreed_with}: {len(rows)} action{'s' if len(rows) != 1 else ''} "
                      f"({helped})",
              link=reverse("tools:support_plan", args=[assessment.public_id]), source=support_plan)
    return support_plan


# ---- the form -------------------------------------------------------------------------------


def _row_fields(number: int) -> dict[str, str]:
    return {key: f"action_{number}_{key}" for key in ("area", "action", "who", "by_when")}


class SupportPlanForm(forms.Form):
    agreed_with = forms.CharField(
        label="Who did you agree the plan with?",
        help_text="Give each person's name and who they are to the baby, for example Sophie Hart (mother).",
        max_length=300,
        error_messages={"required": "Enter who you agreed the plan with",
                        "max_length": "Who you agreed the plan with must be 300 characters or fewer"},
    )

    def __init__(self, *args: Any, areas: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.areas = areas
        helped = needs_help(areas)
        # Areas where help is offered come first in the list, as they are the likeliest choice.
        ordered = [AREAS_BY_ID[a] for a in helped] + [a for a in AREAS if a.id not in helped]
        choices = [("", "Choose an area")] + [(area.id, area.title) for area in ordered]
        for number in range(1, MAX_ACTIONS + 1):
            names = _row_fields(number)
            self.fields[names["area"]] = forms.ChoiceField(label="Area", choices=choices, required=False)
            self.fields[names["action"]] = forms.CharField(
                label="What will be done", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}),
                error_messages={"max_length": f"Action {number}: what will be done must be 500 characters or fewer"},
            )
            self.fields[names["who"]] = forms.CharField(
                label="Who will do it", max_length=200, required=False,
                error_messages={"max_length": f"Action {number}: who will do it must be 200 characters or fewer"},
            )
            self.fields[names["by_when"]] = DateField(label=f"Date for action {number}", required=False)

    def rows(self) -> list[dict[str, Any]]:
        """Each row's bound fields and number, for the template."""
        return [{"number": n, **{key: self[name] for key, name in _row_fields(n).items()}}
                for n in range(1, MAX_ACTIONS + 1)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        actions = []
        for number in range(1, MAX_ACTIONS + 1):
            names = _row_fields(number)
            if any(name in self.errors for name in names.values()):
                continue
            values = {key: data.get(name) for key, name in names.items()}
            if not any(str(v or "").strip() for v in values.values()):
                continue  # a blank row: nothing was typed in it
            missing = {
                "area": "choose the area",
                "action": "enter what will be done",
                "who": "enter who will do it",
                "by_when": "enter the date it will be done by",
            }
            for key, words in missing.items():
                if not str(values[key] or "").strip():
                    self.add_error(names[key], f"Action {number}: {words}")
            when = values["by_when"]
            if isinstance(when, date) and when < today():
                self.add_error(names["by_when"], f"Action {number}: the date must be today or in the future")
            if not any(name in self.errors for name in names.values()):
                actions.append({key: values[key] for key in ("area", "action", "who", "by_when")})
        if not self.errors and needs_help(self.areas) and not actions:
            self.add_error(_row_fields(1)["action"], "Agree at least one action for the areas where help is offered")
        data["actions"] = actions
        return data


def _initial(assessment: Assessment) -> dict[str, Any]:
    """Start from the plan in force, when there is one, so a review changes only what changed."""
    plan = assessment.support_plans.first()
    if plan is None:
        return {}
    initial: dict[str, Any] = {"agreed_with": plan.agreed_with}
    for number, row in enumerate(plan.actions[:MAX_ACTIONS], start=1):
        names = _row_fields(number)
        when = date.fromisoformat(row["by_when"])
        initial.update({names["area"]: row["area"], names["action"]: row["action"], names["who"]: row["who"],
                        names["by_when"]: when if when >= today() else None})
    return initial


# ---- the views ------------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required has run


def _ebm_assessment(request: HttpRequest, assessment_id: str, **kwargs: Any) -> Assessment:
    """A completed Every Baby Matters assessment the user may see; the same 404 as a missing one otherwise."""
    assessment = access.assessment_for(_user(request), assessment_id, **kwargs)
    if assessment.tool_slug != TOOL or not assessment.is_completed:
        raise Http404(NOT_FOUND)
    return assessment


def _newest_plan(assessment: Assessment) -> SupportPlan:
    plan = assessment.support_plans.select_related("created_by", "created_by__agency").first()
    if plan is None:
        raise Http404(NOT_FOUND)
    return plan


def _plan_context(assessment: Assessment, plan: SupportPlan) -> dict[str, Any]:
    """Everything the page and the PDF show, so the two always say the same."""
    baby = assessment.baby
    flags = (assessment.outcome or {}).get("flags", [])
    # Translated here: the printed plan is rendered in the family's language (support_plan_pdf).
    return {
        "assessment": assessment, "plan": plan, "baby": baby,
        "first_name": baby.given_name or gettext("your baby"),
        "going_well": [gettext(AREAS_BY_ID[a].for_family) for a in AREAS_BY_ID if plan.areas.get(a) == "strength"],
        "help_offered": [{"title": gettext(AREAS_BY_ID[a].for_family), "words": gettext(FOR_FAMILY[plan.areas[a]])}
                         for a in AREAS_BY_ID if plan.areas.get(a) in {"some_support", "concern"}],
        "actions": [{"area": gettext(AREAS_BY_ID[row["area"]].for_family), "action": row["action"], "who": row["who"],
                     "by_when": local_day(date.fromisoformat(row["by_when"]))} for row in plan.actions],
        "flag_messages": [gettext(m) for m in dict.fromkeys(
            (flag.get("message_for_parents") or "").strip() for flag in flags) if m],
        "made_on": local_day(today()),
    }


@login_required
@require_http_methods(["GET", "POST"])
def support_plan_new(request: HttpRequest, assessment_id: str) -> HttpResponse:
    assessment = _ebm_assessment(request, assessment_id, need=Permission.COMPLETE_ASSESSMENT)
    updating = assessment.support_plans.exists()
    areas = judgements(assessment)
    form = SupportPlanForm(request.POST if request.method == "POST" else None, areas=areas, initial=_initial(assessment))
    if request.method == "POST" and form.is_valid():
        try:
            record_support_plan(by=_user(request), assessment=assessment,
                                plan={"agreed_with": form.cleaned_data["agreed_with"], "actions": form.cleaned_data["actions"]})
        except NotAllowed:
            raise Http404(NOT_FOUND) from None
        except ValidationError as invalid:
            for name, problems in invalid.message_dict.items():
                form.add_error(name if name in form.fields else None, problems)
        else:
            messages.success(request, "Support plan saved")
            return redirect("tools:support_plan", assessment.public_id)
    rows = form.rows()
    return render(request, "tools/support_plan_form.jinja", {
        "title": "Update the support plan" if updating else "Agree a support plan", "form": form,
        "assessment": assessment, "baby": assessment.baby, "updating": updating,
        "areas": [{"title": area.title, "judgement": areas.get(area.id)} for area in AREAS],
        "open_rows": rows[:3],
        # Rows beyond the third sit behind "Add more actions", open when any of them holds something.
        "more_rows": rows[3:],
        "more_open": any(bf.value() or bf.errors for row in rows[3:] for key, bf in row.items() if key != "number"),
        "back_link": assessment.get_absolute_url(),
    }, status=400 if form.errors else 200)


@login_required
@require_GET
def support_plan_page(request: HttpRequest, assessment_id: str) -> HttpResponse:
    assessment = _ebm_assessment(request, assessment_id)
    context = _plan_context(assessment, _newest_plan(assessment))
    context.update({
        "title": f"Support plan for {context['first_name']}",
        "can_update": has_permission(_user(request), Permission.COMPLETE_ASSESSMENT),
        "back_link": assessment.get_absolute_url(),
        "downloads": download_links(assessment.family, reverse("tools:support_plan_pdf", args=[assessment.public_id])),
    })
    return render(request, "tools/support_plan.jinja", context)


@login_required
@require_GET
def support_plan_pdf(request: HttpRequest, assessment_id: str) -> HttpResponse:
    # The export row below is the audit of this read.
    assessment = _ebm_assessment(request, assessment_id, audit=False)
    plan = _newest_plan(assessment)
    return plan_pdf_download(
        request, family=assessment.family, template="tools/support_plan_print.jinja", context=lambda: _plan_context(assessment, plan),
        filename="support-plan.pdf",
        audit={"obj": plan, "detail": {"assessment": str(assessment.public_id)},
               "summary": f"Downloaded the support plan for {assessment.baby.display_name} as a PDF"},
    )
