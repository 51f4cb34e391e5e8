"""Concerns about a family: listing them, reading one with its referrals and timeline, and raising one.

Raising goes through the "Raise a concern" page's form (`kbs.concerns.forms.RaiseConcernForm`: the
same checks and words) and its action (`kbs.concerns.actions.raise_concern`: the decision clock,
the safeguarding lead's task and e-mail, audit and chronology). Reading goes through
`kbs.concerns.access`, so a concern not yet decided is seen only by the raising agency, and a
family or concern the caller may not see is "not found". Reads are audited as their pages are,
naming the token used.
"""

import datetime as dt
from typing import Any
from uuid import UUID

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Router, Schema, params
from ninja.responses import Status

from kbs.accounts.permissions import Permission
from kbs.api import auth
from kbs.api.auth import Caller
from kbs.api.idempotency import key_header, once
from kbs.api.v1.errors import REFUSALS, WITH_BAD_INPUT, ApiError, Errors
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.concerns import access, actions, forms
from kbs.concerns.models import Concern, ConcernState, Referral, Transition
from kbs.concerns.states import TransitionRefused
from kbs.families import access as family_access

router = Router(tags=["Concerns"])
PAGE_SIZE = 25
PAGE: Any = params.Query(1, ge=1, le=100000, description="Which page of 25, from 1")  # type: ignore[type-arg]
OPEN_ONLY: Any = params.Query(False, description="Only those not yet closed, as the family page shows them")  # type: ignore[type-arg]
WHOLE_FAMILY = "family"


class NewConcern(Schema):
    """The "Raise a concern" form's questions."""

    model_config = {"json_schema_extra": {"examples": [{
        "baby": "family", "category": "unsafe_sleep", "severity": "medium",
        "what_was_seen": "Baby asleep on the sofa with dad at the visit at 10am.",
    }]}}

    baby: str = Field(max_length=36, description="The id of the baby it is about, or 'family' for the whole family "
                                                 "or more than one baby", examples=["family"])
    category: str = Field(max_length=30, description="Such as injury, unsafe_sleep, neglect, domestic_abuse, other",
                          examples=["unsafe_sleep"])
    what_was_seen: str = Field(max_length=5000, description="What was seen or heard, where and when, and who was there")
    severity: str = Field(max_length=10, description="low, medium or high", examples=["medium"])


class ReferralOut(Schema):
    id: UUID
    to: str = Field(description="csc, police or early_help")
    how: str
    to_whom: str
    reference: str
    agency: str
    state: str = Field(description="made, acknowledged or outcome_recorded")
    made_at: dt.datetime
    acknowledgement_due_at: dt.datetime
    acknowledged_at: dt.datetime | None
    outcome: str
    outcome_note: str
    outcome_at: dt.datetime | None


class Step(Schema):
    """One change of state: what was done, by whom and when."""

    from_state: str = Field(description="Empty for the step that raised it")
    to_state: str
    at: dt.datetime
    by: str = Field(description="The person and their agency")
    note: str


class ConcernOut(Schema):
    id: UUID
    family_id: UUID
    baby_id: UUID | None = Field(description="Null when it is about the whole family")
    agency: str = Field(description="The agency that raised it")
    raised_at: dt.datetime
    category: str
    what_was_seen: str
    severity: str = Field(description="low, medium or high")
    state: str = Field(description="raised (waiting for the safeguarding lead), decided or closed")
    decision: str = Field(description="Empty until decided, then such as advice, early_help, refer_csc")
    rationale: str
    decided_at: dt.datetime | None
    decision_due_at: dt.datetime
    escalated_at: dt.datetime | None
    referrals: list[ReferralOut]
    what_was_done: list[Step] = Field(description="The concern's timeline, oldest first")


class ConcernBrief(Schema):
    id: UUID
    baby_id: UUID | None
    agency: str
    raised_at: dt.datetime
    category: str
    severity: str
    state: str
    decision: str
    decision_due_at: dt.datetime


class ConcernPage(Schema):
    concerns: list[ConcernBrief]
    page: int
    pages: int
    count: int


def _may_raise(request: HttpRequest, caller: Caller | None) -> Caller | None:
    """Refuse a family the caller may not raise a concern about (404) before the body is read, so
    that a family you may not see answers the same whatever is posted to it."""
    if caller is not None:
        match = request.resolver_match
        family_access.family_for(caller.user, match.kwargs.get("family_id") if match else None,
                                 need=Permission.EDIT_FAMILY, audit=False)
        if caller.user.agency_id is None:
            raise Http404(family_access.NOT_FOUND)
    return caller


# The API's two ways in, and then the family check; named as the schemes they extend, so that the
# schema declares the same two security schemes for every operation.
class BearerToken(auth.BearerToken):
    def __call__(self, request: HttpRequest) -> Caller | None:
        return _may_raise(request, super().__call__(request))


class SignedInSession(auth.SignedInSession):
    def __call__(self, request: HttpRequest) -> Caller | None:
        return _may_raise(request, super().__call__(request))


RAISE_AUTH = [BearerToken(), SignedInSession()]


def _caller(request: HttpRequest) -> Caller:
    return request.auth  # type: ignore[attr-defined, no-any-return]


def _via(caller: Caller) -> dict[str, Any]:
    return {"api": {"token": caller.token_name} if caller.token_name else {"session": True}}


def _referral(referral: Referral) -> dict[str, Any]:
    return {"id": referral.public_id, "to": referral.to, "how": referral.how, "to_whom": referral.to_whom,
            "reference": referral.reference, "agency": str(referral.agency), "state": referral.state,
            "made_at": referral.made_at, "acknowledgement_due_at": referral.acknowledgement_due_at,
            "acknowledged_at": referral.acknowledged_at, "outcome": referral.outcome,
            "outcome_note": referral.outcome_note, "outcome_at": referral.outcome_at}


def _step(transition: Transition) -> dict[str, Any]:
    who = str(transition.by)
    if transition.by.agency is not None:
        who = f"{who}, {transition.by.agency}"
    return {"from_state": transition.from_state, "to_state": transition.to_state, "at": transition.at, "by": who,
            "note": transition.note}


def _brief(concern: Concern) -> dict[str, Any]:
    return {"id": concern.public_id, "baby_id": concern.baby.public_id if concern.baby else None,
            "agency": str(concern.agency), "raised_at": concern.raised_at, "category": concern.category,
            "severity": concern.severity, "state": concern.state, "decision": concern.decision,
            "decision_due_at": concern.decision_due_at}


def _concern(concern: Concern) -> dict[str, Any]:
    return {**_brief(concern), "family_id": concern.family.public_id, "what_was_seen": concern.what_was_seen,
            "rationale": concern.rationale, "decided_at": concern.decided_at, "escalated_at": concern.escalated_at,
            "referrals": [_referral(r) for r in access.referrals_of(concern)],
            "what_was_done": [_step(t) for t in access.transitions_of(concern)]}


def _problems(form: forms.RaiseConcernForm) -> list[dict[str, str]]:
    return [{"item": "concern" if field == "__all__" else field, "problem": str(message)}
            for field, messages in form.errors.items() for message in messages]


@router.post("/families/{family_id}/concerns", response={201: ConcernOut, **WITH_BAD_INPUT, 422: Errors},
             url_name="family_concerns", operation_id="raiseConcern", summary="Raise a concern", auth=RAISE_AUTH)
def raise_concern(request: HttpRequest, response: HttpResponse, family_id: UUID, body: NewConcern,
                  idempotency_key: str | None = key_header()) -> Status[Any]:
    """Raise a concern about a family for your agency's safeguarding lead to decide on, as the
    "Raise a concern" page does. Only practitioners of an agency involved with the family may raise
    one; anyone else gets 404. Until the lead decides, only your agency sees it."""
    caller = _caller(request)
    family = family_access.family_for(caller.user, family_id, need=Permission.EDIT_FAMILY, audit=False)

    def write() -> tuple[int, Any]:
        babies = list(family.babies.order_by("date_of_birth", "expected_delivery_date", "id"))
        form = forms.RaiseConcernForm(body.model_dump(), babies=babies)
        if not form.is_valid():
            raise ApiError(400, _problems(form))
        try:
            concern = actions.raise_concern(
                by=caller.user, family=family, baby=form.chosen_baby(), category=form.cleaned_data["category"],
                what_was_seen=form.cleaned_data["what_was_seen"], severity=form.cleaned_data["severity"],
            )
        except TransitionRefused as error:
            raise ApiError.one(400, "concern", str(error)) from None
        return 201, _concern(access.concern_for(caller.user, concern.public_id, audit=False))

    return once(request, response, caller=caller, key=idempotency_key, payload=body.model_dump(mode="json"),
                write=write)


@router.get("/families/{family_id}/concerns", response={200: ConcernPage, **REFUSALS, 400: Errors},
            url_name="family_concerns", operation_id="listConcerns", summary="A family's concerns")
def list_concerns(request: HttpRequest, family_id: UUID, page: int = PAGE, open_only: bool = OPEN_ONLY) -> dict[str, Any]:
    """The family's concerns the caller may see, newest first, 25 a page: every agency's once
    decided, and their own agency's before. Audited as a view of the family."""
    caller = _caller(request)
    family = family_access.family_for(caller.user, family_id, audit=False)
    concerns = access.visible_concerns(caller.user).filter(family=family).select_related("agency", "baby")
    if open_only:
        concerns = concerns.exclude(state=ConcernState.CLOSED)
    paginator = Paginator(concerns.order_by("-raised_at", "-id"), PAGE_SIZE)
    shown = paginator.get_page(page)
    record_event(by=caller.user, action=Action.VIEW, obj=family, family=family,
                 summary=f"Listed the family's concerns through the API with {caller.via} (page {shown.number})",
                 detail=_via(caller))
    return {"concerns": [_brief(c) for c in shown.object_list], "page": shown.number,
            "pages": paginator.num_pages, "count": paginator.count}


@router.get("/concerns/{concern_id}", response={200: ConcernOut, **REFUSALS}, url_name="concern",
            operation_id="readConcern", summary="A concern")
def read_concern(request: HttpRequest, concern_id: UUID) -> dict[str, Any]:
    """One concern with its decision, referrals and what was done, as its page shows it. Audited as
    a view of the concern."""
    caller = _caller(request)
    concern = access.concern_for(caller.user, concern_id, audit=False)
    record_event(by=caller.user, action=Action.VIEW, obj=concern, family=concern.family,
                 summary=f"Viewed a concern through the API with {caller.via}: {concern.get_category_display()}",
                 detail=_via(caller))
    return _concern(concern)
