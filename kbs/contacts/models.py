"""Contacts with a family, the three messages given to each person at a contact, and life events.

The three messages are safe sleep, safe handling (including the ICON messages about crying) and
safe space. Each is recorded per person present, so that the family page can show, for every
carer, which messages they have had, and warn about carers nobody has reached.
"""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse


class ContactType(models.TextChoices):
    ANTENATAL_BOOKING = "antenatal_booking", "Antenatal booking"
    HV_ANTENATAL = "hv_antenatal", "Health visitor antenatal contact"
    BIRTH_DISCHARGE = "birth_discharge", "Birth or discharge from hospital"
    COMMUNITY_MIDWIFE = "community_midwife", "Community midwife visit"
    NEW_BABY_REVIEW = "new_baby_review", "New baby review"
    SIX_EIGHT_WEEK_REVIEW = "six_eight_week_review", "6 to 8 week review"
    GP_SIX_EIGHT_WEEK = "gp_six_eight_week", "GP 6 to 8 week check"
    IMMUNISATION = "immunisation", "Immunisation"
    HOME_VISIT = "home_visit", "Home visit"
    CLINIC = "clinic", "Clinic appointment"
    PHONE_OR_VIDEO = "phone_or_video", "Phone or video call"
    POLICE_ATTENDANCE = "police_attendance", "Police attendance"
    HOUSING_VISIT = "housing_visit", "Housing visit"
    OTHER = "other", "Other contact"


class Setting(models.TextChoices):
    HOME = "home", "The family's home"
    CLINIC = "clinic", "Clinic or surgery"
    HOSPITAL = "hospital", "Hospital"
    PHONE = "phone", "Phone"
    VIDEO = "video", "Video call"
    OTHER = "other", "Somewhere else"


class SleepPlaceObserved(models.TextChoices):
    COT = "cot", "Cot, crib or Moses basket, clear and flat"
    TRAVEL_COT = "travel_cot", "Travel cot"
    ADULT_BED = "adult_bed", "Adult bed"
    SOFA = "sofa", "Sofa or armchair"
    CAR_SEAT_OR_PRAM = "car_seat_or_pram", "Car seat, pram or bouncer"
    UNSAFE_SPACE = "unsafe_space", "A cot with pillows, bumpers, toys or a pod"
    NOT_SEEN = "not_seen", "Not seen"


class Contact(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    family = models.ForeignKey("families.Family", on_delete=models.PROTECT, related_name="contacts")
    at = models.DateTimeField("date and time of the contact", db_index=True)
    contact_type = models.CharField(max_length=30, choices=ContactType.choices)
    setting = models.CharField(max_length=20, choices=Setting.choices)
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    present = models.ManyToManyField("families.Person", blank=True, related_name="contacts")
    baby_seen = models.BooleanField()
    sleep_place_observed = models.CharField(max_length=20, choices=SleepPlaceObserved.choices, default=SleepPlaceObserved.NOT_SEEN)
    language = models.CharField(max_length=60, blank=True)
    interpreter_used = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    # False keeps the notes to the recording agency; the fact of the contact is still shared.
    shared = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["family", "-at"]), models.Index(fields=["agency", "at"])]

    def __str__(self) -> str:
        return f"{self.get_contact_type_display()} on {self.at:%d %b %Y}"

    def get_absolute_url(self) -> str:
        return reverse("contacts:contact", args=[self.public_id])


class Message(models.TextChoices):
    SAFE_SLEEP = "safe_sleep", "Safe sleep"
    SAFE_HANDLING = "safe_handling", "Safe handling (including coping with crying)"
    SAFE_SPACE = "safe_space", "Safe space"


class MessageDelivery(models.Model):
    """One of the three messages given to one person at one contact."""

    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="deliveries")
    person = models.ForeignKey("families.Person", on_delete=models.PROTECT, related_name="deliveries")
    message = models.CharField(max_length=20, choices=Message.choices)
    leaflet_given = models.BooleanField(default=False)
    understanding_checked = models.BooleanField("understanding checked (teach-back)", default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "person", "message"], name="one_delivery_per_message_person_contact")
        ]
        indexes = [models.Index(fields=["person", "message"])]

    def __str__(self) -> str:
        return f"{self.get_message_display()} to person {self.person_id}"


class LifeEventKind(models.TextChoices):
    MOVE = "move", "Moving home or temporary accommodation"
    STAYING_ELSEWHERE = "staying_elsewhere", "Staying elsewhere or on holiday"
    VISITORS = "visitors", "Visitors or celebrations"
    ILLNESS = "illness", "Illness in the family"
    NEW_PARTNER = "new_partner", "A new partner"
    DOMESTIC_ABUSE = "domestic_abuse", "A domestic abuse incident"
    BEREAVEMENT = "bereavement", "A bereavement"


class LifeEvent(models.Model):
    """Something that takes the family "out of routine": the safe sleep plan needs revisiting."""

    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="life_events")
    kind = models.CharField(max_length=30, choices=LifeEventKind.choices)
    note = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return self.get_kind_display()


class CryingPlan(models.Model):
    """The family's plan for coping with crying (ICON), in their own words, to print and keep.

    A changed plan is a new row; the newest is the plan in force, and older ones stay in the record.
    """

    baby = models.ForeignKey("families.Baby", on_delete=models.PROTECT, related_name="crying_plans")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    soothing = models.TextField("what we will try to soothe the baby")
    who_to_call = models.TextField("who I can call for help")
    if_stressed = models.TextField("what I will do if the crying gets too much")
    agreed_with = models.CharField("who the plan was agreed with", max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["baby", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(soothing="") & ~models.Q(who_to_call="") & ~models.Q(if_stressed="")
                & ~models.Q(agreed_with=""),
                name="crying_plan_filled_in",
            ),
        ]

    def __str__(self) -> str:
        return f"Coping with crying plan {self.pk} for baby {self.baby_id}"

    def get_absolute_url(self) -> str:
        return reverse("contacts:crying_plan", args=[self.baby.public_id])


class ContactImport(models.Model):
    """A file of contacts recorded in another system, checked and perhaps imported.

    Like a births file (kbs.imports.models.BirthImport): the text is kept only between checking and
    importing a web upload (a file imported by the command is never stored), and the report of rejected
    rows holds row numbers, columns and reasons, never values."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=200, blank=True)
    # refused, checked, imported or discarded (the states of kbs.imports.models.State)
    state = models.CharField(max_length=10)
    refusal = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    rejected_rows = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    accepted_only = models.BooleanField(null=True, blank=True)
    imported_count = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Contacts file {self.file_name or self.public_id}"

    @property
    def accepted_rows(self) -> int:
        return self.total_rows - self.rejected_rows


class HistoricContact(models.Model):
    """A contact recorded in another system (or before KBS), kept as that system said, read-only.

    Its columns are the import file's columns (so the file can be loaded with one COPY), plus the
    baby and family it was matched to by NHS number and the file it came in. Not a `Contact`: it
    names no KBS practitioner or person, so it cannot pass the "Record a contact" form. See
    docs/adr/0015-historic-contacts-import.md."""

    source_system = models.CharField(max_length=50)
    source_reference = models.CharField(max_length=100)
    baby_nhs_number = models.CharField(max_length=10)
    contact_date = models.DateField()
    contact_time = models.TimeField(null=True, blank=True)
    agency_code = models.CharField(max_length=40)
    contact_type = models.CharField(max_length=30, choices=ContactType.choices)
    setting = models.CharField(max_length=20, choices=Setting.choices)
    baby_seen = models.BooleanField()
    sleep_place_observed = models.CharField(max_length=20, choices=SleepPlaceObserved.choices)
    # Semicolon lists of the relationships of the people given each message, as the file had them.
    # Null only when loaded by a raw COPY (the benchmark); the import always writes text.
    safe_sleep_given_to = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    safe_handling_given_to = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    safe_space_given_to = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    notes = models.TextField(null=True, blank=True)  # noqa: DJ001
    # Nullable in the database only so that a raw COPY of a file can load; the import always sets them.
    # No foreign key constraint in the database (db_constraint=False): the import sets them from one
    # join on the babies, and per-row constraint triggers would nearly double its time (ADR 0015).
    # Django still protects them: a baby, family or file with historic contacts cannot be deleted.
    baby = models.ForeignKey("families.Baby", null=True, on_delete=models.PROTECT, related_name="historic_contacts",
                             db_constraint=False)
    family = models.ForeignKey("families.Family", null=True, on_delete=models.PROTECT, related_name="historic_contacts",
                               db_constraint=False)
    import_batch = models.ForeignKey(ContactImport, null=True, on_delete=models.PROTECT, related_name="contacts",
                                     db_constraint=False)

    class Meta:
        ordering = ["-contact_date", "-contact_time", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source_system", "source_reference"], name="historic_contact_source_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_contact_type_display()} on {self.contact_date:%d %b %Y} ({self.source_system})"
