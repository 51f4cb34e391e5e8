"""Subject access requests: who asked, about whom, the one-month deadline, what was gathered, the
redaction review, and the frozen release.

Rows change only through `kbs.subjectaccess.actions`. The subject is kept as the identifiers the
data protection officer searched with (an NHS number, or a name and date of birth), so that every
record matching them is found when the records are gathered, in whichever family it sits.
"""

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from kbs.subjectaccess.deadlines import MAX_EXTENSION_MONTHS, due_date


class Requester(models.TextChoices):
    SUBJECT = "subject", "The person themself"
    REPRESENTATIVE = "representative", "Someone acting for them"


class Stage(models.TextChoices):
    RECEIVED = "received", "Received, records not gathered yet"
    IN_REVIEW = "in_review", "Records gathered, redaction review under way"
    REVIEWED = "reviewed", "Review complete, ready to release"
    RELEASED = "released", "Released"


class WithholdReason(models.TextChoices):
    THIRD_PARTY = "third_party", "Third-party information"
    SERIOUS_HARM = "serious_harm", "Serious harm"
    LEGAL_PRIVILEGE = "legal_privilege", "Legal professional privilege"
    OTHER = "other", "Another reason"


class SubjectAccessRequest(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requester = models.CharField(max_length=20, choices=Requester.choices)
    # Blank when the subject asked for themself.
    requester_name = models.CharField(max_length=200, blank=True)
    identity_check = models.TextField("how identity was checked")
    received_on = models.DateField()
    extended_months = models.PositiveSmallIntegerField(default=0)
    extension_reason = models.TextField(blank=True)
    # The subject, as searched for.
    subject_nhs_number = models.CharField(max_length=10, blank=True)
    subject_given_name = models.CharField(max_length=100, blank=True)
    subject_family_name = models.CharField(max_length=100, blank=True)
    subject_date_of_birth = models.DateField(null=True, blank=True)
    # The name of the subject as first found, for lists.
    subject_name = models.CharField(max_length=250)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.RECEIVED)
    # What was gathered (see gather.py for its shape); replaced by each gathering until release.
    document = models.JSONField(null=True, blank=True)
    gathered_at = models.DateTimeField(null=True, blank=True)
    gathered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The release, frozen: exactly the files sent, whatever happens to the records later.
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    release_json = models.BinaryField(null=True, blank=True)
    release_pdf = models.BinaryField(null=True, blank=True)
    release_json_sha256 = models.CharField(max_length=64, blank=True)
    release_pdf_sha256 = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(extended_months__gte=0, extended_months__lte=MAX_EXTENSION_MONTHS),
                name="sar_extension_at_most_two_months",
            ),
            models.CheckConstraint(
                condition=Q(extended_months=0) | ~Q(extension_reason=""), name="sar_extension_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(subject_nhs_number="") | Q(subject_date_of_birth__isnull=False),
                name="sar_subject_identified",
            ),
            models.CheckConstraint(
                condition=~Q(stage="released")
                | (Q(released_at__isnull=False) & Q(release_json__isnull=False) & Q(release_pdf__isnull=False)),
                name="sar_release_is_stored",
            ),
        ]

    def __str__(self) -> str:
        return f"Subject access request about {self.subject_name}"

    def get_absolute_url(self) -> str:
        return reverse("subjectaccess:request", args=[self.public_id])

    @property
    def due_on(self) -> date:
        return due_date(self.received_on, self.extended_months)

    @property
    def is_released(self) -> bool:
        return self.stage == Stage.RELEASED


class Redaction(models.Model):
    """One gathered item, or one field of it, withheld from the release. The source record is not
    touched: the redaction applies only to what is released."""

    request = models.ForeignKey(SubjectAccessRequest, on_delete=models.PROTECT, related_name="redactions")
    item_id = models.CharField(max_length=80)
    # Blank withholds the whole item.
    field = models.CharField(max_length=60, blank=True)
    reason = models.CharField(max_length=20, choices=WithholdReason.choices)
    reason_text = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "item_id", "field"], name="sar_one_redaction_per_part"),
            models.CheckConstraint(condition=~Q(reason="other") | ~Q(reason_text=""), name="sar_other_reason_says_why"),
        ]

    def __str__(self) -> str:
        return f"Withheld {self.item_id} {self.field}".strip()

    @property
    def label(self) -> str:
        """What the released document shows in place of the withheld part."""
        reason = self.reason_text.strip() if self.reason == WithholdReason.OTHER else WithholdReason(self.reason).label
        return f"[withheld: {reason}]"
