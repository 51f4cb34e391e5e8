"""Protected reads about other people's sign-in: the locked accounts and addresses, and the person
whose two-step sign-in an administrator resets. Only administrators (Permission.MANAGE_ROLES);
anyone else gets the same 404 as a page that does not exist."""

from django.http import Http404

from kbs.accounts import lockout
from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action


def require_administrator(user: User) -> None:
    """Raise 404 unless `user` administers staff accounts."""
    if not has_permission(user, Permission.MANAGE_ROLES):
        raise Http404("Page not found")


def locked_now(user: User) -> list[lockout.Locked]:
    """Every locked account and address, for an administrator; the read is audited."""
    require_administrator(user)
    found = lockout.locked_now()
    record_event(by=user, action=Action.VIEW, summary="Viewed the locked accounts and addresses",
                 detail={"accounts": sum(1 for f in found if f.kind == "account"),
                         "addresses": sum(1 for f in found if f.kind == "address")})
    return found


def staff_member_for(user: User, pk: int) -> User:
    """The account with this id, for an administrator; 404 for anyone else or no such account."""
    require_administrator(user)
    found = User.objects.filter(pk=pk).first()
    if found is None:
        raise Http404("Page not found")
    return found
