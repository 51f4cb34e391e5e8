"""The births upload: choose a file → see what was accepted and rejected, with the report of
rejected rows → choose all-or-nothing or accepted rows only → the result.

The pages take no record in their paths: the checked file is named by a hidden field or a query
parameter and read through `access.birth_import_for`, so someone else's file is "not found"."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from kbs.accounts.models import User
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.imports import access, actions
from kbs.imports.forms import MAX_ROWS, ConfirmForm, UploadForm
from kbs.imports.models import BirthImport, State
from kbs.imports.validation import COLUMNS, OPTIONAL, report_csv

SHOWN = 200  # rejected-row problems shown on the page; the report has them all


def _checked_page(request: HttpRequest, batch: BirthImport, form: ConfirmForm, status: int = 200,
                  refused: str = "") -> HttpResponse:
    return render(request, "imports/checked.jinja", {
        "title": "Check the births file", "batch": batch, "form": form, "problems": batch.problems[:SHOWN],
        "more": max(0, len(batch.problems) - SHOWN), "refused": refused,
        "report_url": reverse("imports:births_report") + f"?batch={batch.public_id}",
        "back_link": reverse("imports:births"),
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def births(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    access.require_importer(user)
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    refusal = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch = actions.check_births_file(by=user, data=upload.read(), file_name=upload.name, max_rows=MAX_ROWS)
        if batch.state == State.CHECKED:
            return _checked_page(request, batch, ConfirmForm(initial={"batch": batch.public_id, "mode": "all"}))
        refusal = batch.refusal
        form.add_error("file", refusal)
    return render(request, "imports/births.jinja", {
        "title": "Import births", "form": form, "columns": COLUMNS, "optional": OPTIONAL, "refusal": refusal,
        "max_rows": f"{MAX_ROWS:,}",
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    access.require_importer(user)
    if request.method == "GET":
        return redirect("imports:births")
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        if "batch" in form.errors:
            return render(request, "imports/births.jinja", {
                "title": "Import births", "form": UploadForm(), "columns": COLUMNS, "optional": OPTIONAL,
                "max_rows": f"{MAX_ROWS:,}", "refusal": "Upload the file again: it was not found",
            }, status=400)
        return _checked_page(request, access.birth_import_for(user, form.data.get("batch")), form, status=400)
    batch = access.birth_import_for(user, form.cleaned_data["batch"])
    if batch.state != State.CHECKED:
        return _result_page(request, batch)
    try:
        batch = actions.import_births(by=user, batch=batch, accepted_only=form.cleaned_data["mode"] == "accepted")
    except actions.ImportRefused as refused:
        return _checked_page(request, batch, form, status=400, refused=str(refused))
    except ValidationError as error:  # a row the check let through but a record refused: nothing saved
        return _checked_page(request, batch, form, status=400,
                             refused=f"Nothing was imported: a record could not be saved ({'; '.join(error.messages)}).")
    return _result_page(request, batch)


def _result_page(request: HttpRequest, batch: BirthImport) -> HttpResponse:
    return render(request, "imports/result.jinja", {
        "title": "Births imported" if batch.state == State.IMPORTED else "Births file", "batch": batch,
        "report_url": reverse("imports:births_report") + f"?batch={batch.public_id}",
    })


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    access.require_importer(user)
    if "batch" not in request.GET:
        return redirect("imports:births")
    batch = access.birth_import_for(user, request.GET["batch"])
    record_event(by=user, action=Action.EXPORT, obj=batch, summary="Downloaded the report of rejected births rows",
                 detail={"file_name": batch.file_name, "problems": len(batch.problems)})
    response = HttpResponse(report_csv(batch.problems), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rejected-rows-{batch.public_id}.csv"'
    return response
