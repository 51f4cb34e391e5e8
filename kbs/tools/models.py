"""Assessments: a tool completed for a baby, and the partnership's tool settings.

A completed assessment stores the tool's slug and version, the answers, the settings applied and
the outcome, and never changes afterwards (database triggers refuse it). A correction is a new
assessment that points at the one it corrects.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    AWAITING_SIGN_OFF = "awaiting_sign_off", "Waiting for a safeguarding lead to sign off"
    COMPLETED = "completed", "Completed"


class Assessment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    baby = models.ForeignKey("families.Baby", on_delete=models.PROTECT, related_name="assessments")
    family = models.ForeignKey("families.Family", on_delete=models.PROTECT, related_name="assessments")
    tool_slug = models.CharField(max_length=60)
    tool_version = models.CharField(max_length=20)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    answers = models.JSONField(default=dict, blank=True)
    # The partnership settings in force (for example the bruising pathway model), kept with the outcome.
    settings_applied = models.JSONField(default=dict, blank=True)
    # The contract's outcome, plus each flag's title, actions and message for parents.
    outcome = models.JSONField(null=True, blank=True)
    level = models.CharField(max_length=20, blank=True, db_index=True)
    # The suggested actions the practitioner confirmed, and why any were not.
    confirmed_actions = models.JSONField(default=list, blank=True)
    actions_not_taken_reason = models.TextField(blank=True)
    # Same-day steps for urgent and emergency outcomes.
    csc_referral_at = models.DateTimeField("time of the call to children's social care", null=True, blank=True)
    csc_referral_reference = models.CharField("children's social care reference", max_length=100, blank=True)
    medical_review_at = models.DateTimeField("when the medical review is", null=True, blank=True)
    medical_review_where = models.CharField("where the medical review is", max_length=200, blank=True)
    # When the same-day steps could not be recorded: the reason, countersigned by a safeguarding lead.
    steps_not_recorded_reason = models.TextField(blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    sign_off_note = models.TextField(blank=True)
    lead_notified_at = models.DateTimeField(null=True, blank=True)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    correction_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["baby", "tool_slug", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="completed") | (Q(outcome__isnull=False) & Q(completed_at__isnull=False)),
                name="completed_assessment_has_outcome",
            ),
            models.CheckConstraint(
                condition=Q(corrects__isnull=True) | ~Q(correction_reason=""),
                name="correction_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tool_slug} {self.tool_version} for baby {self.baby_id} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("tools:assessment", args=[self.public_id])

    @property
    def is_completed(self) -> bool:
        return self.status == Status.COMPLETED

    @property
    def needs_same_day_steps(self) -> bool:
        return self.level in {"urgent", "emergency"}


class PartnershipSetting(models.Model):
    """A partnership-wide choice a tool reads, such as `bruising.pathway_model`. Changed only by a
    partnership administrator, through an audited action."""

    name = models.CharField(max_length=100, unique=True)
    value = models.CharField(max_length=100)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"


class SafeSleepPlan(models.Model):
    """The safe sleep plan agreed with the family after a safer sleep assessment. A revised plan
    is a new row; the newest is the plan in force."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="sleep_plans")
    night_sleep_place = models.CharField("where the baby will sleep at night", max_length=300)
    day_sleep_place = models.CharField("where the baby will sleep in the day", max_length=300)
    out_of_routine_plan = models.TextField("where the baby will sleep when the routine changes")
    agreed_with = models.CharField("who the plan was agreed with", max_length=300)
    other_actions = models.TextField("anything else agreed", blank=True)
    review_on = models.DateField("when the plan will be looked at again", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Safe sleep plan {self.pk} for assessment {self.assessment_id}"


class SupportPlan(models.Model):
    """The support plan agreed with the family after an Every Baby Matters assessment: the judgement
    of each of the six areas, copied from the answers, and the actions agreed. A revised plan is a
    new row; the newest is the plan in force."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="support_plans")
    # Area id -> the practitioner's judgement ("strength", "some_support" or "concern").
    areas = models.JSONField(default=dict)
    # A list of {"area", "action", "who", "by_when" (an ISO date)}.
    actions = models.JSONField(default=list, blank=True)
    agreed_with = models.CharField("who the plan was agreed with", max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Support plan {self.pk} for assessment {self.assessment_id}"
