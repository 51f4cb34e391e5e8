"""Who may read staff accounts and role descriptions. Every staff view reads through here.

- Staff accounts (the list and a person's page): administrators (MANAGE_ROLES) only. Reading a
  person's page, and searching the list, are in the audit trail.
- Role descriptions, with what each permission means and how many people hold each role:
  administrators and information-governance reviewers (the data protection officer, and anyone who
  may search the whole audit trail).
- Your own account: anyone signed in.

Everyone else gets the same 404 as a page that does not exist.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from kbs.accounts.models import Agency, Role, User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.staff.models import SessionCutoff

NOT_FOUND = "Page not found"
ROLE_READERS = (
    Permission.MANAGE_ROLES, Permission.MANAGE_SUBJECT_ACCESS, Permission.MANAGE_RETENTION,
    Permission.SEARCH_AUDIT_ALL,
)


def can_manage(user: Any) -> bool:
    return has_permission(user, Permission.MANAGE_ROLES)


def require_administrator(user: Any) -> None:
    if not can_manage(user):
        raise Http404(NOT_FOUND)


def can_read_roles(user: Any) -> bool:
    return any(has_permission(user, permission) for permission in ROLE_READERS)


def require_signed_in(user: Any) -> None:
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        raise Http404(NOT_FOUND)


def agencies(user: Any) -> list[Agency]:
    """Every agency, for the filter on the staff list (administrators only)."""
    require_administrator(user)
    return list(Agency.objects.order_by("name"))


def find_staff(user: Any, *, query: str = "", agency_id: int | None = None) -> QuerySet[User]:
    """Staff accounts whose name or username contains every word of `query`, in `agency_id` if
    given, by last name. Agency, team and roles come with them, so a page of them costs a fixed
    number of queries. A search is recorded in the audit trail."""
    require_administrator(user)
    people = User.objects.select_related("agency", "team").prefetch_related("roles")
    for word in query.split():
        people = people.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(username__icontains=word)
        )
    if agency_id is not None:
        people = people.filter(agency_id=agency_id)
    if query.strip() or agency_id is not None:
        record_event(by=user, action=Action.SEARCH, summary="Searched staff accounts",
                     detail={"query": query.strip(), "agency": agency_id})
    return people.order_by("last_name", "first_name", "username", "pk")


def person_for(user: Any, person_id: int) -> User:
    """A member of staff's account, for an administrator; 404 if there is none or `user` may not
    see it. The read is recorded in the audit trail."""
    require_administrator(user)
    person = (
        User.objects.select_related("agency", "team").prefetch_related("roles").filter(pk=person_id).first()
    )
    if person is None:
        raise Http404(NOT_FOUND)
    record_event(by=user, action=Action.VIEW, summary=f"Viewed the staff account of {person}", obj=person)
    return person


def person_to_change(user: Any, person_id: int) -> User:
    """A member of staff's account to change (no read event: the change records its own)."""
    require_administrator(user)
    person = User.objects.select_related("agency", "team").prefetch_related("roles").filter(pk=person_id).first()
    if person is None:
        raise Http404(NOT_FOUND)
    return person


def sessions_ended_at(user: Any, person: User) -> Any:
    """When `person` was last signed out of every device, or None."""
    require_administrator(user)
    cutoff = SessionCutoff.objects.filter(user=person).first()
    return cutoff.valid_from if cutoff else None


def roles(user: Any) -> list[Role]:
    """Every role (for the forms that give and remove them)."""
    require_administrator(user)
    return list(Role.objects.order_by("name"))


@dataclass(frozen=True)
class RoleSummary:
    role: Role
    holders: int


def role_summaries(user: Any) -> list[RoleSummary]:
    """Every role with how many active accounts hold it, for information-governance reviewers."""
    if not can_read_roles(user):
        raise Http404(NOT_FOUND)
    counted = Role.objects.annotate(
        active_holders=Count("holders", filter=Q(holders__is_active=True), distinct=True)
    ).order_by("name")
    return [RoleSummary(role=role, holders=role.active_holders) for role in counted]


def own_account(user: Any) -> User:
    """The signed-in person's own account, with agency, team and roles."""
    require_signed_in(user)
    account: User = User.objects.select_related("agency", "team").prefetch_related("roles").get(pk=user.pk)
    return account
