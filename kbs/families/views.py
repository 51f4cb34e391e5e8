"""Pages for families, babies, people, finding a baby, involvements and emergency access.

Each view loads through `kbs.families.access`, calls one action, and redirects.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action, AuditEvent
from kbs.concerns import access as concern_access  # open concerns and referrals on the family page
from kbs.contacts import access as contact_access  # the three messages panel on the family page
from kbs.contacts import coverage as contact_coverage
from kbs.core.validators import normalise_nhs_number, normalise_postcode
from kbs.families import access, actions, forms
from kbs.workforce import access as workforce_access  # "your champion" on My families

PAGE_SIZE = 25


def _require(request: HttpRequest, permission: Permission) -> None:
    if not has_permission(request.user, permission):  # type: ignore[arg-type]
        raise Http404(access.NOT_FOUND)


@login_required
def my_families(request: HttpRequest) -> HttpResponse:
    _require(request, Permission.VIEW_FAMILY)
    form = forms.FamilySearchForm(request.GET or None)
    families = access.visible_families(request.user).prefetch_related("babies")  # type: ignore[arg-type]
    query = ""
    if form.is_valid() and form.cleaned_data["q"].strip():
        query = form.cleaned_data["q"].strip()
        digits = normalise_nhs_number(query)
        families = families.filter(
            Q(babies__family_name__icontains=query)
            | Q(babies__given_name__icontains=query)
            | Q(people__family_name__icontains=query)
            | Q(postcode=normalise_postcode(query))
            | (Q(babies__nhs_number=digits) if digits.isdigit() else Q(pk__in=[]))
        ).distinct()
        record_event(by=request.user, action=Action.SEARCH, summary="Searched my families", detail={"q": query})
    page = Paginator(families.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "families/mine.jinja", {
        "title": "My families", "form": form, "page": page, "query": query,
        "my_champion": workforce_access.my_champion(request.user),  # type: ignore[arg-type]
    })


@login_required
@require_http_methods(["GET", "POST"])
def register_family(request: HttpRequest) -> HttpResponse:
    _require(request, Permission.REGISTER_FAMILY)
    form = forms.RegisterFamilyForm(request.POST or None)
    exact: list[access.Match] = []
    close: list[access.Match] = []
    if request.method == "POST" and form.is_valid():
        baby = form.baby_fields()
        exact, close = access.possible_duplicates(
            request.user,  # type: ignore[arg-type]
            nhs_number=baby["nhs_number"], family_name=baby["family_name"],
            date_of_birth=baby["date_of_birth"], postcode=form.cleaned_data["postcode"],
            expected_delivery_date=baby["expected_delivery_date"],
        )
        if exact:
            form.add_error("nhs_number", "A baby with this NHS number is already registered")
        elif close and not form.cleaned_data["confirm_not_duplicate"]:
            form.add_error(
                "confirm_not_duplicate",
                "Check the possible matches below, then confirm this is a different baby",
            )
        else:
            family = actions.register_family(
                by=request.user,  # type: ignore[arg-type]
                family=form.household_fields(), baby=baby,
                reason=form.cleaned_data["reason"], lawful_basis=form.cleaned_data["lawful_basis"],
            )
            messages.success(request, "Family registered")
            return redirect(family)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "families/register.jinja",
        {"title": "Register a family", "form": form, "exact": exact, "close": close},
        status=status,
    )


def _family_context(request: HttpRequest, family: Any) -> dict[str, Any]:
    involvements = access.involvements_of(family)
    coverage = contact_coverage.coverage_for_family(family)  # the three messages panel (kbs.contacts)
    viewers = (
        AuditEvent.objects.filter(family=family, action=Action.VIEW)
        .select_related("actor_agency")
        .order_by("-at")[:10]
    )
    return {
        "title": f"Family at {family.postcode}",
        "family": family,
        "babies": list(family.babies.select_related("death").order_by("date_of_birth", "expected_delivery_date", "id")),  # death: the banner
        # --- The three messages panel (kbs.contacts): coverage also loads the people, in one query. ---
        "people": coverage.people,
        "coverage": coverage,
        "recent_contacts": contact_access.recent_contacts(family, limit=5),
        # --- end of the three messages panel ---
        "involvements": list(involvements),
        "viewers": list(viewers),
        "break_glass": access.active_break_glass(request.user, family),  # type: ignore[arg-type]
        "can_edit": has_permission(request.user, Permission.EDIT_FAMILY),  # type: ignore[arg-type]
        # --- Concerns and referrals (kbs.concerns): open ones the user may see, and "Raise a concern". ---
        "open_concerns": list(concern_access.open_concerns_of(request.user, family)),  # type: ignore[arg-type]
        "open_referrals": list(concern_access.open_referrals_of(request.user, family)),  # type: ignore[arg-type]
        "can_raise_concern": request.user.agency_id is not None and has_permission(request.user, Permission.EDIT_FAMILY),  # type: ignore[union-attr, arg-type]
        # --- end of concerns and referrals ---
    }


@login_required
def family_page(request: HttpRequest, family_id: str) -> HttpResponse:
    family = access.family_for(request.user, family_id)  # type: ignore[arg-type]
    return render(request, "families/family.jinja", _family_context(request, family))


def _stale(request: HttpRequest, form: Any, error: actions.StaleEdit, template: str, context: dict[str, Any]) -> HttpResponse:
    """Re-show the form with what the person typed, the version now saved, and what differs."""
    data = request.POST.copy()
    data["version"] = str(error.current.version)  # type: ignore[attr-defined]
    refreshed = type(form)(data, **({"born": form.born} if hasattr(form, "born") else {}))
    refreshed.is_valid()
    refreshed.add_error(None, "Someone else saved a change to this record while you were editing. "
                              "Check the differences below, then save again to keep your version.")
    return render(request, template, {**context, "form": refreshed, "differences": error.differences}, status=409)


@login_required
@require_http_methods(["GET", "POST"])
def edit_household(request: HttpRequest, family_id: str) -> HttpResponse:
    family = access.family_for(request.user, family_id, need=Permission.EDIT_FAMILY, audit=request.method == "GET")  # type: ignore[arg-type]
    initial = {name: getattr(family, name) for name in forms.HouseholdForm.base_fields} | {"version": family.version}
    form = forms.EditHouseholdForm(request.POST or None, initial=initial)
    context = {"title": "Change household details", "family": family, "back_link": family.get_absolute_url()}
    if request.method == "POST" and form.is_valid():
        changes = {k: form.cleaned_data[k] for k in forms.HouseholdForm.base_fields}
        try:
            actions.update_family(by=request.user, family=family, expected_version=form.cleaned_data["version"], changes=changes)  # type: ignore[arg-type]
        except actions.StaleEdit as error:
            return _stale(request, form, error, "families/edit_household.jinja", context)
        messages.success(request, "Household details saved")
        return redirect(family)
    return render(request, "families/edit_household.jinja", {**context, "form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def add_person(request: HttpRequest, family_id: str) -> HttpResponse:
    family = access.family_for(request.user, family_id, need=Permission.EDIT_FAMILY, audit=request.method == "GET")  # type: ignore[arg-type]
    form = forms.PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = actions.add_person(by=request.user, family=family, details=form.cleaned_data)  # type: ignore[arg-type]
        messages.success(request, f"{person} added")
        return redirect(family)
    return render(
        request, "families/person_form.jinja",
        {"title": "Add someone in the baby's life", "form": form, "family": family, "back_link": family.get_absolute_url()},
        status=400 if form.errors else 200,
    )


@login_required
def person_page(request: HttpRequest, person_id: str) -> HttpResponse:
    person = access.person_for(request.user, person_id)  # type: ignore[arg-type]
    return render(request, "families/person.jinja", {
        "title": str(person), "person": person, "family": person.family, "back_link": person.family.get_absolute_url(),
        "can_edit": has_permission(request.user, Permission.EDIT_FAMILY),  # type: ignore[arg-type]
    })


@login_required
@require_http_methods(["GET", "POST"])
def edit_person(request: HttpRequest, person_id: str) -> HttpResponse:
    person = access.person_for(request.user, person_id, need=Permission.EDIT_FAMILY, audit=request.method == "GET")  # type: ignore[arg-type]
    initial = {name: getattr(person, name) for name in forms.PersonForm.base_fields} | {"version": person.version}
    form = forms.EditPersonForm(request.POST or None, initial=initial)
    context = {"title": f"Change details of {person}", "family": person.family, "person": person,
               "back_link": person.get_absolute_url()}
    if request.method == "POST" and form.is_valid():
        changes = {k: form.cleaned_data[k] for k in forms.PersonForm.base_fields}
        try:
            actions.update_person(by=request.user, person=person, expected_version=form.cleaned_data["version"], changes=changes)  # type: ignore[arg-type]
        except actions.StaleEdit as error:
            return _stale(request, form, error, "families/person_form.jinja", context)
        messages.success(request, "Details saved")
        return redirect(person.family)
    return render(request, "families/person_form.jinja", {**context, "form": form}, status=400 if form.errors else 200)


@login_required
def baby_page(request: HttpRequest, baby_id: str) -> HttpResponse:
    from kbs.contacts.icon import panel_for as icon_panel_for
    from kbs.prebirth.presenters import baby_panel as prebirth_panel  # Pre-birth panel
    from kbs.tools import access as tool_access
    from kbs.tools.actions import tools_for
    from kbs.tools.spec import get_spec

    baby = access.baby_for(request.user, baby_id)  # type: ignore[arg-type]
    return render(request, "families/baby.jinja", {
        "title": baby.display_name, "baby": baby, "family": baby.family, "back_link": baby.family.get_absolute_url(),
        "can_edit": has_permission(request.user, Permission.EDIT_FAMILY),  # type: ignore[arg-type]
        "can_assess": has_permission(request.user, Permission.COMPLETE_ASSESSMENT),  # type: ignore[arg-type]
        "can_record_birthmark": has_permission(request.user, Permission.RECORD_BIRTHMARK),  # type: ignore[arg-type]
        "tools": [get_spec(slug) for slug in tools_for(baby)],
        "assessments": list(tool_access.assessments_of(baby)),
        "birthmarks": list(access.birthmarks_of(baby)),
        "icon_panel": None if baby.has_died else icon_panel_for(baby, user=request.user),  # ICON panel: kbs/contacts/icon.py
        "prebirth": prebirth_panel(baby),  # Pre-birth panel: kbs/prebirth/presenters.py
    })


@login_required
@require_http_methods(["GET", "POST"])
def edit_baby(request: HttpRequest, baby_id: str) -> HttpResponse:
    baby = access.baby_for(request.user, baby_id, need=Permission.EDIT_FAMILY, audit=request.method == "GET")  # type: ignore[arg-type]
    names = [n for n in forms.BabyDetailsForm.base_fields if n != "status"]
    initial = {name: getattr(baby, name) for name in names} | {"version": baby.version}
    form = forms.EditBabyForm(request.POST or None, initial=initial, born=baby.is_born)
    context = {"title": f"Change details of {baby.display_name}", "baby": baby, "family": baby.family,
               "back_link": baby.get_absolute_url()}
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_baby(by=request.user, baby=baby, expected_version=form.cleaned_data["version"], changes=form.baby_fields())  # type: ignore[arg-type]
        except actions.StaleEdit as error:
            return _stale(request, form, error, "families/edit_baby.jinja", context)
        messages.success(request, "Baby's details saved")
        return redirect(baby)
    return render(request, "families/edit_baby.jinja", {**context, "form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def record_birth(request: HttpRequest, baby_id: str) -> HttpResponse:
    baby = access.baby_for(request.user, baby_id, need=Permission.EDIT_FAMILY, audit=request.method == "GET")  # type: ignore[arg-type]
    if baby.is_born:
        raise Http404(access.NOT_FOUND)
    form = forms.RecordBirthForm(request.POST or None, initial={"version": baby.version, "given_name": baby.given_name})
    context = {"title": "Record the birth", "baby": baby, "family": baby.family, "back_link": baby.get_absolute_url()}
    if request.method == "POST" and form.is_valid():
        birth = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        birth["multiple_birth"] = bool(birth["multiple_birth"])
        birth["sex"] = birth["sex"] or ""
        if form.cleaned_data["nhs_number"] and access.possible_duplicates(
            request.user, nhs_number=birth["nhs_number"], family_name="", date_of_birth=None, postcode=""  # type: ignore[arg-type]
        )[0]:
            form.add_error("nhs_number", "A baby with this NHS number is already registered")
        else:
            try:
                actions.record_birth(by=request.user, baby=baby, expected_version=form.cleaned_data["version"], birth=birth)  # type: ignore[arg-type]
            except actions.StaleEdit as error:
                return _stale(request, form, error, "families/record_birth.jinja", context)
            messages.success(request, "Birth recorded")
            return redirect(baby)
    return render(request, "families/record_birth.jinja", {**context, "form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET"])
def find_baby(request: HttpRequest) -> HttpResponse:
    _require(request, Permission.FIND_BABY)
    form = forms.FindBabyForm(request.GET or None)
    matches = None
    if request.GET and form.is_valid():
        data = form.cleaned_data
        matches = access.find_babies(
            request.user,  # type: ignore[arg-type]
            nhs_number=data["nhs_number"], family_name=data["family_name"],
            date_of_birth=data["date_of_birth"], postcode=data["postcode"],
        )
    return render(request, "families/find.jinja", {"title": "Find a baby", "form": form, "matches": matches},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def record_involvement(request: HttpRequest, family_id: str) -> HttpResponse:
    _require(request, Permission.RECORD_INVOLVEMENT)
    family = access.family_for_break_glass(request.user, family_id)  # type: ignore[arg-type]
    form = forms.InvolvementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.record_involvement(by=request.user, family=family, **form.cleaned_data)  # type: ignore[arg-type]
        messages.success(request, "Your agency's involvement is recorded")
        return redirect(family)
    return render(request, "families/involve.jinja",
                  {"title": "Record your agency's involvement", "form": form, "family_id": family.public_id},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def break_glass(request: HttpRequest, family_id: str) -> HttpResponse:
    family = access.family_for_break_glass(request.user, family_id)  # type: ignore[arg-type]
    form = forms.BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.take_break_glass(by=request.user, family=family, reason=form.cleaned_data["reason"])  # type: ignore[arg-type]
        messages.success(request, "Emergency access granted for 3 hours. The lead agency's safeguarding lead has been told.")
        return redirect(family)
    return render(request, "families/break_glass.jinja",
                  {"title": "Emergency access", "form": form, "family_id": family.public_id},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def record_birthmark(request: HttpRequest, baby_id: str) -> HttpResponse:
    baby = access.baby_for(request.user, baby_id, need=Permission.RECORD_BIRTHMARK)  # type: ignore[arg-type]
    if not baby.is_born:
        raise Http404(access.NOT_FOUND)
    form = forms.BirthmarkForm(request.POST or None, baby=baby)
    if request.method == "POST" and form.is_valid():
        actions.record_birthmark(by=request.user, baby=baby, details=form.cleaned_data)  # type: ignore[arg-type]
        messages.success(request, "Birthmark recorded")
        return redirect(baby)
    return render(request, "families/birthmark_form.jinja", {
        "title": "Record a birthmark", "form": form, "baby": baby, "family": baby.family,
        "back_link": baby.get_absolute_url(),
    }, status=400 if form.errors else 200)


# --- A baby's death ------------------------------------------------------------------------------
# Recording a death: health professionals and safeguarding leads only (RECORD_DEATH); everyone else
# gets the same 404 as for a baby who is not there. The record and the chronology pack are for anyone
# who may see the baby.


@login_required
@require_http_methods(["GET", "POST"])
def record_death(request: HttpRequest, baby_id: str) -> HttpResponse:
    from django.core.exceptions import ValidationError

    baby = access.baby_for(request.user, baby_id, need=Permission.RECORD_DEATH, audit=request.method == "GET")  # type: ignore[arg-type]
    if not baby.is_born:
        raise Http404(access.NOT_FOUND)
    if baby.has_died:
        return redirect("families:death", baby.public_id)
    form = forms.DeathForm(request.POST or None, baby=baby)
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_death(by=request.user, baby=baby, details=form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                # Only "already recorded": someone else recorded it while this form was open.
                messages.info(request, error.messages[0])
                return redirect("families:death", baby.public_id)
            for name, problems in error.message_dict.items():
                form.add_error(name if name in form.fields else None, problems)
        else:
            messages.success(request, "The death is recorded. The safeguarding leads have been told.")
            return redirect("families:death", baby.public_id)
    children = [p for p in baby.family.people.all() if p.relationship in {"sibling", "other_child"}]
    return render(request, "families/death_form.jinja", {
        "title": "Record a baby's death", "form": form, "baby": baby, "family": baby.family,
        "children": children, "back_link": baby.get_absolute_url(),
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET"])
def death_page(request: HttpRequest, baby_id: str) -> HttpResponse:
    baby = access.baby_for(request.user, baby_id, audit=False)  # type: ignore[arg-type]
    if not baby.has_died:
        raise Http404(access.NOT_FOUND)
    death = baby.death
    record_event(by=request.user, action=Action.VIEW, obj=death, family=baby.family,
                 summary=f"Viewed the record of {baby.display_name}'s death")
    return render(request, "families/death.jinja", {
        "title": f"The death of {baby.display_name}", "death": death, "baby": baby, "family": baby.family,
        "back_link": baby.get_absolute_url(),
    })


@login_required
@require_http_methods(["GET"])
def death_pack(request: HttpRequest, baby_id: str) -> HttpResponse:
    from kbs.families import death_pack as pack

    baby = access.baby_for(request.user, baby_id, audit=False)  # type: ignore[arg-type]
    if not baby.has_died or request.user.agency_id is None:  # type: ignore[union-attr]
        raise Http404(access.NOT_FOUND)
    content = pack.render(request.user, baby.death)  # type: ignore[arg-type]  # writes the EXPORT audit row
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pack.file_name(baby)}"'
    # Personal data: no shared cache or browser history should keep a copy.
    response["Cache-Control"] = "no-store"
    return response
