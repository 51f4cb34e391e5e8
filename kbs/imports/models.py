"""A births file checked, and perhaps imported: who sent it, what was wrong with it and what it did.

The file's text is kept only between uploading and importing (so that the confirming page needs no
second upload) and is emptied once the import has run. The rejected rows' report holds row numbers,
column names and reasons, never the values themselves, and is kept for the audit trail.
"""

import uuid

from django.conf import settings
from django.db import models


class State(models.TextChoices):
    REFUSED = "refused", "File refused"
    CHECKING = "checking", "Being checked"
    CHECKED = "checked", "Checked, not imported yet"
    IMPORTED = "imported", "Imported"
    DISCARDED = "discarded", "Not imported"


class BirthImport(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=10, choices=State.choices)
    # Why the whole file was refused (wrong encoding, missing columns), in plain English.
    refusal = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    rejected_rows = models.PositiveIntegerField(default=0)
    # [[row, column, reason], ...]: every problem found, row numbers as a spreadsheet shows them.
    problems = models.JSONField(default=list, blank=True)
    accepted_only = models.BooleanField(null=True, blank=True)
    created_count = models.PositiveIntegerField(default=0)
    matched_count = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField(null=True, blank=True)
    # Checking a large file a part per request (the web upload's progress page): the number of
    # births counted when the file was uploaded, and where checking has got to (see
    # `validation.Cursor` and `load.Planner`), emptied once the whole file is checked.
    expected_rows = models.PositiveIntegerField(default=0)
    cursor = models.JSONField(default=dict, blank=True)
    # What the accepted rows will do, found by the check: new babies, matches by NHS number, and
    # unborn babies whose birth will be recorded; and, once imported, how many such births were.
    planned_new = models.PositiveIntegerField(default=0)
    planned_nhs = models.PositiveIntegerField(default=0)
    planned_unborn = models.PositiveIntegerField(default=0)
    born_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Births file {self.file_name or self.public_id}"

    @property
    def accepted_rows(self) -> int:
        return self.total_rows - self.rejected_rows
