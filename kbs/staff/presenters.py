"""Display values for staff accounts, and what each permission lets a person do in plain English,
for information-governance reviewers (the role descriptions page). A test fails if a permission
has no sentence here."""

from typing import Any

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission as P
from kbs.core.presenters import moment

MEANINGS: dict[P, str] = {
    P.VIEW_FAMILY: "See the records of families their agency is working with.",
    P.REGISTER_FAMILY: "Register a new family or an unborn baby.",
    P.EDIT_FAMILY: "Change the details of families their agency is working with, and the people in a baby's life.",
    P.FIND_BABY: "Check whether a baby is already known to the service, by NHS number, or by last name, date of birth and postcode.",
    P.RECORD_INVOLVEMENT: "Record, with a reason, that their agency has started working with a family, which opens the family's records to that agency.",
    P.BREAK_GLASS: "Take emergency access to a family's records for a limited time, with a written reason that the agency's safeguarding lead is told about.",
    P.VIEW_AGENCY_FAMILIES: "See every family their agency is or ever was involved with, not only current ones.",
    P.SEARCH_AUDIT_AGENCY: "Search the audit trail for what their agency's staff did, and for everything done to their agency's families.",
    P.DECIDE_CONCERN: "Decide what happens about concerns raised by their agency's staff, and close them.",
    P.VIEW_AGENCY_DASHBOARD: "See the dashboard and evaluation report for their own agency's work (counts only).",
    P.SEARCH_AUDIT_ALL: "Search the whole audit trail: every sign-in, and every time anyone looked at, searched for or changed a record.",
    P.VIEW_AGGREGATES: "See partnership-wide figures and the evaluation report: counts only, never a name or a single family.",
    P.MANAGE_PARTNERSHIP_SETTINGS: "Change the partnership's settings, such as tool settings and which translations are published.",
    P.MANAGE_TRAINING: "Run the training programme: name champions, run course sessions and bookings, import training records and see everyone's.",
    P.MANAGE_LIBRARY: "Add documents to the library and upload new versions of any document.",
    P.COMPLETE_ASSESSMENT: "Complete the partnership's assessment tools for families their agency is working with.",
    P.RECORD_BIRTHMARK: "Confirm a birthmark on a baby's body map, as a registered health professional.",
    P.SIGN_OFF_URGENT: "Countersign the reason when urgent same-day safeguarding steps could not be taken.",
    P.RECORD_DEATH: "Record that a baby has died.",
    P.USE_API: "Use the service's programming interface (API) from other systems, seeing only what their other permissions allow.",
    P.MANAGE_ROLES: "Give and remove staff roles, deactivate and reactivate accounts, and sign people out of every device.",
    P.MANAGE_RETENTION: "Review records past their retention date, place and lift legal holds, and approve disposal.",
    P.MANAGE_SUBJECT_ACCESS: "Handle subject access requests: gather everything held about a person, redact it and release it.",
}


def meaning(permission: P) -> str:
    return MEANINGS[permission]


def permission_name(permission: P) -> str:
    """A short name for a permission: "manage_roles" → "Manage roles"."""
    return permission.value.replace("_", " ").capitalize()


def permission_rows() -> list[dict[str, str]]:
    """Every permission, in the order the enum lists them, with its short name and meaning."""
    return [{"slug": p.value, "name": permission_name(p), "meaning": MEANINGS[p]} for p in P]


def person_row(person: User) -> dict[str, Any]:
    """What the staff pages show about a person. Their roles must be prefetched."""
    roles = sorted(person.roles.all(), key=lambda role: role.name)
    return {
        "person": person,
        "name": str(person),
        "agency": person.agency.name if person.agency else "No agency",
        "team": person.team.name if person.team else "No team",
        "roles": roles,
        "role_names": ", ".join(role.name for role in roles) or "No roles",
        "status": "Active" if person.is_active else "Deactivated",
        "status_tag": "nhsuk-tag--green" if person.is_active else "nhsuk-tag--grey",
        "last_sign_in": moment(person.last_login) if person.last_login else "Never signed in",
    }
