"""API tokens. Only a hash is stored: the token itself is shown once, when it is made.

A token acts as one account (usually a system account of an agency, such as the maternity unit's
record system) and records that account's agency. It carries scopes (which resources it may read
or write), an expiry, a rate limit, and, once rotated, the successor that replaces it.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

RESOURCES = ("tools", "babies", "families", "people", "contacts", "assessments", "tasks", "concerns", "fhir")
SCOPES = tuple(f"{resource}:{mode}" for resource in RESOURCES for mode in ("read", "write"))
DEFAULT_DAYS = 90
MAX_DAYS = 366  # a year, leap years included
DEFAULT_GRACE_DAYS = 7
DEFAULT_RATE_PER_MINUTE = 1200


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def default_expiry() -> datetime:
    return timezone.now() + timedelta(days=DEFAULT_DAYS)


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    agency = models.ForeignKey("accounts.Agency", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="api_tokens", help_text="The agency whose system uses the token")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. the maternity system")
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list, help_text='What the token may do, e.g. ["babies:read"]')
    expires_at = models.DateTimeField(default=default_expiry)
    rate_per_minute = models.PositiveIntegerField(default=DEFAULT_RATE_PER_MINUTE)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.TextField(blank=True)
    successor = models.OneToOneField("self", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="predecessor", help_text="The token that replaced this one")

    class Meta:
        ordering = ["name", "-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    @staticmethod
    def new_token() -> str:
        return "kbs_" + secrets.token_urlsafe(32)

    def works_at(self, when: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > when

    def allows(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def state(self) -> str:
        now = timezone.now()
        if self.revoked_at is not None:
            return "Revoked"
        if self.expires_at <= now:
            return "Expired"
        if self.successor_id is not None:
            return "Replaced, working until its grace ends"
        return "Working"


class IdempotentResponse(models.Model):
    """The answer to a write sent with an `Idempotency-Key` header, kept for a day so that a retry
    of the same request gets the same answer without writing again (see kbs/api/idempotency.py).

    `caller` is "token:<id>" or "user:<id>"; `request_hash` is the SHA-256 of the request's body, so
    that the same key sent with a different body can be refused.
    """

    caller = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["caller", "key", "method", "path"], name="api_idempotency_once")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} with key {self.key!r}"
