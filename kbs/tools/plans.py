"""The family's safe sleep plan, made after a safer sleep assessment: the form, the printable page
and the PDF the family keeps.

The plan is written for parents, so its key messages are short and plain. The messages for each
rule that fired come from the assessment's stored outcome, so the plan says what was true when the
assessment was completed even if the tool's spec changes later.
"""

from datetime import date, timedelta
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_GET, require_http_methods

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.core.forms import DateField
from kbs.core.validators import today
from kbs.families.access import NOT_FOUND
from kbs.families.actions import NotAllowed
from kbs.public.i18n import local_day
from kbs.public.printing import download_links, plan_pdf_download
from kbs.tools import access, actions
from kbs.tools.models import Assessment, SafeSleepPlan
from kbs.tools.spec import get_spec

# What every family is told, whatever the assessment found. Written for parents: short sentences,
# everyday words.
KEY_MESSAGES = (
    gettext_noop("Lay your baby on their back to sleep, every time: for naps and at night."),
    gettext_noop("Your baby should sleep in their own cot or Moses basket, in the room where you sleep, "
                 "for at least the first 6 months."),
    gettext_noop("Keep the cot clear and flat: a firm mattress, with no pillows, quilts, bumpers, soft toys or baby nests."),
    gettext_noop("Put your baby's feet at the foot of the cot. Keep their head uncovered and do not let them get "
                 "too hot. A room of 16 to 20°C is right."),
    gettext_noop("Keep your baby away from smoke: no smoking in your home, in your car or near your baby."),
    gettext_noop("Never go to sleep with your baby on a sofa or armchair."),
    gettext_noop("Do not share a bed with your baby if anyone in the bed smokes, has had any alcohol or drugs, or takes "
                 "medicine that makes them sleepy."),
    gettext_noop("Do not share a bed with your baby if they were born early or small."),
    gettext_noop("If you might share a bed, make it safe: keep pillows and covers away from your baby, keep pets and "
                 "other children out, and make sure there are no gaps your baby could slip into."),
    gettext_noop("When you are away from home, keep to the same routine and plan where your baby will sleep."),
    gettext_noop("Car seats are for journeys. Try not to leave your baby in one for more than about 2 hours, and lift "
                 "them out onto a flat surface when you arrive."),
    gettext_noop("Breastfeed your baby if you can."),
)

# The times a routine often changes, shown with the out-of-routine part of the plan.
ROUTINE_CHANGES = (
    "holidays",
    "staying with family or friends",
    "visitors",
    "parties and celebrations",
    "moving home",
    "when your baby or an adult is ill",
)

# Sleep places worth writing into a plan as they are; anything else needs a new answer.
SAFE_PLACES = {"cot", "crib", "moses_basket", "travel_cot"}


class SafeSleepPlanForm(forms.Form):
    night_sleep_place = forms.CharField(
        label="Where will the baby sleep at night?",
        help_text="For example, in their own cot next to the parents' bed.",
        max_length=300,
        error_messages={"required": "Enter where the baby will sleep at night",
                        "max_length": "Where the baby will sleep at night must be 300 characters or fewer"},
    )
    day_sleep_place = forms.CharField(
        label="Where will the baby sleep in the day?",
        help_text="Think about naps at home and when out. For example, in their Moses basket in the "
                  "living room, or in a pram that lies flat.",
        max_length=300,
        error_messages={"required": "Enter where the baby will sleep in the day",
                        "max_length": "Where the baby will sleep in the day must be 300 characters or fewer"},
    )
    out_of_routine_plan = forms.CharField(
        label="Where will the baby sleep when the routine changes?",
        help_text="Think about holidays, staying with family or friends, visitors, parties and "
                  "celebrations, moving home, and when the baby or an adult is ill. Write what the "
                  "family will do, in their words.",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter where the baby will sleep when the routine changes"},
    )
    agreed_with = forms.CharField(
        label="Who did you agree the plan with?",
        help_text="Give each person's name and who they are to the baby, for example Sophie Hart "
                  "(mother). Include every adult who looks after the baby at night.",
        max_length=300,
        error_messages={"required": "Enter who you agreed the plan with",
                        "max_length": "Who you agreed the plan with must be 300 characters or fewer"},
    )
    other_actions = forms.CharField(
        label="Anything else agreed (optional)",
        help_text="For example, help to get a travel cot, or a leaflet given.",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    review_on = DateField(label="Date to look at the plan again", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        example = today() + timedelta(weeks=4)  # an example that is never in the past
        self.fields["review_on"].help_text = f"Optional. For example, {example.day} {example.month} {example.year}."

    def clean_review_on(self) -> date | None:
        value: date | None = self.cleaned_data.get("review_on")
        if value is not None and value < today():
            raise ValidationError("The date to look at the plan again must be today or in the future", code="past")
        return value


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required has run


def _safer_sleep_assessment(request: HttpRequest, assessment_id: str, **kwargs: Any) -> Assessment:
    """A completed safer sleep assessment the user may see; the same 404 as a missing one otherwise."""
    assessment = access.assessment_for(_user(request), assessment_id, **kwargs)
    if assessment.tool_slug != "safer-sleep" or not assessment.is_completed:
        raise Http404(NOT_FOUND)
    return assessment


def _newest_plan(assessment: Assessment) -> SafeSleepPlan:
    plan = assessment.sleep_plans.select_related("created_by", "created_by__agency").first()
    if plan is None:
        raise Http404(NOT_FOUND)
    return plan


def _prefill(assessment: Assessment) -> dict[str, Any]:
    """Start from the plan in force when there is one; otherwise from the safe places the assessment
    found, so nobody types them twice. Unsafe places are left blank: the plan must say something new."""
    plan = assessment.sleep_plans.first()
    if plan is not None:
        initial = {name: getattr(plan, name) for name in SafeSleepPlanForm.base_fields}
        if plan.review_on is not None and plan.review_on < today():
            initial["review_on"] = None
        return initial
    spec = get_spec(assessment.tool_slug)
    answers = assessment.answers
    same_room = ", in the same room as a parent or carer" if answers.get("same_room_as_carer") == "yes" else ""
    initial = {}
    for name in ("night_sleep_place", "day_sleep_place"):
        code = answers.get(name)
        if code in SAFE_PLACES:
            labels = {c.code: c.label for c in spec.item(name).codes}
            initial[name] = f"{labels[code]}{same_room}"
    return initial


def _plan_context(assessment: Assessment, plan: SafeSleepPlan) -> dict[str, Any]:
    """Everything the page and the PDF show, so the two always say the same."""
    flags = (assessment.outcome or {}).get("flags", [])
    baby = assessment.baby
    return {
        "assessment": assessment, "plan": plan, "baby": baby,
        "first_name": baby.given_name or gettext("your baby"),
        # Translated here: the printed plan is rendered in the family's language (plan_pdf).
        "key_messages": [gettext(message) for message in KEY_MESSAGES],
        "routine_changes": ROUTINE_CHANGES,
        "flag_messages": [gettext(m) for m in dict.fromkeys(
            (flag.get("message_for_parents") or "").strip() for flag in flags) if m],
        "made_on": local_day(today()),
    }


@login_required
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest, assessment_id: str) -> HttpResponse:
    assessment = _safer_sleep_assessment(request, assessment_id, need=Permission.COMPLETE_ASSESSMENT)
    updating = assessment.sleep_plans.exists()
    form = SafeSleepPlanForm(request.POST if request.method == "POST" else None, initial=_prefill(assessment))
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_sleep_plan(by=_user(request), assessment=assessment, plan=form.cleaned_data)
        except NotAllowed:
            raise Http404(NOT_FOUND) from None
        except ValidationError as invalid:
            for name, problems in invalid.message_dict.items():
                form.add_error(name if name in form.fields else None, problems)
        else:
            messages.success(request, "Safe sleep plan saved")
            return redirect("tools:plan", assessment.public_id)
    return render(request, "tools/plan_form.jinja", {
        "title": "Update the safe sleep plan" if updating else "Make a safe sleep plan", "form": form,
        "assessment": assessment, "baby": assessment.baby, "updating": updating,
        "back_link": assessment.get_absolute_url(),
    }, status=400 if form.errors else 200)


@login_required
@require_GET
def plan_page(request: HttpRequest, assessment_id: str) -> HttpResponse:
    assessment = _safer_sleep_assessment(request, assessment_id)
    context = _plan_context(assessment, _newest_plan(assessment))
    context.update({
        "title": f"Safe sleep plan for {context['first_name']}",
        "can_update": has_permission(_user(request), Permission.COMPLETE_ASSESSMENT),
        "back_link": assessment.get_absolute_url(),
        "downloads": download_links(assessment.family, reverse("tools:plan_pdf", args=[assessment.public_id])),
    })
    return render(request, "tools/plan.jinja", context)


@login_required
@require_GET
def plan_pdf(request: HttpRequest, assessment_id: str) -> HttpResponse:
    # The export row below is the audit of this read.
    assessment = _safer_sleep_assessment(request, assessment_id, audit=False)
    plan = _newest_plan(assessment)
    return plan_pdf_download(
        request, family=assessment.family, template="tools/plan_print.jinja", context=lambda: _plan_context(assessment, plan),
        filename="safe-sleep-plan.pdf",
        audit={"obj": plan, "detail": {"assessment": str(assessment.public_id)},
               "summary": f"Downloaded the safe sleep plan for {assessment.baby.display_name} as a PDF"},
    )
