"""The one way to read contacts across the permission boundary.

A contact is visible exactly when its family is (see kbs.families.access): "not there" and "not
yours" raise the same Http404, and every successful read of a contact page is audited. The fact of a
contact (when, who was there, which messages were given) is shared with every agency that may see
the family; the free-text notes of a contact recorded as not shared stay with the recording agency.
"""

from typing import Any

from django.db.models import Prefetch
from django.http import Http404

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.contacts.models import Contact, HistoricContact, LifeEvent, MessageDelivery
from kbs.families.access import NOT_FOUND, parse_public_id, visible_families
from kbs.families.models import Family, Person


def contact_for(user: User, public_id: Any, *, need: Permission = Permission.VIEW_FAMILY, audit: bool = True) -> Contact:
    """The contact with this id, with who was there, the messages and life events, if the user may
    see its family and has `need`; Http404 otherwise. Audited."""
    if not has_permission(user, need):
        raise Http404(NOT_FOUND)
    contact = (
        Contact.objects.select_related("family", "agency", "practitioner")
        .prefetch_related(
            Prefetch("present", queryset=Person.objects.order_by("id")),
            Prefetch("deliveries", queryset=MessageDelivery.objects.order_by("person_id", "id")),
            Prefetch("life_events", queryset=LifeEvent.objects.order_by("id")),
        )
        .filter(public_id=parse_public_id(public_id), family__in=visible_families(user))
        .first()
    )
    if contact is None:
        raise Http404(NOT_FOUND)
    if audit:
        record_event(by=user, action=Action.VIEW, obj=contact, family=contact.family, summary=f"Viewed a contact: {contact}")
    return contact


def notes_visible(user: User, contact: Contact) -> bool:
    """Whether the user may read the contact's free text (its notes and life-event notes)."""
    return contact.shared or (user.agency_id is not None and user.agency_id == contact.agency_id)


def recent_contacts(family: Family, *, limit: int = 5) -> list[Contact]:
    """A family's latest contacts, newest first, for a caller already allowed to see the family.
    One query."""
    return list(Contact.objects.filter(family=family).select_related("agency", "practitioner").order_by("-at", "-id")[:limit])


def historic_contacts_for(user: User, family_id: Any) -> tuple[Family, list[HistoricContact]]:
    """A family the user may see and the contacts other systems recorded with it (imported, read-only),
    newest first; Http404 otherwise. The read is audited once, as a view of the family's contacts."""
    if not has_permission(user, Permission.VIEW_FAMILY):
        raise Http404(NOT_FOUND)
    family = visible_families(user).filter(public_id=parse_public_id(family_id)).first()
    if family is None:
        raise Http404(NOT_FOUND)
    rows = list(HistoricContact.objects.filter(family=family).select_related("baby"))
    record_event(by=user, action=Action.VIEW, obj=family, family=family,
                 summary="Viewed the contacts recorded in other systems", detail={"historic_contacts": len(rows)})
    return family, rows


def historic_contact_count(family: Family) -> int:
    """How many imported contacts a family has, for a caller already allowed to see the family."""
    return HistoricContact.objects.filter(family=family).count()
