"""Every change to families, babies, people, involvements and emergency access.

Each action runs in one transaction, takes `by=` (who acted) and writes its own audit event. Edits
take the `expected_version` the form was built from and raise `StaleEdit` if the record has moved on.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.utils import timezone

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import jsonable, record_event
from kbs.audit.models import Action
from kbs.chronology.actions import add_entry
from kbs.chronology.models import Kind, Significance
from kbs.concerns.actions import cancel_routine_tasks
from kbs.families import notices
from kbs.families.models import Baby, Birthmark, BreakGlass, Death, Family, Involvement, LawfulBasis, Person
from kbs.tools import body_map


class NotAllowed(Exception):
    """The user lacks the permission an action needs (views have already checked, so this is a bug guard)."""


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    saved: Any
    yours: Any


class StaleEdit(Exception):
    """Someone saved the record after this form was opened. Carries the record as it is now and
    the fields where what was submitted differs from what is saved."""

    def __init__(self, current: models.Model, differences: list[FieldChange]) -> None:
        super().__init__("The record was changed by someone else")
        self.current = current
        self.differences = differences


def _require(by: User, permission: Permission) -> None:
    if not has_permission(by, permission):
        raise NotAllowed(permission)


def _label(model: type[models.Model], name: str) -> str:
    return str(getattr(model._meta.get_field(name), "verbose_name", name))


def _apply_edit(record: models.Model, expected_version: int, changes: dict[str, Any]) -> dict[str, list[Any]]:
    """Lock the row, check its version, apply the changes and bump the version. Returns the
    field-by-field before/after for the audit trail."""
    model = type(record)
    current = model.objects.select_for_update().get(pk=record.pk)  # type: ignore[attr-defined]
    if current.version != expected_version:
        differences = [
            FieldChange(name, _label(model, name), getattr(current, name), value)
            for name, value in changes.items()
            if getattr(current, name) != value
        ]
        raise StaleEdit(current, differences)
    before_after = {
        name: [jsonable(getattr(current, name)), jsonable(value)]
        for name, value in changes.items()
        if getattr(current, name) != value
    }
    for name, value in changes.items():
        setattr(current, name, value)
    current.version += 1
    current.full_clean()
    current.save()
    record.__dict__.update(current.__dict__)
    return before_after


@transaction.atomic
def register_family(
    *,
    by: User,
    family: dict[str, Any],
    baby: dict[str, Any],
    reason: str,
    lawful_basis: str = LawfulBasis.PUBLIC_TASK,
) -> Family:
    """Register a household with a baby (born or unborn) and record the registering agency's
    involvement, as lead agency, so that its staff can see the family."""
    _require(by, Permission.REGISTER_FAMILY)
    if by.agency_id is None:
        raise NotAllowed("a person with no agency cannot register a family")
    new_family = Family(**family, created_by=by)
    new_family.full_clean()
    new_family.save()
    new_baby = Baby(family=new_family, **baby)
    new_baby.full_clean()
    new_baby.save()
    Involvement.objects.create(
        family=new_family,
        agency_id=by.agency_id,
        team_id=by.team_id,
        lead_professional=by,
        is_lead_agency=True,
        reason=reason,
        lawful_basis=lawful_basis,
        started_on=timezone.localdate(),
        created_by=by,
    )
    record_event(
        by=by,
        action=Action.CREATE,
        obj=new_family,
        family=new_family,
        summary=f"Registered the family with {new_baby.display_name}",
        detail={"family": family, "baby": baby, "reason": reason},
    )
    add_entry(by=by, family=new_family, baby=new_baby, kind=Kind.FAMILY, significance=Significance.NOTABLE,
              summary=f"Family registered by {by.agency}: {reason}", link=new_family.get_absolute_url(), source=new_family)
    return new_family


@transaction.atomic
def update_family(*, by: User, family: Family, expected_version: int, changes: dict[str, Any]) -> Family:
    """Change a household's address, language or interpreter need."""
    _require(by, Permission.EDIT_FAMILY)
    before_after = _apply_edit(family, expected_version, changes)
    record_event(
        by=by, action=Action.UPDATE, obj=family, family=family, summary="Changed the household details",
        detail=before_after,
    )
    return family


@transaction.atomic
def add_person(*, by: User, family: Family, details: dict[str, Any]) -> Person:
    """Add someone in the baby's life to the family."""
    _require(by, Permission.EDIT_FAMILY)
    person = Person(family=family, **details)
    person.full_clean()
    person.save()
    record_event(
        by=by, action=Action.CREATE, obj=person, family=family,
        summary=f"Added {person} ({person.get_relationship_display()})", detail=details,
    )
    add_entry(by=by, family=family, kind=Kind.PERSON, summary=f"{person} added: {person.get_relationship_display().lower()}"
              + (", lives in the home" if person.lives_in_household else "") + (", regular carer" if person.regular_carer else ""),
              link=person.get_absolute_url(), source=person)
    return person


@transaction.atomic
def update_person(*, by: User, person: Person, expected_version: int, changes: dict[str, Any]) -> Person:
    """Change what is recorded about someone in the baby's life."""
    _require(by, Permission.EDIT_FAMILY)
    before_after = _apply_edit(person, expected_version, changes)
    record_event(
        by=by, action=Action.UPDATE, obj=person, family=person.family, summary=f"Changed details of {person}",
        detail=before_after,
    )
    if before_after:
        add_entry(by=by, family=person.family, kind=Kind.PERSON, summary=f"Details of {person} changed: "
                  + ", ".join(_label(Person, name) for name in before_after),
                  link=person.get_absolute_url(), source=person)
    return person


@transaction.atomic
def update_baby(*, by: User, baby: Baby, expected_version: int, changes: dict[str, Any]) -> Baby:
    """Change what is recorded about a baby."""
    _require(by, Permission.EDIT_FAMILY)
    before_after = _apply_edit(baby, expected_version, changes)
    record_event(
        by=by, action=Action.UPDATE, obj=baby, family=baby.family, summary=f"Changed details of {baby.display_name}",
        detail=before_after,
    )
    return baby


@transaction.atomic
def record_birth(*, by: User, baby: Baby, expected_version: int, birth: dict[str, Any]) -> Baby:
    """The unborn baby's record becomes the baby's record: same row, so its history carries over."""
    _require(by, Permission.EDIT_FAMILY)
    if baby.is_born:
        raise NotAllowed("this baby's birth is already recorded")
    before_after = _apply_edit(baby, expected_version, birth)
    record_event(
        by=by, action=Action.UPDATE, obj=baby, family=baby.family, summary=f"Recorded the birth of {baby.display_name}",
        detail=before_after,
    )
    add_entry(by=by, family=baby.family, baby=baby, kind=Kind.BIRTH, significance=Significance.NOTABLE,
              summary=f"{baby.display_name} born on {baby.date_of_birth:%d %B %Y}", link=baby.get_absolute_url(), source=baby)
    from kbs.prebirth.actions import on_birth  # kbs.prebirth: follow-up tasks for a baby with a pre-birth case
    on_birth(by=by, baby=baby)
    return baby


@transaction.atomic
def record_involvement(
    *, by: User, family: Family, reason: str, lawful_basis: str = LawfulBasis.PUBLIC_TASK
) -> Involvement:
    """Record that the user's agency is working with a family, with the reason. Tells the other
    involved agencies' safeguarding leads."""
    _require(by, Permission.RECORD_INVOLVEMENT)
    if by.agency_id is None:
        raise NotAllowed("a person with no agency cannot record an involvement")
    existing = Involvement.objects.filter(family=family, agency_id=by.agency_id, ended_on__isnull=True).first()
    if existing is not None:
        return existing
    involvement = Involvement(
        family=family,
        agency_id=by.agency_id,
        team_id=by.team_id,
        lead_professional=by,
        reason=reason,
        lawful_basis=lawful_basis,
        started_on=timezone.localdate(),
        created_by=by,
    )
    involvement.full_clean()
    involvement.save()
    record_event(
        by=by, action=Action.INVOLVEMENT, obj=involvement, family=family,
        summary=f"Recorded that {by.agency} is involved", detail={"reason": reason, "lawful_basis": lawful_basis},
    )
    add_entry(by=by, family=family, kind=Kind.INVOLVEMENT, summary=f"{by.agency} started working with the family: {reason}",
              source=involvement)
    transaction.on_commit(lambda: notices.involvement_recorded(involvement))
    return involvement


@transaction.atomic
def end_involvement(*, by: User, involvement: Involvement, ended_on: date | None = None) -> Involvement:
    """Close the user's agency's involvement. Its staff stop seeing the family (leads still can)."""
    _require(by, Permission.RECORD_INVOLVEMENT)
    if involvement.agency_id != by.agency_id:
        raise NotAllowed("only the agency's own staff can end its involvement")
    involvement.ended_on = ended_on or timezone.localdate()
    involvement.is_lead_agency = False
    involvement.full_clean()
    involvement.save(update_fields=["ended_on", "is_lead_agency"])
    record_event(
        by=by, action=Action.INVOLVEMENT, obj=involvement, family=involvement.family,
        summary=f"Ended {involvement.agency}'s involvement",
    )
    add_entry(by=by, family=involvement.family, kind=Kind.INVOLVEMENT,
              summary=f"{involvement.agency} stopped working with the family", source=involvement)
    return involvement


@transaction.atomic
def take_break_glass(*, by: User, family: Family, reason: str) -> BreakGlass:
    """Emergency access for a few hours, with a written reason. The safeguarding lead of the agency
    that leads on the family is told at once."""
    _require(by, Permission.BREAK_GLASS)
    reason = reason.strip()
    if len(reason) < 10:
        raise ValueError("Explain why you need emergency access, in at least 10 characters")
    now = timezone.now()
    grant = BreakGlass.objects.create(
        family=family, user=by, reason=reason, started_at=now,
        expires_at=now + timedelta(hours=settings.KBS_BREAK_GLASS_HOURS),
    )
    record_event(
        by=by, action=Action.BREAK_GLASS, obj=family, family=family,
        summary=f"Took emergency access for {settings.KBS_BREAK_GLASS_HOURS} hours", detail={"reason": reason},
    )
    add_entry(by=by, family=family, kind=Kind.BREAK_GLASS, significance=Significance.NOTABLE,
              summary=f"Emergency access taken by {by} ({by.agency}): {reason}", source=grant)
    transaction.on_commit(lambda: notices.break_glass_taken(grant))
    return grant


@transaction.atomic
def record_birthmark(*, by: User, baby: Baby, details: dict[str, Any]) -> Birthmark:
    """Record a birthmark that a registered health professional has seen and confirmed, so that a
    later mark in the same place can be checked against it. Only health professionals may, and only
    for a baby who has been born. `regions` are body map codes, the same as the bruising tool's."""
    _require(by, Permission.RECORD_BIRTHMARK)
    if not by.is_health_professional:
        raise NotAllowed("only a registered health professional can confirm a birthmark")
    if not baby.is_born:
        raise NotAllowed("a birthmark can only be recorded for a baby who has been born")
    regions = list(details.get("regions") or [])
    unknown = [code for code in regions if code not in body_map.CODES]
    if not regions or unknown:
        raise ValueError(f"a birthmark needs at least one known body map region (unknown: {unknown})")
    mark = Birthmark(baby=baby, **{**details, "regions": regions}, confirmed_by=by, confirmed_by_role=by.role_names)
    mark.full_clean()
    mark.save()
    record_event(
        by=by, action=Action.CREATE, obj=mark, family=baby.family,
        summary=f"Recorded a birthmark on {baby.display_name}: {mark.get_kind_display()}", detail=details,
    )
    return mark


DEATH_FIELDS = frozenset({
    "died_on", "place", "place_detail", "how_learned", "who_else_aware", "other_children",
    "bereavement_support_offered", "bereavement_support_detail", "key_worker",
})
TASKS_STOPPED_NOTE = "The baby has died"


@transaction.atomic
def record_death(*, by: User, baby: Baby, details: dict[str, Any]) -> Death:
    """Record that a baby has died, as the practitioner was told. Health professionals and
    safeguarding leads only (RECORD_DEATH), for a baby whose birth is recorded, once.

    In one transaction: the `Death` row (which is the flag on the baby and the family); every open
    routine task for the baby cancelled, and the family's too when no baby is left (safeguarding
    tasks carry on, and `create_task` makes no routine task from now on); the audit row; and a
    significant, shared chronology entry. After the commit, the safeguarding leads of the recording
    agency and of the lead agency, and the partnership's child death contact, are e-mailed a link.
    Raises ValidationError, saving nothing, when a detail is wrong or the death is already recorded.
    """
    _require(by, Permission.RECORD_DEATH)
    if by.agency is None:
        raise NotAllowed("a person with no agency cannot record a death")
    unknown = set(details) - DEATH_FIELDS
    if unknown:
        raise ValueError(f"unknown details: {sorted(unknown)}")
    # Lock the baby so that two people recording at once cannot both succeed.
    baby = Baby.objects.select_for_update().select_related("family").get(pk=baby.pk)
    if Death.objects.filter(baby=baby).exists():
        raise ValidationError("This baby's death has already been recorded")
    text = {k: v.strip() if isinstance(v, str) else v for k, v in details.items()}
    death = Death(baby=baby, recorded_by=by, recorded_by_agency=by.agency, recorded_at=timezone.now(), **text)
    death.full_clean(exclude=["baby"])  # the baby's one death is checked above, under the lock
    death.save()
    cancelled = cancel_routine_tasks(by=by, baby=baby, note=TASKS_STOPPED_NOTE)
    record_event(
        by=by, action=Action.CREATE, obj=death, family=baby.family,
        summary=f"Recorded the death of {baby.display_name}",
        detail={**text, "tasks_cancelled": [str(t.public_id) for t in cancelled]},
    )
    add_entry(
        by=by, family=baby.family, baby=baby, kind=Kind.DEATH, significance=Significance.SIGNIFICANT, shared=True,
        summary=f"{baby.display_name} died on {death.died_on.day} {death.died_on:%B %Y}. Recorded by {by.agency}",
        link=death.get_absolute_url(), source=death,
    )
    transaction.on_commit(lambda: _tell_about_death(death))
    return death


def _tell_about_death(death: Death) -> int:
    """E-mail the safeguarding leads of the recording agency and of the lead agency, and the
    partnership's child death contact. Links only: no name, date or place leaves the service."""
    link = f"{settings.KBS_BASE_URL}{death.get_absolute_url()}"
    agency = death.recorded_by_agency
    leads = set(notices.safeguarding_lead_addresses(agency))
    lead_agency = notices.lead_agency(death.baby.family)
    if lead_agency is not None:
        leads.update(notices.safeguarding_lead_addresses(lead_agency))
    sent = 0
    if leads:
        sent += send_mail(
            "Keeping Babies Safe: a baby's death has been recorded",
            f"{agency} has recorded that a baby in a family your agency works with has died.\n\n"
            "Routine tasks and reminders for the baby have stopped. Safeguarding tasks carry on.\n"
            "Please make sure the child death review team has been notified through the usual route "
            "(eCDOP): this e-mail is not that notification. The record has a chronology pack of your "
            "agency's contacts and assessments for the review.\n\n"
            f"Record of the death: {link}\n",
            None, sorted(leads),
        )
    contact = settings.KBS_CHILD_DEATH_CONTACT_EMAIL
    if contact:
        sent += send_mail(
            "Keeping Babies Safe: a baby's death has been recorded",
            f"{agency} has recorded in Keeping Babies Safe that a baby has died. You are told as the "
            "partnership's designated child death contact.\n\n"
            "This is an early alert, not the statutory notification, which comes through eCDOP as usual.\n\n"
            f"Record of the death (sign in to see it): {link}\n",
            None, [contact],
        )
    return sent
