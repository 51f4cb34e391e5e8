"""Who may manage API tokens (administrators), and reading tokens and their accounts for them.
Anyone else is told "not found", exactly as for a page that does not exist."""

from django.db.models import QuerySet
from django.http import Http404

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.api.models import ApiToken

NOT_FOUND = "Page not found"


def require_manager(user: User) -> None:
    if not has_permission(user, Permission.MANAGE_ROLES):
        raise Http404(NOT_FOUND)


def tokens(user: User) -> QuerySet[ApiToken]:
    require_manager(user)
    return ApiToken.objects.select_related("user", "agency", "successor").order_by("agency__name", "name", "-created_at")


def token_to_manage(user: User, token_id: int) -> ApiToken:
    require_manager(user)
    token = ApiToken.objects.select_related("user", "agency").filter(pk=token_id).first()
    if token is None:
        raise Http404(NOT_FOUND)
    return token


def accounts_for_tokens(user: User) -> QuerySet[User]:
    """The active accounts a token may act as: those whose roles may use the API."""
    require_manager(user)
    ids = [u.pk for u in User.objects.filter(is_active=True).prefetch_related("roles")
           if has_permission(u, Permission.USE_API)]
    return User.objects.filter(pk__in=ids).select_related("agency").order_by("agency__name", "username")
