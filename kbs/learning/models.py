"""Learning from local and national reviews, and the practice each recommendation changed.

A review has themes and recommendations. For each recommendation, a change records what the
partnership altered because of it, and when: a tool rule ("bruising:BR-NON-MOBILE"), one of the
three messages, a Level 2 training module, or a library document. The references are checked
against the tool specs and course content when the change is recorded (kbs/learning/references.py),
so the impact report can trust that every link leads somewhere.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse


class Scope(models.TextChoices):
    LOCAL = "local", "Local review"
    NATIONAL = "national", "National review"


class ChangeKind(models.TextChoices):
    TOOL_RULE = "tool_rule", "Tool rule"
    MESSAGE = "message", "Message for parents and carers"
    TRAINING_MODULE = "training_module", "Training module"
    DOCUMENT = "document", "Library document"


class Theme(models.Model):
    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Review(models.Model):
    title = models.CharField(max_length=200, unique=True)
    scope = models.CharField(max_length=20, choices=Scope.choices)
    # Who published it, e.g. "Child Safeguarding Practice Review Panel".
    publisher = models.CharField(max_length=200, blank=True)
    # Reviews are known by month; blank when the date could not be found.
    published_on = models.DateField(null=True, blank=True)
    summary = models.TextField()
    source_url = models.URLField(max_length=500, blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="reviews")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = [models.F("published_on").desc(nulls_last=True), "title"]
        constraints = [models.CheckConstraint(condition=Q(scope__in=Scope.values), name="review_scope_known")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("learning:review", args=[self.pk])


class Recommendation(models.Model):
    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="recommendations")
    number = models.PositiveSmallIntegerField()
    text = models.TextField()
    themes = models.ManyToManyField(Theme, blank=True, related_name="recommendations")

    class Meta:
        ordering = ["review", "number"]
        constraints = [models.UniqueConstraint(fields=["review", "number"], name="one_number_per_recommendation")]

    def __str__(self) -> str:
        return f"{self.review}: recommendation {self.number}"


class Change(models.Model):
    """What changed in practice because of a recommendation, and when."""

    recommendation = models.ForeignKey(Recommendation, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=20, choices=ChangeKind.choices)
    # "<tool slug>:<rule id>", a message code or a module slug; blank for a document.
    reference = models.CharField(max_length=120, blank=True)
    document = models.ForeignKey(
        "library.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="learning_changes"
    )
    changed_on = models.DateField()
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ChangeKind.values), name="change_kind_known"),
            models.CheckConstraint(
                condition=(Q(kind=ChangeKind.DOCUMENT, document__isnull=False, reference="")
                           | (~Q(kind=ChangeKind.DOCUMENT) & Q(document__isnull=True) & ~Q(reference=""))),
                name="change_points_at_one_thing",
            ),
        ]
        indexes = [models.Index(fields=["kind", "reference"]), models.Index(fields=["changed_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference or self.document}"
