"""The agency's chronology pack after a baby's death: what one agency recorded, for the child death review.

A joint agency response asks each agency involved to review its own involvement and send what it
holds. The pack is that agency's view, made for the person downloading it: the baby and the record
of the death; everyone recorded in the baby's life; the agencies involved; the contacts the agency
made, with who was there and which of the three messages each person was given; the assessments the
agency's staff completed, with their outcomes, flags and safe sleep plans; and the chronology
entries the person may see (`kbs.chronology.access.entries_for`, the same rule as the chronology
page), oldest first. Other agencies' contacts and assessments are theirs to send; the shared
chronology shows that they happened.

The caller has already loaded the baby through `kbs.families.access`. Each download writes one
EXPORT audit row. The PDF is marked OFFICIAL-SENSITIVE on every page.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone

from kbs.accounts.models import User
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.chronology import presenters as chronology_presenters
from kbs.chronology.access import entries_for
from kbs.contacts.coverage import SHORT_LABELS
from kbs.contacts.models import Contact, LifeEvent, MessageDelivery
from kbs.core.pdf import render_pdf
from kbs.core.presenters import age, day
from kbs.families import access
from kbs.families.models import Baby, Death, Person
from kbs.tools.models import Assessment, SafeSleepPlan, Status
from kbs.tools.spec import get_spec


@dataclass(frozen=True)
class Given:
    """The messages one person was given at one contact."""

    person: str
    messages: str
    leaflet_given: bool
    understanding_checked: bool


@dataclass(frozen=True)
class ContactRow:
    at: datetime
    kind: str
    setting: str
    practitioner: str
    baby_seen: bool
    sleep_place: str
    present: list[str]
    given: list[Given]
    life_events: list[str]
    notes: str


@dataclass(frozen=True)
class FlagRow:
    title: str
    level: str
    advice: str


@dataclass(frozen=True)
class AssessmentRow:
    tool: str
    version: str
    completed_at: datetime | None
    completed_by: str
    level: str
    flags: list[FlagRow]
    confirmed_actions: list[str]
    actions_not_taken_reason: str
    same_day_steps: str
    correction: bool
    sleep_plan: SafeSleepPlan | None


def _tool_title(slug: str) -> str:
    try:
        return get_spec(slug).title
    except Exception:  # a retired tool: its slug still says what it was
        return slug.replace("-", " ").capitalize()


def _contacts(death: Death, agency_id: int) -> list[ContactRow]:
    contacts = (
        Contact.objects.filter(family_id=death.baby.family_id, agency_id=agency_id)
        .select_related("practitioner")
        .prefetch_related(
            Prefetch("present", queryset=Person.objects.order_by("id")),
            Prefetch("deliveries", queryset=MessageDelivery.objects.select_related("person").order_by("person_id", "id")),
            Prefetch("life_events", queryset=LifeEvent.objects.order_by("id")),
        )
        .order_by("at", "id")
    )
    rows = []
    for contact in contacts:
        by_person: dict[int, list[MessageDelivery]] = {}
        for delivery in contact.deliveries.all():
            by_person.setdefault(delivery.person_id, []).append(delivery)
        given = [
            Given(
                person=str(deliveries[0].person),
                messages=", ".join(SHORT_LABELS[d.message] for d in deliveries),
                leaflet_given=any(d.leaflet_given for d in deliveries),
                understanding_checked=any(d.understanding_checked for d in deliveries),
            )
            for deliveries in by_person.values()
        ]
        rows.append(ContactRow(
            at=contact.at, kind=contact.get_contact_type_display(), setting=contact.get_setting_display(),
            practitioner=str(contact.practitioner), baby_seen=contact.baby_seen,
            sleep_place=contact.get_sleep_place_observed_display(),
            present=[str(p) for p in contact.present.all()], given=given,
            life_events=[event.get_kind_display() + (f": {event.note}" if event.note else "") for event in contact.life_events.all()],
            notes=contact.notes,  # the pack's own agency recorded it, so its notes are the agency's to read
        ))
    return rows


def _steps(assessment: Assessment) -> str:
    if not assessment.needs_same_day_steps:
        return ""
    if assessment.csc_referral_at and assessment.medical_review_at:
        return (f"Children's social care called {day(assessment.csc_referral_at)} (reference "
                f"{assessment.csc_referral_reference}); medical review {day(assessment.medical_review_at)} at "
                f"{assessment.medical_review_where}")
    return (f"Not recorded: {assessment.steps_not_recorded_reason} Signed off by {assessment.signed_off_by}: "
            f"{assessment.sign_off_note}")


def _assessments(death: Death, agency_id: int) -> list[AssessmentRow]:
    assessments = (
        Assessment.objects.filter(baby=death.baby, status=Status.COMPLETED, created_by__agency_id=agency_id)
        .select_related("completed_by", "signed_off_by")
        .prefetch_related(Prefetch("sleep_plans", queryset=SafeSleepPlan.objects.order_by("-created_at", "-id")))
        .order_by("completed_at", "id")
    )
    rows = []
    for a in assessments:
        flags = [
            FlagRow(title=str(f.get("title") or f.get("rule", "")), level=str(f.get("level", "")), advice=str(f.get("advice", "")))
            for f in (a.outcome or {}).get("flags", [])
        ]
        plans = list(a.sleep_plans.all())
        rows.append(AssessmentRow(
            tool=_tool_title(a.tool_slug), version=a.tool_version, completed_at=a.completed_at,
            completed_by=str(a.completed_by or ""), level=a.level, flags=flags,
            confirmed_actions=list(a.confirmed_actions), actions_not_taken_reason=a.actions_not_taken_reason,
            same_day_steps=_steps(a), correction=a.corrects_id is not None, sleep_plan=plans[0] if plans else None,
        ))
    return rows


def context(user: User, death: Death) -> dict[str, Any]:
    """Everything the pack shows, for a user already allowed to see the baby."""
    baby = death.baby
    agency = user.agency
    if agency is None:
        raise ValueError("a chronology pack is an agency's: the user has none")
    entries = entries_for(user, baby=baby).order_by("at", "id")
    return {
        "title": f"{agency.name}: chronology pack for {baby.display_name}",
        "agency": agency,
        "baby": baby,
        "death": death,
        "age_at_death": age(baby.date_of_birth, death.died_on),
        "people": list(Person.objects.filter(family_id=baby.family_id).order_by("id")),
        "involvements": list(access.involvements_of(baby.family)),
        "contacts": _contacts(death, agency.pk),
        "assessments": _assessments(death, agency.pk),
        "entries": chronology_presenters.rows(entries),
        "generated_at": timezone.now(),
        "generated_by": user,
    }


def render(user: User, death: Death) -> bytes:
    """The pack as a PDF, for a user already allowed to see the baby. Writes the EXPORT audit row."""
    data = context(user, death)
    pdf = render_pdf(render_to_string("families/death_pack.jinja", data))
    record_event(
        by=user, action=Action.EXPORT, obj=death, family=death.baby.family,
        summary=f"Downloaded {data['agency'].name}'s chronology pack for {death.baby.display_name}",
        detail={"contacts": len(data["contacts"]), "assessments": len(data["assessments"]), "entries": len(data["entries"])},
    )
    return pdf


def file_name(baby: Baby) -> str:
    # The baby's reference rather than a name: downloads folders are not private.
    return f"chronology-pack-{str(baby.public_id)[:8]}-{timezone.localdate():%Y-%m-%d}.pdf"
