"""Rollups: the counts behind the dashboard and the report, kept current as records are written.

Every write to a family (any audit event with a family, see `kbs.audit.actions.record_event`) marks
the family dirty. Once the write commits, the family's *contributions* (what it adds to each count)
are worked out again from its records; the difference from the stored contributions is added to the
cells. So the cells always equal the sum of the stored contributions, and the dashboard reads only
cells: never the raw contacts, messages or audit tables. `manage.py rebuild_rollups` recomputes
everything from scratch; a test checks the two ways agree.
"""

from django.db import models

# Cell keys for "every agency" and "every district".
ALL_AGENCIES = 0
ALL_DISTRICTS = ""
# Contributions from a family no agency is recorded against.
NO_AGENCY = -1


class Cell(models.Model):
    """One count: `key` (see `kbs.insights.facts.KEYS`) for a month, an agency and a postcode district,
    split by `breakdown` (a contact point, a carer group, a message, …; "" when not split).

    Each contribution is added four times: for its agency and district, for its agency in every
    district, for every agency in its district, and for every agency in every district, so that any
    filter reads a handful of rows.
    """

    agency_id = models.IntegerField()
    district = models.CharField(max_length=8)
    month = models.CharField(max_length=7)  # YYYY-MM
    key = models.CharField(max_length=40)
    breakdown = models.CharField(max_length=40)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency_id", "district", "month", "key", "breakdown"], name="one_cell_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.key}[{self.breakdown}] {self.month} agency {self.agency_id} {self.district or 'all'} = {self.value}"


class FamilyRollup(models.Model):
    """What one family adds to the cells: a list of [key, month, agency_id, district, breakdown, value]."""

    family = models.OneToOneField("families.Family", on_delete=models.CASCADE, primary_key=True, related_name="+")
    contributions = models.JSONField(default=list)
    refreshed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Rollup of family {self.family_id}"


class DirtyFamily(models.Model):
    """A family written to since its rollup was last worked out. Cleared by `rollups.refresh`."""

    family = models.OneToOneField("families.Family", on_delete=models.CASCADE, primary_key=True, related_name="+")
    marked_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "dirty families"

    def __str__(self) -> str:
        return f"Family {self.family_id} needs its rollup worked out"
