"""The partnership's library: guidance, tools, leaflets, films, posters, procedures and learning briefs.

A document is either a file with a history of versions, a link (to a page of this service or the
web), or both. Versions are only ever added: database triggers refuse to change or delete one, so
what practitioners were given on a date can always be shown again. The newest version is current.
"""

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse


class Kind(models.TextChoices):
    GUIDANCE = "guidance", "Practice guidance"
    TOOL = "tool", "Tool"
    LEAFLET = "leaflet", "Leaflet"
    FILM = "film", "Film"
    POSTER = "poster", "Poster"
    PROCEDURE = "procedure", "Procedure"
    LEARNING_BRIEF = "learning_brief", "Learning brief"
    LINK = "link", "Link"


class Audience(models.TextChoices):
    PUBLIC = "public", "Everyone, including parents and carers"
    PRACTITIONERS = "practitioners", "Practitioners and other staff who sign in"
    PARTNERSHIP = "partnership", "Partnership staff only"


class Topic(models.TextChoices):
    """The fixed set of topic tags. Stored as a JSON list of these codes on each document."""

    SAFE_SLEEP = "safe_sleep", "Safe sleep"
    SAFE_HANDLING = "safe_handling", "Safe handling"
    SAFE_SPACE = "safe_space", "Safe space"
    BRUISING = "bruising", "Bruising"
    PRE_BIRTH = "pre_birth", "Pre-birth"
    ICON = "icon", "ICON"
    DOGS = "dogs", "Dogs"
    DEATH = "death", "Death of a baby"
    EVERY_BABY_MATTERS = "every_baby_matters", "Every Baby Matters"


class ContentType(models.TextChoices):
    """The only kinds of file the library keeps, as detected from the file's first bytes."""

    PDF = "application/pdf", "PDF"
    PNG = "image/png", "PNG"
    JPEG = "image/jpeg", "JPEG"


class Document(models.Model):
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    summary = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="library_documents")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="library_documents")
    audience = models.CharField(max_length=20, choices=Audience.choices)
    topics = models.JSONField(default=list, blank=True)
    published_on = models.DateField()
    review_by = models.DateField()
    # A page of this service ("/tools/#bruising") or of the web ("https://..."); blank for a file only.
    url = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    # What the search finds besides the title: summary, tags and the learning that changed it. Kept
    # current by kbs.library.search.index_document; search_vector is filled on PostgreSQL only.
    search_text = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["title", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(review_by__gt=models.F("published_on")), name="document_review_after_published"),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="document_kind_known"),
            models.CheckConstraint(condition=Q(audience__in=Audience.values), name="document_audience_known"),
        ]
        indexes = [models.Index(fields=["review_by"]), models.Index(fields=["owner", "review_by"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("library:document", args=[self.pk])

    @property
    def is_public(self) -> bool:
        return self.audience == Audience.PUBLIC

    def is_overdue(self, today: date) -> bool:
        return self.review_by < today


class DocumentVersion(models.Model):
    """One uploaded file. Never changed or deleted (see migration 0002's triggers)."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=40, choices=ContentType.choices)
    size = models.PositiveIntegerField()
    # The file is stored under KBS_UPLOAD_ROOT by this digest, so the name never comes from the upload.
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()
    change_note = models.TextField()

    class Meta:
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="one_version_number_per_document"),
            models.CheckConstraint(condition=Q(size__gt=0), name="version_not_empty"),
            models.CheckConstraint(condition=Q(content_type__in=ContentType.values), name="version_type_allowed"),
        ]

    def __str__(self) -> str:
        return f"{self.document} (version {self.number})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("A document version never changes: upload a new version instead")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("library:download", args=[self.document_id, self.number])
