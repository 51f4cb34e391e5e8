"""The chronology of a family or a baby: a page with filters, and the same entries as CSV or PDF.

Each view loads the family or baby through `kbs.families.access` (404 for missing or forbidden),
takes its entries from `kbs.chronology.access.entries_for` (the one visibility rule), applies the
filters, and writes one audit row: VIEW for the page, EXPORT for each download.
"""

import csv
import io
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from kbs.accounts.models import User
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.chronology import presenters
from kbs.chronology.access import entries_for
from kbs.chronology.forms import FilterForm
from kbs.chronology.models import Entry
from kbs.core.pdf import render_pdf
from kbs.families import access as family_access
from kbs.families.models import Baby, Family

PAGE_SIZE = 50


@dataclass(frozen=True)
class Subject:
    """Whose chronology this is: a family, or one baby in it."""

    family: Family
    baby: Baby | None

    @property
    def obj(self) -> Model:
        return self.baby or self.family

    @property
    def name(self) -> str:
        return self.baby.display_name if self.baby else f"family at {self.family.postcode}"

    @property
    def url_prefix(self) -> str:
        return "chronology:baby" if self.baby else "chronology:family"

    def url(self, suffix: str = "") -> str:
        return reverse(self.url_prefix + suffix, args=[self.obj.public_id])  # type: ignore[attr-defined]

    def entries(self, user: User) -> QuerySet[Entry]:
        return entries_for(user, baby=self.baby) if self.baby else entries_for(user, family=self.family)

    def file_name(self, extension: str) -> str:
        # The family's reference rather than a name or postcode: downloads folders are not private.
        return f"chronology-{str(self.obj.public_id)[:8]}-{timezone.localdate():%Y-%m-%d}.{extension}"  # type: ignore[attr-defined]


def _family(request: HttpRequest, family_id: str) -> Subject:
    # Not audited here: each view writes one row saying what was seen or downloaded.
    return Subject(family_access.family_for(request.user, family_id, audit=False), None)  # type: ignore[arg-type]


def _baby(request: HttpRequest, baby_id: str) -> Subject:
    baby = family_access.baby_for(request.user, baby_id, audit=False)  # type: ignore[arg-type]
    return Subject(baby.family, baby)


def _filtered(request: HttpRequest, subject: Subject) -> tuple[FilterForm, QuerySet[Entry]]:
    """The filter form and, when it is valid, the entries it selects (none when it is not)."""
    visible = subject.entries(request.user)  # type: ignore[arg-type]
    agencies = list(
        visible.exclude(agency__isnull=True).order_by("agency__name").values_list("agency_id", "agency__name").distinct()
    )
    form = FilterForm(request.GET, agencies=agencies)
    return form, form.apply(visible) if form.is_valid() else visible.none()


def _audit(request: HttpRequest, subject: Subject, action: Action, summary: str, form: FilterForm, **detail: Any) -> None:
    record_event(
        by=request.user, action=action, obj=subject.obj, family=subject.family, summary=summary,
        detail={"filters": dict(form.applied()), **detail},
    )


def _page(request: HttpRequest, subject: Subject) -> HttpResponse:
    form, entries = _filtered(request, subject)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page")) if form.is_valid() else None
    if page is not None:
        _audit(request, subject, Action.VIEW, f"Viewed the chronology of {_the(subject)}", form, page=page.number)
    query = form.query_string()
    return render(request, "chronology/chronology.jinja", {
        "title": f"Chronology for {subject.name}",
        "subject": subject,
        "family": subject.family,
        "baby": subject.baby,
        "form": form,
        "page": page,
        "rows": presenters.rows(page.object_list) if page else [],
        "query": query,
        "csv_url": subject.url("_csv") + (f"?{query}" if query else ""),
        "pdf_url": subject.url("_pdf") + (f"?{query}" if query else ""),
        "page_url": subject.url(),
        "back_link": subject.obj.get_absolute_url(),  # type: ignore[attr-defined]
        "own_agency": getattr(request.user, "agency", None),
    }, status=200 if page is not None else 400)


def _csv(request: HttpRequest, subject: Subject) -> HttpResponse:
    form, entries = _filtered(request, subject)
    if not form.is_valid():
        return _page(request, subject)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # the byte order mark tells Excel the file is UTF-8
    writer = csv.writer(buffer)
    count = -1  # the header row
    for values in presenters.csv_rows(entries.iterator(chunk_size=500)):
        writer.writerow(values)
        count += 1
    _audit(request, subject, Action.EXPORT, f"Downloaded the chronology of {_the(subject)} as CSV", form, entries=count)
    return _download(buffer.getvalue().encode("utf-8"), "text/csv; charset=utf-8", subject.file_name("csv"))


def _pdf(request: HttpRequest, subject: Subject) -> HttpResponse:
    form, entries = _filtered(request, subject)
    if not form.is_valid():
        return _page(request, subject)
    rows = presenters.rows(entries)
    user = request.user
    html = render_to_string("chronology/pdf.jinja", {
        "title": f"Chronology for {subject.name}",
        "subject": subject,
        "rows": rows,
        "filters": form.applied(),
        "generated_at": timezone.now(),
        "generated_by": user,
        "own_agency": getattr(user, "agency", None),
    }, request=request)
    pdf = render_pdf(html)
    _audit(request, subject, Action.EXPORT, f"Downloaded the chronology of {_the(subject)} as PDF", form, entries=len(rows))
    return _download(pdf, "application/pdf", subject.file_name("pdf"))


def _the(subject: Subject) -> str:
    return subject.name if subject.baby else f"the {subject.name}"


def _download(content: bytes, content_type: str, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    # Personal data: no shared cache or browser history should keep a copy.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def family_chronology(request: HttpRequest, family_id: str) -> HttpResponse:
    return _page(request, _family(request, family_id))


@login_required
@require_GET
def family_chronology_csv(request: HttpRequest, family_id: str) -> HttpResponse:
    return _csv(request, _family(request, family_id))


@login_required
@require_GET
def family_chronology_pdf(request: HttpRequest, family_id: str) -> HttpResponse:
    return _pdf(request, _family(request, family_id))


@login_required
@require_GET
def baby_chronology(request: HttpRequest, baby_id: str) -> HttpResponse:
    return _page(request, _baby(request, baby_id))


@login_required
@require_GET
def baby_chronology_csv(request: HttpRequest, baby_id: str) -> HttpResponse:
    return _csv(request, _baby(request, baby_id))


@login_required
@require_GET
def baby_chronology_pdf(request: HttpRequest, baby_id: str) -> HttpResponse:
    return _pdf(request, _baby(request, baby_id))
