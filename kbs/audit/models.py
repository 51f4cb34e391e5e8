"""The append-only audit trail of every read and write of personal data.

Rows are only ever inserted (through `kbs.audit.record`). Database triggers, created in this app's
migrations for SQLite and PostgreSQL, refuse UPDATE and DELETE, so not even a bug or a shell can
rewrite history.
"""

from django.conf import settings
from django.db import models


class Action(models.TextChoices):
    VIEW = "view", "Viewed"
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    SEARCH = "search", "Searched"
    INVOLVEMENT = "involvement", "Recorded involvement"
    BREAK_GLASS = "break_glass", "Took emergency access"
    EXPORT = "export", "Exported"
    SIGN_IN = "sign_in", "Signed in"
    SIGN_OUT = "sign_out", "Signed out"
    SIGN_IN_FAILED = "sign_in_failed", "Failed to sign in"
    REFUSED = "refused", "Was refused"
    SETTING = "setting", "Changed a setting"
    MFA = "mfa", "Changed two-step sign-in"
    LOCKED_OUT = "locked_out", "Was locked out"
    UNLOCK = "unlock", "Unlocked an account"
    ROLE = "role", "Changed roles"
    LEGAL_HOLD = "legal_hold", "Changed a legal hold"
    DISPOSE = "dispose", "Disposed of a record"
    SUBJECT_ACCESS = "subject_access", "Handled a subject access request"


class AuditEvent(models.Model):
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Copied at the time, so the trail still reads right after people move agency.
    actor_name = models.CharField(max_length=200, blank=True)
    actor_agency = models.ForeignKey("accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    family = models.ForeignKey("families.Family", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    summary = models.CharField(max_length=300)
    # Field-by-field {"field": [before, after]} for changes; search terms for searches.
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["family", "-at"]),
            models.Index(fields=["actor_agency", "-at"]),
            models.Index(fields=["actor", "-at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.summary}"
