"""The historic contacts upload: choose a file → see what was accepted and rejected, with the report
of rejected rows → choose all-or-nothing or accepted rows only → the result. The same shape as the
births upload (kbs/imports/views.py); files are read through `contacts_access`, so someone else's
file is "not found"."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from kbs.accounts.models import User
from kbs.contacts.models import ContactImport
from kbs.imports import contacts_access, contacts_actions
from kbs.imports.contacts_forms import MAX_ROWS, ConfirmForm, ContactsUploadForm
from kbs.imports.contacts_rules import CHOICES, COLUMNS, OPTIONAL, WHO
from kbs.imports.models import State
from kbs.imports.views import report_download

SHOWN = 200  # problems shown on the page; the report has them all


def _guidance() -> dict[str, object]:
    return {"columns": COLUMNS, "optional": OPTIONAL, "choices": CHOICES, "who": [str(w) for w in WHO],
            "max_rows": f"{MAX_ROWS:,}"}


def _upload_page(request: HttpRequest, form: ContactsUploadForm, refusal: str = "", status: int = 200) -> HttpResponse:
    return render(request, "imports/contacts_upload.jinja",
                  {"title": "Import contacts from another system", "form": form, "refusal": refusal, **_guidance()},
                  status=status)


def _report_url(batch: ContactImport) -> str:
    return reverse("imports:contacts_report") + f"?batch={batch.public_id}"


def _checked_page(request: HttpRequest, batch: ContactImport, form: ConfirmForm, status: int = 200,
                  refused: str = "") -> HttpResponse:
    return render(request, "imports/contacts_checked.jinja", {
        "title": "Check the contacts file", "batch": batch, "form": form, "problems": batch.problems[:SHOWN],
        "more": max(0, len(batch.problems) - SHOWN), "refused": refused, "report_url": _report_url(batch),
        "back_link": reverse("imports:contacts"),
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def contacts(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    contacts_access.require_importer(user)
    form = ContactsUploadForm(request.POST, request.FILES) if request.method == "POST" else ContactsUploadForm()
    refusal = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch = contacts_actions.check_contacts_file(by=user, data=upload.read(), file_name=upload.name, max_rows=MAX_ROWS)
        if batch.state == State.CHECKED:
            return _checked_page(request, batch, ConfirmForm(initial={"batch": batch.public_id, "mode": "all"}))
        refusal = batch.refusal
        form.add_error("file", refusal)
    return _upload_page(request, form, refusal, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    contacts_access.require_importer(user)
    if request.method == "GET":
        return redirect("imports:contacts")
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        if "batch" in form.errors:
            return _upload_page(request, ContactsUploadForm(), "Upload the file again: it was not found", status=400)
        return _checked_page(request, contacts_access.contact_import_for(user, form.data.get("batch")), form, status=400)
    batch = contacts_access.contact_import_for(user, form.cleaned_data["batch"])
    if batch.state != State.CHECKED:
        return _result_page(request, batch)
    try:
        batch = contacts_actions.import_checked_file(by=user, batch=batch,
                                                     accepted_only=form.cleaned_data["mode"] == "accepted")
    except contacts_actions.ImportRefused as refused:
        batch.refresh_from_db()
        return _checked_page(request, batch, form, status=400, refused=str(refused))
    return _result_page(request, batch)


def _result_page(request: HttpRequest, batch: ContactImport) -> HttpResponse:
    return render(request, "imports/contacts_result.jinja", {
        "title": "Contacts imported" if batch.state == State.IMPORTED else "Contacts file", "batch": batch,
        "report_url": _report_url(batch),
    })


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    return report_download(request, find=contacts_access.contact_import_for, back="imports:contacts",
                           what="contacts", file_name="rejected-contacts")
