"""Families and the people in them, as "My families", the family page and a person's page show them.

Everything is read through `kbs.families.access`, so a family is listed or answered only while the
caller's agency is involved with it (or they hold emergency access), and a family or person the
caller may not see is "not found". Each read writes the audit row its page writes, naming how the
call was made (the token's name, or a signed-in session); the list, which the web does not audit
until it is searched, is recorded as a search so that every call with a token is in the trail.
"""

import datetime as dt
from typing import Any
from uuid import UUID

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Field, Router, Schema, params

from kbs.api.auth import Caller
from kbs.api.v1.errors import REFUSALS, Errors
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.families import access
from kbs.families.models import Baby, Family, Involvement, Person

router = Router(tags=["Families"])
PAGE_SIZE = 25
PAGE: Any = params.Query(1, ge=1, le=100000, description="Which page of 25, from 1")  # type: ignore[type-arg]


class BabyBrief(Schema):
    id: UUID
    name: str
    born: bool = Field(description="False for a pregnancy")
    date_of_birth: dt.date | None
    expected_delivery_date: dt.date | None


class InvolvementOut(Schema):
    agency: str
    lead_agency: bool
    team: str | None
    lead_professional: str | None
    started_on: dt.date
    ended_on: dt.date | None = Field(description="Null while the agency is still involved")


class FamilyBrief(Schema):
    id: UUID
    postcode_district: str = Field(description="The first part of the postcode, such as DE22")
    babies: list[BabyBrief]
    lead_agency: str | None = Field(description="The agency leading on the family now, if one is")
    involvements: list[InvolvementOut]


class FamilyPage(Schema):
    families: list[FamilyBrief]
    page: int
    pages: int
    count: int


class BabyOut(BabyBrief):
    family_id: UUID
    nhs_number: str = Field(description="10 digits, or empty when not known yet")
    sex: str
    gestation_at_birth_weeks: int | None
    birth_weight_g: int | None
    multiple_birth: bool
    mobility: str
    died: bool


class PersonOut(Schema):
    id: UUID
    family_id: UUID
    given_name: str
    family_name: str
    date_of_birth: dt.date | None
    nhs_number: str = Field(description="10 digits, or empty when not known")
    relationship: str = Field(description="To the baby, such as birth_mother, father, mothers_partner")
    lives_in_household: bool
    regular_carer: bool
    parental_responsibility: bool
    last_seen_on: dt.date | None


class FamilyOut(Schema):
    id: UUID
    address_line_1: str
    address_line_2: str
    town: str
    postcode: str
    language: str
    interpreter_needed: bool
    babies: list[BabyOut]
    people: list[PersonOut]
    involvements: list[InvolvementOut]


def _caller(request: HttpRequest) -> Caller:
    return request.auth  # type: ignore[attr-defined, no-any-return]


def _via(caller: Caller) -> dict[str, Any]:
    return {"api": {"token": caller.token_name} if caller.token_name else {"session": True}}


def _baby_brief(baby: Baby) -> dict[str, Any]:
    return {"id": baby.public_id, "name": baby.display_name, "born": baby.is_born,
            "date_of_birth": baby.date_of_birth, "expected_delivery_date": baby.expected_delivery_date}


def _baby(baby: Baby) -> dict[str, Any]:
    return {**_baby_brief(baby), "family_id": baby.family.public_id, "nhs_number": baby.nhs_number, "sex": baby.sex,
            "gestation_at_birth_weeks": baby.gestation_at_birth_weeks, "birth_weight_g": baby.birth_weight_g,
            "multiple_birth": baby.multiple_birth, "mobility": baby.mobility, "died": baby.has_died}


def _involvement(involvement: Involvement) -> dict[str, Any]:
    lead = involvement.lead_professional
    return {"agency": str(involvement.agency), "lead_agency": involvement.is_lead_agency,
            "team": str(involvement.team) if involvement.team else None,
            "lead_professional": lead.get_full_name() or lead.username if lead else None,
            "started_on": involvement.started_on, "ended_on": involvement.ended_on}


def _person(person: Person) -> dict[str, Any]:
    return {"id": person.public_id, "family_id": person.family.public_id, "given_name": person.given_name,
            "family_name": person.family_name, "date_of_birth": person.date_of_birth, "nhs_number": person.nhs_number,
            "relationship": person.relationship, "lives_in_household": person.lives_in_household,
            "regular_carer": person.regular_carer, "parental_responsibility": person.parental_responsibility,
            "last_seen_on": person.last_seen_on}


def _babies_of(family: Family) -> list[Baby]:
    return sorted(family.babies.all(), key=lambda b: (b.date_of_birth or b.expected_delivery_date or dt.date.max, b.pk))


def _brief(family: Family) -> dict[str, Any]:
    involvements = sorted(family.involvements.all(), key=lambda i: (i.ended_on is not None, not i.is_lead_agency,
                                                                    i.started_on))
    lead = next((i for i in involvements if i.is_lead_agency and i.ended_on is None), None)
    return {"id": family.public_id, "postcode_district": family.postcode_district,
            "babies": [_baby_brief(b) for b in _babies_of(family)],
            "lead_agency": str(lead.agency) if lead else None,
            "involvements": [_involvement(i) for i in involvements]}


@router.get("/families", response={200: FamilyPage, **REFUSALS, 400: Errors}, url_name="families",
            operation_id="listFamilies", summary="Your agency's families")
def list_families(request: HttpRequest, page: int = PAGE) -> dict[str, Any]:
    """The families the caller may open, as "My families" lists them: newest first, 25 a page. Each
    call is in the audit trail as a search, with the families it answered."""
    caller = _caller(request)
    families = (access.visible_families(caller.user).order_by("-created_at", "-id")
                .prefetch_related("babies", "involvements__agency", "involvements__team",
                                  "involvements__lead_professional"))
    paginator = Paginator(families, PAGE_SIZE)
    shown = paginator.get_page(page)
    answered = [_brief(f) for f in shown.object_list]
    record_event(by=caller.user, action=Action.SEARCH,
                 summary=f"Listed my families through the API with {caller.via} (page {shown.number})",
                 detail={"found": [str(f["id"]) for f in answered], **_via(caller)})
    return {"families": answered, "page": shown.number, "pages": paginator.num_pages, "count": paginator.count}


@router.get("/families/{family_id}", response={200: FamilyOut, **REFUSALS}, url_name="family",
            operation_id="readFamily", summary="A family")
def read_family(request: HttpRequest, family_id: UUID) -> dict[str, Any]:
    """The family with its babies, everyone in the babies' lives and the agencies involved, as the
    family page shows them. Audited as a view of the family page."""
    caller = _caller(request)
    family = access.family_for(caller.user, family_id, audit=False)
    babies = list(family.babies.select_related("family", "death"))
    babies.sort(key=lambda b: (b.date_of_birth or b.expected_delivery_date or dt.date.max, b.pk))
    record_event(by=caller.user, action=Action.VIEW, obj=family, family=family,
                 summary=f"Viewed the family page through the API with {caller.via}", detail=_via(caller))
    return {
        "id": family.public_id, "address_line_1": family.address_line_1, "address_line_2": family.address_line_2,
        "town": family.town, "postcode": family.postcode, "language": family.language,
        "interpreter_needed": family.interpreter_needed, "babies": [_baby(b) for b in babies],
        "people": [_person(p) for p in family.people.select_related("family").order_by("id")],
        "involvements": [_involvement(i) for i in access.involvements_of(family)],
    }


@router.get("/people/{person_id}", response={200: PersonOut, **REFUSALS}, url_name="person",
            operation_id="readPerson", summary="A person in a baby's life")
def read_person(request: HttpRequest, person_id: UUID) -> dict[str, Any]:
    """One person, while the caller may see their family, as the person's page shows them. Audited
    as a view of the person."""
    caller = _caller(request)
    person = access.person_for(caller.user, person_id, audit=False)
    record_event(by=caller.user, action=Action.VIEW, obj=person, family=person.family,
                 summary=f"Viewed {person} through the API with {caller.via}", detail=_via(caller))
    return _person(person)
