"""Pre-birth cases: an unborn baby referred because a trigger was found, the steps of its
timetable as they are done, its delivery safety plan, and the partnership's weeks for the steps.

Rows change only through `kbs.prebirth.actions`. Milestone records are never changed or deleted
(database triggers refuse it): a correction is a new record, and the newest counts.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from kbs.prebirth import clock


class CaseState(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


MILESTONE_CHOICES = [(m.code, m.label) for m in clock.MILESTONES]


class PreBirthCase(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    baby = models.ForeignKey("families.Baby", on_delete=models.PROTECT, related_name="prebirth_cases")
    family = models.ForeignKey("families.Family", on_delete=models.PROTECT, related_name="+")
    # The agency that found the trigger: its staff get the timetable's tasks.
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    assessment = models.ForeignKey("tools.Assessment", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    trigger_found_on = models.DateField()
    premature_birth_likely = models.BooleanField(default=False)
    # The partnership's weeks when the case opened ({code: [week, premature_week]}), so the dates
    # shown always match the tasks made from them, whatever the partnership changes later.
    weeks_applied = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=CaseState.choices, default=CaseState.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["baby"], condition=Q(state="open"), name="one_open_prebirth_case"),
            models.CheckConstraint(condition=Q(state="open") | Q(closed_at__isnull=False), name="closed_case_has_time"),
        ]

    def __str__(self) -> str:
        return f"Pre-birth case for baby {self.baby_id} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("prebirth:case", args=[self.baby.public_id])

    @property
    def is_open(self) -> bool:
        return self.state == CaseState.OPEN

    def weeks(self) -> dict[str, tuple[int, int]]:
        return {code: (int(pair[0]), int(pair[1])) for code, pair in (self.weeks_applied or {}).items()}


class MilestoneRecord(models.Model):
    """A step of the timetable done: what, on which day, by whom. Never changed."""

    case = models.ForeignKey(PreBirthCase, on_delete=models.PROTECT, related_name="milestones")
    code = models.CharField(max_length=30, choices=MILESTONE_CHOICES)
    done_on = models.DateField()
    note = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    # The referral recorded with the referral step, when there was one.
    referral = models.ForeignKey("concerns.Referral", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_code_display()} done on {self.done_on}"


class CaseTask(models.Model):
    """Which task was made for which step, so recording the step can finish its task."""

    case = models.ForeignKey(PreBirthCase, on_delete=models.PROTECT, related_name="case_tasks")
    code = models.CharField(max_length=40)
    task = models.OneToOneField("concerns.Task", on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.code} task for case {self.case_id}"


class MilestoneSetting(models.Model):
    """The partnership's week for a step, and its week when a premature birth is likely. Changed
    only by a partnership administrator, through an audited action."""

    code = models.CharField(max_length=30, unique=True, choices=MILESTONE_CHOICES)
    week = models.PositiveSmallIntegerField()
    premature_week = models.PositiveSmallIntegerField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(week__gte=clock.WEEK_RANGE[0], week__lte=clock.WEEK_RANGE[1])
                & Q(premature_week__gte=clock.WEEK_RANGE[0], premature_week__lte=models.F("week")),
                name="milestone_setting_weeks",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.week} weeks ({self.premature_week} if premature birth likely)"


class SharedWith(models.TextChoices):
    WARD = "ward", "The maternity ward"
    GP = "gp", "The GP"
    HV = "hv", "The health visitor"


class DeliverySafetyPlan(models.Model):
    """The plan for the birth (domain §5.4), written as you go. `completed` is set only by
    `complete_delivery_plan`, which refuses while a required part is missing; the database holds the
    same rule."""

    case = models.OneToOneField(PreBirthCase, on_delete=models.PROTECT, related_name="delivery_plan")
    birthing_partner = models.TextField("birthing partner", blank=True)
    exclusions_needed = models.BooleanField("must anyone be kept out of the unit", null=True, blank=True)
    excluded_people = models.TextField("who must be kept out of the unit, and why", blank=True)
    labour_contacts = models.TextField("who to call when the mother arrives in labour", blank=True)
    discharge_arrangements = models.TextField("discharge arrangements", blank=True)
    baby_goes_to = models.TextField("where the baby will go", blank=True)
    contact_arrangements = models.TextField("contact arrangements and supervision", blank=True)
    safe_sleep_arrangements = models.TextField("safe sleep arrangements", blank=True)
    agreed_with_parents = models.BooleanField("agreed with the parents", null=True, blank=True)
    agreed_on = models.DateField("date agreed with the parents", null=True, blank=True)
    shared_with = models.JSONField("shared with", default=list, blank=True)
    completed = models.BooleanField(default=False)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(completed=False)
                | (~Q(birthing_partner="") & ~Q(labour_contacts="") & ~Q(discharge_arrangements="")
                   & (Q(exclusions_needed=False) | (Q(exclusions_needed=True) & ~Q(excluded_people="")))),
                name="completed_plan_has_required_parts",
            ),
            models.CheckConstraint(condition=Q(completed=False) | Q(completed_at__isnull=False), name="completed_plan_has_time"),
        ]

    def __str__(self) -> str:
        return f"Delivery safety plan for case {self.case_id}"
