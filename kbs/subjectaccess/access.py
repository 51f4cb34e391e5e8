"""The one way to read subject access requests, and to find a request's subject among the babies
and people in KBS.

Only the data protection officer (MANAGE_SUBJECT_ACCESS) may; for anyone else every page is "not
found", the same as a request that does not exist.
"""

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.families.access import parse_public_id
from kbs.families.models import Baby, Person
from kbs.subjectaccess.models import Redaction, Stage, SubjectAccessRequest

NOT_FOUND = "Page not found"


def require_officer(user: Any) -> None:
    """Http404 unless the user handles subject access requests."""
    if not has_permission(user, Permission.MANAGE_SUBJECT_ACCESS):
        raise Http404(NOT_FOUND)


def requests_for(user: User, *, released: bool) -> QuerySet[SubjectAccessRequest]:
    """Open requests (soonest deadline first, so overdue ones lead) or released ones (newest first)."""
    require_officer(user)
    requests = SubjectAccessRequest.objects.all()
    if released:
        return requests.filter(stage=Stage.RELEASED).order_by("-released_at", "-id")
    return requests.exclude(stage=Stage.RELEASED)


def request_for(user: User, public_id: Any, *, audit: bool = True) -> SubjectAccessRequest:
    """The request with this id, for the data protection officer; Http404 otherwise. Audited, because
    a request names its subject."""
    require_officer(user)
    found = SubjectAccessRequest.objects.filter(public_id=parse_public_id(public_id)).first()
    if found is None:
        raise Http404(NOT_FOUND)
    if audit:
        record_event(by=user, action=Action.VIEW, obj=found, summary=f"Viewed the subject access request about {found.subject_name}")
    return found


def redactions_of(request: SubjectAccessRequest) -> list[Redaction]:
    return list(request.redactions.select_related("by"))


def subject_matches(*, nhs_number: str = "", given_name: str = "", family_name: str = "", date_of_birth: Any = None) -> tuple[list[Baby], list[Person]]:
    """Every baby and every person (a person may be in several families, once in each) matching an
    NHS number, or else a name and date of birth. For the officer's actions only: not audited here,
    the action that uses them is."""
    if nhs_number:
        baby_filter = person_filter = Q(nhs_number=nhs_number)
    elif date_of_birth is not None and family_name.strip():
        person_filter = Q(family_name__iexact=family_name.strip(), date_of_birth=date_of_birth)
        if given_name.strip():
            person_filter &= Q(given_name__iexact=given_name.strip())
        baby_filter = person_filter
    else:
        return [], []
    babies = list(Baby.objects.filter(baby_filter).select_related("family").order_by("id"))
    people = list(Person.objects.filter(person_filter).select_related("family").order_by("id"))
    return babies, people


def subject_of(request: SubjectAccessRequest) -> tuple[list[Baby], list[Person]]:
    """The babies and people a request is about, found again from what the officer searched with."""
    return subject_matches(
        nhs_number=request.subject_nhs_number, given_name=request.subject_given_name,
        family_name=request.subject_family_name, date_of_birth=request.subject_date_of_birth,
    )


def released_file(user: User, public_id: Any, kind: str) -> bytes:
    """The frozen JSON or PDF of a released request, exactly as released; Http404 for anyone but the
    officer, for a request not yet released, or for another kind of file. Audited as an export."""
    found = request_for(user, public_id, audit=False)
    if not found.is_released or kind not in {"json", "pdf"}:
        raise Http404(NOT_FOUND)
    stored = found.release_json if kind == "json" else found.release_pdf
    content = bytes(stored or b"")
    record_event(
        by=user, action=Action.EXPORT, obj=found,
        summary=f"Downloaded the {kind.upper()} released for the subject access request about {found.subject_name}",
        detail={"sha256": found.release_json_sha256 if kind == "json" else found.release_pdf_sha256},
    )
    return content
