"""schemathesis over the FHIR API's own schema (/api/fhir/openapi.json), as test_schemathesis.py does
for v1: generated requests for every operation, sent with a practitioner's token, each answer checked
for server errors, a declared status, a declared content type and a body matching its schema.
"""

from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from django.urls import reverse

from .test_schemathesis import demo_like, openapi_3_1, run_operation  # noqa: F401 (fixtures)

pytestmark = pytest.mark.filterwarnings("ignore:jsonschema.RefResolver is deprecated:DeprecationWarning")


@pytest.mark.usefixtures("openapi_3_1", "keep_test_connection")
def test_every_fhir_operation_keeps_to_the_schema(client: Client, demo_like: str) -> None:  # noqa: F811
    headers = {"Authorization": f"Bearer {demo_like}"}
    served = client.get(reverse("api:fhir:openapi-json"), headers=headers)
    assert served.status_code == 200
    schema: Any = schemathesis.from_dict(served.json(), app=WSGIHandler(), validate_schema=True)
    operations = [result.ok() for result in schema.get_all_operations()]
    counts = {"operations": len(operations), "cases": 0, "server_errors": 0, "schema_violations": 0}
    statuses: dict[str, set[int]] = {}
    failures: list[str] = []

    for operation in operations:
        run_operation(operation, headers, counts, statuses.setdefault(operation.verbose_name, set()), failures)

    assert counts["operations"] == 5
    assert counts["cases"] >= 5 * 20, counts
    assert not failures, "\n\n".join(failures[:5])
    # The tool's example slug reaches a real Questionnaire; the records' random ids are "not found".
    assert 200 in statuses["GET /api/fhir/Questionnaire/{slug}"], statuses
    # Posting a QuestionnaireResponse: the schema's example (the family's baby by NHS number) becomes a
    # draft; generated bodies are refused as invalid (400) or name a baby that is not found (404).
    created = statuses.pop("POST /api/fhir/QuestionnaireResponse")
    assert 201 in created, created
    assert created <= {201, 400, 404}, created
    assert all(codes <= {200, 404} for codes in statuses.values()), statuses
