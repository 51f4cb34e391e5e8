"""The one way to read assessments across the permission boundary.

An assessment is visible exactly when its family is (see kbs.families.access). Refusals are the
same Http404 as a missing record; every successful read of an assessment page is audited.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.families.access import NOT_FOUND, parse_public_id, visible_families
from kbs.families.models import Baby
from kbs.tools.models import Assessment, Status


def assessment_for(
    user: User, public_id: Any, *, need: Permission = Permission.VIEW_FAMILY, audit: bool = True
) -> Assessment:
    """The assessment with this id if the user may see its family and has `need`; Http404 otherwise."""
    if not has_permission(user, need):
        raise Http404(NOT_FOUND)
    assessment = (
        Assessment.objects.select_related("baby", "family", "created_by", "completed_by", "signed_off_by", "corrects")
        .filter(public_id=parse_public_id(public_id), family__in=visible_families(user))
        .first()
    )
    if assessment is None:
        raise Http404(NOT_FOUND)
    if audit:
        record_event(
            by=user, action=Action.VIEW, obj=assessment, family=assessment.family,
            summary=f"Viewed a {assessment.tool_slug} assessment of {assessment.baby.display_name}",
        )
    return assessment


def assessments_of(baby: Baby) -> QuerySet[Assessment]:
    """A baby's assessments, newest first, for a caller already allowed to see the baby."""
    return Assessment.objects.filter(baby=baby).select_related("created_by", "completed_by").order_by("-created_at", "-id")


def awaiting_my_sign_off(user: User) -> QuerySet[Assessment]:
    """Assessments from the lead's own agency whose same-day steps could not be recorded."""
    if not has_permission(user, Permission.SIGN_OFF_URGENT) or user.agency_id is None:
        raise Http404(NOT_FOUND)
    return (
        Assessment.objects.filter(status=Status.AWAITING_SIGN_OFF, created_by__agency_id=user.agency_id)
        .select_related("baby", "created_by")
        .order_by("created_at")
    )
