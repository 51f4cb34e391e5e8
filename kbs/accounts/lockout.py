"""Lockout after repeated failures (django-axes): 10 failures within an hour lock the account, and
separately the address they came from, until an hour after the failure that tipped it over, or
until an administrator unlocks it.

Wrong one-time codes count as failures: `count_code_failure` sends Django's `user_login_failed`
signal, which django-axes records like a wrong password. Axes' own "reset on success" is off; the
sign-in views forgive a person's failures only once both steps have succeeded
(`actions.complete_sign_in`), so a known password cannot be used to reset the count between
guesses at the code.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kbs.accounts.models import User


def cool_off() -> timedelta:
    return get_cool_off() or timedelta(hours=1)


def limit() -> int:
    return int(settings.AXES_FAILURE_LIMIT)


def _recent(now: datetime | None = None) -> QuerySet[AccessAttempt]:
    attempts: QuerySet[AccessAttempt] = AccessAttempt.objects.filter(attempt_time__gte=(now or timezone.now()) - cool_off())
    return attempts


def _until(attempts: QuerySet[AccessAttempt]) -> datetime | None:
    """When the failures in `attempts` fall below the limit again: an hour after the newest
    attempt row that, counting from the newest, brings the total up to the limit."""
    total = 0
    for failures, at in attempts.order_by("-attempt_time").values_list("failures_since_start", "attempt_time"):
        total += failures
        if total >= limit():
            until: datetime = at + cool_off()
            return until
    return None


def failures(*, username: str | None = None, ip_address: str | None = None) -> int:
    attempts = _recent()
    if username is not None:
        attempts = attempts.filter(username=username)
    if ip_address is not None:
        attempts = attempts.filter(ip_address=ip_address)
    return sum(attempts.values_list("failures_since_start", flat=True))


def locked_until(*, username: str | None = None, ip_address: str | None = None) -> datetime | None:
    """When sign-in opens again for this username or this address (the later of the two), or None
    if neither is locked."""
    ends = []
    if username:
        ends.append(_until(_recent().filter(username=username)))
    if ip_address:
        ends.append(_until(_recent().filter(ip_address=ip_address)))
    found = [end for end in ends if end is not None]
    return max(found) if found else None


def is_locked(request: HttpRequest, username: str) -> bool:
    return bool(AxesProxyHandler.is_locked(request, {"username": username}))


def count_code_failure(request: HttpRequest, user: User) -> bool:
    """Record a wrong one-time or recovery code as a failed sign-in. True if it locked them out."""
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
    return bool(getattr(request, "axes_locked_out", False))


@dataclass(frozen=True)
class Locked:
    """One locked account or address, for the administrators' list."""

    kind: str  # "account" or "address"
    value: str  # the username or the address
    failures: int
    until: datetime
    user: User | None = None


def locked_now() -> list[Locked]:
    """Every account and address locked at the moment, accounts first."""
    recent = _recent()
    found: list[Locked] = []
    usernames = sorted({u for u in recent.values_list("username", flat=True) if u})
    users = {u.username: u for u in User.objects.filter(username__in=usernames).select_related("agency")}
    for username in usernames:
        until = _until(recent.filter(username=username))
        if until:
            found.append(Locked("account", username, failures(username=username), until, users.get(username)))
    for address in sorted({a for a in recent.values_list("ip_address", flat=True) if a}):
        until = _until(recent.filter(ip_address=address))
        if until:
            found.append(Locked("address", address, failures(ip_address=address), until))
    return found


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    """The page someone sees when they are locked out (django-axes' AXES_LOCKOUT_CALLABLE): 429, in
    plain words, with the time they can try again. It says the same for a username that does not
    exist, so it confirms nothing."""
    username = str((credentials or {}).get("username") or request.POST.get("username") or "")
    until = locked_until(username=username or None, ip_address=request.META.get("REMOTE_ADDR"))
    return render(request, "accounts/locked_out_notice.jinja", {
        "title": "You cannot sign in at the moment",
        "until": timezone.localtime(until) if until else None, "today": timezone.localdate(),
    }, status=429)


def on_locked_out(sender: Any, request: HttpRequest | None = None, username: str | None = None,
                  ip_address: str | None = None, **kwargs: Any) -> None:
    """django-axes' `user_locked_out` signal: record the lockout and tell the account's owner, once
    (the signal also comes for each refused attempt while locked, which adds no failure)."""
    from kbs.accounts import actions

    if request is None or getattr(request, "axes_failures_since_start", None) is None:
        return  # refused while already locked: nothing new
    account_now_locked = bool(username) and failures(username=username) == limit()
    address_now_locked = bool(ip_address) and failures(ip_address=ip_address) == limit()
    if account_now_locked or address_now_locked:
        actions.record_lockout(username=username or "", ip_address=ip_address or "",
                               account=account_now_locked, address=address_now_locked)


def on_login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None,
                    **kwargs: Any) -> None:
    """Every failed attempt (password or code) counts towards "failed attempts since you last signed
    in", shown after the next sign-in."""
    from kbs.accounts import actions

    actions.count_failed_attempt(username=str(credentials.get("username") or ""))
