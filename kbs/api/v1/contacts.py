"""Contacts with a family and the three messages given at each, as the "Record a contact" page.

Recording goes through the page's own form (`kbs.contacts.forms.ContactForm`, so the same checks and
the same words) and the same action (`kbs.contacts.actions.record_contact`: audit, chronology, last
seen dates, tasks after life events). Reading goes through `kbs.contacts.access` and
`kbs.families.access`, so a family or contact the caller may not see is "not found". Notes of a
contact recorded as not shared are shown only to the recording agency, as on the page.
"""

import datetime as dt
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from ninja import Field, Router, Schema, params
from ninja.responses import Status

from kbs.accounts.permissions import Permission
from kbs.api import auth
from kbs.api.auth import Caller
from kbs.api.idempotency import key_header, once
from kbs.api.v1.errors import REFUSALS, WITH_BAD_INPUT, ApiError, Errors
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.contacts import access, actions, forms
from kbs.contacts.models import Contact, Message
from kbs.families import access as family_access
from kbs.families.models import Person

router = Router(tags=["Contacts"])
PAGE_SIZE = 25
YES_NO = {True: "yes", False: "no"}
PAGE: Any = params.Query(1, ge=1, le=100000, description="Which page of 25, from 1")  # type: ignore[type-arg]


class MessagesGiven(Schema):
    person: UUID = Field(description="The id of a person in the family who was present")
    messages: list[str] = Field(description="Any of safe_sleep, safe_handling, safe_space", max_length=3,
                                examples=[["safe_sleep", "safe_handling", "safe_space"]])
    leaflet_given: bool = False
    understanding_checked: bool = Field(False, description="Understanding checked by teach-back")


class NewContact(Schema):
    """The "Record a contact" form's questions. Dates and times are the local time in England."""

    model_config = {"json_schema_extra": {"examples": [{
        "date": "2026-01-15", "time": "14:30", "contact_type": "home_visit", "setting": "home", "present": [],
        "baby_seen": True, "sleep_place_observed": "cot", "language": "English", "interpreter_used": False,
        "messages_given": [], "life_events": [], "life_event_note": "", "notes": "", "shared": True,
    }]}}

    date: dt.date = Field(description="The day of the contact: today or earlier", examples=["2026-01-15"])
    time: str = Field(max_length=8, description="24-hour clock, like 14:30", examples=["14:30"])
    contact_type: str = Field(max_length=30, description="Such as home_visit, clinic, new_baby_review",
                              examples=["home_visit"])
    setting: str = Field(max_length=20, description="home, clinic, hospital, phone, video or other", examples=["home"])
    present: list[UUID] = Field([], description="The ids of the people in the family who were there")
    baby_seen: bool
    sleep_place_observed: str = Field(max_length=20, description="Such as cot, adult_bed, or not_seen",
                                      examples=["not_seen"])
    language: str = Field(max_length=60, examples=["English"])
    interpreter_used: bool
    messages_given: list[MessagesGiven] = Field([], description="Which of the three messages each person was given")
    life_events: list[str] = Field([], description="Anything that changes the routine, such as moving_house")
    life_event_note: str = Field("", max_length=500)
    notes: str = Field("", max_length=5000)
    shared: bool = Field(description="Whether other agencies may read the notes")


class Delivery(Schema):
    person: UUID
    message: str
    leaflet_given: bool
    understanding_checked: bool


class ContactOut(Schema):
    id: UUID
    family_id: UUID
    at: dt.datetime
    contact_type: str
    setting: str
    agency: str
    baby_seen: bool
    sleep_place_observed: str
    language: str
    interpreter_used: bool
    present: list[UUID]
    deliveries: list[Delivery]
    life_events: list[str]
    notes: str | None = Field(description="Null when the notes stay with the recording agency")
    shared: bool


class ContactPage(Schema):
    contacts: list[ContactOut]
    page: int
    pages: int
    count: int


def _may_edit_family(request: HttpRequest, caller: Caller | None) -> Caller | None:
    """Refuse a family the caller may not edit (404) before the body is read, so that a family
    you may not see answers the same whatever is posted to it."""
    if caller is not None:
        match = request.resolver_match
        family_access.family_for(caller.user, match.kwargs.get("family_id") if match else None,
                                 need=Permission.EDIT_FAMILY, audit=False)
    return caller


# The API's two ways in, and then the family check. Named as the schemes they extend, so that the
# schema declares the same two security schemes for every operation.
class BearerToken(auth.BearerToken):
    def __call__(self, request: HttpRequest) -> Caller | None:
        return _may_edit_family(request, super().__call__(request))


class SignedInSession(auth.SignedInSession):
    def __call__(self, request: HttpRequest) -> Caller | None:
        return _may_edit_family(request, super().__call__(request))


RECORD_AUTH = [BearerToken(), SignedInSession()]


def _caller(request: HttpRequest) -> Caller:
    return request.auth  # type: ignore[attr-defined, no-any-return]


def _form_data(body: NewContact, people: list[Person]) -> MultiValueDict[str, Any]:
    """The body as the page's form would post it."""
    data: MultiValueDict[str, Any] = MultiValueDict({
        "date-day": [str(body.date.day)], "date-month": [str(body.date.month)], "date-year": [f"{body.date.year:04d}"],
        "time": [body.time], "contact_type": [body.contact_type], "setting": [body.setting],
        "present": [str(p) for p in body.present], "baby_seen": [YES_NO[body.baby_seen]],
        "sleep_place_observed": [body.sleep_place_observed], "language": [body.language],
        "interpreter_used": [YES_NO[body.interpreter_used]], "life_events": list(body.life_events),
        "life_event_note": [body.life_event_note], "notes": [body.notes], "shared": [YES_NO[body.shared]],
    })
    known = {str(p.public_id) for p in people}
    problems = []
    for given in body.messages_given:
        key = str(given.person)
        if key not in known:
            problems.append({"item": "messages_given", "problem": f"{key} is not a person in this family"})
            continue
        for message in given.messages:
            if message not in Message.values:
                problems.append({"item": "messages_given", "problem": f"{message} is not one of the three messages"})
            data[f"msg-{key}-{message}"] = "on"
        if given.leaflet_given:
            data[f"msg-{key}-leaflet"] = "on"
        if given.understanding_checked:
            data[f"msg-{key}-understanding"] = "on"
    if problems:
        raise ApiError(400, problems)
    return data


def _form_problems(form: forms.ContactForm) -> list[dict[str, str]]:
    return [{"item": "contact" if field == "__all__" else field, "problem": str(message)}
            for field, messages in form.errors.items() for message in messages]


def _api_detail(caller: Caller) -> dict[str, Any]:
    """How the call came, for the audit event's detail: the token's name, or a session."""
    return {"token": caller.token_name} if caller.token_name else {"session": True}


def _contact(caller: Caller, contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.public_id, "family_id": contact.family.public_id, "at": contact.at,
        "contact_type": contact.contact_type, "setting": contact.setting, "agency": str(contact.agency),
        "baby_seen": contact.baby_seen, "sleep_place_observed": contact.sleep_place_observed,
        "language": contact.language, "interpreter_used": contact.interpreter_used,
        "present": [p.public_id for p in contact.present.all()],
        "deliveries": [{"person": d.person.public_id, "message": d.message, "leaflet_given": d.leaflet_given,
                        "understanding_checked": d.understanding_checked} for d in contact.deliveries.all()],
        "life_events": [e.kind for e in contact.life_events.all()],
        "notes": contact.notes if access.notes_visible(caller.user, contact) else None,
        "shared": contact.shared,
    }


@router.post("/families/{family_id}/contacts", response={201: ContactOut, **WITH_BAD_INPUT, 422: Errors},
             url_name="family_contacts", operation_id="recordContact", summary="Record a contact", auth=RECORD_AUTH)
def record_contact(request: HttpRequest, response: HttpResponse, family_id: UUID, body: NewContact,
                   idempotency_key: str | None = key_header()) -> Status[Any]:
    """Record a contact with a family, who was there and the three messages each person was given,
    as the "Record a contact" page does. Only callers who may edit the family (their agency is
    involved) may record; anyone else gets 404."""
    caller = _caller(request)
    family = family_access.family_for(caller.user, family_id, need=Permission.EDIT_FAMILY, audit=False)

    def write() -> tuple[int, Any]:
        people = list(family.people.all())
        form = forms.ContactForm(_form_data(body, people), people=people)
        if not form.is_valid():
            raise ApiError(400, _form_problems(form))
        try:
            contact = actions.record_contact(
                by=caller.user, family=family, details=form.details(), present=form.present_people(),
                deliveries=form.deliveries(), life_events=form.events(),
                via={"through": caller.via, "api": _api_detail(caller)},
            )
        except ValidationError as error:
            raise ApiError(400, [{"item": "contact", "problem": str(m)} for m in error.messages]) from None
        return 201, _contact(caller, access.contact_for(caller.user, contact.public_id, audit=False))

    return once(request, response, caller=caller, key=idempotency_key, payload=body.model_dump(mode="json"),
                write=write)


@router.get("/families/{family_id}/contacts", response={200: ContactPage, **REFUSALS, 400: Errors},
            url_name="family_contacts", operation_id="listContacts", summary="A family's contacts")
def list_contacts(request: HttpRequest, family_id: UUID, page: int = PAGE) -> dict[str, Any]:
    """The family's contacts, newest first, 25 a page. Audited as a view of the family."""
    caller = _caller(request)
    family = family_access.family_for(caller.user, family_id, audit=False)
    contacts = (Contact.objects.filter(family=family).select_related("family", "agency")
                .prefetch_related("present", "deliveries__person", "life_events").order_by("-at", "-id"))
    paginator = Paginator(contacts, PAGE_SIZE)
    shown = paginator.get_page(page)
    record_event(by=caller.user, action=Action.VIEW, obj=family, family=family,
                 summary=f"Listed the family's contacts through the API with {caller.via} (page {shown.number})",
                 detail={"api": _api_detail(caller)})
    return {"contacts": [_contact(caller, c) for c in shown.object_list], "page": shown.number,
            "pages": paginator.num_pages, "count": paginator.count}


@router.get("/contacts/{contact_id}", response={200: ContactOut, **REFUSALS}, url_name="contact",
            operation_id="readContact", summary="A contact")
def read_contact(request: HttpRequest, contact_id: UUID) -> dict[str, Any]:
    """One contact, audited as a view, as its page is."""
    caller = _caller(request)
    contact = access.contact_for(caller.user, contact_id, audit=False)
    record_event(by=caller.user, action=Action.VIEW, obj=contact, family=contact.family,
                 summary=f"Viewed a contact through the API with {caller.via}: {contact}",
                 detail={"api": _api_detail(caller)})
    return _contact(caller, contact)
