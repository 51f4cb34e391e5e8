"""Everything that changes a subject access request, each in one transaction with its audit event.

The life of a request: recorded (`record_request`) → records gathered (`gather_records`, again as
often as needed) → items or fields withheld (`withhold`, `stop_withholding`) → review marked
complete (`complete_review`, or `reopen_review`) → released (`release_request`), after which it is
frozen. The deadline may be extended (`extend_deadline`) until release. Bad input raises `Refused`
(naming the form field it is about, if any) and saves nothing.
"""

import hashlib
import json
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.core.pdf import render_pdf
from kbs.core.presenters import day, moment
from kbs.core.presenters import nhs_number as spaced
from kbs.core.validators import nhs_number_is_valid, normalise_nhs_number
from kbs.subjectaccess import gather
from kbs.subjectaccess.access import subject_matches, subject_of
from kbs.subjectaccess.deadlines import MAX_EXTENSION_MONTHS
from kbs.subjectaccess.models import Redaction, Requester, Stage, SubjectAccessRequest, WithholdReason
from kbs.subjectaccess.redaction import apply_redactions


class Refused(Exception):
    """What the officer asked for cannot be done; `field` names the form field at fault, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _require(by: User) -> None:
    if not has_permission(by, Permission.MANAGE_SUBJECT_ACCESS):
        raise Refused("Only the data protection officer handles subject access requests")


def _locked(request: SubjectAccessRequest) -> SubjectAccessRequest:
    return SubjectAccessRequest.objects.select_for_update().get(pk=request.pk)


def _not_released(request: SubjectAccessRequest) -> None:
    if request.stage == Stage.RELEASED:
        raise Refused("This request has been released, and what was released cannot change")


@transaction.atomic
def record_request(
    *,
    by: User,
    requester: str,
    requester_name: str = "",
    identity_check: str,
    received_on: date | None,
    nhs_number: str = "",
    given_name: str = "",
    family_name: str = "",
    date_of_birth: date | None = None,
) -> SubjectAccessRequest:
    """Record a subject access request: who asked (the subject, or someone for them, and how their
    identity was checked), when it arrived, and the subject, found by NHS number or by name and
    date of birth among every baby and person in KBS. The deadline follows from the date received."""
    _require(by)
    if requester not in Requester.values:
        raise Refused("Select who made the request", "requester")
    requester_name = requester_name.strip()
    if requester == Requester.REPRESENTATIVE and not requester_name:
        raise Refused("Enter the name of the person acting for the subject", "requester_name")
    if not identity_check.strip():
        raise Refused("Say how the identity of the person asking was checked", "identity_check")
    if received_on is None:
        raise Refused("Enter the date the request was received", "received_on")
    if received_on > timezone.localdate():
        raise Refused("The date the request was received must be today or in the past", "received_on")
    nhs_number = normalise_nhs_number(nhs_number)
    if nhs_number:
        if not nhs_number_is_valid(nhs_number):
            raise Refused("Enter a valid NHS number: 10 digits with the right check digit", "nhs_number")
    elif not (family_name.strip() and date_of_birth):
        raise Refused("Enter the subject's NHS number, or their last name and date of birth", "nhs_number")
    babies, people = subject_matches(
        nhs_number=nhs_number, given_name=given_name, family_name=family_name, date_of_birth=date_of_birth
    )
    if not babies and not people:
        if nhs_number:
            raise Refused(f"No baby or person in KBS has the NHS number {spaced(nhs_number)}", "nhs_number")
        raise Refused("No baby or person in KBS has that name and date of birth", "family_name")
    first = babies[0].display_name if babies else f"{people[0].given_name} {people[0].family_name}"
    request = SubjectAccessRequest.objects.create(
        requester=requester, requester_name=requester_name if requester == Requester.REPRESENTATIVE else "",
        identity_check=identity_check.strip(), received_on=received_on,
        subject_nhs_number=nhs_number, subject_given_name="" if nhs_number else given_name.strip(),
        subject_family_name="" if nhs_number else family_name.strip(),
        subject_date_of_birth=None if nhs_number else date_of_birth, subject_name=first, created_by=by,
    )
    record_event(
        by=by, action=Action.SUBJECT_ACCESS, obj=request, summary=f"Recorded a subject access request about {first}",
        detail={
            "requester": requester, "received_on": received_on, "due_on": request.due_on,
            "found": {"babies": [str(b.public_id) for b in babies], "people": [str(p.public_id) for p in people]},
        },
    )
    return request


@transaction.atomic
def extend_deadline(*, by: User, request: SubjectAccessRequest, months: int, reason: str) -> SubjectAccessRequest:
    """Extend the deadline by one or two months, with the reason recorded (at most two in all)."""
    _require(by)
    request = _locked(request)
    _not_released(request)
    if not reason.strip():
        raise Refused("Give the reason for extending the deadline", "reason")
    if months not in (1, 2):
        raise Refused("Select how many months to extend the deadline by", "months")
    if request.extended_months + months > MAX_EXTENSION_MONTHS:
        left = MAX_EXTENSION_MONTHS - request.extended_months
        raise Refused(
            "A deadline can be extended by at most two months in all: this request can be extended by "
            + ("no more" if left == 0 else f"{left} more month"), "months",
        )
    before = request.due_on
    request.extended_months += months
    stamped = f"{day(timezone.localdate())}, {months} month{'s' if months > 1 else ''}: {reason.strip()}"
    request.extension_reason = "\n".join(filter(None, [request.extension_reason, stamped]))
    request.save(update_fields=["extended_months", "extension_reason"])
    record_event(
        by=by, action=Action.SUBJECT_ACCESS, obj=request,
        summary=f"Extended the deadline of the subject access request about {request.subject_name}",
        detail={"due_on": [before, request.due_on], "months": months, "reason": reason.strip()},
    )
    return request


@transaction.atomic
def gather_records(*, by: User, request: SubjectAccessRequest) -> SubjectAccessRequest:
    """Gather everything KBS holds about the subject (see gather.py) and keep it on the request for
    review. Audited as a subject access event, and as a read of each family whose records were read.
    Redactions already made carry over to items that are still there."""
    _require(by)
    request = _locked(request)
    _not_released(request)
    if request.stage == Stage.REVIEWED:
        raise Refused("The review is complete: reopen it before gathering the records again")
    babies, people = subject_of(request)
    subject = {
        "name": request.subject_name,
        "nhs_number": spaced(request.subject_nhs_number) if request.subject_nhs_number else "",
        "date_of_birth": day(request.subject_date_of_birth) if request.subject_date_of_birth else "",
    }
    document = gather.gather(babies, people, subject=subject)
    request.document = document
    request.gathered_at = timezone.now()
    request.gathered_by = by
    request.stage = Stage.IN_REVIEW
    request.save(update_fields=["document", "gathered_at", "gathered_by", "stage"])
    counts = {s["key"]: len(s["items"]) for s in document["sections"]}
    record_event(
        by=by, action=Action.SUBJECT_ACCESS, obj=request,
        summary=f"Gathered the records about {request.subject_name} for a subject access request",
        detail={"items": counts},
    )
    families = {b.family.pk: b.family for b in babies} | {p.family.pk: p.family for p in people}
    for family in families.values():
        record_event(
            by=by, action=Action.VIEW, obj=family, family=family,
            summary="Read the family's records for a subject access request",
            detail={"subject_access_request": str(request.public_id)},
        )
    return request


def _find_item(request: SubjectAccessRequest, item_id: str) -> dict[str, Any]:
    for section in (request.document or {}).get("sections", []):
        for candidate in section["items"]:
            if candidate["id"] == item_id:
                return dict(candidate)
    raise Refused("That item is not in the gathered records", "part")


def _reviewing(request: SubjectAccessRequest) -> None:
    _not_released(request)
    if request.stage == Stage.RECEIVED:
        raise Refused("Gather the records before reviewing them")
    if request.stage == Stage.REVIEWED:
        raise Refused("The review is complete: reopen it to change what is withheld")


@transaction.atomic
def withhold(
    *, by: User, request: SubjectAccessRequest, item_id: str, field: str = "", reason: str, reason_text: str = ""
) -> Redaction:
    """Withhold a gathered item (`field` blank) or one of its fields from the release, for a reason
    from the list ("other" needs the reason in words). The records themselves do not change."""
    _require(by)
    request = _locked(request)
    _reviewing(request)
    found = _find_item(request, item_id)
    if field and field not in {f["key"] for f in found["fields"]}:
        raise Refused("That item has no such part", "part")
    if reason not in WithholdReason.values:
        raise Refused("Select why this is withheld", "reason")
    reason_text = reason_text.strip() if reason == WithholdReason.OTHER else ""
    if reason == WithholdReason.OTHER and not reason_text:
        raise Refused("Say why this is withheld", "reason_text")
    try:
        with transaction.atomic():
            redaction = Redaction.objects.create(
                request=request, item_id=item_id, field=field, reason=reason, reason_text=reason_text, by=by, at=timezone.now()
            )
    except IntegrityError:
        raise Refused("That is already withheld", "part") from None
    record_event(
        by=by, action=Action.SUBJECT_ACCESS, obj=request,
        summary=f"Withheld {'part of ' if field else ''}an item from the subject access release about {request.subject_name}",
        detail={"item": item_id, "field": field, "reason": reason, "reason_text": reason_text},
    )
    return redaction


@transaction.atomic
def stop_withholding(*, by: User, request: SubjectAccessRequest, redaction_id: int) -> None:
    """Take a redaction back: the item or field will be released after all."""
    _require(by)
    request = _locked(request)
    _reviewing(request)
    redaction = request.redactions.filter(pk=redaction_id).first()
    if redaction is None:
        raise Refused("That redaction is not on this request")
    redaction.delete()
    record_event(
        by=by, action=Action.SUBJECT_ACCESS, obj=request,
        summary=f"Stopped withholding an item from the subject access release about {request.subject_name}",
        detail={"item": redaction.item_id, "field": redaction.field},
    )


@transaction.atomic
def complete_review(*, by: User, request: SubjectAccessRequest) -> SubjectAccessRequest:
    """Mark the redaction review complete: the gathered records and redactions are ready to release."""
    _require(by)
    request = _locked(request)
    _reviewing(request)
    request.stage = Stage.REVIEWED
    request.reviewed_at = timezone.now()
    request.reviewed_by = by
    request.save(update_fields=["stage", "reviewed_at", "reviewed_by"])
    record_event(
        by=by, action=Action.SUBJECT_ACCESS, obj=request,
        summary=f"Completed the redaction review of the subject access request about {request.subject_name}",
        detail={"withheld": request.redactions.count()},
    )
    return request


@transaction.atomic
def reopen_review(*, by: User, request: SubjectAccessRequest) -> SubjectAccessRequest:
    """Open a completed review again, before release."""
    _require(by)
    request = _locked(request)
    _not_released(request)
    if request.stage != Stage.REVIEWED:
        raise Refused("The review is not complete")
    request.stage = Stage.IN_REVIEW
    request.reviewed_at = None
    request.reviewed_by = None
    request.save(update_fields=["stage", "reviewed_at", "reviewed_by"])
    record_event(by=by, action=Action.SUBJECT_ACCESS, obj=request,
                 summary=f"Reopened the redaction review of the subject access request about {request.subject_name}")
    return request


def released_document(request: SubjectAccessRequest, redactions: list[Redaction], *, by: User, at: Any) -> dict[str, Any]:
    """The document as released: the gathered one, redacted, with the request's details."""
    document = apply_redactions(request.document or {}, redactions)
    return {
        **document,
        "request": {
            "reference": str(request.public_id),
            "received_on": request.received_on.isoformat(),
            "due_on": request.due_on.isoformat(),
            "released_at": at.isoformat(),
            "released_by": str(by),
        },
    }


def export_pdf(document: dict[str, Any], *, released_at: Any) -> bytes:
    html = render_to_string("subjectaccess/export_pdf.jinja", {
        "title": f"Records held about {document['subject']['name']}",
        "document": document, "released_at": moment(released_at),
    })
    return render_pdf(html)


@transaction.atomic
def release_request(*, by: User, request: SubjectAccessRequest) -> SubjectAccessRequest:
    """Release the reviewed records as JSON and as an A4 PDF with the withheld parts replaced, and
    freeze both files on the request (with their SHA-256) so that later changes to the records do not
    change what was sent. Refused until the review is complete."""
    _require(by)
    request = _locked(request)
    _not_released(request)
    if request.stage != Stage.REVIEWED:
        raise Refused("Complete the redaction review before releasing the records")
    now = timezone.now()
    document = released_document(request, list(request.redactions.all()), by=by, at=now)
    as_json = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    as_pdf = export_pdf(document, released_at=now)
    request.release_json = as_json
    request.release_pdf = as_pdf
    request.release_json_sha256 = hashlib.sha256(as_json).hexdigest()
    request.release_pdf_sha256 = hashlib.sha256(as_pdf).hexdigest()
    request.released_at = now
    request.released_by = by
    request.stage = Stage.RELEASED
    request.save(update_fields=[
        "release_json", "release_pdf", "release_json_sha256", "release_pdf_sha256", "released_at", "released_by", "stage",
    ])
    record_event(
        by=by, action=Action.SUBJECT_ACCESS, obj=request,
        summary=f"Released the records of the subject access request about {request.subject_name}",
        detail={
            "json_sha256": request.release_json_sha256, "pdf_sha256": request.release_pdf_sha256,
            "withheld": document["withheld"],
        },
    )
    return request
