"""The family's coping-with-crying plan: the action that records it, the form, the page and the PDF
the family keeps.

The plan is part of the ICON programme: besides hearing the message, each parent should have a
plan of their own for when the crying gets too much (how they will try to soothe the baby, who they
can call, and what they will do if they feel stressed). It is written for parents, so the words
are short and plain (a reading age of about 9). A changed plan is a new row; the newest is in force.

`record_crying_plan` is an action like those in `actions.py`: one transaction, `by=`, its own
audit event and chronology entry. It lives here, beside its only form and views.
"""

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_GET, require_http_methods

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.chronology.actions import add_entry
from kbs.chronology.models import Kind
from kbs.contacts.actions import NotAllowed
from kbs.contacts.models import CryingPlan
from kbs.core.pdf import render_pdf
from kbs.core.validators import today
from kbs.families import access as family_access
from kbs.families.access import NOT_FOUND
from kbs.families.models import Baby
from kbs.public.i18n import local_day
from kbs.public.printing import download_links, plan_language, print_context

# The four ICON messages, in our own words, for parents: (the letter, the message, what it means).
ICON_MESSAGES = (
    ("I", gettext_noop("Infant crying is normal, and it will stop"),
     gettext_noop("All babies cry. Crying often gets more from about 2 weeks old and is at its worst at about 6 to 8 "
                  "weeks. Then it gets less. Most babies cry a lot less by the time they are 4 or 5 months old.")),
    ("C", gettext_noop("Comforting methods can help"),
     gettext_noop("Check if your baby is hungry, tired, too hot or too cold, or needs a clean nappy. Then try holding "
                  "them close, talking, humming or singing, a gentle rocking, a warm bath or a walk outside. "
                  "Sometimes nothing works. That is not your fault, and it is not your baby's fault.")),
    ("O", gettext_noop("It's OK to walk away"),
     gettext_noop("If the crying is getting to you, put your baby down on their back in their cot, where they are "
                  "safe. Go to another room for a few minutes. Take some deep breaths or call someone. When you feel "
                  "calmer, go back and check on your baby.")),
    ("N", gettext_noop("Never, ever shake a baby"),
     gettext_noop("Shaking a baby can hurt their brain for the rest of their life, or kill them. Never shake or hurt "
                  "a baby, however upset you feel. Tell everyone who looks after your baby the same.")),
)

GETTING_HELP = (
    gettext_noop("If you are worried your baby is ill, or the crying is not like them, call your GP or NHS 111."),
    gettext_noop("Call 999 if your baby is hurt, or you think they are very unwell."),
    gettext_noop("You can always talk to your midwife or health visitor about crying."),
)


def _default_if_stressed(first_name: str) -> str:
    return (f"Put {first_name} down on their back in their cot, where they are safe.\n"
            "Walk away to another room for a few minutes, and breathe.\n"
            f"When I feel calmer, go back and check on {first_name}.")


def _first_name(baby: Baby) -> str:
    return baby.given_name or "the baby"


# --- the action --------------------------------------------------------------------------------


@transaction.atomic
def record_crying_plan(*, by: User, baby: Baby, plan: dict[str, str]) -> CryingPlan:
    """Record the coping-with-crying plan agreed with the family (`plan`: soothing, who_to_call,
    if_stressed, agreed_with). The newest plan is the one in force. Writes an audit event and a
    chronology entry; raises ValidationError, saving nothing, when a part is missing."""
    if not has_permission(by, Permission.EDIT_FAMILY):
        raise NotAllowed(Permission.EDIT_FAMILY)
    fields = {name: (plan.get(name) or "").strip() for name in ("soothing", "who_to_call", "if_stressed", "agreed_with")}
    row = CryingPlan(baby=baby, created_by=by, **fields)
    row.full_clean()
    row.save()
    record_event(by=by, action=Action.CREATE, obj=row, family=baby.family,
                 summary=f"Recorded the coping with crying plan for {baby.display_name}", detail=fields)
    # The names and numbers stay on the plan; the chronology only says that there is one.
    add_entry(by=by, family=baby.family, baby=baby, kind=Kind.MESSAGES,
              summary=f"Coping with crying plan agreed with {row.agreed_with}",
              link=row.get_absolute_url(), source=row)
    return row


def plan_in_force(baby: Baby) -> CryingPlan | None:
    """The baby's newest coping-with-crying plan, for a caller already allowed to see the baby."""
    return CryingPlan.objects.filter(baby=baby).select_related("created_by", "created_by__agency").first()


# --- the form ----------------------------------------------------------------------------------


def _text_field(label: str, help_text: str, required: str, max_length: int, rows: int) -> forms.CharField:
    return forms.CharField(
        label=label, help_text=help_text, max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}) if rows > 1 else forms.TextInput(),
        error_messages={"required": required,
                        "max_length": f"{label.rstrip('?')} must be {max_length} characters or fewer"},
    )


class CryingPlanForm(forms.Form):
    soothing = _text_field(
        "What will the family try, to soothe the baby?",
        "In their words. For example: feed, check the nappy, cuddle skin to skin, sing, a walk in the pram.",
        "Enter what the family will try to soothe the baby", 2000, 4,
    )
    who_to_call = _text_field(
        "Who can they call for help?",
        "Names and phone numbers of people they trust, such as family or friends. You can add the health "
        "visitor and the GP surgery too.",
        "Enter who the family can call for help", 1000, 4,
    )
    if_stressed = _text_field(
        "What will they do if the crying gets too much?",
        "Agree the steps with them: put the baby down safely on their back in the cot, walk away for a few "
        "minutes, and go back to check when calmer.",
        "Enter what the family will do if the crying gets too much", 2000, 4,
    )
    agreed_with = _text_field(
        "Who did you agree the plan with?",
        "Give each person's name and who they are to the baby, for example Jack Hart (father). Include "
        "every adult who looks after the baby.",
        "Enter who you agreed the plan with", 300, 1,
    )


# --- the pages ---------------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required has run


def _prefill(baby: Baby, plan: CryingPlan | None) -> dict[str, str]:
    """Start from the plan in force; otherwise from the steps every plan should have."""
    if plan is not None:
        return {name: getattr(plan, name) for name in CryingPlanForm.base_fields}
    return {"if_stressed": _default_if_stressed(_first_name(baby))}


def _plan_context(baby: Baby, plan: CryingPlan) -> dict[str, Any]:
    """Everything the page and the PDF show, so the two always say the same."""
    # Translated here: the printed plan is rendered in the family's language (crying_plan_pdf).
    return {
        "baby": baby, "plan": plan, "first_name": baby.given_name or gettext("your baby"),
        "icon_messages": [(letter, gettext(message), gettext(meaning)) for letter, message, meaning in ICON_MESSAGES],
        "getting_help": [gettext(line) for line in GETTING_HELP], "made_on": local_day(today()),
    }


@login_required
@require_http_methods(["GET", "POST"])
def crying_plan_new(request: HttpRequest, baby_id: str) -> HttpResponse:
    baby = family_access.baby_for(_user(request), baby_id, need=Permission.EDIT_FAMILY, audit=request.method == "GET")
    in_force = plan_in_force(baby)
    form = CryingPlanForm(request.POST if request.method == "POST" else None, initial=_prefill(baby, in_force))
    if request.method == "POST" and form.is_valid():
        try:
            record_crying_plan(by=_user(request), baby=baby, plan=form.cleaned_data)
        except NotAllowed:
            raise Http404(NOT_FOUND) from None
        except ValidationError as invalid:
            for name, problems in invalid.message_dict.items():
                form.add_error(name if name in form.fields else None, problems)
        else:
            messages.success(request, "Coping with crying plan saved")
            return redirect("contacts:crying_plan", baby.public_id)
    return render(request, "contacts/crying_plan_form.jinja", {
        "title": "Update the coping with crying plan" if in_force else "Make a coping with crying plan",
        "form": form, "baby": baby, "updating": in_force is not None, "back_link": baby.get_absolute_url(),
    }, status=400 if form.errors else 200)


@login_required
@require_GET
def crying_plan_page(request: HttpRequest, baby_id: str) -> HttpResponse:
    baby = family_access.baby_for(_user(request), baby_id)
    plan = plan_in_force(baby)
    if plan is None:
        raise Http404(NOT_FOUND)
    context = _plan_context(baby, plan)
    context.update({
        "title": f"Coping with crying plan for {context['first_name']}",
        "can_update": has_permission(_user(request), Permission.EDIT_FAMILY),
        "back_link": baby.get_absolute_url(),
        "downloads": download_links(baby.family, reverse("contacts:crying_plan_pdf", args=[baby.public_id])),
    })
    return render(request, "contacts/crying_plan.jinja", context)


@login_required
@require_GET
def crying_plan_pdf(request: HttpRequest, baby_id: str) -> HttpResponse:
    # The export row below is the audit of this read.
    baby = family_access.baby_for(_user(request), baby_id, audit=False)
    plan = plan_in_force(baby)
    if plan is None:
        raise Http404(NOT_FOUND)
    language = plan_language(request, baby.family)  # the family's, unless ?lang= asks for another
    with translation.override(language.django_code):
        html = render_to_string("contacts/crying_plan_print.jinja", _plan_context(baby, plan) | print_context(language),
                                request=request)
    pdf = render_pdf(html, base_url=None)  # the print template inlines its CSS and names no files
    record_event(by=_user(request), action=Action.EXPORT, obj=plan, family=baby.family, detail={"language": language.code},
                 summary=f"Downloaded the coping with crying plan for {baby.display_name} as a PDF")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="coping-with-crying-plan.pdf"'
    return response
