"""Making, rotating and revoking API tokens. Each returns the token itself only when it is made:
it is never stored (only its hash is) and cannot be shown again."""

from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from kbs.accounts.models import User
from kbs.api.models import DEFAULT_DAYS, DEFAULT_GRACE_DAYS, MAX_DAYS, SCOPES, ApiToken, hash_token
from kbs.audit.actions import record_event
from kbs.audit.models import Action

MAX_GRACE_DAYS = 30


class Refused(Exception):
    """The request cannot be carried out; the message says why, in plain English."""


def _scopes(scopes: Iterable[str] | None) -> list[str]:
    """The scopes asked for, checked, in the order of SCOPES. None means every scope (the
    command's and the test suites' old behaviour)."""
    if scopes is None:
        return list(SCOPES)
    asked = set(scopes)
    unknown = sorted(asked - set(SCOPES))
    if unknown:
        raise Refused(f"Unknown scope: {', '.join(unknown)}")
    if not asked:
        raise Refused("Choose at least one scope")
    return [scope for scope in SCOPES if scope in asked]


def _days(days: int) -> int:
    if not 1 <= days <= MAX_DAYS:
        raise Refused(f"A token can last from 1 to {MAX_DAYS} days")
    return days


@transaction.atomic
def create_api_token(*, by: User | None, user: User, name: str, scopes: Iterable[str] | None = None,
                     days: int = DEFAULT_DAYS, rate_per_minute: int | None = None) -> tuple[ApiToken, str]:
    """Make a token acting as `user` (a system account of their agency). Returns the row and the
    token, which is never stored or shown again."""
    chosen, lifetime = _scopes(scopes), _days(days)
    if not name.strip():
        raise Refused("Give the token a name")
    token = ApiToken.new_token()
    extra = {"rate_per_minute": rate_per_minute} if rate_per_minute else {}
    row = ApiToken.objects.create(
        user=user, agency=user.agency, name=name.strip(), token_hash=hash_token(token), scopes=chosen,
        expires_at=timezone.now() + timedelta(days=lifetime), created_by=by, **extra,
    )
    record_event(by=by or user, action=Action.CREATE, obj=row,
                 summary=f"Made API token {row.name!r} for {user}",
                 detail={"scopes": chosen, "expires_at": row.expires_at.isoformat(), "agency": user.agency_id})
    return row, token


@transaction.atomic
def rotate_api_token(*, by: User, token: ApiToken, grace_days: int = DEFAULT_GRACE_DAYS,
                     days: int = DEFAULT_DAYS) -> tuple[ApiToken, str]:
    """Make a successor with the same account, name, scopes and rate; the old token keeps working
    until `grace_days` from now (or its own expiry, if sooner), so the system can switch over."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    now = timezone.now()
    if not token.works_at(now) or token.successor_id is not None:
        raise Refused("Only a working token that has not been rotated already can be rotated")
    if not 0 <= grace_days <= MAX_GRACE_DAYS:
        raise Refused(f"The old token can keep working for 0 to {MAX_GRACE_DAYS} days")
    lifetime = _days(days)
    value = ApiToken.new_token()
    successor = ApiToken.objects.create(
        user=token.user, agency=token.agency, name=token.name, token_hash=hash_token(value),
        scopes=list(token.scopes), rate_per_minute=token.rate_per_minute,
        expires_at=now + timedelta(days=lifetime), created_by=by,
    )
    token.successor = successor
    token.expires_at = min(token.expires_at, now + timedelta(days=grace_days))
    token.save(update_fields=["successor", "expires_at"])
    record_event(by=by, action=Action.UPDATE, obj=token,
                 summary=f"Rotated API token {token.name!r}: the old token works until {token.expires_at:%d %B %Y %H:%M}",
                 detail={"successor": successor.pk, "old_expires_at": token.expires_at.isoformat()})
    return successor, value


@transaction.atomic
def revoke_api_token(*, by: User, token: ApiToken, reason: str = "") -> ApiToken:
    """Stop a token working from now on."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise Refused("This token has already been revoked")
    token.revoked_at = timezone.now()
    token.revoked_reason = reason.strip()
    token.save(update_fields=["revoked_at", "revoked_reason"])
    record_event(by=by, action=Action.UPDATE, obj=token, summary=f"Revoked API token {token.name!r}",
                 detail={"reason": token.revoked_reason})
    return token
