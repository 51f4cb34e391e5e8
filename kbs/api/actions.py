"""Making and revoking API tokens."""

from django.db import transaction
from django.utils import timezone

from kbs.accounts.models import User
from kbs.api.models import ApiToken, hash_token
from kbs.audit.actions import record_event
from kbs.audit.models import Action


@transaction.atomic
def create_api_token(*, by: User | None, user: User, name: str) -> tuple[ApiToken, str]:
    """Make a token for `user`. Returns the row and the token, which is never stored or shown again."""
    token = ApiToken.new_token()
    row = ApiToken.objects.create(user=user, name=name, token_hash=hash_token(token))
    record_event(by=by or user, action=Action.CREATE, obj=row, summary=f"Made API token {name!r} for {user}")
    return row, token


@transaction.atomic
def revoke_api_token(*, by: User, token: ApiToken) -> ApiToken:
    """Stop a token working from now on."""
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record_event(by=by, action=Action.UPDATE, obj=token, summary=f"Revoked API token {token.name!r}")
    return token
