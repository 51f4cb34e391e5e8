"""Families and people through the API: the list, a family, a person, their audit, and every refusal
(no token, no scope, a role without the API, an agency not involved)."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from kbs.accounts.models import User
from kbs.api.tests.calls import get
from kbs.audit.models import Action, AuditEvent
from kbs.conftest import TEST_NHS_NUMBERS, baby_details
from kbs.families.models import Family

NO_API = ["analyst", "admin", "dpo", "outsider"]


def family_url(family: Family) -> str:
    return reverse("api:family", args=[family.public_id])


def person_url(family: Family) -> str:
    return reverse("api:person", args=[family.people.get(given_name="Sophie").public_id])


def test_the_list_is_the_agencys_families(client: Client, family: Family, make_family: Callable[..., Family],
                                          cast: dict[str, User], token_for: Callable[..., str]) -> None:
    make_family(by=cast["police"], baby=baby_details(given_name="Ava", nhs_number=TEST_NHS_NUMBERS[2]))
    response = get(client, reverse("api:families"), token_for("health_visitor", ["families:read"]))
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["count"] == 1
    assert answer["pages"] == 1
    listed = answer["families"][0]
    assert listed["id"] == str(family.public_id)
    assert listed["postcode_district"] == "DE1"
    assert listed["babies"][0]["name"] == "Amelia Hart"
    assert listed["babies"][0]["born"] is True
    assert listed["lead_agency"] == "Test Health Visiting"
    assert {i["agency"] for i in listed["involvements"]} == {"Test Health Visiting", "Test Maternity"}
    assert "address_line_1" not in listed
    assert AuditEvent.objects.filter(action=Action.SEARCH, summary__contains="API token 'health_visitor system'",
                                     detail__found=[str(family.public_id)]).count() == 1


def test_the_list_of_an_agency_not_involved_is_empty(client: Client, family: Family,
                                                     token_for: Callable[..., str]) -> None:
    response = get(client, reverse("api:families"), token_for("police"))
    assert response.status_code == 200
    assert response.json()["families"] == []
    assert response.json()["count"] == 0


@pytest.mark.parametrize("persona", ["health_visitor", "lead", "midwife"])
def test_a_family_as_its_page_shows_it(client: Client, family: Family, token_for: Callable[..., str],
                                       persona: str) -> None:
    response = get(client, family_url(family), token_for(persona, ["families:read"]))
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["postcode"] == "DE1 2AB"
    assert answer["address_line_1"] == "1 Test Street"
    assert [b["nhs_number"] for b in answer["babies"]] == [TEST_NHS_NUMBERS[0]]
    assert answer["babies"][0]["died"] is False
    assert [p["given_name"] for p in answer["people"]] == ["Sophie"]
    assert answer["people"][0]["relationship"] == "birth_mother"
    assert [i["lead_agency"] for i in answer["involvements"]] == [True, False]
    assert AuditEvent.objects.filter(action=Action.VIEW, family=family,
                                     summary=f"Viewed the family page through the API with API token "
                                             f"'{persona} system'").count() == 1


@pytest.mark.parametrize("persona", ["health_visitor", "lead", "midwife"])
def test_a_person(client: Client, family: Family, token_for: Callable[..., str], persona: str) -> None:
    response = get(client, person_url(family), token_for(persona, ["people:read"]))
    assert response.status_code == 200, response.content
    assert response.json()["family_name"] == "Hart"
    assert response.json()["family_id"] == str(family.public_id)
    assert AuditEvent.objects.filter(action=Action.VIEW, family=family,
                                     summary__startswith="Viewed Sophie Hart through the API").count() == 1


def test_an_agency_not_involved_gets_404(client: Client, family: Family, token_for: Callable[..., str]) -> None:
    police = token_for("police")
    for path in (family_url(family), person_url(family)):
        response = get(client, path, police)
        assert response.status_code == 404
        assert response.json() == {"errors": [{"item": "request", "problem": "not found"}]}
    assert not AuditEvent.objects.filter(action=Action.VIEW, family=family).exists()


def test_a_family_that_does_not_exist_is_the_same_404(client: Client, family: Family,
                                                      token_for: Callable[..., str]) -> None:
    response = get(client, reverse("api:family", args=["00000000-0000-0000-0000-000000000000"]),
                   token_for("health_visitor"))
    assert response.status_code == 404
    assert response.json() == {"errors": [{"item": "request", "problem": "not found"}]}


@pytest.mark.parametrize("persona", NO_API)
def test_a_role_without_the_api_is_403(client: Client, family: Family, token_for: Callable[..., str],
                                       persona: str) -> None:
    token = token_for(persona)
    for path in (reverse("api:families"), family_url(family), person_url(family)):
        assert get(client, path, token).status_code == 403


def test_no_token_is_401(client: Client, family: Family) -> None:
    for path in (reverse("api:families"), family_url(family), person_url(family)):
        assert get(client, path, None).status_code == 401


def test_each_needs_its_own_scope(client: Client, family: Family, token_for: Callable[..., str]) -> None:
    people_only = token_for("health_visitor", ["people:read", "families:write"])
    assert get(client, family_url(family), people_only).status_code == 403
    assert get(client, reverse("api:families"), people_only).status_code == 403
    assert get(client, person_url(family), token_for("health_visitor", ["families:read"])).status_code == 403
