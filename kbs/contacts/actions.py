"""Recording contacts with a family: who was there, which of the three messages each person was given,
and anything that takes the family out of its routine.

Each action runs in one transaction, takes `by=` (who acted) and writes its own audit events and
chronology entries.
"""

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import jsonable, record_event
from kbs.audit.models import Action
from kbs.chronology.actions import add_entry
from kbs.chronology.models import Kind, Significance
from kbs.concerns.actions import create_task
from kbs.concerns.models import TaskKind
from kbs.contacts.coverage import SHORT_LABELS
from kbs.contacts.models import Contact, LifeEvent, LifeEventKind, Message, MessageDelivery, SleepPlaceObserved
from kbs.core.clocks import working_days_deadline
from kbs.families.models import Family, Person

# A little slack for clocks: a contact "now" typed on a phone is never refused as in the future.
FUTURE_TOLERANCE = timedelta(minutes=5)
SLEEP_PLAN_TASK_WORKING_DAYS = 2

SLEEPING = {
    SleepPlaceObserved.COT: "sleeping in a cot",
    SleepPlaceObserved.TRAVEL_COT: "sleeping in a travel cot",
    SleepPlaceObserved.ADULT_BED: "sleeping in an adult bed",
    SleepPlaceObserved.SOFA: "sleeping on a sofa or armchair",
    SleepPlaceObserved.CAR_SEAT_OR_PRAM: "sleeping in a car seat, pram or bouncer",
    SleepPlaceObserved.UNSAFE_SPACE: "sleeping in a cot with pillows, bumpers, toys or a pod",
}
# Places that are not a safe sleep space: the chronology marks the contact as notable.
UNSAFE_SLEEP_PLACES = frozenset({
    SleepPlaceObserved.ADULT_BED, SleepPlaceObserved.SOFA, SleepPlaceObserved.CAR_SEAT_OR_PRAM,
    SleepPlaceObserved.UNSAFE_SPACE,
})


class NotAllowed(Exception):
    """The user lacks the permission an action needs (views have already checked, so this is a bug guard)."""


def _require(by: User, permission: Permission) -> None:
    if not has_permission(by, permission):
        raise NotAllowed(permission)


def contact_summary(contact: Contact) -> str:
    """One line for the chronology, such as "Home visit by Derby Health Visiting: baby seen, sleeping in a cot"."""
    seen = "baby seen" if contact.baby_seen else "baby not seen"
    sleeping = SLEEPING.get(SleepPlaceObserved(contact.sleep_place_observed))
    return f"{contact.get_contact_type_display()} by {contact.agency}: {seen}" + (f", {sleeping}" if sleeping else "")


def messages_summary(deliveries: list[MessageDelivery]) -> str:
    """Who was given which messages, such as "Three messages: Sophie Hart, safe sleep and safe space
    (leaflet given, understanding checked); Jack Hart, safe handling"."""
    by_person: dict[int, list[MessageDelivery]] = {}
    for delivery in deliveries:
        by_person.setdefault(delivery.person_id, []).append(delivery)
    parts = []
    for given in by_person.values():
        labels = [SHORT_LABELS[m].lower() for m in SHORT_LABELS if any(d.message == m for d in given)]
        how = [text for text, done in (("leaflet given", given[0].leaflet_given),
                                       ("understanding checked", given[0].understanding_checked)) if done]
        names = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
        parts.append(f"{given[0].person}, {names}" + (f" ({', '.join(how)})" if how else ""))
    return "Three messages: " + "; ".join(parts)


def _check_people(family: Family, present: list[Person], deliveries: list[dict[str, Any]]) -> None:
    strangers = [p for p in present if p.family_id != family.pk]
    if strangers:
        raise ValidationError(f"{strangers[0]} is not recorded in this family")
    present_ids = {p.pk for p in present}
    seen: set[tuple[int, str]] = set()
    for delivery in deliveries:
        person: Person = delivery["person"]
        if person.family_id != family.pk:
            raise ValidationError(f"{person} is not recorded in this family")
        if person.pk not in present_ids:
            raise ValidationError(f"Mark {person} as present, or untick the messages for them")
        if delivery["message"] not in Message.values:
            raise ValidationError(f"{delivery['message']} is not one of the three messages")
        if (person.pk, delivery["message"]) in seen:
            raise ValidationError(f"{person} is given the same message twice")
        seen.add((person.pk, delivery["message"]))


def _mark_seen(by: User, contact: Contact, present: list[Person]) -> list[str]:
    """Move each present person's "last seen" forward to the contact's date, through the model so
    that the version moves on too (an edit form opened before this contact will be told)."""
    seen_on = timezone.localtime(contact.at).date()
    updated = []
    for person in Person.objects.select_for_update().filter(pk__in=[p.pk for p in present]).order_by("id"):
        if person.last_seen_on is not None and person.last_seen_on >= seen_on:
            continue
        before = person.last_seen_on
        person.last_seen_on = seen_on
        person.version += 1
        person.full_clean()
        person.save(update_fields=["last_seen_on", "version"])
        record_event(
            by=by, action=Action.UPDATE, obj=person, family=contact.family, summary=f"Recorded that {person} was seen",
            detail={"last_seen_on": [jsonable(before), jsonable(seen_on)], "contact": str(contact.public_id)},
        )
        updated.append(str(person.public_id))
    return updated


@transaction.atomic
def record_contact(
    *,
    by: User,
    family: Family,
    details: dict[str, Any],
    present: list[Person],
    deliveries: list[dict[str, Any]],
    life_events: list[dict[str, Any]],
    via: dict[str, Any] | None = None,
) -> Contact:
    """Record a contact with a family: who was there, the three messages given to each person
    (`deliveries`: person, message, leaflet_given, understanding_checked; every person must be in
    `present`) and life events that take the family out of routine (`life_events`: kind, note).

    Moves each present person's "last seen" date on, writes the chronology (the contact, the
    messages, each life event) and, for each life event, gives the recording practitioner a task
    to revisit the safe sleep plan within two working days (urgent after domestic abuse). Raises
    ValidationError, saving nothing, when anything does not add up. `via` says how the contact
    arrived when not through the page (the API: the token's name), and goes into the audit event.
    """
    _require(by, Permission.EDIT_FAMILY)
    agency = by.agency
    if agency is None:
        raise NotAllowed("a person with no agency cannot record a contact")
    _check_people(family, present, deliveries)
    contact = Contact(family=family, agency=agency, practitioner=by, **details)
    contact.full_clean()
    if contact.at > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationError("The date and time of the contact must not be in the future")
    contact.save()
    contact.present.set(present)

    given = [
        MessageDelivery(
            contact=contact, person=d["person"], message=d["message"],
            leaflet_given=bool(d.get("leaflet_given")), understanding_checked=bool(d.get("understanding_checked")),
        )
        for d in deliveries
    ]
    for delivery in given:
        delivery.full_clean(validate_unique=False, validate_constraints=False)  # checked above, and by the database
    MessageDelivery.objects.bulk_create(given)

    events = [LifeEvent(contact=contact, kind=e["kind"], note=(e.get("note") or "").strip()) for e in life_events]
    for event in events:
        event.full_clean()
    LifeEvent.objects.bulk_create(events)

    seen = _mark_seen(by, contact, present)
    record_event(
        by=by, action=Action.CREATE, obj=contact, family=family,
        summary=f"Recorded a contact{' through the API with ' + via['through'] if via else ''}: {contact}",
        detail={
            **({"api": via["api"]} if via else {}),
            "details": details,
            "present": [str(p.public_id) for p in present],
            "deliveries": [
                {"person": str(d.person.public_id), "message": d.message, "leaflet_given": d.leaflet_given,
                 "understanding_checked": d.understanding_checked}
                for d in given
            ],
            "life_events": [{"kind": e.kind, "note": e.note} for e in events],
            "last_seen_updated": seen,
        },
    )

    link = contact.get_absolute_url()
    unsafe = SleepPlaceObserved(contact.sleep_place_observed) in UNSAFE_SLEEP_PLACES
    add_entry(by=by, family=family, kind=Kind.CONTACT, at=contact.at, summary=contact_summary(contact),
              significance=Significance.NOTABLE if unsafe else Significance.ROUTINE,
              shared=contact.shared, link=link, source=contact)
    if given:
        # Always shared: the family page shows every agency who has had which message anyway.
        add_entry(by=by, family=family, kind=Kind.MESSAGES, at=contact.at, summary=messages_summary(given),
                  link=link, source=contact)
    due_at = working_days_deadline(timezone.now(), SLEEP_PLAN_TASK_WORKING_DAYS)
    for event in events:
        label = LifeEventKind(event.kind).label
        # The note is free text, kept to the recording agency like the contact's notes when not shared.
        note = f": {event.note}" if event.note and contact.shared else ""
        add_entry(by=by, family=family, kind=Kind.LIFE_EVENT, at=contact.at, summary=f"{label}{note}",
                  significance=Significance.NOTABLE, shared=contact.shared, link=link, source=event)
        create_task(
            by=by, family=family, kind=TaskKind.REVISIT_SLEEP_PLAN, title=f"Revisit the safe sleep plan: {label}",
            agency=agency, assigned_to=by, urgent=event.kind == LifeEventKind.DOMESTIC_ABUSE, source=contact,
            due_at=due_at,
        )
    return contact
