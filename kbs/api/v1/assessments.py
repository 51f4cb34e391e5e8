"""Assessments through the API: start one from answers (and complete it), read one with its outcome,
and list a baby's (issue 10, part 1).

Creating goes through the same actions as the assessment pages (`kbs.tools.actions`: start, save the
answers, complete), so the checks are the pages' checks: the engine reports every unknown item, wrong
type and out-of-range answer; completing needs every required answer (missing answers are an error,
never a low level), every suggested action confirmed or a reason why not, and for an urgent or
emergency outcome the same-day steps or a reason (which sends the assessment to the agency's
safeguarding lead to sign off, as on the page). All of it happens in one transaction: a request that
is refused for any reason leaves nothing behind, not even a draft.

Reading goes through `kbs.tools.access` and `kbs.families.access`, so an assessment or baby the caller
may not see is "not found", and every read is audited with the name of the token used.
"""

import datetime as dt
from typing import Any
from uuid import UUID

from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema, params
from ninja.responses import Status

from kbs.accounts.permissions import Permission, has_permission
from kbs.api import auth
from kbs.api.auth import Caller
from kbs.api.idempotency import key_header, once
from kbs.api.v1.errors import NOT_FOUND, REFUSALS, WITH_BAD_INPUT, ApiError, Errors
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.families import access as family_access
from kbs.families.actions import NotAllowed as ActionNotAllowed
from kbs.families.models import Baby
from kbs.tools import access, actions
from kbs.tools.engine import AnswersInvalid, evaluate_partial
from kbs.tools.labels import action_label
from kbs.tools.models import Assessment
from kbs.tools.spec import LEVELS, ToolSpec, UnknownTool, get_spec

router = Router(tags=["Assessments"])
PAGE_SIZE = 25
PAGE: Any = params.Query(1, ge=1, le=100000, description="Which page of 25, from 1")  # type: ignore[type-arg]
STATES: list[Any] = ["draft", "awaiting_sign_off", "completed"]
STEPS_MISSING = ("an urgent or emergency outcome needs the same-day steps: the call to children's social care "
                 "(csc_referral_at and csc_referral_reference) and the medical review (medical_review_at and "
                 "medical_review_where), or steps_not_recorded_reason saying why they cannot be recorded")
# A partial set of safer-sleep answers (contract §4): the schema's example, a draft to finish in KBS.
EXAMPLE: Any = {"tool": "safer-sleep", "answers": {"has_own_sleep_space": "yes", "night_sleep_place": "cot",
                                              "sofa_sleeping": "never"},
           "confirmed_actions": [], "complete": False}


class SameDayStepsIn(Schema):
    """What was done the same day for an urgent or emergency outcome (times in England's local time
    unless they carry an offset), or why it could not be recorded."""

    csc_referral_at: dt.datetime | None = Field(None, description="When children's social care was called")
    csc_referral_reference: str = Field("", max_length=100, description="Children's social care's reference")
    medical_review_at: dt.datetime | None = Field(None, description="When the paediatric or medical review is")
    medical_review_where: str = Field("", max_length=200, description="Where the review is")
    steps_not_recorded_reason: str = Field(
        "", max_length=2000, description="Why the steps cannot be recorded: the agency's safeguarding lead must "
                                         "then sign the assessment off in KBS before it is complete")


class NewAssessment(Schema):
    """A tool's answers for a baby, and, to complete it, the practitioner's confirmations."""

    model_config = {"json_schema_extra": {"examples": [EXAMPLE]}}

    tool: str = Field(max_length=60, description="The tool's slug, from the list of tools", examples=["safer-sleep"])
    answers: dict[str, Any] = Field(
        {}, description="Item id to answer, as for the tool's evaluate operation. Answers KBS already knows from "
                        "the baby's record (age in days, gestation, birth weight) are filled in unless sent.")
    confirmed_actions: list[str] = Field(
        [], max_length=30, description="The suggested actions the practitioner has taken or will take")
    actions_not_taken_reason: str = Field("", max_length=2000,
                                          description="Why any suggested action not confirmed will not be taken")
    same_day_steps: SameDayStepsIn | None = Field(None, description="Needed to complete an urgent or emergency outcome")
    complete: bool = Field(False, description="true: complete it now (every check applies); false: keep it as a "
                                              "draft for the practitioner to finish in KBS")


class SourceOut(Schema):
    title: str
    url: str


class FlagOut(Schema):
    rule: str = Field(description="The rule that fired")
    title: str = ""
    level: str = Field(json_schema_extra={"enum": list(LEVELS)})
    because: dict[str, Any] = Field(description="Exactly the answers that made the rule fire")
    advice: str
    actions: list[str] = Field([], description="The rule's suggested actions")
    source: SourceOut = Field(description="The guidance the rule comes from")


class ActionOut(Schema):
    code: str
    label: str
    confirmed: bool = Field(description="Whether the practitioner confirmed it (always false before completion)")


class OutcomeOut(Schema):
    level: str = Field(json_schema_extra={"enum": list(LEVELS)})
    flags: list[FlagOut]
    actions: list[ActionOut] = Field(description="The suggested actions, and which were confirmed")
    settings: dict[str, str] = Field({}, description="The partnership settings applied")
    preview: bool = Field(description="true for a draft: what the answers would give if completed now")


class SameDayStepsOut(Schema):
    csc_referral_at: dt.datetime | None
    csc_referral_reference: str
    medical_review_at: dt.datetime | None
    medical_review_where: str
    steps_not_recorded_reason: str


class AssessmentOut(Schema):
    id: UUID
    baby_id: UUID
    family_id: UUID
    tool: str
    tool_version: str
    state: str = Field(json_schema_extra={"enum": STATES})
    answers: dict[str, Any]
    still_needed: list[str] = Field(description="Required items not yet answered (a draft cannot complete without them)")
    outcome: OutcomeOut | None = Field(description="Null while answers are missing: never a low level for missing answers")
    actions_not_taken_reason: str
    same_day_steps: SameDayStepsOut | None = Field(description="For an urgent or emergency outcome")
    created_at: dt.datetime
    completed_at: dt.datetime | None


class AssessmentPage(Schema):
    assessments: list[AssessmentOut]
    page: int
    pages: int
    count: int


def _caller(request: HttpRequest) -> Caller:
    return request.auth  # type: ignore[attr-defined, no-any-return]


def _api_detail(caller: Caller) -> dict[str, Any]:
    return {"token": caller.token_name} if caller.token_name else {"session": True}


def baby_to_assess(caller: Caller, baby_id: Any) -> Baby:
    """The baby, if the caller may complete assessments and edit its family; Http404 otherwise."""
    if not has_permission(caller.user, Permission.EDIT_FAMILY):
        raise Http404(NOT_FOUND)
    return family_access.baby_for(caller.user, baby_id, need=Permission.COMPLETE_ASSESSMENT, audit=False)


def _may_assess(request: HttpRequest, caller: Caller | None) -> Caller | None:
    """Refuse a baby the caller may not assess (404) before the body is read, so that a baby you may
    not assess answers the same whatever is posted."""
    if caller is not None and request.method == "POST":
        match = request.resolver_match
        baby_to_assess(caller, match.kwargs.get("baby_id") if match else None)
    return caller


class BearerToken(auth.BearerToken):
    def __call__(self, request: HttpRequest) -> Caller | None:
        return _may_assess(request, super().__call__(request))


class SignedInSession(auth.SignedInSession):
    def __call__(self, request: HttpRequest) -> Caller | None:
        return _may_assess(request, super().__call__(request))


CREATE_AUTH = [BearerToken(), SignedInSession()]


def spec_for(slug: str, baby: Baby) -> ToolSpec:
    """The tool, if it is one of ours and used for this baby; ApiError 400 otherwise."""
    try:
        spec = get_spec(slug)
    except UnknownTool:
        raise ApiError.one(400, "tool", f"unknown tool {slug!r}: see the list of tools") from None
    if spec.slug not in actions.tools_for(baby):
        raise ApiError.one(400, "tool", f"{spec.slug} is not used for this baby")
    return spec


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment)
    return moment


def start_draft(caller: Caller, baby: Baby, spec: ToolSpec, answers: dict[str, Any], how: str) -> Assessment:
    """Start a draft and save the answers, as the pages do (save_answers raises AnswersInvalid for
    any answer the engine refuses); the caller's transaction keeps both or neither. An audit event
    says how it arrived (`how`, such as " as a FHIR QuestionnaireResponse") and with which token."""
    assessment = actions.start_assessment(by=caller.user, baby=baby, tool_slug=spec.slug)
    if answers:
        actions.save_answers(by=caller.user, assessment=assessment, answers=answers)
    record_event(by=caller.user, action=Action.CREATE, obj=assessment, family=assessment.family,
                 summary=f"Received a {spec.title.lower()}{how} through the API with {caller.via}",
                 detail={"api": _api_detail(caller), "answers": sorted(answers)})
    return assessment


def _complete(caller: Caller, assessment: Assessment, body: NewAssessment) -> Assessment:
    """Complete the draft with the body's confirmations: ApiError 400, one problem per item, otherwise."""
    spec = get_spec(assessment.tool_slug)
    missing = evaluate_partial(spec, assessment.answers, assessment.settings_applied)
    if missing:
        raise ApiError(400, missing)
    outcome = actions.preview(assessment)
    assert outcome is not None  # no problems, so the answers evaluate
    problems = [{"item": "confirmed_actions", "problem": f"{code} is not a suggested action for this outcome"}
                for code in body.confirmed_actions if code not in outcome.actions]
    if not body.actions_not_taken_reason.strip():
        problems += [{"item": "confirmed_actions",
                      "problem": f"confirm {code} ({action_label(code)}), or say why not in actions_not_taken_reason"}
                     for code in outcome.actions if code not in body.confirmed_actions]
    given = body.same_day_steps or SameDayStepsIn.model_validate({})
    steps = actions.SameDaySteps(
        csc_referral_at=_local(given.csc_referral_at), csc_referral_reference=given.csc_referral_reference,
        medical_review_at=_local(given.medical_review_at), medical_review_where=given.medical_review_where,
    )
    if (outcome.level in actions.URGENT_LEVELS and not steps.complete
            and not given.steps_not_recorded_reason.strip()):
        problems.append({"item": "same_day_steps", "problem": STEPS_MISSING})
    if problems:
        raise ApiError(400, problems)
    try:
        return actions.complete_assessment(
            by=caller.user, assessment=assessment, confirmed_actions=list(body.confirmed_actions),
            actions_not_taken_reason=body.actions_not_taken_reason, steps=steps,
            steps_not_recorded_reason=given.steps_not_recorded_reason,
        )
    except actions.ActionsNotConfirmed as refused:  # checked above: only a safeguard
        raise ApiError(400, [{"item": "confirmed_actions", "problem": f"confirm {code}"}
                             for code in refused.missing]) from None
    except actions.SameDayStepsMissing:
        raise ApiError.one(400, "same_day_steps", STEPS_MISSING) from None


def assessment_out(assessment: Assessment) -> dict[str, Any]:
    """An assessment as the API shows it: answers, what is still needed, and the outcome (the stored
    one once completed; for a draft, a preview of what the answers would give)."""
    spec = get_spec(assessment.tool_slug)
    still_needed = [p["item"] for p in evaluate_partial(spec, assessment.answers, assessment.settings_applied)
                    if p["problem"] == "is required"]
    stored = assessment.outcome
    preview = stored is None
    if preview:
        outcome = actions.preview(assessment)
        stored = actions.stored_outcome(spec, outcome) if outcome is not None else None
    result = None
    if stored is not None:
        confirmed = set(assessment.confirmed_actions or [])
        result = {
            "level": stored["level"], "settings": stored.get("settings") or {}, "preview": preview,
            "flags": [{"rule": f["rule"], "title": f.get("title", ""), "level": f["level"], "because": f["because"],
                       "advice": f["advice"], "actions": f.get("actions", []), "source": f["source"]}
                      for f in stored["flags"]],
            "actions": [{"code": code, "label": action_label(code), "confirmed": code in confirmed}
                        for code in stored["actions"]],
        }
    steps = None
    if assessment.level in actions.URGENT_LEVELS:
        steps = {"csc_referral_at": assessment.csc_referral_at, "csc_referral_reference": assessment.csc_referral_reference,
                 "medical_review_at": assessment.medical_review_at,
                 "medical_review_where": assessment.medical_review_where,
                 "steps_not_recorded_reason": assessment.steps_not_recorded_reason}
    return {
        "id": assessment.public_id, "baby_id": assessment.baby.public_id, "family_id": assessment.family.public_id,
        "tool": assessment.tool_slug, "tool_version": assessment.tool_version, "state": assessment.status,
        "answers": assessment.answers, "still_needed": still_needed, "outcome": result,
        "actions_not_taken_reason": assessment.actions_not_taken_reason, "same_day_steps": steps,
        "created_at": assessment.created_at, "completed_at": assessment.completed_at,
    }


@router.post("/babies/{baby_id}/assessments", response={201: AssessmentOut, **WITH_BAD_INPUT, 422: Errors},
             url_name="baby_assessments", operation_id="createAssessment", summary="Record an assessment",
             auth=CREATE_AUTH)
def create_assessment(request: HttpRequest, response: HttpResponse, baby_id: UUID, body: NewAssessment,
                      idempotency_key: str | None = key_header()) -> Status[Any]:
    """Start a tool for a baby with these answers, as the assessment pages do, and, with `complete`
    true, complete it: every required answer, every suggested action confirmed (or a reason why not)
    and, for an urgent or emergency outcome, the same-day steps (or a reason, which sends it to the
    agency's safeguarding lead to sign off). Anything wrong is a 400 naming each problem, and nothing
    is saved. With `complete` false it stays a draft, with a preview of its outcome, for the
    practitioner to finish in KBS. Only callers who may edit the baby's family may record; anyone
    else gets 404."""
    caller = _caller(request)

    def write() -> tuple[int, Any]:
        with transaction.atomic():
            baby = baby_to_assess(caller, baby_id)
            spec = spec_for(body.tool, baby)
            try:
                assessment = start_draft(caller, baby, spec, dict(body.answers), "")
                if body.complete:
                    assessment = _complete(caller, assessment, body)
            except AnswersInvalid as invalid:
                raise ApiError(400, invalid.errors) from None
            except ActionNotAllowed as refused:
                raise ApiError.one(400, "tool", str(refused)) from None
            return 201, assessment_out(assessment)

    return once(request, response, caller=caller, key=idempotency_key, payload=body.model_dump(mode="json"),
                write=write)


@router.get("/babies/{baby_id}/assessments", response={200: AssessmentPage, **REFUSALS, 400: Errors},
            url_name="baby_assessments", operation_id="listAssessments", summary="A baby's assessments")
def list_assessments(request: HttpRequest, baby_id: UUID, page: int = PAGE) -> dict[str, Any]:
    """The baby's assessments (drafts too), newest first, 25 a page. Audited as a view of the baby."""
    caller = _caller(request)
    baby = family_access.baby_for(caller.user, baby_id, audit=False)
    paginator = Paginator(access.assessments_of(baby).select_related("baby", "family"), PAGE_SIZE)
    shown = paginator.get_page(page)
    record_event(by=caller.user, action=Action.VIEW, obj=baby, family=baby.family,
                 summary=f"Listed {baby.display_name}'s assessments through the API with {caller.via} "
                         f"(page {shown.number})",
                 detail={"api": _api_detail(caller)})
    return {"assessments": [assessment_out(a) for a in shown.object_list], "page": shown.number,
            "pages": paginator.num_pages, "count": paginator.count}


@router.get("/assessments/{assessment_id}", response={200: AssessmentOut, **REFUSALS, 400: Errors},
            url_name="assessment",
            operation_id="readAssessment", summary="An assessment with its outcome")
def read_assessment(request: HttpRequest, assessment_id: UUID) -> dict[str, Any]:
    """One assessment: its answers and outcome (the level, every flag with its rule, the answers that
    fired it and its guidance, the suggested actions and which were confirmed). Audited as a view."""
    caller = _caller(request)
    assessment = access.assessment_for(caller.user, assessment_id, audit=False)
    record_event(by=caller.user, action=Action.VIEW, obj=assessment, family=assessment.family,
                 summary=f"Viewed a {assessment.tool_slug} assessment of {assessment.baby.display_name} "
                         f"through the API with {caller.via}",
                 detail={"api": _api_detail(caller)})
    return assessment_out(assessment)
