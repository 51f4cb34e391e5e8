"""Every API operation × token scope × agency (issue 10, "Tests that must exist").

The operations are read from the OpenAPI schemas themselves (v1 and FHIR), so a new operation is
tested the moment it is added. For each one, with a token of a health visitor whose agency leads on
the "in" family:

(a) a token with exactly the scope the operation needs gets past every refusal (not 401, 403 or
    404), and its answer names nothing of the other agency's family;
(b) a token with every other scope but that one is refused with 403;
(c) the same token with the needed scope, asking about the other agency's family, its people,
    babies, contacts, concerns, tasks or assessments, is told "not found" (404);
(d) an expired token and a revoked token are refused with 401.

Path parameters are filled by name from the two worlds; an operation with a parameter this test
cannot fill fails, naming it, so that no operation is added without a case here. Writes are sent
`{}` (refused as bad input by the operations that are reached, which proves they were reached).
"""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import resolve
from django.utils import timezone

from kbs.accounts.models import Agency, AgencyType, Role, Team, User
from kbs.api.actions import create_api_token, revoke_api_token
from kbs.api.auth import required_scope
from kbs.api.models import RESOURCES, SCOPES, ApiToken
from kbs.api.v1 import api
from kbs.api.v1.fhir import fhir_api
from kbs.concerns import actions as concern_actions
from kbs.concerns.models import TaskKind
from kbs.conftest import TEST_NHS_NUMBERS, baby_details, household_details
from kbs.contacts import actions as contact_actions
from kbs.families import actions as family_actions
from kbs.tools import actions as tool_actions
from kbs.tools.tests.test_actions import all_actions, sample, steps

# Each path parameter, and the record of a world that fills it. Records not about a family (a tool)
# are the same in both worlds.
FILLERS = {"family_id": "family", "person_id": "person", "baby_id": "baby", "contact_id": "contact",
           "concern_id": "concern", "task_id": "task", "assessment_id": "assessment", "slug": "tool"}
NOT_ABOUT_A_FAMILY = {"slug"}
METHODS = ("get", "post", "put", "patch", "delete")


def schema_operations() -> list[tuple[str, str, list[str]]]:
    """(method, path, path parameter names) for every operation of the v1 and FHIR schemas."""
    found = []
    for schema in (api.get_openapi_schema(), fhir_api.get_openapi_schema()):
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                if method in METHODS:
                    names = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "path"]
                    found.append((method.upper(), path, names))
    return found


OPERATIONS = schema_operations()


def _user(username: str, role: str, agency: Agency) -> User:
    team = Team.objects.get_or_create(agency=agency, name=f"{agency.name} team")[0]
    user = User.objects.create_user(username=username, password=None, email=f"{username}@example.nhs.uk",
                                    first_name=username.capitalize(), last_name="Tester", agency=agency, team=team)
    user.roles.add(Role.objects.get(slug=role))
    return user


def _records(practitioner: User, nhs_number: str, postcode: str) -> dict[str, Any]:
    """A family led by the practitioner's agency, with one of each record an operation can name."""
    family = family_actions.register_family(
        by=practitioner, family=household_details(postcode=postcode), baby=baby_details(nhs_number=nhs_number),
        reason="New birth notification")
    person = family_actions.add_person(by=practitioner, family=family, details={
        "given_name": "Sophie", "family_name": "Hart", "relationship": "birth_mother", "date_of_birth": None,
        "nhs_number": "", "lives_in_household": True, "regular_carer": True, "parental_responsibility": True,
        "last_seen_on": None})
    baby = family.babies.get()
    contact = contact_actions.record_contact(
        by=practitioner, family=family, present=[], deliveries=[], life_events=[],
        details={"at": timezone.now() - timedelta(hours=1), "contact_type": "home_visit", "setting": "home",
                 "baby_seen": True, "sleep_place_observed": "cot", "language": "English", "interpreter_used": False,
                 "notes": "", "shared": True})
    assessment = tool_actions.start_assessment(by=practitioner, baby=baby, tool_slug="safer-sleep")
    tool_actions.save_answers(by=practitioner, assessment=assessment, answers=sample("safer-sleep-high"))
    assessment = tool_actions.complete_assessment(by=practitioner, assessment=assessment,
                                                  confirmed_actions=all_actions(assessment), steps=steps())
    concern = concern_actions.raise_concern(by=practitioner, family=family, baby=baby, category="injury",
                                            what_was_seen="A small bruise on the cheek", severity="medium")
    task = concern_actions.create_task(
        by=practitioner, family=family, kind=TaskKind.OTHER, title="Visit again", agency=practitioner.agency,  # type: ignore[arg-type]
        due_at=timezone.now() + timedelta(days=3), assigned_to=practitioner, notify=False)
    assert task is not None
    return {"family": family.public_id, "person": person.public_id, "baby": baby.public_id,
            "contact": contact.public_id, "assessment": assessment.public_id, "concern": concern.public_id,
            "task": task.public_id, "tool": "safer-sleep"}


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """Two agencies' families, made once for the module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        hv = Agency.objects.create(name="Matrix Health Visiting", agency_type=AgencyType.HEALTH_VISITING)
        other = Agency.objects.create(name="Matrix Other Health Visiting", agency_type=AgencyType.HEALTH_VISITING)
        practitioner = _user("matrix-hv", "health-visitor", hv)
        other_practitioner = _user("matrix-other", "health-visitor", other)
        made = {
            "practitioner": practitioner,
            "in": _records(practitioner, TEST_NHS_NUMBERS[4], "DE1 2AB"),
            "out": _records(other_practitioner, TEST_NHS_NUMBERS[5], "NG1 5AA"),
        }
        yield made
        transaction.set_rollback(True)


def fill(path: str, names: list[str], records: dict[str, Any]) -> str:
    missing = [name for name in names if name not in FILLERS]
    assert not missing, (f"{path}: no filler for the path parameter(s) {missing}: add a record for each to FILLERS "
                         "and to the worlds in kbs/api/tests/test_api_matrix.py")
    for name in names:
        path = path.replace("{" + name + "}", str(records[FILLERS[name]]))
    return path


def needed_scope(method: str, url: str) -> str:
    request = RequestFactory().generic(method, url)
    request.resolver_match = resolve(url)
    return required_scope(request)


def call(client: Client, method: str, url: str, token: str) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    if method == "GET":
        return client.get(url, headers=headers)
    return client.generic(method, url, data="{}", content_type="application/json", headers=headers)


def token(user: User, scopes: list[str], name: str = "matrix") -> str:
    return create_api_token(by=None, user=user, name=name, scopes=scopes)[1]


def test_every_operation_is_found() -> None:
    """The schemas list what this module tests: more than a handful, and the ones it must cover."""
    paths = {(method, path) for method, path, _ in OPERATIONS}
    assert len(paths) >= 15
    assert ("GET", "/api/v1/families/{family_id}") in paths
    assert ("POST", "/api/v1/tasks/{task_id}/complete") in paths
    assert ("GET", "/api/fhir/Patient/{baby_id}") in paths


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "names"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_operation_by_scope_and_agency(client: Client, world: dict[str, Any], method: str, path: str,
                                       names: list[str]) -> None:
    user = world["practitioner"]
    url = fill(path, names, world["in"])
    scope = needed_scope(method, url)
    assert scope in SCOPES, f"{method} {path} needs {scope!r}, a scope no token can be given"
    # The scope is about what the path names last (contacts of a family need contacts:*), and reads read.
    named = [part.lower() for part in path.split("/") if part.lower() in RESOURCES]
    assert named, f"{method} {path} names no resource a token can have a scope for"
    assert scope.split(":")[0] == named[-1], f"{method} {path} needs {scope!r}, not a {named[-1]} scope"
    assert method != "GET" or scope.endswith(":read"), f"{method} {path} needs {scope!r}"

    # (a) exactly the needed scope: past every refusal, and nothing of the other agency's family in the answer
    exact = token(user, [scope])
    allowed = call(client, method, url, exact)
    assert allowed.status_code not in (401, 403, 404), (method, path, scope, allowed.status_code, allowed.content[:300])
    assert allowed.status_code < 500, (method, path, allowed.content[:300])
    leaked = [name for name, value in world["out"].items()
              if name != "tool" and str(value) in allowed.content.decode()]
    assert not leaked, f"{method} {path} answered the other agency's {leaked}"

    # (b) every scope but that one
    assert call(client, method, url, token(user, [s for s in SCOPES if s != scope])).status_code == 403, (method, path)

    # (c) the needed scope, about the other agency's records
    if any(name not in NOT_ABOUT_A_FAMILY for name in names):
        refused = call(client, method, fill(path, names, world["out"]), exact)
        assert refused.status_code == 404, (method, path, refused.status_code, refused.content[:300])

    # (d) expired and revoked tokens
    expired_row, expired = create_api_token(by=None, user=user, name="expired", scopes=[scope])
    ApiToken.objects.filter(pk=expired_row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    revoked_row, revoked = create_api_token(by=None, user=user, name="revoked", scopes=[scope])
    revoke_api_token(by=user, token=revoked_row, reason="Leaked")
    assert call(client, method, url, expired).status_code == 401, (method, path)
    assert call(client, method, url, revoked).status_code == 401, (method, path)
