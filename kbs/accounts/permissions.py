"""What a person may do. Roles are data (accounts.Role); permissions are this enum.

`has_permission` is the one check every view, action and access function uses.
"""

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kbs.accounts.models import User


class Permission(StrEnum):
    # Working with families the person's agency is involved with.
    VIEW_FAMILY = "view_family"
    REGISTER_FAMILY = "register_family"
    EDIT_FAMILY = "edit_family"
    FIND_BABY = "find_baby"
    RECORD_INVOLVEMENT = "record_involvement"
    BREAK_GLASS = "break_glass"
    # Safeguarding leads: every family their agency has ever been involved with, and their audit.
    VIEW_AGENCY_FAMILIES = "view_agency_families"
    SEARCH_AUDIT_AGENCY = "search_audit_agency"
    # Deciding on concerns raised in the lead's own agency, and closing them.
    DECIDE_CONCERN = "decide_concern"
    # The dashboard and report, limited to the lead's own agency.
    VIEW_AGENCY_DASHBOARD = "view_agency_dashboard"
    # Partnership-wide.
    SEARCH_AUDIT_ALL = "search_audit_all"
    VIEW_AGGREGATES = "view_aggregates"
    MANAGE_PARTNERSHIP_SETTINGS = "manage_partnership_settings"
    # Training: champions, courses, everyone's training records and the confidence figures.
    MANAGE_TRAINING = "manage_training"
    # The library: adding documents and new versions, and every document's review date.
    MANAGE_LIBRARY = "manage_library"
    # Assessments.
    COMPLETE_ASSESSMENT = "complete_assessment"
    RECORD_BIRTHMARK = "record_birthmark"
    SIGN_OFF_URGENT = "sign_off_urgent"
    # Recording that a baby has died: health professionals and safeguarding leads (see roles.py).
    RECORD_DEATH = "record_death"
    USE_API = "use_api"
    # Staff accounts: granting and removing roles, unlocking accounts, resetting sign-in codes.
    MANAGE_ROLES = "manage_roles"
    # Information governance: retention review, legal holds and disposal; subject access requests.
    MANAGE_RETENTION = "manage_retention"
    MANAGE_SUBJECT_ACCESS = "manage_subject_access"


# Permissions about families only make sense for someone working for an agency: access follows
# the agency's involvement. A role without an agency grants none of them.
AGENCY_BOUND = frozenset({
    Permission.VIEW_FAMILY, Permission.REGISTER_FAMILY, Permission.EDIT_FAMILY, Permission.FIND_BABY,
    Permission.RECORD_INVOLVEMENT, Permission.BREAK_GLASS, Permission.VIEW_AGENCY_FAMILIES,
    Permission.SEARCH_AUDIT_AGENCY, Permission.COMPLETE_ASSESSMENT, Permission.RECORD_BIRTHMARK,
    Permission.SIGN_OFF_URGENT, Permission.RECORD_DEATH,
    Permission.VIEW_AGENCY_DASHBOARD,
})


def has_permission(user: "User", permission: Permission) -> bool:
    """True when any of the user's roles grants the permission. Inactive users have none, and
    family-facing permissions need an agency."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if permission in AGENCY_BOUND and user.agency_id is None:
        return False
    return permission in user.permissions
