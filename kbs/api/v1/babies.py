"""Finding a baby: the same question, rules, answer and audit as the "Find a baby" page.

The answer says only that a record exists, whether it is a baby or a pregnancy, and which agencies
are working with the family now; the baby's name and id only when the caller's agency may already
see the family. Everything is read through `kbs.families.access.find_babies`, and every search is
one audit event naming how the call was made (the token's name, or a signed-in session).
"""

from datetime import date
from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema

from kbs.accounts.permissions import Permission, has_permission
from kbs.api.auth import Caller
from kbs.api.v1.errors import WITH_BAD_INPUT, ApiError
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.families import access
from kbs.families.forms import FindBabyForm

router = Router(tags=["Babies"])


class FindBaby(Schema):
    """Either the baby's NHS number, or their last name, date of birth and postcode."""

    nhs_number: str = Field("", max_length=12, description="10 digits; spaces are ignored", examples=["999 000 0018"])
    family_name: str = Field("", max_length=100, description="The baby's last name (any case)")
    date_of_birth: date | None = Field(None, description="The baby's date of birth")
    postcode: str = Field("", max_length=10, description="The family's postcode")


class BabySeen(Schema):
    id: UUID
    name: str


class Match(Schema):
    family_id: UUID = Field(description="To record your agency's involvement, or take emergency access, on the web")
    born: bool = Field(description="False for a pregnancy")
    agencies: list[str] = Field(description="The agencies working with the family now")
    visible: bool = Field(description="Whether your agency may already see the family")
    baby: BabySeen | None = Field(description="Only when visible is true")


class Found(Schema):
    matches: list[Match]


def _form_data(search: FindBaby) -> dict[str, str]:
    """The body as the web page's form would send it, so that the page's own checks apply."""
    data = {"nhs_number": search.nhs_number, "family_name": search.family_name, "postcode": search.postcode}
    if search.date_of_birth is not None:
        born = search.date_of_birth
        data.update({"date_of_birth-day": str(born.day), "date_of_birth-month": str(born.month),
                     "date_of_birth-year": f"{born.year:04d}"})
    return data


def _match(match: access.Match) -> dict[str, Any]:
    baby = {"id": match.baby.public_id, "name": match.baby.display_name} if match.visible and match.baby else None
    return {"family_id": match.family_id, "born": match.born, "agencies": match.agencies,
            "visible": match.visible, "baby": baby}


@router.post("/babies/find", response={200: Found, **WITH_BAD_INPUT}, url_name="find_baby", operation_id="findBaby",
             summary="Find a baby")
def find_baby(request: HttpRequest, search: FindBaby) -> dict[str, Any]:
    """Whether KBS knows a baby or an unborn baby, as the "Find a baby" page shows it. Callers whose
    role cannot find babies get 404, as on the web."""
    caller: Caller = request.auth  # type: ignore[attr-defined]
    if not has_permission(caller.user, Permission.FIND_BABY):
        raise Http404(access.NOT_FOUND)  # as the page does, before looking at the search
    form = FindBabyForm(_form_data(search))
    if not form.is_valid():
        raise ApiError(400, [
            {"item": "search" if field == "__all__" else field, "problem": str(message)}
            for field, messages in form.errors.items() for message in messages
        ])
    data = form.cleaned_data
    matches = access.find_babies(
        caller.user, nhs_number=data["nhs_number"], family_name=data["family_name"],
        date_of_birth=data["date_of_birth"], postcode=data["postcode"], audit=False,
    )
    terms = {"nhs_number": data["nhs_number"]} if data["nhs_number"] else {
        "family_name": data["family_name"], "date_of_birth": data["date_of_birth"], "postcode": data["postcode"]
    }
    record_event(
        by=caller.user, action=Action.SEARCH,
        summary=f"Searched for a baby through the API with {caller.via} ({len(matches)} found)",
        detail={"terms": terms, "found": [str(m.family_id) for m in matches],
                "api": {"token": caller.token_name} if caller.token_name else {"session": True}},
    )
    return {"matches": [_match(m) for m in matches]}
