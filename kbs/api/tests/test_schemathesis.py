"""The proof that the API keeps to its own OpenAPI schema (issue 9, part 7).

schemathesis loads the schema django-ninja generates, and for every operation generates requests
from it (random bodies and paths, and the schema's own examples), sends them to the application
with a practitioner's valid token, and checks each response: never a server error, a status the
schema declares, its declared content type, and a body that matches the declared schema. The data
are demo-like: a family the practitioner's agency leads on, and one it is not involved with.

With KBS_SECURITY_REPORT_DIR set, the figures go to "schemathesis" for `make security-report`.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import experimental
from schemathesis.checks import not_a_server_error
from schemathesis.exceptions import CheckFailed
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kbs.accounts.models import User
from kbs.api.actions import create_api_token
from kbs.concerns.actions import create_task, raise_concern
from kbs.concerns.models import TaskKind
from kbs.conftest import TEST_NHS_NUMBERS, baby_details
from kbs.contacts.actions import record_contact
from kbs.core.security_figures import write_figures
from kbs.families.models import Family
from kbs.tools.actions import start_assessment

# schemathesis 3 (a dev tool) builds its reference resolver on jsonschema's deprecated RefResolver;
# nothing of ours uses it, so that one warning, and only in this test, is not an error.
pytestmark = pytest.mark.filterwarnings("ignore:jsonschema.RefResolver is deprecated:DeprecationWarning")

EXAMPLES_PER_OPERATION = 60
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)


@pytest.fixture
def demo_like(cast: dict[str, User], family: Family, make_family: Callable[..., Family]) -> str:
    """A health visitor's token; their agency leads on `family`, and another agency has a second one."""
    make_family(by=cast["midwife"], baby=baby_details(given_name="Noah", family_name="Begum",
                                                      nhs_number=TEST_NHS_NUMBERS[1]), postcode="DE22 3AB")
    make_family(by=cast["police"], baby=baby_details(given_name="Ava", family_name="Hart",
                                                     nhs_number=TEST_NHS_NUMBERS[2]))
    return create_api_token(by=None, user=cast["health_visitor"], name="schemathesis")[1]


@pytest.fixture
def openapi_3_1() -> Any:
    """django-ninja writes OpenAPI 3.1, whose response validation schemathesis 3 keeps behind a switch."""
    experimental.OPEN_API_3_1.enable()
    yield
    experimental.OPEN_API_3_1.disable()


def run_operation(operation: Any, headers: dict[str, str], counts: dict[str, int], seen: set[int],
                  failures: list[str], known: dict[str, str] | None = None) -> None:
    """Send the generated requests (and the schema's examples) for one operation and check each answer.
    Path parameters named in `known` (family_id, contact_id) are given those records' ids, so that
    the requests reach the answers and not only "not found"."""
    strategies = [operation.as_strategy(), *operation.get_strategies_from_examples()]

    @given(case=st.one_of(strategies))
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    def run(case: Any) -> None:
        for name, value in (known or {}).items():
            if case.path_parameters and name in case.path_parameters:
                case.path_parameters[name] = value
        response = case.call(headers=headers)
        counts["cases"] += 1
        seen.add(response.status_code)
        try:
            case.validate_response(response, checks=CHECKS)
        except CheckFailed as failed:
            counts["server_errors" if response.status_code >= 500 else "schema_violations"] += 1
            failures.append(f"{operation.verbose_name}: {failed}"[:2000])

    run()


@pytest.mark.usefixtures("openapi_3_1", "keep_test_connection")
def test_every_operation_keeps_to_the_schema(client: Client, demo_like: str, family: Family,
                                             cast: dict[str, User]) -> None:
    headers = {"Authorization": f"Bearer {demo_like}"}
    served = client.get(reverse("api:openapi-json"), headers=headers)
    assert served.status_code == 200
    # validate_schema: the schema is checked against the OpenAPI 3.1 meta-schema as it loads.
    schema = schemathesis.from_dict(served.json(), app=WSGIHandler(), validate_schema=True)
    operations = [result.ok() for result in schema.get_all_operations()]
    counts = {"operations": len(operations), "cases": 0, "server_errors": 0, "schema_violations": 0}
    statuses: dict[str, set[int]] = {}
    failures: list[str] = []

    contact = record_contact(by=cast["health_visitor"], family=family, present=[], deliveries=[], life_events=[],
                             details={"at": timezone.now() - timedelta(hours=1), "contact_type": "home_visit",
                                      "setting": "home", "baby_seen": True, "sleep_place_observed": "cot",
                                      "language": "English", "interpreter_used": False, "notes": "", "shared": True})
    known = {"family_id": str(family.public_id), "contact_id": str(contact.public_id)}
    # Assessments (issue 10): the family's baby, and a draft of theirs to read.
    sleep = start_assessment(by=cast["health_visitor"], baby=family.babies.get(), tool_slug="safer-sleep")
    known |= {"baby_id": str(sleep.baby.public_id), "assessment_id": str(sleep.public_id)}
    # Families, people, concerns and tasks (issue 10): the mother, a concern and a task of the health visitor's.
    concern = raise_concern(by=cast["health_visitor"], family=family, baby=None, category="other",
                            what_was_seen="Worried about the stairs", severity="low")
    task = create_task(by=cast["lead"], family=family, kind=TaskKind.OTHER, title="Visit again",
                       agency=cast["health_visitor"].agency, due_at=timezone.now() + timedelta(days=2),  # type: ignore[arg-type]
                       assigned_to=cast["health_visitor"], notify=False)
    known |= {"person_id": str(family.people.get().public_id), "concern_id": str(concern.public_id),
              "task_id": str(task.public_id)}  # type: ignore[union-attr]
    for operation in operations:
        run_operation(operation, headers, counts, statuses.setdefault(operation.verbose_name, set()), failures,
                      known)

    write_figures("schemathesis", counts)
    assert counts["operations"] == 19
    assert counts["cases"] >= 19 * 20, counts
    assert not failures, "\n\n".join(failures[:5])
    assert counts["server_errors"] == 0
    assert counts["schema_violations"] == 0
    # The generated requests reached the answers, not only the refusals: each operation succeeded.
    assert all(any(200 <= code < 300 for code in codes) for codes in statuses.values()), statuses
