"""The roles KBS ships with. They are synced into accounts.Role after every migrate.

Each description is written for information-governance reviewers: who holds the role, what they
can see and what they can do.
"""

from dataclasses import dataclass

from kbs.accounts.permissions import Permission as P

PRACTITIONER = [
    P.VIEW_FAMILY,
    P.REGISTER_FAMILY,
    P.EDIT_FAMILY,
    P.FIND_BABY,
    P.RECORD_INVOLVEMENT,
    P.BREAK_GLASS,
    P.COMPLETE_ASSESSMENT,
    P.USE_API,
]


@dataclass(frozen=True)
class RoleDefinition:
    slug: str
    name: str
    description: str
    permissions: tuple[P, ...]
    is_health_professional: bool = False


ROLES = [
    RoleDefinition(
        "health-visitor",
        "Health visitor",
        "Specialist community public health nurse. Sees families their agency is involved with, "
        "registers families, records everyone in a baby's life and completes the partnership's tools. "
        "A registered health professional, so can confirm birthmarks and record that a baby has died.",
        (*PRACTITIONER, P.RECORD_BIRTHMARK, P.RECORD_DEATH),
        is_health_professional=True,
    ),
    RoleDefinition(
        "midwife",
        "Midwife",
        "Hospital or community midwife. Same access as other practitioners, from pregnancy booking "
        "onwards. A registered health professional, so can confirm birthmarks and record that a baby "
        "has died.",
        (*PRACTITIONER, P.RECORD_BIRTHMARK, P.RECORD_DEATH),
        is_health_professional=True,
    ),
    RoleDefinition(
        "gp",
        "GP",
        "General practitioner. Sees families their practice is involved with. A registered health "
        "professional, so can confirm birthmarks and record that a baby has died.",
        (*PRACTITIONER, P.RECORD_BIRTHMARK, P.RECORD_DEATH),
        is_health_professional=True,
    ),
    RoleDefinition(
        "paediatrician",
        "Paediatrician",
        "Hospital or community paediatrician. Sees families their agency is involved with, can "
        "confirm birthmarks and can record that a baby has died.",
        (*PRACTITIONER, P.RECORD_BIRTHMARK, P.RECORD_DEATH),
        is_health_professional=True,
    ),
    RoleDefinition(
        "practitioner",
        "Practitioner",
        "Social worker, police officer, early help, housing or probation worker. Sees only families "
        "their agency is involved with; can find whether a baby is known and record an involvement "
        "with a reason, or take time-limited emergency access with a written reason. Cannot record "
        "that a baby has died; their agency's safeguarding lead can.",
        tuple(PRACTITIONER),
    ),
    RoleDefinition(
        "safeguarding-lead",
        "Safeguarding lead",
        "The named safeguarding lead of an agency. Sees every family the agency is or was involved "
        "with, searches the agency's audit trail, is told of emergency access, and can countersign the "
        "reason when urgent same-day steps could not be taken. Decides what happens about concerns "
        "raised by the agency's staff, and closes them. Can record that a baby has died, so that "
        "every agency, police and social care included, has someone who can. Sees the dashboard and "
        "the evaluation report for their own agency's work.",
        (*PRACTITIONER, P.VIEW_AGENCY_FAMILIES, P.SEARCH_AUDIT_AGENCY, P.SIGN_OFF_URGENT, P.DECIDE_CONCERN,
         P.RECORD_DEATH, P.VIEW_AGENCY_DASHBOARD),
    ),
    RoleDefinition(
        "analyst",
        "Partnership analyst",
        "Works on partnership-level figures. Sees counts only, never names, NHS numbers, addresses or "
        "any page about a single family.",
        (P.VIEW_AGGREGATES,),
    ),
    RoleDefinition(
        "administrator",
        "Partnership administrator",
        "Looks after the service for the partnership: partnership settings, the whole audit trail and, "
        "like the training lead, the training programme and champions, and the library of guidance and leaflets. "
        "Grants and removes staff roles, unlocks locked accounts and resets a person's sign-in codes; every "
        "change is in the audit trail. Has no access to family records unless also given a practitioner role.",
        (P.SEARCH_AUDIT_ALL, P.MANAGE_PARTNERSHIP_SETTINGS, P.VIEW_AGGREGATES, P.MANAGE_TRAINING, P.MANAGE_LIBRARY,
         P.MANAGE_ROLES),
    ),
    RoleDefinition(
        "data-protection-officer",
        "Data protection officer",
        "The partnership's data protection officer, or someone acting for them in information governance. "
        "Handles subject access requests: gathers everything KBS holds about a named person, reviews and "
        "redacts what must not be disclosed, and releases it within the one-month deadline. Reviews records "
        "past their retention date, places and lifts legal holds, and approves disposal. Sees family "
        "records only through those requests and reviews, and every such read is in the audit trail.",
        (P.MANAGE_SUBJECT_ACCESS, P.MANAGE_RETENTION, P.SEARCH_AUDIT_ALL),
    ),
    RoleDefinition(
        "training-lead",
        "Training lead",
        "Runs the partnership's Keeping Babies Safe training. Names and removes champions, runs Level 3 "
        "course sessions and bookings, imports training records, and sees every member of staff's "
        "training records, course progress and certificates. Sees confidence self-ratings only as "
        "totals, never one person's answers. Adds documents and new versions to the library. Has no "
        "access to family records unless also given a practitioner role.",
        (P.MANAGE_TRAINING, P.VIEW_AGGREGATES, P.MANAGE_LIBRARY),
    ),
]


def sync_roles(**_: object) -> None:
    """Create or update the shipped roles so that their permissions match this file."""
    from kbs.accounts.models import Role

    for definition in ROLES:
        Role.objects.update_or_create(
            slug=definition.slug,
            defaults={
                "name": definition.name,
                "description": definition.description,
                "permissions": [p.value for p in definition.permissions],
                "is_health_professional": definition.is_health_professional,
            },
        )
