"""The data protection officer's pages for subject access requests: the list with deadlines,
recording a request, the request itself, extending its deadline, the redaction review, release and
the frozen downloads.

Each view reads through `kbs.subjectaccess.access` (404 for anyone else), calls one action and
redirects; a refused action is shown as an NHS error summary with status 400, nothing saved.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kbs.accounts.models import User
from kbs.subjectaccess import access, actions, forms, presenters
from kbs.subjectaccess.models import SubjectAccessRequest


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _refused_on(form: Any, refused: actions.Refused) -> None:
    field = refused.field if refused.field in form.fields else None
    form.add_error(field, str(refused))


@login_required
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    open_requests = [presenters.row(r, today) for r in access.requests_for(user, released=False)]
    open_requests.sort(key=lambda row: row["due_on"])
    released = [presenters.row(r, today) for r in access.requests_for(user, released=True)[:50]]
    return render(request, "subjectaccess/list.jinja", {
        "title": "Subject access requests", "open_requests": open_requests, "released": released,
        "overdue": sum(1 for row in open_requests if row["overdue"]),
    })


@login_required
@require_http_methods(["GET", "POST"])
def new_request(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    access.require_officer(user)
    form = forms.RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sar = actions.record_request(
                by=user, requester=data["requester"], requester_name=data["requester_name"],
                identity_check=data["identity_check"], received_on=data["received_on"], nhs_number=data["nhs_number"],
                given_name=data["given_name"], family_name=data["family_name"], date_of_birth=data["date_of_birth"],
            )
        except actions.Refused as refused:
            _refused_on(form, refused)
        else:
            messages.success(request, f"Request about {sar.subject_name} recorded: due by {presenters.day(sar.due_on)}")
            return redirect(sar)
    return render(request, "subjectaccess/new.jinja", {
        "title": "Record a subject access request", "form": form, "back_link": reverse("subjectaccess:list"),
    }, status=400 if form.errors else 200)


def _page(request: HttpRequest, sar: SubjectAccessRequest, *, problem: str = "", status: int = 200) -> HttpResponse:
    return render(request, "subjectaccess/request.jinja", {
        "title": f"Subject access request about {sar.subject_name}", "sar": sar,
        "row": presenters.row(sar, timezone.localdate()), "counts": presenters.counts(sar),
        "withheld": len(access.redactions_of(sar)), "problem": problem, "back_link": reverse("subjectaccess:list"),
    }, status=status)


@login_required
@require_GET
def request_page(request: HttpRequest, request_id: str) -> HttpResponse:
    return _page(request, access.request_for(_user(request), request_id))


@login_required
@require_http_methods(["GET", "POST"])
def extend(request: HttpRequest, request_id: str) -> HttpResponse:
    user = _user(request)
    sar = access.request_for(user, request_id)
    if sar.is_released:
        raise Http404(access.NOT_FOUND)
    form = forms.ExtendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            months = int(form.cleaned_data["months"] or 0)
            sar = actions.extend_deadline(by=user, request=sar, months=months, reason=form.cleaned_data["reason"])
        except actions.Refused as refused:
            _refused_on(form, refused)
        else:
            messages.success(request, f"Deadline extended to {presenters.day(sar.due_on)}")
            return redirect(sar)
    return render(request, "subjectaccess/extend.jinja", {
        "title": "Extend the deadline", "form": form, "sar": sar, "row": presenters.row(sar, timezone.localdate()),
        "back_link": sar.get_absolute_url(),
    }, status=400 if form.errors else 200)


def _post_action(request: HttpRequest, request_id: str, action: Any, done: str, then: str = "request") -> HttpResponse:
    user = _user(request)
    sar = access.request_for(user, request_id)
    try:
        sar = action(by=user, request=sar)
    except actions.Refused as refused:
        return _page(request, sar, problem=str(refused), status=400)
    messages.success(request, done)
    return redirect(reverse(f"subjectaccess:{then}", args=[sar.public_id]))


@login_required
@require_POST
def gather(request: HttpRequest, request_id: str) -> HttpResponse:
    return _post_action(request, request_id, actions.gather_records, "Records gathered: review them before release", "review")


@login_required
@require_POST
def complete_review(request: HttpRequest, request_id: str) -> HttpResponse:
    return _post_action(request, request_id, actions.complete_review, "Review marked complete: the records can be released")


@login_required
@require_POST
def reopen_review(request: HttpRequest, request_id: str) -> HttpResponse:
    return _post_action(request, request_id, actions.reopen_review, "Review reopened", "review")


@login_required
@require_POST
def release(request: HttpRequest, request_id: str) -> HttpResponse:
    return _post_action(request, request_id, actions.release_request, "Records released: download them to send")


@login_required
@require_GET
def review(request: HttpRequest, request_id: str) -> HttpResponse:
    sar = access.request_for(_user(request), request_id)
    if sar.document is None:
        raise Http404(access.NOT_FOUND)
    return render(request, "subjectaccess/review.jinja", {
        "title": f"Review the records about {sar.subject_name}", "sar": sar,
        "sections": presenters.review_sections(sar, access.redactions_of(sar)),
        "reviewing": sar.stage == "in_review", "back_link": sar.get_absolute_url(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def withhold(request: HttpRequest, request_id: str) -> HttpResponse:
    user = _user(request)
    sar = access.request_for(user, request_id)
    item_id = str(request.POST.get("item") or request.GET.get("item") or "")
    found = presenters.find_item(sar, item_id)
    if found is None or sar.stage != "in_review":
        raise Http404(access.NOT_FOUND)
    withheld = {r.field for r in access.redactions_of(sar) if r.item_id == item_id}
    form = forms.WithholdForm(request.POST or None, item=found, withheld=withheld)
    if request.method == "POST" and form.is_valid():
        part = form.cleaned_data["part"]
        try:
            if not part:
                raise actions.Refused("Select what should be withheld", "part")
            actions.withhold(
                by=user, request=sar, item_id=item_id, field="" if part == forms.WHOLE_ITEM else part,
                reason=form.cleaned_data["reason"], reason_text=form.cleaned_data["reason_text"],
            )
        except actions.Refused as refused:
            _refused_on(form, refused)
        else:
            messages.success(request, f"Withheld from {found['title']}")
            return redirect(reverse("subjectaccess:review", args=[sar.public_id]) + f"#{presenters.anchor(item_id)}")
    return render(request, "subjectaccess/withhold.jinja", {
        "title": "Withhold from the release", "form": form, "sar": sar, "item": found, "item_id": item_id,
        "back_link": reverse("subjectaccess:review", args=[sar.public_id]),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def stop_withholding(request: HttpRequest, request_id: str, redaction_id: int) -> HttpResponse:
    user = _user(request)
    sar = access.request_for(user, request_id)
    try:
        actions.stop_withholding(by=user, request=sar, redaction_id=redaction_id)
    except actions.Refused as refused:
        return _page(request, sar, problem=str(refused), status=400)
    messages.success(request, "No longer withheld")
    return redirect("subjectaccess:review", sar.public_id)


def _download(content: bytes, content_type: str, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def download_json(request: HttpRequest, request_id: str) -> HttpResponse:
    content = access.released_file(_user(request), request_id, "json")
    return _download(content, "application/json", f"subject-access-{request_id}.json")


@login_required
@require_GET
def download_pdf(request: HttpRequest, request_id: str) -> HttpResponse:
    content = access.released_file(_user(request), request_id, "pdf")
    return _download(content, "application/pdf", f"subject-access-{request_id}.pdf")
