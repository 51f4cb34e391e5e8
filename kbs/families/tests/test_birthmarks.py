"""Recording a birthmark: only a registered health professional, only for a baby who has been born.

The action's tests check the row and its audit event, and that every other role is refused. The
view's tests cover the happy path for a health visitor and a midwife, each validation error next to
its field with nothing saved, and a refusal that looks exactly like a baby who is not there.
"""

import html
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import Role, User
from kbs.audit.models import Action, AuditEvent
from kbs.conftest import baby_details
from kbs.families import actions
from kbs.families.models import Baby, Birthmark, BirthmarkKind, Family

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # The cast has seven people; these tests are not about password hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def baby(family: Family) -> Baby:
    return family.babies.get()


@pytest.fixture
def unborn_baby(make_family: Callable[..., Family]) -> Baby:
    family = make_family(baby=baby_details(
        given_name="", nhs_number="", date_of_birth=None, expected_delivery_date=TODAY + timedelta(days=30),
        sex="", gestation_at_birth_weeks=None, birth_weight_g=None,
    ), postcode="DE22 1AA")
    return family.babies.get()


def _details(**overrides: Any) -> dict[str, Any]:
    details: dict[str, Any] = {
        "kind": BirthmarkKind.CDM, "regions": ["back", "buttocks"], "size_mm": 40, "colour": "Blue-grey",
        "description": "Wavy edges, flat", "observed_on": TODAY - timedelta(days=3),
    }
    details.update(overrides)
    return details


def _post(**overrides: Any) -> dict[str, Any]:
    seen = TODAY - timedelta(days=3)
    data: dict[str, Any] = {
        "kind": BirthmarkKind.CDM.value, "regions": ["back", "buttocks"], "size_mm": "40", "colour": "Blue-grey",
        "description": "Wavy edges, flat",
        "observed_on-day": str(seen.day), "observed_on-month": str(seen.month), "observed_on-year": str(seen.year),
    }
    data.update(overrides)
    return data


def _url(baby: Baby) -> str:
    return reverse("families:record_birthmark", args=[baby.public_id])


def _text(response: Any) -> str:
    return response.content.decode()


def _normalised(response: Any) -> str:
    page = re.sub(r'nonce="[^"]*"', 'nonce=""', _text(response))
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)


def _field_error(response: Any, field: str) -> str:
    found = re.search(rf'id="id_{field}-error"\s*>\s*<span class="nhsuk-u-visually-hidden">Error: </span>(.*?)</span>',
                      _text(response), re.S)
    assert found, f"no error shown next to {field}"
    return " ".join(html.unescape(found.group(1)).split())


def _assert_not_found(client: Client, response: Any, method: str = "get") -> None:
    """A refusal is the very same page as a baby who does not exist."""
    assert response.status_code == 404
    missing = getattr(client, method)(reverse("families:record_birthmark", args=[uuid4()]))
    assert missing.status_code == 404
    assert _normalised(response) == _normalised(missing)


# --- the action ----------------------------------------------------------------------------------


def test_record_birthmark_saves_the_mark_and_audits_it(cast: dict[str, User], baby: Baby) -> None:
    mark = actions.record_birthmark(by=cast["health_visitor"], baby=baby, details=_details())

    saved = Birthmark.objects.get(pk=mark.pk)
    assert saved.baby == baby
    assert saved.kind == BirthmarkKind.CDM
    assert saved.regions == ["back", "buttocks"]
    assert saved.size_mm == 40
    assert saved.confirmed_by == cast["health_visitor"]
    assert saved.confirmed_by_role == "Health visitor"
    event = AuditEvent.objects.filter(action=Action.CREATE, object_type="birthmark").get()
    assert event.actor == cast["health_visitor"]
    assert event.family == baby.family
    assert event.object_id == str(mark.public_id)
    assert event.detail["regions"] == ["back", "buttocks"]
    assert event.detail["observed_on"] == (TODAY - timedelta(days=3)).isoformat()


def test_record_birthmark_allowed_for_a_midwife(cast: dict[str, User], baby: Baby) -> None:
    mark = actions.record_birthmark(by=cast["midwife"], baby=baby, details=_details())
    assert mark.confirmed_by_role == "Midwife"


@pytest.mark.parametrize("persona", ["police", "lead", "analyst", "admin", "outsider"])
def test_record_birthmark_refused_without_the_permission(cast: dict[str, User], baby: Baby, persona: str) -> None:
    with pytest.raises(actions.NotAllowed):
        actions.record_birthmark(by=cast[persona], baby=baby, details=_details())
    assert not Birthmark.objects.exists()


def test_record_birthmark_refused_for_someone_who_is_not_a_health_professional(
    cast: dict[str, User], baby: Baby, make_user: Callable[..., User], agencies: dict[str, Any],
) -> None:
    # A role given the permission by mistake still cannot confirm a birthmark.
    Role.objects.create(slug="not-clinical", name="Not clinical", description="Test only",
                        permissions=["record_birthmark"], is_health_professional=False)
    someone = make_user("nc-nina", "not-clinical", agencies["hv"])
    with pytest.raises(actions.NotAllowed):
        actions.record_birthmark(by=someone, baby=baby, details=_details())
    assert not Birthmark.objects.exists()


def test_record_birthmark_refused_for_an_unborn_baby(cast: dict[str, User], unborn_baby: Baby) -> None:
    with pytest.raises(actions.NotAllowed):
        actions.record_birthmark(by=cast["health_visitor"], baby=unborn_baby, details=_details())
    assert not Birthmark.objects.exists()


@pytest.mark.parametrize("regions", [[], ["back", "elbow"], ["not_a_place"]])
def test_record_birthmark_refuses_unknown_or_missing_regions(cast: dict[str, User], baby: Baby,
                                                             regions: list[str]) -> None:
    with pytest.raises(ValueError, match="body map region"):
        actions.record_birthmark(by=cast["health_visitor"], baby=baby, details=_details(regions=regions))
    assert not Birthmark.objects.exists()
    assert not AuditEvent.objects.filter(object_type="birthmark").exists()


# --- the page ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["health_visitor", "midwife"])
def test_record_birthmark_page_saves_and_returns_to_the_baby(client: Client, cast: dict[str, User], baby: Baby,
                                                             persona: str) -> None:
    client.force_login(cast[persona])
    assert client.get(_url(baby)).status_code == 200

    response = client.post(_url(baby), _post(), follow=True)

    assert response.redirect_chain[-1][0] == baby.get_absolute_url()
    mark = Birthmark.objects.get()
    assert (mark.baby, mark.regions, mark.size_mm, mark.confirmed_by) == (baby, ["back", "buttocks"], 40, cast[persona])
    page = _text(response)
    assert "Birthmark recorded" in page
    assert "Blue-grey" in page


def test_baby_page_links_to_record_a_birthmark_only_for_health_professionals(
    client: Client, cast: dict[str, User], baby: Baby,
) -> None:
    client.force_login(cast["health_visitor"])
    assert _url(baby) in _text(client.get(baby.get_absolute_url()))
    client.force_login(cast["lead"])
    assert _url(baby) not in _text(client.get(baby.get_absolute_url()))


@pytest.mark.parametrize(("field", "data", "message"), [
    ("kind", {"kind": ""}, "Select what kind of birthmark it is"),
    ("regions", {"regions": []}, "Select where the birthmark is"),
    ("regions", {"regions": ["elbow"]}, "Select where the birthmark is from the list"),
    ("size_mm", {"size_mm": ""}, "Enter the size in millimetres, like 15"),
    ("size_mm", {"size_mm": "about 2 cm"}, "Enter the size in millimetres, like 15"),
    ("size_mm", {"size_mm": "0"}, "The size must be between 1 and 500 millimetres"),
    ("size_mm", {"size_mm": "501"}, "The size must be between 1 and 500 millimetres"),
    ("colour", {"colour": ""}, "Enter the colour of the birthmark"),
    ("observed_on", {"observed_on-day": "", "observed_on-month": "", "observed_on-year": ""},
     "Enter the date you saw it"),
    ("observed_on", {"observed_on-day": "31", "observed_on-month": "2", "observed_on-year": "2026"},
     "The date you saw it must be a real date"),
])
def test_record_birthmark_page_shows_each_error_next_to_its_field(
    client: Client, cast: dict[str, User], baby: Baby, field: str, data: dict[str, Any], message: str,
) -> None:
    client.force_login(cast["health_visitor"])
    response = client.post(_url(baby), _post(**data))
    assert response.status_code == 400
    shown_field = f"{field}-day" if field == "observed_on" else field
    assert _field_error(response, field) == message
    assert f'href="#id_{shown_field}"' in _text(response)
    assert not Birthmark.objects.exists()


@pytest.mark.parametrize(("when", "message"), [
    (TODAY + timedelta(days=1), "The date you saw it must be today or in the past"),
    (TODAY - timedelta(weeks=20), "The date you saw it must be on or after the baby's date of birth"),
])
def test_record_birthmark_page_refuses_a_date_outside_the_baby_s_life(
    client: Client, cast: dict[str, User], baby: Baby, when: date, message: str,
) -> None:
    client.force_login(cast["health_visitor"])
    response = client.post(_url(baby), _post(**{
        "observed_on-day": str(when.day), "observed_on-month": str(when.month), "observed_on-year": str(when.year),
    }))
    assert response.status_code == 400
    assert _field_error(response, "observed_on") == message
    assert not Birthmark.objects.exists()


def test_record_birthmark_page_keeps_what_was_typed_after_an_error(client: Client, cast: dict[str, User],
                                                                   baby: Baby) -> None:
    client.force_login(cast["health_visitor"])
    page = _text(client.post(_url(baby), _post(colour="")))
    assert re.search(r'value="buttocks"\s+checked', page)
    assert 'value="Wavy edges, flat"' in page or ">Wavy edges, flat<" in page


@pytest.mark.parametrize("persona", [
    "police",    # a practitioner whose agency is not involved, and whose role cannot record birthmarks
    "lead",      # can see the family, but the role lacks the permission
    "analyst",
    "admin",
    "outsider",
])
@pytest.mark.parametrize("method", ["get", "post"])
def test_record_birthmark_page_refused_as_not_found(client: Client, cast: dict[str, User], baby: Baby,
                                                    persona: str, method: str) -> None:
    client.force_login(cast[persona])
    response = client.get(_url(baby)) if method == "get" else client.post(_url(baby), _post())
    _assert_not_found(client, response, method)
    assert not Birthmark.objects.exists()


def test_record_birthmark_page_refused_for_a_practitioner_who_can_see_the_family(
    client: Client, cast: dict[str, User], baby: Baby,
) -> None:
    # Involved police can open the family, but still get the same 404 as a missing baby.
    actions.record_involvement(by=cast["police"], family=baby.family, reason="Domestic abuse notification")
    client.force_login(cast["police"])
    assert client.get(baby.get_absolute_url()).status_code == 200
    _assert_not_found(client, client.get(_url(baby)))


def test_record_birthmark_page_not_found_for_an_unborn_baby(client: Client, cast: dict[str, User],
                                                            unborn_baby: Baby) -> None:
    client.force_login(cast["health_visitor"])
    _assert_not_found(client, client.get(_url(unborn_baby)))
    _assert_not_found(client, client.post(_url(unborn_baby), _post()), "post")
    assert not Birthmark.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_record_birthmark_page_sends_anonymous_to_sign_in(client: Client, baby: Baby, method: str) -> None:
    response = getattr(client, method)(_url(baby))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in") + "?next=")
    assert not Birthmark.objects.exists()
