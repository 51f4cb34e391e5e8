"""Every change to a member of staff's access: giving and removing roles, deactivating and
reactivating accounts, and signing a person out of every device.

Each action runs in one transaction, takes `by=` (who acted), checks that they may, and writes its
own audit event. A refused action raises `Refused` with a message for the person and changes
nothing.

The partnership must never be left without an administrator: nobody may remove their own
"manage roles" permission or deactivate themselves, and the last active holder of it cannot lose
it. The administrators' rows are locked while that is checked, so two administrators removing
each other at the same moment cannot both succeed.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone

from kbs.accounts.models import Role, User
from kbs.accounts.permissions import AGENCY_BOUND, Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.staff.models import SessionCutoff

REASON_MAX_LENGTH = 500


class Refused(Exception):
    """The change is not allowed; the message says why. `field` names the form field it is about."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _require_administrator(by: User) -> None:
    if not has_permission(by, Permission.MANAGE_ROLES):
        raise Refused("Only administrators can change staff accounts")


def _clean_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise Refused("Enter the reason for the change", field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise Refused(f"The reason must be {REASON_MAX_LENGTH} characters or fewer", field="reason")
    return reason


def _locked(person: User) -> User:
    """The person's row, locked until the transaction ends, with their roles read afresh."""
    return User.objects.select_for_update().get(pk=person.pk)


def _role_slugs(person: User) -> list[str]:
    return sorted(person.roles.values_list("slug", flat=True))


def _administrator_roles() -> list[Role]:
    return [role for role in Role.objects.all() if Permission.MANAGE_ROLES in role.permissions]


def _other_active_administrators(person: User) -> int:
    """How many active people other than `person` hold a role that manages roles. Their rows
    are locked (in primary key order, so that two such checks cannot deadlock)."""
    holders = User.roles.through.objects.filter(role__in=_administrator_roles()).values("user_id")
    locked = User.objects.select_for_update().filter(pk__in=holders, is_active=True).exclude(pk=person.pk)
    return len(list(locked.order_by("pk").values_list("pk", flat=True)))


def _end_sessions(person: User, now: Any) -> None:
    SessionCutoff.objects.update_or_create(user=person, defaults={"valid_from": now})


def _role(slug: str) -> Role:
    role = Role.objects.filter(slug=slug).first()
    if role is None:
        raise Refused("Choose a role from the list", field="role")
    return role


def grant_role(*, by: User, person: User, role_slug: str, reason: str) -> Role:
    """Give `person` a role. Refused for an unknown role, a role they already hold, a missing
    reason, a role about families for someone with no agency (it would grant nothing), or giving
    yourself a role: an administrator who could do that could open any family's records or the
    subject access work alone, so another administrator has to."""
    _require_administrator(by)
    reason = _clean_reason(reason)
    role = _role(role_slug)
    if person.pk == by.pk:
        raise Refused("You cannot give yourself a role. Ask another administrator", field="role")
    with transaction.atomic():
        person = _locked(person)
        before = _role_slugs(person)
        if role.slug in before:
            raise Refused(f"{person} already has the role {role.name}", field="role")
        if person.agency_id is None and AGENCY_BOUND.intersection(role.permissions):
            raise Refused(
                f"{role.name} is about families, so it needs an agency, and {person} has none", field="role"
            )
        person.roles.add(role)
        record_event(
            by=by, action=Action.ROLE, summary=f"Gave {person} the role {role.name}", obj=person,
            detail={"role": role.slug, "change": "granted", "before": before, "after": sorted([*before, role.slug]),
                    "reason": reason},
        )
    return role


def remove_role(*, by: User, person: User, role_slug: str, reason: str) -> Role:
    """Take a role away from `person`; it stops working on their next request, and their sessions
    end (except the administrator's own current one, which the view keeps). Refused for an unknown
    role, a role they do not hold, a missing reason, removing your own "manage roles" role, or
    removing it from the last active administrator."""
    _require_administrator(by)
    reason = _clean_reason(reason)
    role = _role(role_slug)
    with transaction.atomic():
        person = _locked(person)
        before = _role_slugs(person)
        if role.slug not in before:
            raise Refused(f"{person} does not have the role {role.name}", field="role")
        if Permission.MANAGE_ROLES in role.permissions:
            keeps_it = any(
                Permission.MANAGE_ROLES in r.permissions for r in person.roles.exclude(pk=role.pk)
            )
            if not keeps_it and person.pk == by.pk:
                raise Refused("You cannot remove your own administrator role. Ask another administrator.", field="role")
            if not keeps_it and person.is_active and _other_active_administrators(person) == 0:
                raise Refused(f"{person} is the only administrator, so the role cannot be removed", field="role")
        person.roles.remove(role)
        now = timezone.now()
        _end_sessions(person, now)
        record_event(
            by=by, action=Action.ROLE, summary=f"Removed the role {role.name} from {person}", obj=person,
            detail={"role": role.slug, "change": "removed", "before": before,
                    "after": [slug for slug in before if slug != role.slug], "reason": reason,
                    "sessions_ended_at": now},
        )
    return role


def deactivate_account(*, by: User, person: User, reason: str) -> None:
    """Stop `person` signing in, and end their sessions. Their roles stay, for if they come back.
    Refused for yourself and for the last active administrator."""
    _require_administrator(by)
    reason = _clean_reason(reason)
    with transaction.atomic():
        person = _locked(person)
        if person.pk == by.pk:
            raise Refused("You cannot deactivate your own account. Ask another administrator.")
        if not person.is_active:
            raise Refused(f"{person}'s account is already deactivated")
        if has_permission(person, Permission.MANAGE_ROLES) and _other_active_administrators(person) == 0:
            raise Refused(f"{person} is the only administrator, so the account cannot be deactivated")
        person.is_active = False
        person.save(update_fields=["is_active"])
        now = timezone.now()
        _end_sessions(person, now)
        record_event(
            by=by, action=Action.ROLE, summary=f"Deactivated {person}'s account", obj=person,
            detail={"change": "deactivated", "before": {"active": True}, "after": {"active": False},
                    "roles": _role_slugs(person), "reason": reason, "sessions_ended_at": now},
        )


def reactivate_account(*, by: User, person: User, reason: str) -> None:
    """Let `person` sign in again, with the roles they had. Sessions from before stay ended."""
    _require_administrator(by)
    reason = _clean_reason(reason)
    with transaction.atomic():
        person = _locked(person)
        if person.is_active:
            raise Refused(f"{person}'s account is already active")
        person.is_active = True
        person.save(update_fields=["is_active"])
        record_event(
            by=by, action=Action.ROLE, summary=f"Reactivated {person}'s account", obj=person,
            detail={"change": "reactivated", "before": {"active": False}, "after": {"active": True},
                    "roles": _role_slugs(person), "reason": reason},
        )


def sign_out_everywhere(*, by: User, person: User) -> None:
    """End every session `person` has, on every device, the one making this request included.
    Anyone may do it for themselves; administrators may do it for anyone."""
    if not getattr(by, "is_authenticated", False) or not by.is_active:
        raise Refused("Sign in first")
    if person.pk != by.pk:
        _require_administrator(by)
    with transaction.atomic():
        now = timezone.now()
        _end_sessions(person, now)
        yourself = person.pk == by.pk
        record_event(
            by=by, action=Action.SIGN_OUT,
            summary="Signed out of every device" if yourself else f"Signed {person} out of every device",
            obj=person, detail={"everywhere": True, "sessions_ended_at": now},
        )
