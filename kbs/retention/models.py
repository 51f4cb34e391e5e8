"""Legal holds, disposal reviews and the stubs that disposals leave behind.

Rows are written only through `kbs.retention.actions`. None of these tables holds a family's
personal data: they point at the family row (which survives disposal as an anonymised shell, see
ADR 13), and their free text is written by the data protection officer, who is asked not to name
anyone in it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from kbs.retention.schedule import RULE_CHOICES


def reference_for(public_id: object) -> str:
    """The pseudonymous reference shown on retention pages instead of names: the first 12 hex digits
    of the family's public id, in groups of four (about one clash in a billion pairs)."""
    digits = str(public_id).replace("-", "")[:12].upper()
    return f"KBS-{digits[0:4]}-{digits[4:8]}-{digits[8:12]}"


class LegalHold(models.Model):
    """A family's records must be kept whatever the schedule says (a claim, an inquiry, a review)."""

    family = models.ForeignKey("families.Family", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    review_on = models.DateField(null=True, blank=True)
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField()
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["family"], condition=Q(lifted_at__isnull=True), name="one_active_legal_hold"),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True, lifted_by__isnull=True, lift_reason="")
                | (Q(lifted_at__isnull=False, lifted_by__isnull=False) & ~Q(lift_reason="")),
                name="legal_hold_lifted_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Legal hold on family {self.family_id}" + (" (lifted)" if self.lifted_at else "")

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


class DisposalReview(models.Model):
    """The data protection officer has reviewed a family past its retention date and decided its
    records should be disposed of. Disposal itself is a second, confirmed step."""

    family = models.ForeignKey("families.Family", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    rule = models.CharField(max_length=30, choices=RULE_CHOICES)
    due_on = models.DateField()
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField()

    class Meta:
        ordering = ["-reviewed_at", "-id"]

    def __str__(self) -> str:
        return f"Disposal review of family {self.family_id}"


class DisposalRecord(models.Model):
    """What is left once a family's records are disposed of: which rule, which dates, who approved
    and when, and how many rows of each kind went. No personal data."""

    family = models.OneToOneField("families.Family", on_delete=models.PROTECT, related_name="disposal")
    reference = models.CharField(max_length=20)
    record_type = models.CharField(max_length=30, choices=RULE_CHOICES)
    due_on = models.DateField()
    last_contact_on = models.DateField()
    review = models.OneToOneField(DisposalReview, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    disposed_at = models.DateTimeField()
    # {"app_label.model": rows deleted}
    rows_removed = models.JSONField(default=dict)

    class Meta:
        ordering = ["-disposed_at", "-id"]

    def __str__(self) -> str:
        return f"Disposal of {self.reference}"
