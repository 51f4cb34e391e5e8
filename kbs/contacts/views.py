"""Pages for recording a contact, reading one, and the list of babies with gaps in the three messages.

Each view loads through an access module (`kbs.families.access`, `kbs.contacts.access`), calls one
action, and redirects.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.contacts import access, actions, coverage, forms, presenters, prompts
from kbs.families import access as family_access

PAGE_SIZE = 25


@login_required
@require_http_methods(["GET", "POST"])
def record_contact(request: HttpRequest, family_id: str) -> HttpResponse:
    family = family_access.family_for(request.user, family_id, need=Permission.EDIT_FAMILY)  # type: ignore[arg-type]
    people = list(family.people.all())
    form = forms.ContactForm(request.POST or None, people=people, initial=forms.ContactForm.initial_for(family))
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_contact(
                by=request.user,  # type: ignore[arg-type]
                family=family, details=form.details(), present=form.present_people(),
                deliveries=form.deliveries(), life_events=form.events(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Contact recorded")
            return redirect(family)
    # ICON, crying plan, dogs, safe space and safer sleep prompts for this contact (kbs/contacts/prompts.py).
    due = prompts.prompts_for_family(
        family, user=request.user, people=people,  # type: ignore[arg-type]
        contact_type=(request.POST if request.method == "POST" else request.GET).get("contact_type", ""),
    )
    return render(
        request, "contacts/record.jinja",
        {"title": "Record a contact", "form": form, "family": family, "back_link": family.get_absolute_url(),
         "prompts": prompts.split(due)},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def contact_page(request: HttpRequest, contact_id: str) -> HttpResponse:
    contact = access.contact_for(request.user, contact_id)  # type: ignore[arg-type]
    return render(request, "contacts/contact.jinja", {
        "title": str(contact), "contact": contact, "family": contact.family,
        "back_link": contact.family.get_absolute_url(),
        "notes_visible": access.notes_visible(request.user, contact),  # type: ignore[arg-type]
        "given": presenters.messages_by_person(contact),
    })


@login_required
@require_GET
def babies_with_gaps(request: HttpRequest) -> HttpResponse:
    if not has_permission(request.user, Permission.VIEW_FAMILY):  # type: ignore[arg-type]
        raise Http404(family_access.NOT_FOUND)
    visible = family_access.visible_families(request.user)  # type: ignore[arg-type]
    page = Paginator(coverage.babies_with_gaps(visible), PAGE_SIZE).get_page(request.GET.get("page"))
    by_family = coverage.coverage_for_families(baby.family_id for baby in page.object_list)
    rows = [{"baby": baby, "gaps": by_family[baby.family_id].gaps} for baby in page.object_list]
    record_event(
        by=request.user, action=Action.SEARCH, summary=f"Listed babies with gaps in the three messages (page {page.number})",
        detail={"families": sorted({str(baby.family.public_id) for baby in page.object_list})},
    )
    return render(request, "contacts/gaps.jinja", {"title": "Babies with gaps", "page": page, "rows": rows})


@login_required
@require_GET
def historic_contacts(request: HttpRequest, family_id: str) -> HttpResponse:
    """Contacts recorded in other systems (imported), read-only, for anyone who may see the family."""
    family, rows = access.historic_contacts_for(request.user, family_id)  # type: ignore[arg-type]
    return render(request, "contacts/historic.jinja", {
        "title": "Contacts recorded in other systems", "family": family, "back_link": family.get_absolute_url(),
        "rows": [presenters.historic_row(row) for row in rows],
    })
