"""The library's pages: search and browse, a document with its history, adding documents and
versions, the reviews due, and the file download.

Each view reads through `kbs.library.access`, calls one action, and redirects. A refused upload is
shown next to the file field, with nothing saved.
"""

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from kbs.accounts.models import User
from kbs.learning import access as learning_access
from kbs.learning.presenters import review_month
from kbs.library import access, actions, files, forms, presenters
from kbs.library.models import Audience, Kind

logger = logging.getLogger(__name__)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    access.require_staff(user)
    form = forms.SearchForm(request.GET or None)
    query = topic = ""
    if form.is_valid():
        query, topic = form.cleaned_data["q"].strip(), form.cleaned_data["topic"]
    today = timezone.localdate()
    documents = access.find(user, query=query, topic=topic)
    return render(request, "library/home.jinja", {
        "title": f"Library: results for {query}" if query else "Library",
        "form": form, "query": query, "searched": bool(query or topic),
        "rows": [presenters.document_row(d, today) for d in documents],
        "reviews_due": len(access.reviews_due(user, today)),
        "can_manage": access.can_manage(user),
    })


@login_required
@require_GET
def document(request: HttpRequest, document_id: int) -> HttpResponse:
    user = _user(request)
    doc = access.document_for(user, document_id)
    today = timezone.localdate()
    versions = list(access.versions_of(doc))
    learning = [
        {"change": change, "review": change.recommendation.review, "review_month": review_month(change.recommendation.review.published_on)}
        for change in learning_access.learning_behind_document(doc)
    ]
    return render(request, "library/document.jinja", {
        "title": doc.title, "document": doc, "row": presenters.document_row(doc, today),
        "current": versions[0] if versions else None, "versions": versions,
        "file_description": presenters.file_description, "learning": learning,
        "can_add_version": access.can_add_version(user, doc),
        "back_link": reverse("library:home"),
    })


@login_required
@require_http_methods(["GET", "POST"])
def add_document(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    access.require_manager(user)
    initial = {"owner_email": user.email, "agency": user.agency_id, "audience": Audience.PRACTITIONERS}
    form = forms.DocumentForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            doc = actions.add_document(
                by=user, title=data["title"], kind=data["kind"], summary=data["summary"], owner=data["owner_email"],
                agency=data["agency"], audience=data["audience"], topics=data["topics"],
                published_on=data["published_on"], review_by=data["review_by"], url=data["url"], file=data["file"],
                change_note=data["change_note"],
            )
        except actions.Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"{doc.title} added to the library")
            return redirect(doc)
    return render(request, "library/document_form.jinja", {
        "title": "Add a document", "form": form, "back_link": reverse("library:home"),
        "max_mb": files.max_upload_mb(),
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def add_version(request: HttpRequest, document_id: int) -> HttpResponse:
    user = _user(request)
    doc = access.document_to_manage(user, document_id)
    today = timezone.localdate()
    form = forms.VersionForm(request.POST or None, request.FILES or None, today=today)
    if request.method == "POST" and form.is_valid():
        try:
            version = actions.add_version(
                by=user, document=doc, file=form.cleaned_data["file"], change_note=form.cleaned_data["change_note"],
                review_by=form.cleaned_data["review_by"],
            )
        except actions.Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"Version {version.number} of {doc.title} uploaded")
            return redirect(doc)
    return render(request, "library/version_form.jinja", {
        "title": f"Upload a new version of {doc.title}", "form": form, "document": doc,
        "kind": Kind(doc.kind).label, "max_mb": files.max_upload_mb(), "back_link": doc.get_absolute_url(),
    }, status=400 if form.errors else 200)


@login_required
@require_GET
def reviews_due(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    documents = access.reviews_due(user, today)
    return render(request, "library/reviews_due.jinja", {
        "title": "Reviews due", "rows": [presenters.document_row(d, today) for d in documents],
        "everyone": access.can_manage(user), "warning_days": access.REVIEW_WARNING_DAYS,
        "back_link": reverse("library:home"),
    })


@require_GET
def download(request: HttpRequest, document_id: int, number: int) -> Any:
    """A file, to anyone for a public document, otherwise to those who may see it (and audited)."""
    version = access.version_to_download(request.user, document_id, number)
    try:
        stored = files.open_stored(version.sha256)
    except FileNotFoundError:
        logger.error("The file of %s is missing from KBS_UPLOAD_ROOT", version)
        raise Http404(access.NOT_FOUND) from None
    response = FileResponse(
        stored, as_attachment=True,
        filename=files.download_name(version.original_name, version.content_type),
        content_type=version.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=300" if version.document.is_public else "private, no-store"
    return response
