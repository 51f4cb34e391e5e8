"""Version 1 of the JSON API, built with django-ninja (ADR 14).

`api` is the one NinjaAPI instance: its routers (one module per subject) add operations, and its
OpenAPI schema is served at /api/v1/openapi.json and described for people at /api/docs. Every
operation authenticates with a bearer token or a signed-in session (`kbs.api.auth.AUTH`), answers
errors in the contract's shape (`errors.py`), and declares every response it can give, so that
schemathesis can hold the running code to the schema.

To add a subject (FHIR resources, say), write a module with a `Router`, declare its responses with
`errors.REFUSALS` or `errors.WITH_BAD_INPUT`, and add it with `api.add_router` below.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from kbs.api.auth import AUTH
from kbs.api.v1 import assessments, babies, concerns, contacts, errors, families, tasks, tools

DESCRIPTION = """\
The Keeping Babies Safe API for systems that work with babies' records: maternity and health-visiting
systems, test suites and audits.

Authenticate with an API token (`Authorization: Bearer kbs_…`, made by an administrator at
/api-tokens/ or with `manage.py create_api_token`), or from a browser signed in to KBS, sending the
CSRF token with every POST. Only roles that may use the API are allowed (403 otherwise). A token
works until it expires or is revoked (401 after), only for its scopes, such as `babies:read` or
`tools:read` (403 otherwise), and for a number of requests a minute (429 over it, with
`Retry-After` saying how many seconds to wait).

Every error has one shape: `{"errors": [{"item": "…", "problem": "…"}]}`. A record you may not see
answers 404, exactly as a record that does not exist. Every search for a baby is in the audit trail
with the name of the token used.
"""


class KbsApi(NinjaAPI):
    def create_response(self, request: HttpRequest, data: Any, *, status: int | None = None,
                        temporal_response: HttpResponse | None = None) -> HttpResponse:
        response = super().create_response(request, data, status=status, temporal_response=temporal_response)
        # Answers about children must never be kept by a browser or a proxy.
        response["Cache-Control"] = "no-store"
        return response

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        # A token over its rate (kbs.api.auth.check_rate) is told when to try again.
        for methods in schema.get("paths", {}).values():
            for operation in methods.values():
                too_many = operation.get("responses", {}).get(429)
                if too_many is not None:
                    too_many["description"] = "Too many requests from this token this minute"
                    too_many["headers"] = {"Retry-After": {
                        "description": "Seconds until the token may call again", "schema": {"type": "integer"}}}
                # A write with an Idempotency-Key (kbs.api.idempotency) says when its answer is a replay.
                if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", [])):
                    for status, answer in operation.get("responses", {}).items():
                        if 200 <= int(status) < 300:
                            answer["headers"] = {"Idempotent-Replayed": {
                                "description": "'true' when this is the kept answer to an earlier request with "
                                               "the same Idempotency-Key", "schema": {"type": "string"}}}
        return schema


api = KbsApi(
    title="Keeping Babies Safe API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=AUTH,
    docs_url=None,
    docs_decorator=errors.caller_required,  # the page for people is kbs.api.views.docs, an NHS.UK page that obeys our CSP
)
errors.install(api)
api.add_router("", tools.router)
api.add_router("", babies.router)
api.add_router("", contacts.router)
api.add_router("", assessments.router)
api.add_router("", families.router)
api.add_router("", concerns.router)
api.add_router("", tasks.router)
