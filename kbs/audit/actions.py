"""Writing to the audit trail. Every action and access function calls `record_event`."""

import contextvars
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from kbs.audit.models import Action, AuditEvent

# Actions that change nothing about a family's records.
READS = frozenset({
    Action.VIEW, Action.SEARCH, Action.EXPORT, Action.SIGN_IN, Action.SIGN_OUT, Action.SIGN_IN_FAILED,
    Action.REFUSED, Action.BREAK_GLASS,
})

_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("kbs_client_ip", default=None)
# How the current request came through the API, if it did: (words for summaries, detail).
_api_caller: contextvars.ContextVar[tuple[str, dict[str, Any]] | None] = contextvars.ContextVar(
    "kbs_api_caller", default=None)


def through_api(words: str, detail: dict[str, Any]) -> None:
    """Mark the rest of this request as made through the API, so that every audit event it records
    names the token (or session) used. ClientAddressMiddleware forgets it when the request ends."""
    _api_caller.set((words, detail))


class ClientAddressMiddleware:
    """Remembers the client address of the current request so that audit rows carry it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _client_ip.set(request.META.get("REMOTE_ADDR"))
        caller = _api_caller.set(None)
        try:
            return self.get_response(request)
        finally:
            _api_caller.reset(caller)
            _client_ip.reset(token)


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def record_event(
    *,
    by: Any,
    action: Action,
    summary: str,
    obj: models.Model | None = None,
    family: Any = None,
    detail: dict[str, Any] | None = None,
    actor_name: str = "",
) -> AuditEvent:
    """Append one row to the audit trail. `by` may be None (for a failed sign-in, say).

    A write with a family also marks the family for its dashboard counts to be worked out again
    (`kbs.insights.rollups`), so no action can change a family and leave the counts behind.
    """
    actor = by if getattr(by, "is_authenticated", False) else None
    api = _api_caller.get()
    if api is not None:
        words, how = api
        detail = detail if detail and "api" in detail else {"api": how, **(detail or {})}
        if "through the API" not in summary:
            summary = f"{summary} (through the API with {words})"
    if family is not None and action not in READS:
        from kbs.insights.rollups import mark_dirty  # the insights app builds on the audit app

        mark_dirty(getattr(family, "pk", family))
    return AuditEvent.objects.create(
        at=timezone.now(),
        actor=actor,
        actor_name=actor_name or (str(actor) if actor else ""),
        actor_agency_id=getattr(actor, "agency_id", None),
        action=action,
        object_type=(obj._meta.model_name or "") if obj is not None else "",
        object_id=str(getattr(obj, "public_id", None) or getattr(obj, "pk", "")) if obj is not None else "",
        family=family,
        summary=summary[:300],
        detail=jsonable(detail or {}),
        ip_address=_client_ip.get(),
    )
