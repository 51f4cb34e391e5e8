"""Households with a baby or an unborn baby, everyone in the baby's life, and which agencies are involved.

Rows are changed only through `kbs.families.actions`. Each editable record carries a `version` that
every edit checks and bumps, so that a form submitted over a newer version is refused (no lost update).
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import Agency, Team


class Family(models.Model):
    # The public identifier in URLs: not guessable, so an id says nothing about how many families exist.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    address_line_1 = models.CharField(max_length=200)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100)
    postcode = models.CharField(max_length=8, db_index=True)
    language = models.CharField(max_length=60, default="English")
    interpreter_needed = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name_plural = "families"

    def __str__(self) -> str:
        return f"Family at {self.postcode}"

    def get_absolute_url(self) -> str:
        return reverse("families:family", args=[self.public_id])

    @property
    def postcode_district(self) -> str:
        return self.postcode.split(" ")[0]


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    NOT_KNOWN = "not_known", "Not known"


class Mobility(models.TextChoices):
    NOT_ROLLING = "not_rolling", "Not rolling yet"
    ROLLING = "rolling", "Rolling"
    SITTING = "sitting", "Sitting"
    CRAWLING = "crawling_or_shuffling", "Crawling or shuffling"
    CRUISING = "pulling_to_stand_or_cruising", "Pulling to stand or cruising"
    WALKING = "walking", "Walking"


class Baby(models.Model):
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="babies")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Unborn babies often have no name yet.
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100)
    expected_delivery_date = models.DateField(null=True, blank=True)
    date_of_birth = models.DateField(null=True, blank=True, db_index=True)
    nhs_number = models.CharField(max_length=10, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, blank=True)
    gestation_at_birth_weeks = models.PositiveSmallIntegerField(null=True, blank=True)
    birth_weight_g = models.PositiveIntegerField(null=True, blank=True)
    multiple_birth = models.BooleanField(default=False)
    mobility = models.CharField(max_length=40, choices=Mobility.choices, default=Mobility.NOT_ROLLING)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "babies"
        constraints = [
            # An unborn baby has an expected date; a born baby has a date of birth.
            models.CheckConstraint(
                condition=Q(date_of_birth__isnull=False) | Q(expected_delivery_date__isnull=False),
                name="baby_born_or_expected",
            ),
            models.UniqueConstraint(
                fields=["nhs_number"], condition=~Q(nhs_number=""), name="baby_nhs_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(gestation_at_birth_weeks__isnull=True)
                | Q(gestation_at_birth_weeks__gte=22, gestation_at_birth_weeks__lte=44),
                name="baby_gestation_range",
            ),
            models.CheckConstraint(
                condition=Q(birth_weight_g__isnull=True) | Q(birth_weight_g__gte=300, birth_weight_g__lte=6500),
                name="baby_birth_weight_range",
            ),
        ]
        indexes = [models.Index(fields=["family_name", "date_of_birth"])]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("families:baby", args=[self.public_id])

    @property
    def is_born(self) -> bool:
        return self.date_of_birth is not None

    @property
    def has_died(self) -> bool:
        """True once a death is recorded (a `Death` row is the flag; see `Death`)."""
        return hasattr(self, "death")

    @property
    def display_name(self) -> str:
        if self.given_name:
            return f"{self.given_name} {self.family_name}"
        return f"Baby {self.family_name}" + ("" if self.is_born else " (unborn)")


class Relationship(models.TextChoices):
    BIRTH_MOTHER = "birth_mother", "Birth mother"
    FATHER = "father", "Father"
    MOTHERS_PARTNER = "mothers_partner", "Mother's partner"
    STEP_PARENT = "step_parent", "Step-parent"
    GRANDPARENT = "grandparent", "Grandparent"
    OTHER_RELATIVE = "other_relative", "Other relative"
    FAMILY_FRIEND = "family_friend", "Family friend"
    SIBLING = "sibling", "Sibling"
    OTHER_CHILD = "other_child", "Other child"
    OTHER_ADULT = "other_adult", "Other adult"


class Person(models.Model):
    """Anyone in a baby's life: parents, partners, grandparents, other children and adults."""

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="people")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    nhs_number = models.CharField(max_length=10, blank=True)
    relationship = models.CharField(max_length=30, choices=Relationship.choices)
    lives_in_household = models.BooleanField(default=False)
    regular_carer = models.BooleanField(default=False)
    parental_responsibility = models.BooleanField(default=False)
    last_seen_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "people"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def get_absolute_url(self) -> str:
        return reverse("families:person", args=[self.public_id])

    @property
    def is_adult_carer(self) -> bool:
        return self.relationship not in {Relationship.SIBLING, Relationship.OTHER_CHILD} and (
            self.lives_in_household or self.regular_carer
        )


class LawfulBasis(models.TextChoices):
    PUBLIC_TASK = "public_task", "Public task (UK GDPR 6(1)(e)) with safeguarding (DPA 2018 Sch. 1 para 18)"
    DIRECT_CARE = "direct_care", "Direct care (UK GDPR 9(2)(h))"
    LEGAL_OBLIGATION = "legal_obligation", "Legal obligation (Children Act 1989/2004 duties)"
    VITAL_INTERESTS = "vital_interests", "Vital interests"


class Involvement(models.Model):
    """An agency working with a family: the recorded reason that lets its staff see the record."""

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="involvements")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="involvements")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    lead_professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_lead_agency = models.BooleanField(default=False)
    reason = models.TextField()
    lawful_basis = models.CharField(max_length=30, choices=LawfulBasis.choices, default=LawfulBasis.PUBLIC_TASK)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["family", "agency"], condition=Q(ended_on__isnull=True), name="one_active_involvement_per_agency"
            ),
            models.UniqueConstraint(
                fields=["family"],
                condition=Q(ended_on__isnull=True, is_lead_agency=True),
                name="one_active_lead_agency",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="involvement_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["agency", "ended_on"])]

    def __str__(self) -> str:
        return f"{self.agency} with {self.family}"

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class BreakGlass(models.Model):
    """Emergency access to a family without an involvement: a written reason, for a few hours, audited."""

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="break_glass")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass")
    reason = models.TextField()
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "break-glass grants"
        indexes = [models.Index(fields=["user", "family", "expires_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("started_at")), name="break_glass_expires_later")
        ]

    def __str__(self) -> str:
        return f"Emergency access by {self.user} until {self.expires_at:%H:%M %d %b %Y}"


class BirthmarkKind(models.TextChoices):
    CDM = "congenital_dermal_melanocytosis", "Congenital dermal melanocytosis (a blue-grey birthmark)"
    HAEMANGIOMA = "haemangioma", "Haemangioma (a strawberry mark)"
    OTHER = "other", "Another birthmark"


class Birthmark(models.Model):
    """A birthmark confirmed by a registered health professional, so that a later mark in the same
    place can be told apart from a bruise on evidence, not memory."""

    baby = models.ForeignKey(Baby, on_delete=models.PROTECT, related_name="birthmarks")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=40, choices=BirthmarkKind.choices)
    # Body map region codes, the same as the bruising tool's `mark_regions`.
    regions = models.JSONField()
    size_mm = models.PositiveIntegerField("size in millimetres")
    colour = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    observed_on = models.DateField()
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_by_role = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["observed_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(size_mm__gte=1, size_mm__lte=500), name="birthmark_size_range")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on baby {self.baby_id}"


class PlaceOfDeath(models.TextChoices):
    HOME = "home", "At home"
    HOSPITAL = "hospital", "In hospital"
    ELSEWHERE = "elsewhere", "Somewhere else"


class Death(models.Model):
    """That a baby has died, as first told to a practitioner. Its existence is the flag on the baby
    and the family: routine tasks stop (`kbs.concerns.actions.create_task`) and the pages change.

    KBS is not the child death review system (eCDOP is). This record holds what the first
    practitioner to hear knew, so that every agency involved hears at once and can send its own
    records to the review. Written once, by `kbs.families.actions.record_death`.
    """

    baby = models.OneToOneField(Baby, on_delete=models.PROTECT, related_name="death")
    died_on = models.DateField("date the baby died")
    place = models.CharField("where the baby died", max_length=20, choices=PlaceOfDeath.choices)
    place_detail = models.CharField("which hospital, or where", max_length=300, blank=True)
    how_learned = models.TextField("how the practitioner found out")
    who_else_aware = models.TextField("who else already knows")
    other_children = models.TextField("other children in the household and who is caring for them now")
    bereavement_support_offered = models.BooleanField("bereavement support offered")
    bereavement_support_detail = models.TextField("what support, and from whom", blank=True)
    key_worker = models.CharField("the family's key worker", max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Copied at the time: the agency whose e-mails went out, even if the person later moves on.
    recorded_by_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(place="elsewhere") | ~Q(place_detail=""), name="death_elsewhere_says_where"
            ),
            models.CheckConstraint(
                condition=Q(bereavement_support_offered=False) | ~Q(bereavement_support_detail=""),
                name="death_support_says_what",
            ),
        ]

    def __str__(self) -> str:
        return f"Death of baby {self.baby_id}"

    def get_absolute_url(self) -> str:
        return reverse("families:death", args=[self.baby.public_id])

    def clean(self) -> None:
        # The dates depend on the baby and on today, so the database cannot hold them.
        errors: dict[str, str] = {}
        born = self.baby.date_of_birth if self.baby_id else None
        if self.died_on is not None:
            if self.died_on > timezone.localdate():
                errors["died_on"] = "The date the baby died must be today or in the past"
            elif born is None:
                errors["died_on"] = "A death can only be recorded for a baby whose birth is recorded"
            elif self.died_on < born:
                errors["died_on"] = "The date the baby died must be on or after their date of birth"
        if self.place == PlaceOfDeath.ELSEWHERE and not self.place_detail.strip():
            errors["place_detail"] = "Say where the baby died"
        if self.bereavement_support_offered and not self.bereavement_support_detail.strip():
            errors["bereavement_support_detail"] = "Say what support was offered, and who from"
        if errors:
            raise ValidationError(errors)
