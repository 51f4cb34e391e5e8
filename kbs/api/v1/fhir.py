"""FHIR R4 read operations at /api/fhir/ (issue 10, part 3): tools, assessments, babies and people.

A second, small django-ninja API beside v1, so that the paths are FHIR's own
(`/api/fhir/Questionnaire/<slug>`, `/api/fhir/Patient/<id>`, ...). It authenticates exactly as v1
(`kbs.api.auth.AUTH`), reads records only through the access modules (so the rules and the audit
are those of the web pages), and checks every resource against the `fhir.resources.R4B` model
before it leaves. Errors are FHIR OperationOutcomes; a record the caller may not see answers 404,
exactly as one that does not exist.

Content type: `application/fhir+json` when the caller's Accept header asks for it (as FHIR clients
do), otherwise `application/json`, which FHIR R4 also accepts for its JSON format.
"""

import json
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.relatedperson import RelatedPerson
from ninja import Router, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.params import functions as params
from pydantic import ConfigDict
from pydantic import ValidationError as PydanticValidationError

from kbs.accounts.permissions import Permission, has_permission
from kbs.api.auth import AUTH, NotAllowed
from kbs.api.v1 import KbsApi, errors
from kbs.api.v1.assessments import assessment_out, baby_to_assess, start_draft
from kbs.families import access as family_access
from kbs.families.models import Baby, Person, Sex
from kbs.tools import access as tool_access
from kbs.tools import actions as tool_actions
from kbs.tools.engine import AnswersInvalid, shown_items
from kbs.tools.fhir import (
    BASE_URL,
    code_system_url,
    questionnaire_for,
    questionnaire_response_for,
    questionnaire_url,
    response_items,
)
from kbs.tools.models import Status
from kbs.tools.spec import ToolSpec, UnknownTool, get_spec

FHIR_JSON = "application/fhir+json"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ROLE_CODES = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
GENDERS = {Sex.FEMALE: "female", Sex.MALE: "male", Sex.NOT_KNOWN: "unknown"}
# HL7 v3 RoleCode for each relationship that has one; the others are sent as text only.
RELATIONSHIP_CODES = {
    "birth_mother": ("NMTH", "natural mother"), "father": ("FTH", "father"),
    "step_parent": ("STPPRN", "step parent"), "grandparent": ("GRPRN", "grandparent"),
    "other_relative": ("FAMMEMB", "family member"), "family_friend": ("FRND", "unrelated friend"),
    "sibling": ("SIB", "sibling"), "mothers_partner": ("SIGOTHR", "significant other"),
}

DESCRIPTION = """\
The partnership's assessment tools as FHIR R4 Questionnaires, completed assessments as
QuestionnaireResponses, babies as Patients (NHS number system `https://fhir.nhs.uk/Id/nhs-number`) and
the people in their lives as RelatedPersons. Authenticate as for the v1 API. Send
`Accept: application/fhir+json` to have answers in FHIR's own content type. Errors are FHIR
OperationOutcomes; a record you may not see answers 404, exactly as one that does not exist.
"""


class FhirResource(Schema):
    """A FHIR R4 resource, as defined at https://hl7.org/fhir/R4/ (checked against the R4 model)."""

    model_config = ConfigDict(extra="allow")
    resourceType: str
    id: str | None = None


class Issue(Schema):
    severity: str
    code: str
    diagnostics: str


class Outcome(Schema):
    """A FHIR OperationOutcome saying what went wrong."""

    resourceType: str
    issue: list[Issue]


FHIR_REFUSALS: dict[int, Any] = {401: Outcome, 403: Outcome, 404: Outcome}
# Every answer may also come as application/fhir+json (see the module's docstring): say so in the schema.
DESCRIPTIONS = {200: "OK", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}
ALSO_FHIR_JSON: dict[str, Any] = {"responses": {
    str(status): {"description": DESCRIPTIONS[status], "content": {
        media_type: {"schema": {"$ref": f"#/components/schemas/{schema.__name__}"}}
        for media_type in ("application/json", FHIR_JSON)
    }} for status, schema in {200: FhirResource, **FHIR_REFUSALS}.items()
}}
ID: Any = params.Path(..., description="The record's id, as in KBS's own addresses")
SLUG: Any = params.Path(..., description="The tool's slug", example="safer-sleep")


def _media_type(request: HttpRequest) -> str:
    return FHIR_JSON if FHIR_JSON in request.headers.get("Accept", "") else "application/json"


def fhir_response(request: HttpRequest, resource: dict[str, Any], status: int = 200) -> HttpResponse:
    response = HttpResponse(json.dumps(resource), status=status, content_type=_media_type(request))
    # Answers about children must never be kept by a browser or a proxy.
    response["Cache-Control"] = "no-store"
    return response


def operation_outcome(code: str, diagnostics: str) -> dict[str, Any]:
    outcome = {"resourceType": "OperationOutcome",
               "issue": [{"severity": "error", "code": code, "diagnostics": diagnostics}]}
    OperationOutcome.model_validate(outcome)
    return outcome


def install(api: KbsApi) -> None:
    """Answer every refusal and bad request as an OperationOutcome."""

    def handler(status: int, code: str, diagnostics: str) -> Any:
        def handle(request: HttpRequest, exc: Any) -> HttpResponse:
            return fhir_response(request, operation_outcome(code, diagnostics), status)
        return handle

    api.add_exception_handler(AuthenticationError, handler(401, "login", errors.SIGN_IN))
    api.add_exception_handler(NotAllowed, handler(403, "forbidden", errors.NO_API))
    api.add_exception_handler(Http404, handler(404, "not-found", errors.NOT_FOUND))
    api.add_exception_handler(ValidationError, handler(400, "invalid", "the request is not valid"))

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return fhir_response(request, operation_outcome("processing", str(exc)), exc.status_code)

    api.add_exception_handler(HttpError, on_http_error)


router = Router(tags=["FHIR"])


@router.get("/Questionnaire/{slug}", response={200: FhirResource, **FHIR_REFUSALS}, url_name="questionnaire",
            openapi_extra=ALSO_FHIR_JSON, operation_id="readQuestionnaire", summary="A tool as a FHIR R4 Questionnaire")
def read_questionnaire(request: HttpRequest, slug: str = SLUG) -> HttpResponse:
    try:
        spec = get_spec(slug)
    except UnknownTool:
        raise Http404(errors.NOT_FOUND) from None
    resource = questionnaire_for(spec)
    Questionnaire.model_validate(resource)
    return fhir_response(request, resource)


@router.get("/QuestionnaireResponse/{assessment_id}", response={200: FhirResource, **FHIR_REFUSALS},
            url_name="questionnaire_response", openapi_extra=ALSO_FHIR_JSON, operation_id="readQuestionnaireResponse",
            summary="An assessment as a FHIR R4 QuestionnaireResponse")
def read_questionnaire_response(request: HttpRequest, assessment_id: str = ID) -> HttpResponse:
    """A completed assessment (status completed), or one not finished yet (status in-progress, with
    the outcome its answers would give, as the create operation answers)."""
    assessment = tool_access.assessment_for(request.auth.user, assessment_id)  # type: ignore[attr-defined]
    if assessment.status != Status.COMPLETED or assessment.completed_at is None:
        return fhir_response(request, held_response(assessment))
    spec = get_spec(assessment.tool_slug)
    resource = {
        "id": str(assessment.public_id),
        **questionnaire_response_for(spec, assessment.answers, authored=assessment.completed_at,
                                     subject_reference=f"Patient/{assessment.baby.public_id}"),
    }
    resource["questionnaire"] = f"{resource['questionnaire']}".rsplit("|", 1)[0] + f"|{assessment.tool_version}"
    QuestionnaireResponse.model_validate(resource)
    return fhir_response(request, resource)


# --- creating an assessment from a QuestionnaireResponse posted by another system -------------------

OUTCOME_URL = f"{BASE_URL}/StructureDefinition/assessment-outcome"
STILL_NEEDED_URL = f"{BASE_URL}/StructureDefinition/still-needed"
STATUSES = ("in-progress", "completed")
VALUE_KEYS = {"yes_no": ("valueBoolean",), "choice": ("valueCoding",), "multi_choice": ("valueCoding",),
              "integer": ("valueInteger",), "number": ("valueDecimal", "valueInteger"), "date": ("valueDate",),
              "text": ("valueString",)}
QUESTIONNAIRE_RESPONSE_BODY = {
    "required": True,
    "description": (
        "A FHIR R4 QuestionnaireResponse: `questionnaire` names one of our Questionnaires "
        f"(`{BASE_URL}/Questionnaire/<slug>`, optionally `|<version>`), `subject` a baby as `Patient/<id>` (as our "
        f"Patient read gives) or by identifier with the NHS number system `{NHS_NUMBER_SYSTEM}`, and `item` one "
        "entry per question (linkId = the Questionnaire's linkId) with answers typed as the question is. It becomes "
        "a draft assessment for a practitioner to confirm in KBS."
    ),
    "content": {media_type: {"schema": {"$ref": "#/components/schemas/FhirResource"}, "example": {
        "resourceType": "QuestionnaireResponse", "status": "completed",
        "questionnaire": f"{BASE_URL}/Questionnaire/safer-sleep",
        "subject": {"identifier": {"system": NHS_NUMBER_SYSTEM, "value": "9990000018"}},
        "item": [{"linkId": "sofa_sleeping", "answer": [{"valueCoding": {"code": "never"}}]},
                 {"linkId": "has_own_sleep_space", "answer": [{"valueBoolean": True}]}],
    }} for media_type in ("application/json", FHIR_JSON)},
}
CREATED: dict[str, Any] = {"requestBody": QUESTIONNAIRE_RESPONSE_BODY, "responses": {
    str(status): {"description": description, "content": {
        media_type: {"schema": {"$ref": f"#/components/schemas/{schema.__name__}"}}
        for media_type in ("application/json", FHIR_JSON)
    }} for status, (description, schema) in {
        201: ("Created: the draft assessment as a QuestionnaireResponse, with its evaluated outcome", FhirResource),
        400: ("Bad Request", Outcome), 401: ("Unauthorized", Outcome), 403: ("Forbidden", Outcome),
        404: ("Not Found", Outcome),
    }.items()
}}


class Invalid(Exception):
    """A posted resource KBS cannot accept: one (FHIR issue code, diagnostics) per problem."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__(problems)


def outcome_of(problems: list[tuple[str, str]]) -> dict[str, Any]:
    outcome = {"resourceType": "OperationOutcome",
               "issue": [{"severity": "error", "code": code, "diagnostics": text} for code, text in problems]}
    OperationOutcome.model_validate(outcome)
    return outcome


def _posted(request: HttpRequest) -> dict[str, Any]:
    """The body, checked against the R4 QuestionnaireResponse model."""
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise Invalid([("invalid", "the body must be a FHIR R4 QuestionnaireResponse in JSON")]) from None
    if not isinstance(data, dict) or data.get("resourceType") != "QuestionnaireResponse":
        raise Invalid([("invalid", "the body must be a FHIR R4 QuestionnaireResponse (resourceType "
                                   "QuestionnaireResponse)")])
    try:
        QuestionnaireResponse.model_validate(data)
    except PydanticValidationError as error:
        raise Invalid([("structure", f"{'.'.join(str(part) for part in e['loc']) or 'resource'}: {e['msg']}")
                       for e in error.errors()[:20]]) from None
    except (ValueError, TypeError) as error:  # fhir.resources' own checks
        raise Invalid([("structure", str(error)[:500])]) from None
    return data


def _tool(canonical: Any) -> ToolSpec:
    """The tool a `questionnaire` canonical names: ours, and the version in use if one is given."""
    text = canonical if isinstance(canonical, str) else ""
    url, _, version = text.partition("|")
    prefix = f"{BASE_URL}/Questionnaire/"
    slug = next((url.removeprefix(start) for start in (prefix, "Questionnaire/") if url.startswith(start)), "")
    try:
        spec = get_spec(slug) if slug else None
    except UnknownTool:
        spec = None
    if spec is None:
        raise Invalid([("not-supported", f"questionnaire must name one of our Questionnaires, "
                                         f"{prefix}<slug>; {text or 'none was given'} is not one")])
    if version and version != spec.version:
        raise Invalid([("not-supported", f"questionnaire version {version} is not the one in use ({spec.version})")])
    return spec


def _subject(caller: Any, subject: Any) -> Baby:
    """The baby a `subject` names, by Patient/<id> or NHS number; 404 if the caller may not assess them."""
    subject = subject if isinstance(subject, dict) else {}
    reference = subject.get("reference") or ""
    identifier = subject.get("identifier") or {}
    if reference.startswith("Patient/"):
        return baby_to_assess(caller, reference.removeprefix("Patient/"))
    if identifier.get("system") == NHS_NUMBER_SYSTEM and identifier.get("value"):
        matches = [m for m in family_access.find_babies(caller.user, nhs_number=str(identifier["value"]))
                   if m.visible]
        if len(matches) != 1:
            raise Http404(errors.NOT_FOUND)
        return baby_to_assess(caller, matches[0].baby_id)
    raise Invalid([("required", "subject must be a baby: a reference Patient/<id>, or an identifier with the "
                                f"NHS number system {NHS_NUMBER_SYSTEM}")])


def _flat_items(items: Any) -> list[dict[str, Any]]:
    """Every item with answers, groups opened up (our Questionnaires are flat, others may nest)."""
    found: list[dict[str, Any]] = []
    for item in items or []:
        if item.get("answer"):
            found.append(item)
        found.extend(_flat_items(item.get("item")))
        for answer in item.get("answer") or []:
            found.extend(_flat_items(answer.get("item")))
    return found


def _value(spec: ToolSpec, item: Any, answer: dict[str, Any]) -> tuple[Any, str]:
    """One FHIR answer as the engine's answer, or a problem."""
    keys = [key for key in answer if key.startswith("value")]
    allowed = VALUE_KEYS[item.type]
    if len(keys) != 1 or keys[0] not in allowed:
        return None, f"{item.id}: the answer must be {' or '.join(allowed)}, as the Questionnaire says"
    value = answer[keys[0]]
    if item.type == "yes_no":
        return ("yes" if value else "no"), ""
    if item.type in {"choice", "multi_choice"}:
        system = value.get("system")
        if system and system != code_system_url(spec):
            return None, f"{item.id}: codes come from {code_system_url(spec)}, not {system}"
        if not value.get("code"):
            return None, f"{item.id}: the valueCoding needs a code"
        return value["code"], ""
    return value, ""


def answers_from(spec: ToolSpec, resource: dict[str, Any]) -> dict[str, Any]:
    """The engine's answers from a QuestionnaireResponse's items; Invalid naming every problem."""
    answers: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for entry in _flat_items(resource.get("item")):
        link_id = str(entry.get("linkId"))
        if link_id not in spec.items_by_id:
            problems.append(("invalid", f"{link_id}: not a question of {spec.slug}"))
            continue
        if link_id in answers:
            problems.append(("invalid", f"{link_id}: answered more than once"))
            continue
        item = spec.item(link_id)
        given = entry["answer"]
        if item.type != "multi_choice" and len(given) > 1:
            problems.append(("invalid", f"{link_id}: takes one answer, not {len(given)}"))
            continue
        values = []
        for answer in given:
            value, problem = _value(spec, item, answer)
            if problem:
                problems.append(("invalid", problem))
            values.append(value)
        answers[link_id] = values if item.type == "multi_choice" else values[0]
    if problems:
        raise Invalid(problems)
    return answers


def _outcome_extensions(assessment: Any) -> list[dict[str, Any]]:
    """The evaluated outcome (a preview: the practitioner confirms it in KBS), or what is still needed."""
    shown = assessment_out(assessment)
    outcome = shown["outcome"]
    extensions: list[dict[str, Any]] = [{"url": STILL_NEEDED_URL, "valueString": item} for item in shown["still_needed"]]
    if outcome is not None:
        parts: list[dict[str, Any]] = [{"url": "level", "valueCode": outcome["level"]}]
        for flag in outcome["flags"]:
            parts.append({"url": "flag", "extension": [
                {"url": "rule", "valueString": flag["rule"]}, {"url": "level", "valueCode": flag["level"]},
                {"url": "because", "valueString": json.dumps(flag["because"], sort_keys=True)},
                {"url": "source", "valueUri": flag["source"]["url"]},
            ]})
        parts.extend({"url": "suggestedAction", "valueCode": action["code"]} for action in outcome["actions"])
        extensions.append({"url": OUTCOME_URL, "extension": parts})
    return extensions


def held_response(assessment: Any) -> dict[str, Any]:
    """A draft assessment as the QuestionnaireResponse KBS holds (in-progress), with its outcome."""
    spec = get_spec(assessment.tool_slug)
    applies = shown_items(spec, assessment.answers)
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse", "id": str(assessment.public_id),
        "questionnaire": f"{questionnaire_url(spec)}|{assessment.tool_version}", "status": "in-progress",
        "subject": {"reference": f"Patient/{assessment.baby.public_id}"},
        "authored": assessment.created_at.isoformat(),
        "item": response_items(spec, {k: v for k, v in assessment.answers.items() if k in applies}),
    }
    if not resource["item"]:
        del resource["item"]
    extensions = _outcome_extensions(assessment)
    if extensions:
        resource["extension"] = extensions
    QuestionnaireResponse.model_validate(resource)
    return resource


def _nhs_number(value: str) -> list[dict[str, str]]:
    return [{"system": NHS_NUMBER_SYSTEM, "value": value}] if value else []


def patient_for(baby: Baby) -> dict[str, Any]:
    """A baby as a FHIR R4 Patient; an unborn baby has no birthDate."""
    family = baby.family
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(baby.public_id),
        "identifier": _nhs_number(baby.nhs_number),
        "name": [{"family": baby.family_name, **({"given": [baby.given_name]} if baby.given_name else {})}],
        "multipleBirthBoolean": baby.multiple_birth,
        "address": [{"line": [line for line in (family.address_line_1, family.address_line_2) if line],
                     "city": family.town, "postalCode": family.postcode}],
        "communication": [{"language": {"text": family.language}, "preferred": True}],
    }
    if baby.sex:
        resource["gender"] = GENDERS[Sex(baby.sex)]
    if baby.date_of_birth:
        resource["birthDate"] = baby.date_of_birth.isoformat()
    if not resource["identifier"]:
        del resource["identifier"]
    return resource


def related_person_for(person: Person, baby: Baby) -> dict[str, Any]:
    """A person in a baby's life as a FHIR R4 RelatedPerson of the baby's Patient."""
    relationship: dict[str, Any] = {"text": person.get_relationship_display()}
    if person.relationship in RELATIONSHIP_CODES:
        code, display = RELATIONSHIP_CODES[person.relationship]
        relationship["coding"] = [{"system": ROLE_CODES, "code": code, "display": display}]
    resource: dict[str, Any] = {
        "resourceType": "RelatedPerson",
        "id": str(person.public_id),
        "patient": {"reference": f"Patient/{baby.public_id}"},
        "relationship": [relationship],
        "name": [{"family": person.family_name, "given": [person.given_name]}],
    }
    if person.nhs_number:
        resource["identifier"] = _nhs_number(person.nhs_number)
    if person.date_of_birth:
        resource["birthDate"] = person.date_of_birth.isoformat()
    return resource


@router.post("/QuestionnaireResponse", response={201: FhirResource, 400: Outcome, **FHIR_REFUSALS},
             url_name="questionnaire_responses", openapi_extra=CREATED, operation_id="createQuestionnaireResponse",
             summary="Record answers from another system as a draft assessment")
def create_questionnaire_response(request: HttpRequest) -> HttpResponse:
    """A QuestionnaireResponse from another system, validated against the R4 model and then as if its
    answers were entered in KBS (every unknown question, wrongly typed answer and code or number out of
    range is a 400 OperationOutcome naming it; nothing is saved). It always becomes a DRAFT assessment:
    a practitioner confirms the suggested actions (and any same-day steps) in KBS. The answer is the
    response as KBS holds it (status in-progress) with the evaluated outcome as extensions, or the
    items still needed: missing answers never give a low level. Only callers who may record
    assessments; a baby the caller may not assess is 404. Location: where it can be read."""
    caller = request.auth  # type: ignore[attr-defined]
    if not (has_permission(caller.user, Permission.EDIT_FAMILY)
            and has_permission(caller.user, Permission.COMPLETE_ASSESSMENT)):
        raise Http404(errors.NOT_FOUND)
    try:
        resource = _posted(request)
        spec = _tool(resource.get("questionnaire"))
        if resource.get("status") not in STATUSES:
            raise Invalid([("not-supported", f"status must be {' or '.join(STATUSES)}")])
        answers = answers_from(spec, resource)
        with transaction.atomic():
            baby = _subject(caller, resource.get("subject"))
            if spec.slug not in tool_actions.tools_for(baby):
                raise Invalid([("business-rule", f"{spec.slug} is not used for this baby")])
            try:
                assessment = start_draft(caller, baby, spec, answers, " as a FHIR QuestionnaireResponse")
            except AnswersInvalid as invalid:
                raise Invalid([("invalid", f"{p['item']}: {p['problem']}") for p in invalid.errors]) from None
            held = held_response(assessment)
    except Invalid as invalid:
        return fhir_response(request, outcome_of(invalid.problems), 400)
    response = fhir_response(request, held, 201)
    response["Location"] = reverse("api:fhir:questionnaire_response", args=[assessment.public_id])
    return response


@router.get("/Patient/{baby_id}", response={200: FhirResource, **FHIR_REFUSALS}, url_name="patient",
            openapi_extra=ALSO_FHIR_JSON, operation_id="readPatient", summary="A baby as a FHIR R4 Patient")
def read_patient(request: HttpRequest, baby_id: str = ID) -> HttpResponse:
    baby = family_access.baby_for(request.auth.user, baby_id)  # type: ignore[attr-defined]
    resource = patient_for(baby)
    Patient.model_validate(resource)
    return fhir_response(request, resource)


@router.get("/RelatedPerson/{person_id}", response={200: FhirResource, **FHIR_REFUSALS}, url_name="related_person",
            openapi_extra=ALSO_FHIR_JSON, operation_id="readRelatedPerson", summary="A person in a baby's life as a FHIR R4 RelatedPerson")
def read_related_person(request: HttpRequest, person_id: str = ID) -> HttpResponse:
    person = family_access.person_for(request.auth.user, person_id)  # type: ignore[attr-defined]
    baby = person.family.babies.order_by("id").first()
    if baby is None:  # a family is registered with its baby, so this is only a safeguard
        raise Http404(errors.NOT_FOUND)
    resource = related_person_for(person, baby)
    RelatedPerson.model_validate(resource)
    return fhir_response(request, resource)


fhir_api = KbsApi(
    title="Keeping Babies Safe FHIR R4 API",
    version="fhir-r4",
    description=DESCRIPTION,
    urls_namespace="api:fhir",
    auth=AUTH,
    docs_url=None,
    docs_decorator=errors.caller_required,
)
install(fhir_api)
fhir_api.add_router("", router)
