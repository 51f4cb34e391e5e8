"""Contacts through the API: recording one as the page does, listing a family's, reading one, and
every refusal (no token, no scope, a role without the API, an agency not involved)."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kbs.api.tests.calls import get, post_json
from kbs.audit.models import Action, AuditEvent
from kbs.chronology.models import Entry
from kbs.contacts.models import Contact, MessageDelivery
from kbs.families.models import Family


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def url(family: Family) -> str:
    return reverse("api:family_contacts", args=[family.public_id])


def body(family: Family, **changes: Any) -> dict[str, Any]:
    mother = family.people.get(given_name="Sophie")
    yesterday = timezone.localdate() - timedelta(days=1)
    return {
        "date": yesterday.isoformat(), "time": "10:30", "contact_type": "home_visit", "setting": "home",
        "present": [str(mother.public_id)], "baby_seen": True, "sleep_place_observed": "cot",
        "language": "English", "interpreter_used": False,
        "messages_given": [{"person": str(mother.public_id), "messages": ["safe_sleep", "safe_handling", "safe_space"],
                            "leaflet_given": True, "understanding_checked": True}],
        "notes": "All well", "shared": True, **changes,
    }


def post(client: Client, family: Family, token: str | None, data: Any, **headers: str) -> Any:
    return post_json(client, url(family), token, data, **headers)


def test_recording_a_contact_is_the_same_as_on_the_page(client: Client, family: Family,
                                                        token_for: Callable[..., str]) -> None:
    response = post(client, family, token_for("health_visitor", ["contacts:write"]), body(family))
    assert response.status_code == 201, response.content
    answer = response.json()
    contact = Contact.objects.get(public_id=answer["id"])
    assert contact.family == family
    assert answer["family_id"] == str(family.public_id)
    assert {d["message"] for d in answer["deliveries"]} == {"safe_sleep", "safe_handling", "safe_space"}
    assert all(d["leaflet_given"] and d["understanding_checked"] for d in answer["deliveries"])
    assert MessageDelivery.objects.filter(contact=contact).count() == 3
    assert AuditEvent.objects.filter(action=Action.CREATE, family=family, summary__startswith="Recorded a contact",
                                     detail__present=[str(p) for p in answer["present"]]).count() == 1
    # The audit event names the token the contact came through.
    event = AuditEvent.objects.get(action=Action.CREATE, object_id=str(contact.public_id))
    assert "through the API with API token 'health_visitor system'" in event.summary
    assert event.detail["api"] == {"token": "health_visitor system"}
    assert Entry.objects.filter(family=family, summary__startswith="Three messages").exists()


def test_list_and_read(client: Client, family: Family, token_for: Callable[..., str]) -> None:
    created = post(client, family, token_for("health_visitor"), body(family)).json()
    reader = token_for("midwife", ["contacts:read"])
    listed = get(client, url(family), reader)
    assert listed.status_code == 200
    assert listed.json()["count"] == 1
    assert listed.json()["contacts"][0]["id"] == created["id"]
    read = get(client, reverse("api:contact", args=[created["id"]]), reader)
    assert read.status_code == 200
    assert read.json()["notes"] == "All well"
    assert AuditEvent.objects.filter(action=Action.VIEW, summary__contains="API token 'midwife system'").count() == 2


def test_unshared_notes_stay_with_the_recording_agency(client: Client, family: Family,
                                                       token_for: Callable[..., str]) -> None:
    created = post(client, family, token_for("health_visitor"), body(family, shared=False)).json()
    assert created["notes"] == "All well"
    read = get(client, reverse("api:contact", args=[created["id"]]), token_for("midwife"))
    assert read.json()["notes"] is None


def test_no_token_is_401(client: Client, family: Family) -> None:
    assert post(client, family, None, body(family)).status_code == 401
    assert get(client, url(family), None).status_code == 401
    assert not Contact.objects.exists()


@pytest.mark.parametrize("scopes", [["contacts:read"], ["families:write"]])
def test_a_token_without_contacts_write_is_403(client: Client, family: Family, token_for: Callable[..., str],
                                               scopes: list[str]) -> None:
    response = post(client, family, token_for("health_visitor", scopes), body(family))
    assert response.status_code == 403
    assert "contacts:write" in response.json()["errors"][0]["problem"]
    assert not Contact.objects.exists()


def test_reading_needs_contacts_read(client: Client, family: Family, token_for: Callable[..., str]) -> None:
    assert get(client, url(family), token_for("health_visitor", ["contacts:write"])).status_code == 403


@pytest.mark.parametrize("persona", ["analyst", "admin", "dpo", "outsider"])
def test_a_role_without_the_api_is_403(client: Client, family: Family, token_for: Callable[..., str],
                                       persona: str) -> None:
    assert post(client, family, token_for(persona), body(family)).status_code == 403
    assert not Contact.objects.exists()


def test_an_agency_not_involved_gets_404(client: Client, family: Family, token_for: Callable[..., str]) -> None:
    police = token_for("police")
    response = post(client, family, police, body(family))
    assert response.status_code == 404
    assert response.json() == {"errors": [{"item": "request", "problem": "not found"}]}
    assert get(client, url(family), police).status_code == 404
    created = post(client, family, token_for("health_visitor"), body(family)).json()
    assert get(client, reverse("api:contact", args=[created["id"]]), police).status_code == 404
    assert Contact.objects.count() == 1


@pytest.mark.parametrize(("changes", "item", "problem"), [
    ({"date": (timezone.localdate() + timedelta(days=2)).isoformat()}, "date", "today or in the past"),
    ({"time": "25:99"}, "time", "Enter the time like 14:30"),
    ({"contact_type": "seance"}, "contact_type", "Select a valid choice"),
    ({"present": []}, "contact", "Mark Sophie Hart as present"),
    ({"messages_given": [{"person": "00000000-0000-0000-0000-000000000000", "messages": ["safe_sleep"]}]},
     "messages_given", "not a person in this family"),
    ({"baby_seen": "perhaps"}, "baby_seen", ""),
])
def test_bad_input_is_400_and_saves_nothing(client: Client, family: Family, token_for: Callable[..., str],
                                            changes: dict[str, Any], item: str, problem: str) -> None:
    response = post(client, family, token_for("health_visitor"), body(family, **changes))
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert any(e["item"] == item and problem in e["problem"] for e in errors), errors
    assert not Contact.objects.exists()
    assert not Entry.objects.filter(kind="contact").exists()


@pytest.mark.parametrize("data", [{}, "not json", {"date": "yesterday"}])
def test_a_family_not_involved_is_404_whatever_the_body(client: Client, family: Family,
                                                        token_for: Callable[..., str], data: Any) -> None:
    assert post(client, family, token_for("police"), data).status_code == 404
