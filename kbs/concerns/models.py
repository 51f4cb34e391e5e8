"""Concerns, referrals and tasks: what was worried about, what was decided, and what must be done.

Concerns and referrals are explicit state machines. Every change of state is a new, immutable
Transition row saying who moved it, when, and why; the current state on the record is a copy for
fast lists. Clocks (`*_due_at`) say when the next step is late.
"""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse


class Category(models.TextChoices):
    INJURY = "injury", "An injury, bruise or mark"
    UNSAFE_SLEEP = "unsafe_sleep", "Unsafe sleep"
    NEGLECT = "neglect", "Neglect"
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
    SUBSTANCE_MISUSE = "substance_misuse", "Alcohol or drug use"
    MENTAL_HEALTH = "mental_health", "A parent's or carer's mental health"
    UNKNOWN_ADULT = "unknown_adult", "An adult in the baby's life nobody knows about"
    HOUSING = "housing", "Housing or home conditions"
    CRYING = "crying", "Carers struggling with crying"
    OTHER = "other", "Something else"


class Severity(models.TextChoices):
    LOW = "low", "Low: advice may be enough"
    MEDIUM = "medium", "Medium: needs a decision within one working day"
    HIGH = "high", "High: needs a decision today"


class ConcernState(models.TextChoices):
    RAISED = "raised", "Waiting for the safeguarding lead"
    DECIDED = "decided", "Decided"
    CLOSED = "closed", "Closed"


class Decision(models.TextChoices):
    ADVICE = "advice", "Advice given to the practitioner"
    EARLY_HELP = "early_help", "Offer early help"
    REFER_CSC = "refer_csc", "Refer to children's social care"
    REFER_POLICE = "refer_police", "Refer to the police"
    NO_FURTHER_ACTION = "no_further_action", "No further action"


class Concern(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    family = models.ForeignKey("families.Family", on_delete=models.PROTECT, related_name="concerns")
    baby = models.ForeignKey("families.Baby", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="concerns")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(db_index=True)
    category = models.CharField(max_length=30, choices=Category.choices)
    what_was_seen = models.TextField("what was seen or heard")
    severity = models.CharField(max_length=10, choices=Severity.choices)
    state = models.CharField(max_length=10, choices=ConcernState.choices, default=ConcernState.RAISED)
    decision = models.CharField(max_length=30, choices=Decision.choices, blank=True)
    rationale = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_due_at = models.DateTimeField()
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["agency", "state", "decision_due_at"])]

    def __str__(self) -> str:
        return f"{self.get_category_display()} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("concerns:concern", args=[self.public_id])


class ReferralState(models.TextChoices):
    MADE = "made", "Made, waiting for acknowledgement"
    ACKNOWLEDGED = "acknowledged", "Acknowledged, waiting for the outcome"
    OUTCOME_RECORDED = "outcome_recorded", "Outcome recorded"


class ReferralTo(models.TextChoices):
    CSC = "csc", "Children's social care (front door or MASH)"
    POLICE = "police", "Police"
    EARLY_HELP = "early_help", "Early help"


class ReferralHow(models.TextChoices):
    PHONE = "phone", "Phone"
    ONLINE_FORM = "online_form", "Online referral form"
    SECURE_EMAIL = "secure_email", "Secure e-mail"
    IN_PERSON = "in_person", "In person"


class ReferralOutcome(models.TextChoices):
    NO_FURTHER_ACTION = "no_further_action", "No further action"
    ADVICE = "advice", "Advice and signposting"
    EARLY_HELP = "early_help", "Early help assessment"
    CHILD_IN_NEED = "child_in_need", "Child and family assessment (child in need)"
    STRATEGY_DISCUSSION = "strategy_discussion", "Strategy discussion"
    CHILD_PROTECTION_ENQUIRY = "child_protection_enquiry", "Child protection enquiry"
    POLICE_INVESTIGATION = "police_investigation", "Police investigation"


class Referral(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    concern = models.ForeignKey(Concern, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals")
    family = models.ForeignKey("families.Family", on_delete=models.PROTECT, related_name="referrals")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(db_index=True)
    to = models.CharField(max_length=20, choices=ReferralTo.choices)
    how = models.CharField(max_length=20, choices=ReferralHow.choices)
    to_whom = models.CharField("who took the referral", max_length=200)
    reference = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=20, choices=ReferralState.choices, default=ReferralState.MADE)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_due_at = models.DateTimeField()
    outcome = models.CharField(max_length=30, choices=ReferralOutcome.choices, blank=True)
    outcome_note = models.TextField(blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-made_at", "-id"]
        indexes = [models.Index(fields=["agency", "state", "acknowledgement_due_at"])]

    def __str__(self) -> str:
        return f"Referral to {self.get_to_display()} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("concerns:referral", args=[self.public_id])


class Transition(models.Model):
    """One change of state of a concern or a referral. Never changed or deleted."""

    concern = models.ForeignKey(Concern, null=True, blank=True, on_delete=models.PROTECT, related_name="transitions")
    referral = models.ForeignKey(Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="transitions")
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(concern__isnull=False, referral__isnull=True)
                | models.Q(concern__isnull=True, referral__isnull=False),
                name="transition_of_one_record",
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_state or 'new'} → {self.to_state}"


class TaskKind(models.TextChoices):
    REVISIT_SLEEP_PLAN = "revisit_sleep_plan", "Revisit the safe sleep plan"
    TOOL_ACTION = "tool_action", "Action from an assessment"
    DECIDE_CONCERN = "decide_concern", "Decide on a concern"
    CHASE_ACKNOWLEDGEMENT = "chase_acknowledgement", "Chase a referral acknowledgement"
    RECORD_OUTCOME = "record_outcome", "Record a referral outcome"
    OTHER = "other", "Other"


class TaskState(models.TextChoices):
    OPEN = "open", "To do"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class Task(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    family = models.ForeignKey("families.Family", on_delete=models.PROTECT, related_name="tasks")
    baby = models.ForeignKey("families.Baby", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=TaskKind.choices)
    title = models.CharField(max_length=300)
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="tasks")
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    due_at = models.DateTimeField(db_index=True)
    urgent = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=TaskState.choices, default=TaskState.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)
    completion_note = models.TextField(blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # What made the task: an assessment, a contact, a concern or a referral.
    source_type = models.CharField(max_length=40, blank=True)
    source_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["assigned_to", "state", "due_at"]), models.Index(fields=["agency", "state", "due_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("concerns:task", args=[self.public_id])
