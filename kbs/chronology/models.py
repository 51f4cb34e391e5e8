"""The chronology: one row per significant event in a baby's or family's life, from every agency.

Rows are written by the actions that cause the events (never reconstructed later), so the
chronology page and its exports are one indexed query. A row is shared with every agency that may
see the family, or kept to the recording agency (`shared=False`), for example a police note.
"""

from django.conf import settings
from django.db import models


class Kind(models.TextChoices):
    FAMILY = "family", "Family registered"
    PERSON = "person", "Person added or changed"
    BIRTH = "birth", "Birth"
    DEATH = "death", "Death"
    INVOLVEMENT = "involvement", "Agency involvement"
    BREAK_GLASS = "break_glass", "Emergency access"
    CONTACT = "contact", "Contact"
    MESSAGES = "messages", "Three messages given"
    LIFE_EVENT = "life_event", "Change to routine or circumstances"
    ASSESSMENT = "assessment", "Assessment"
    CONCERN = "concern", "Concern"
    REFERRAL = "referral", "Referral"
    TASK = "task", "Task"


class Significance(models.TextChoices):
    ROUTINE = "routine", "Routine"
    NOTABLE = "notable", "Notable"
    SIGNIFICANT = "significant", "Significant"


class Entry(models.Model):
    family = models.ForeignKey("families.Family", on_delete=models.PROTECT, related_name="chronology")
    baby = models.ForeignKey("families.Baby", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    significance = models.CharField(max_length=20, choices=Significance.choices, default=Significance.ROUTINE)
    agency = models.ForeignKey("accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(max_length=200, blank=True)
    summary = models.CharField(max_length=500)
    # False keeps the entry to the recording agency (and its safeguarding leads).
    shared = models.BooleanField(default=True)
    # Where the full record is: a URL path inside KBS, checked again by its own access module.
    link = models.CharField(max_length=200, blank=True)
    source_type = models.CharField(max_length=40, blank=True)
    source_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name_plural = "chronology entries"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["family", "-at"]),
            models.Index(fields=["baby", "-at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.get_kind_display()}: {self.summary}"
