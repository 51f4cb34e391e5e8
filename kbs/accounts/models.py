"""Agencies, teams, roles and the people who sign in."""

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models

from kbs.accounts.permissions import Permission


class AgencyType(models.TextChoices):
    MATERNITY = "maternity", "Maternity"
    HEALTH_VISITING = "health_visiting", "Health visiting"
    GP_PRACTICE = "gp_practice", "GP practice"
    CHILDRENS_SOCIAL_CARE = "childrens_social_care", "Children's social care"
    EARLY_HELP = "early_help", "Early help"
    POLICE = "police", "Police"
    HOUSING = "housing", "Housing"
    PROBATION = "probation", "Probation"
    ADULT_MENTAL_HEALTH = "adult_mental_health", "Adult mental health"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse"
    EMERGENCY_DEPARTMENT = "emergency_department", "Emergency department"
    VOLUNTARY_SECTOR = "voluntary_sector", "Voluntary sector"
    PARTNERSHIP = "partnership", "Safeguarding partnership"


class Agency(models.Model):
    name = models.CharField(max_length=200, unique=True)
    agency_type = models.CharField(max_length=40, choices=AgencyType.choices)
    # Where notices for the agency's safeguarding lead go when no named lead is set up.
    safeguarding_email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="team_unique_in_agency")]

    def __str__(self) -> str:
        return f"{self.name}, {self.agency.name}"


class Role(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    # Written for information-governance reviewers: what this role is for and what it can see.
    description = models.TextField()
    permissions = models.JSONField(default=list)
    # Roles whose holders are registered health professionals (for example, to confirm a birthmark).
    is_health_professional = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="staff")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    roles = models.ManyToManyField(Role, blank=True, related_name="holders")
    job_title = models.CharField(max_length=100, blank=True)
    is_kbs_champion = models.BooleanField("Keeping Babies Safe champion", default=False)

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def permissions(self) -> frozenset[Permission]:
        granted: set[Permission] = set()
        for role in self.roles.all():
            granted.update(Permission(p) for p in role.permissions)
        return frozenset(granted)

    @cached_property
    def role_names(self) -> str:
        return ", ".join(role.name for role in self.roles.all())

    @property
    def is_health_professional(self) -> bool:
        return any(role.is_health_professional for role in self.roles.all())


class SignInActivity(models.Model):
    """What sign-in notices need to know about one person, and nothing more (kbs.accounts.notices):
    when they last finished signing in, how many attempts have failed since, and keyed hashes of the
    browser-and-address pairs they signed in from in the last 90 days (never the address itself)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="sign_in_activity")
    last_signed_in_at = models.DateTimeField(null=True, blank=True)
    failures_since_last_sign_in = models.PositiveIntegerField(default=0)
    # {hash: ISO date last seen}; entries older than 90 days are dropped at each sign-in.
    known_devices = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "sign-in activity"

    def __str__(self) -> str:
        return f"Sign-in activity of {self.user}"
