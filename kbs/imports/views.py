"""The births upload: choose a file → "Checking your file", a part of the file per request, with the
progress shown → see what was accepted and rejected, what the accepted rows will do, and the report
of rejected rows → choose all-or-nothing or accepted rows only → the result.

The progress page moves itself on with a `<meta http-equiv="refresh" content="0">` (no script, so
the strict CSP is kept; a delay of 0 is a redirect, not a timed refresh, for WCAG 2.2.1) and has a
Continue button for a browser that does not follow it. Each request checks at most `CHECK_PART`
births, so no request runs long and no background work is needed (app servers keep no state).

The pages take no record in their paths: the checked file is named by a hidden field or a query
parameter and read through `access.birth_import_for`, so someone else's file is "not found"."""

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from kbs.accounts.models import User
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.contacts.models import ContactImport
from kbs.imports import access, actions
from kbs.imports.forms import MAX_ROWS, ConfirmForm, UploadForm
from kbs.imports.load import WINDOW_DAYS
from kbs.imports.models import BirthImport, State
from kbs.imports.validation import COLUMNS, OPTIONAL, report_csv

SHOWN = 200  # rejected-row problems shown on the page; the report has them all
CHECK_PART = 500  # births checked per request while the progress page is shown


def _checked_page(request: HttpRequest, batch: BirthImport, form: ConfirmForm, status: int = 200,
                  refused: str = "") -> HttpResponse:
    return render(request, "imports/checked.jinja", {
        "title": "Check the births file", "batch": batch, "form": form, "problems": batch.problems[:SHOWN],
        "window_weeks": WINDOW_DAYS // 7,
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
        batch = actions.start_births_check(by=user, data=upload.read(), file_name=upload.name, max_rows=MAX_ROWS)
        if batch.state == State.CHECKING:
            return redirect(_checking_url(batch))
        refusal = batch.refusal
        form.add_error("file", refusal)
    return _upload_page(request, form, refusal)


def _upload_page(request: HttpRequest, form: UploadForm, refusal: str = "", status: int | None = None) -> HttpResponse:
    return render(request, "imports/births.jinja", {
        "title": "Import births", "form": form, "columns": COLUMNS, "optional": OPTIONAL, "refusal": refusal,
        "max_rows": f"{MAX_ROWS:,}", "window_weeks": WINDOW_DAYS // 7,
    }, status=status or (400 if form.errors else 200))


def _checking_url(batch: BirthImport) -> str:
    return reverse("imports:births_checking") + f"?batch={batch.public_id}"


@login_required
@require_GET
def checking(request: HttpRequest) -> HttpResponse:
    """Check the next part of the user's file and show how far it has got; once the whole file is
    checked, this is the page to check the file and choose how to import it."""
    user: User = request.user  # type: ignore[assignment]
    access.require_importer(user)
    if "batch" not in request.GET:
        return redirect("imports:births")
    batch = access.birth_import_for(user, request.GET["batch"])
    if batch.state == State.CHECKING:
        batch = actions.check_next_part(by=user, batch=batch, limit=CHECK_PART)
    if batch.state == State.CHECKING:
        return render(request, "imports/checking.jinja", {
            "title": "Checking your file", "batch": batch, "checked": f"{batch.total_rows:,}",
            "expected": f"{batch.expected_rows:,}", "part": f"{CHECK_PART:,}",
        })
    if batch.state == State.CHECKED:
        return _checked_page(request, batch, ConfirmForm(initial={"batch": batch.public_id, "mode": "all"}))
    if batch.state == State.REFUSED:
        form = UploadForm()
        form.add_error("file", batch.refusal)
        return _upload_page(request, form, batch.refusal, status=400)
    return _result_page(request, batch)


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
            return _upload_page(request, UploadForm(), "Upload the file again: it was not found", status=400)
        return _checked_page(request, access.birth_import_for(user, form.data.get("batch")), form, status=400)
    batch = access.birth_import_for(user, form.cleaned_data["batch"])
    if batch.state == State.CHECKING:
        return redirect(_checking_url(batch))
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


def report_download(request: HttpRequest, *, find: Callable[[User, str], BirthImport | ContactImport], back: str,
                    what: str, file_name: str) -> HttpResponse:
    """The CSV report of an uploaded file's rejected rows (row, column, reason: never the values),
    for its uploader only, and audited as an export."""
    user: User = request.user  # type: ignore[assignment]
    access.require_importer(user)
    if "batch" not in request.GET:
        return redirect(back)
    batch = find(user, request.GET["batch"])
    record_event(by=user, action=Action.EXPORT, obj=batch, summary=f"Downloaded the report of rejected {what} rows",
                 detail={"file_name": batch.file_name, "problems": len(batch.problems)})
    response = HttpResponse(report_csv(batch.problems), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name}-{batch.public_id}.csv"'
    return response


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    return report_download(request, find=access.birth_import_for, back="imports:births", what="births",
                           file_name="rejected-rows")
