"""Workforce: Keeping Babies Safe champions, training (Level 2 e-learning and the Level 3 course),
training records and practitioners' confidence.

All of the app's tables live here so that one migration history serves the e-learning, the
champions, the Level 3 bookings, the records import and coverage.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class CourseCode(models.TextChoices):
    L2_PBFH = "L2-PBFH", "Protecting Babies from Harm (Level 2 e-learning)"
    L3_KBS = "L3-KBS", "Keeping Babies Safe (Level 3 course)"


COURSE_LEVELS = {CourseCode.L2_PBFH: 2, CourseCode.L3_KBS: 3}


class Champion(models.Model):
    """A member of staff who is their agency's Keeping Babies Safe champion for some teams or areas."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="champion")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="champions")
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="champions"
    )
    areas_covered = models.TextField(blank=True)
    since = models.DateField()
    contact_phone = models.CharField(max_length=40, blank=True)
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["agency__name", "team__name", "user__last_name", "user__first_name"]

    def __str__(self) -> str:
        return str(self.user)


class CascadeBriefing(models.Model):
    """A briefing a champion gave to colleagues, passing on what they learned."""

    champion = models.ForeignKey(Champion, on_delete=models.PROTECT, related_name="briefings")
    given_on = models.DateField()
    audience = models.CharField(max_length=200)
    topic = models.CharField(max_length=200)
    attendees = models.PositiveIntegerField()
    notes = models.TextField(blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-given_on", "-recorded_at"]
        constraints = [models.CheckConstraint(condition=Q(attendees__gte=1), name="briefing_has_attendees")]

    def __str__(self) -> str:
        return f"{self.topic} ({self.given_on})"


class Module(models.Model):
    """A module of the e-learning. Loaded from YAML files; never edited in the app.

    `pages` is a list of {"title": str, "blocks": [{"type": "p"|"list"|"inset"|"warning", ...}]}.
    Blocks are plain text rendered by templates with autoescaping, so the database never holds HTML.
    """

    level = models.PositiveSmallIntegerField(default=2)
    course_code = models.CharField(max_length=20, choices=CourseCode.choices, default=CourseCode.L2_PBFH)
    slug = models.SlugField(unique=True)
    order = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    pages = models.JSONField(default=list)
    # Modules removed from the content files are retired, not deleted, so progress rows survive.
    retired = models.BooleanField(default=False)

    class Meta:
        ordering = ["course_code", "order"]
        constraints = [models.UniqueConstraint(fields=["course_code", "order"], name="module_order_unique_in_course")]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField()
    text = models.TextField()
    choices = models.JSONField(default=list)
    correct_index = models.PositiveSmallIntegerField()
    explanation = models.TextField()

    class Meta:
        ordering = ["module", "order"]
        constraints = [models.UniqueConstraint(fields=["module", "order"], name="question_order_unique_in_module")]

    def __str__(self) -> str:
        return self.text


class ModuleProgress(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="module_progress")
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="progress")
    started_at = models.DateTimeField()
    # Page numbers (1-based) the person has read.
    pages_read = models.JSONField(default=list)
    attempts = models.PositiveIntegerField(default=0)
    last_score = models.PositiveSmallIntegerField(null=True, blank=True)
    best_score = models.PositiveSmallIntegerField(null=True, blank=True)
    passed = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "module"], name="one_progress_per_user_module"),
            models.CheckConstraint(condition=Q(passed=False) | Q(completed_at__isnull=False), name="passed_module_has_time"),
            models.CheckConstraint(condition=Q(best_score__isnull=True) | Q(best_score__lte=100), name="best_score_is_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.module}"


class Certificate(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates")
    course_code = models.CharField(max_length=20, choices=CourseCode.choices)
    issued_on = models.DateField()
    expires_on = models.DateField()
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        ordering = ["-issued_on"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_on__gt=models.F("issued_on")), name="certificate_expires_after_issue"),
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__lte=100), name="certificate_score_is_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.course_code} certificate of {self.user}"


class CourseSession(models.Model):
    """One run of the Level 3 course."""

    course_code = models.CharField(max_length=20, choices=CourseCode.choices, default=CourseCode.L3_KBS)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    venue = models.CharField(max_length=300, blank=True)
    online_link = models.URLField(blank=True)
    trainer = models.CharField(max_length=200)
    capacity = models.PositiveIntegerField()
    cancelled = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_has_capacity"),
            models.CheckConstraint(condition=~Q(venue="") | ~Q(online_link=""), name="session_has_venue_or_link"),
        ]

    def __str__(self) -> str:
        return f"{self.course_code} on {self.starts_at:%Y-%m-%d %H:%M}"


class BookingState(models.TextChoices):
    BOOKED = "booked", "Booked"
    WAITING = "waiting", "On the waiting list"
    OFFERED = "offered", "Offered a place"
    CANCELLED = "cancelled", "Cancelled"
    ATTENDED = "attended", "Attended"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"


class Booking(models.Model):
    # Capacity is enforced in the booking actions under select_for_update on the session.
    session = models.ForeignKey(CourseSession, on_delete=models.PROTECT, related_name="bookings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings")
    state = models.CharField(max_length=20, choices=BookingState.choices)
    offered_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"], condition=~Q(state="cancelled"), name="one_active_booking_per_user_session"
            ),
            models.CheckConstraint(
                condition=~Q(state="offered") | Q(offered_until__isnull=False), name="offer_has_deadline"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.session} ({self.state})"


class RecordSource(models.TextChoices):
    KBS = "kbs", "Completed in KBS"
    IMPORT = "import", "Imported"


class TrainingRecord(models.Model):
    """A completed course for one person: from KBS itself or imported from elsewhere."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_records")
    course_code = models.CharField(max_length=20, choices=CourseCode.choices)
    level = models.PositiveSmallIntegerField()
    completed_on = models.DateField()
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=RecordSource.choices)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    certificate = models.OneToOneField(
        Certificate, null=True, blank=True, on_delete=models.PROTECT, related_name="training_record"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-completed_on"]
        constraints = [
            models.CheckConstraint(condition=Q(level__in=[2, 3]), name="record_level_2_or_3"),
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__lte=100), name="record_score_is_percent"),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=models.F("completed_on")),
                name="record_expires_after_completion",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course_code} for {self.user}, completed {self.completed_on}"


class ReminderSent(models.Model):
    """An expiry reminder e-mailed for a training record; the constraint makes each one go once."""

    record = models.ForeignKey(TrainingRecord, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "days_before"], name="one_reminder_per_record_and_lead_time")
        ]

    def __str__(self) -> str:
        return f"{self.days_before}-day reminder for {self.record}"


class RatingWhen(models.TextChoices):
    BEFORE = "before", "Before training"
    AFTER = "after", "After training"


CONFIDENCE_FIELDS = (
    "know_safe_sleep",
    "deliver_safe_sleep",
    "know_safe_handling",
    "deliver_safe_handling",
    "know_safe_space",
    "deliver_safe_space",
    "professional_curiosity",
)


def _score_field() -> "models.PositiveSmallIntegerField[int, int]":
    return models.PositiveSmallIntegerField()


class ConfidenceRating(models.Model):
    """A practitioner's own rating, 1 (not at all confident) to 5 (very confident)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="confidence_ratings")
    when = models.CharField(max_length=10, choices=RatingWhen.choices)
    course_code = models.CharField(max_length=20, choices=CourseCode.choices)
    rated_at = models.DateTimeField()
    know_safe_sleep = _score_field()
    deliver_safe_sleep = _score_field()
    know_safe_handling = _score_field()
    deliver_safe_handling = _score_field()
    know_safe_space = _score_field()
    deliver_safe_space = _score_field()
    professional_curiosity = _score_field()

    class Meta:
        ordering = ["-rated_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "course_code", "when"], name="one_rating_per_user_course_when"),
            *[
                models.CheckConstraint(condition=Q(**{f"{f}__gte": 1, f"{f}__lte": 5}), name=f"rating_{f}_1_to_5")
                for f in CONFIDENCE_FIELDS
            ],
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.when} {self.course_code}"

    @property
    def scores(self) -> dict[str, int]:
        return {f: getattr(self, f) for f in CONFIDENCE_FIELDS}
