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

from django.http import Http404, HttpRequest, HttpResponse
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.relatedperson import RelatedPerson
from ninja import Router, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.params import functions as params
from pydantic import ConfigDict

from kbs.api.auth import AUTH, NotAllowed
from kbs.api.v1 import KbsApi, errors
from kbs.families import access as family_access
from kbs.families.models import Baby, Person, Sex
from kbs.tools import access as tool_access
from kbs.tools.fhir import questionnaire_for, questionnaire_response_for
from kbs.tools.models import Status
from kbs.tools.spec import UnknownTool, get_spec

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
            summary="A completed assessment as a FHIR R4 QuestionnaireResponse")
def read_questionnaire_response(request: HttpRequest, assessment_id: str = ID) -> HttpResponse:
    assessment = tool_access.assessment_for(request.auth.user, assessment_id)  # type: ignore[attr-defined]
    if assessment.status != Status.COMPLETED or assessment.completed_at is None:
        raise Http404(errors.NOT_FOUND)
    spec = get_spec(assessment.tool_slug)
    resource = {
        "id": str(assessment.public_id),
        **questionnaire_response_for(spec, assessment.answers, authored=assessment.completed_at,
                                     subject_reference=f"Patient/{assessment.baby.public_id}"),
    }
    resource["questionnaire"] = f"{resource['questionnaire']}".rsplit("|", 1)[0] + f"|{assessment.tool_version}"
    QuestionnaireResponse.model_validate(resource)
    return fhir_response(request, resource)


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
