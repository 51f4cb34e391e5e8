"""Who may read which part of the audit trail.

Administrators read all of it. A safeguarding lead reads what their agency's staff did, and
everything done to families their agency is or was involved with (so they see another agency's
emergency access to their families). Nobody else reads it.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.models import AuditEvent
from kbs.families.models import Involvement


def audit_events_for(user: User) -> QuerySet[AuditEvent]:
    """The audit rows this user may search; Http404 for anyone who may search none."""
    events = AuditEvent.objects.select_related("actor_agency", "family")
    if has_permission(user, Permission.SEARCH_AUDIT_ALL):
        return events
    if has_permission(user, Permission.SEARCH_AUDIT_AGENCY) and user.agency_id is not None:
        agency_families = Involvement.objects.filter(agency_id=user.agency_id).values("family_id")
        return events.filter(Q(actor_agency_id=user.agency_id) | Q(family_id__in=agency_families))
    raise Http404("Page not found")
