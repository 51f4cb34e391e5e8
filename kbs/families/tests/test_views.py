"""Every families URL: its happy path, and a refusal for each persona who must not use it.

A refusal is a 404 with the very same page as a record that does not exist; anonymous people are
sent to sign in. Forms keep what was typed after an error and save nothing.
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

from kbs.accounts.models import User
from kbs.audit.models import Action, AuditEvent
from kbs.conftest import TEST_NHS_NUMBERS, baby_details
from kbs.families import actions
from kbs.families.models import Baby, BreakGlass, Family, Involvement, Person

TODAY = timezone.localdate()
NOT_INVOLVED = ["police", "analyst", "admin", "outsider"]
NO_FAMILY_ROLE = ["analyst", "admin", "outsider"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # Django's PBKDF2 costs about 0.2 s a user and the cast has seven; these tests are not about hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- helpers ---------------------------------------------------------------------------------


def _text(response: Any) -> str:
    return response.content.decode()


def _normalised(response: Any) -> str:
    """The page without what changes on every response (the CSP nonce, the CSRF token)."""
    page = re.sub(r'nonce="[^"]*"', 'nonce=""', _text(response))
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)


def _field_error(response: Any, field: str) -> str:
    """The error shown next to a field, as a person reads it."""
    found = re.search(rf'id="id_{field}-error"\s*>\s*<span class="nhsuk-u-visually-hidden">Error: </span>(.*?)</span>',
                      _text(response), re.S)
    assert found, f"no error shown next to {field}"
    return " ".join(html.unescape(found.group(1)).split())


def _value(response: Any, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}"[^>]*?value="([^"]*)"', _text(response))
    assert found, f"no input named {name}"
    return html.unescape(found.group(1))


def _date(name: str, value: date | None) -> dict[str, str]:
    if value is None:
        return {f"{name}-day": "", f"{name}-month": "", f"{name}-year": ""}
    return {f"{name}-day": str(value.day), f"{name}-month": str(value.month), f"{name}-year": str(value.year)}


def _counts() -> tuple[int, ...]:
    return (Family.objects.count(), Baby.objects.count(), Person.objects.count(), Involvement.objects.count(),
            AuditEvent.objects.filter(action__in=[Action.CREATE, Action.UPDATE]).count())


def _assert_sign_in_redirect(response: Any, url: str) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in") + "?next=")
    assert url.split("?")[0] in response["Location"].replace("%2F", "/")


def _assert_not_found(client: Client, response: Any, missing_url: str, method: str = "get") -> None:
    """A refusal is indistinguishable from a record that is not there."""
    assert response.status_code == 404
    assert "Page not found" in _text(response)
    missing = getattr(client, method)(missing_url)
    assert missing.status_code == 404
    assert _normalised(response) == _normalised(missing)


@pytest.fixture
def unborn_family(make_family: Callable[..., Family]) -> Family:
    return make_family(baby=baby_details(
        given_name="", nhs_number="", date_of_birth=None, expected_delivery_date=TODAY + timedelta(days=30),
        sex="", gestation_at_birth_weeks=None, birth_weight_g=None,
    ), postcode="DE22 1AA")


def _household_post(family: Family, **overrides: Any) -> dict[str, Any]:
    data = {
        "version": family.version, "address_line_1": family.address_line_1, "address_line_2": family.address_line_2,
        "town": family.town, "postcode": family.postcode, "language": family.language,
        "interpreter_needed": "yes" if family.interpreter_needed else "no",
    }
    data.update(overrides)
    return data


def _person_post(person: Person | None = None, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "given_name": "Jack", "family_name": "Hart", "relationship": "father", "nhs_number": "",
        "lives_in_household": "yes", "regular_carer": "yes", "parental_responsibility": "no",
        **_date("date_of_birth", date(1993, 8, 1)), **_date("last_seen_on", None),
    }
    if person is not None:
        data.update({
            "version": person.version, "given_name": person.given_name, "family_name": person.family_name,
            "relationship": person.relationship, **_date("date_of_birth", person.date_of_birth),
            **_date("last_seen_on", person.last_seen_on),
            "parental_responsibility": "yes" if person.parental_responsibility else "no",
        })
    data.update(overrides)
    return data


def _baby_post(baby: Baby, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": baby.version, "given_name": baby.given_name, "family_name": baby.family_name,
        **_date("date_of_birth", baby.date_of_birth), **_date("expected_delivery_date", baby.expected_delivery_date),
        "nhs_number": baby.nhs_number, "sex": baby.sex, "gestation_at_birth_weeks": baby.gestation_at_birth_weeks or "",
        "birth_weight_g": baby.birth_weight_g or "", "multiple_birth": "yes" if baby.multiple_birth else "no",
        "mobility": baby.mobility,
    }
    data.update(overrides)
    return data


def _register_post(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "status": "born", "given_name": "Noah", "family_name": "Okafor", **_date("date_of_birth", TODAY - timedelta(days=3)),
        **_date("expected_delivery_date", None), "nhs_number": "999 000 0034", "sex": "male",
        "gestation_at_birth_weeks": "40", "birth_weight_g": "3550", "multiple_birth": "no", "mobility": "not_rolling",
        "address_line_1": "27 Kept Lane", "address_line_2": "", "town": "Derby", "postcode": "de3 9xy",
        "language": "Polish", "interpreter_needed": "yes", "reason": "New birth notification",
        "lawful_basis": "public_task",
    }
    data.update(overrides)
    return data


# The pages about one family's records, with a URL for the same page about a record that does not exist.
RECORD_PAGES: dict[str, Callable[[Family], str]] = {
    "family": lambda f: reverse("families:family", args=[f.public_id]),
    "edit_household": lambda f: reverse("families:edit_household", args=[f.public_id]),
    "add_person": lambda f: reverse("families:add_person", args=[f.public_id]),
    "person": lambda f: reverse("families:person", args=[f.people.get().public_id]),
    "edit_person": lambda f: reverse("families:edit_person", args=[f.people.get().public_id]),
    "baby": lambda f: reverse("families:baby", args=[f.babies.get().public_id]),
    "edit_baby": lambda f: reverse("families:edit_baby", args=[f.babies.get().public_id]),
}


def _missing(url: str) -> str:
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", str(uuid4()), url)


# --- refusals for every record page ----------------------------------------------------------


@pytest.mark.parametrize("page", list(RECORD_PAGES))
@pytest.mark.parametrize("persona", ["health_visitor", "lead", "midwife"])
def test_record_page_opens_for_involved_agency(client: Client, cast: dict[str, User], family: Family,
                                               page: str, persona: str) -> None:
    client.force_login(cast[persona])
    response = client.get(RECORD_PAGES[page](family))
    assert response.status_code == 200
    assert "Page not found" not in _text(response)


@pytest.mark.parametrize("page", list(RECORD_PAGES))
@pytest.mark.parametrize("persona", NOT_INVOLVED)
def test_record_page_refused_as_not_found(client: Client, cast: dict[str, User], family: Family,
                                          page: str, persona: str) -> None:
    client.force_login(cast[persona])
    url = RECORD_PAGES[page](family)
    views = AuditEvent.objects.filter(action=Action.VIEW).count()
    _assert_not_found(client, client.get(url), _missing(url))
    assert AuditEvent.objects.filter(action=Action.VIEW).count() == views


@pytest.mark.parametrize("page", ["edit_household", "add_person", "edit_person", "edit_baby"])
@pytest.mark.parametrize("persona", NOT_INVOLVED)
def test_record_form_post_refused_and_saves_nothing(client: Client, cast: dict[str, User], family: Family,
                                                    page: str, persona: str) -> None:
    client.force_login(cast[persona])
    url = RECORD_PAGES[page](family)
    before = _counts()
    data = {**_household_post(family, town="Hacked"), **_person_post(given_name="Hacked"), "version": 1}
    _assert_not_found(client, client.post(url, data), _missing(url), method="post")
    assert _counts() == before
    assert Family.objects.get(pk=family.pk).town == "Derby"
    assert not Person.objects.filter(given_name="Hacked").exists()


@pytest.mark.parametrize("page", list(RECORD_PAGES))
def test_record_page_sends_anonymous_to_sign_in(client: Client, family: Family, page: str) -> None:
    url = RECORD_PAGES[page](family)
    _assert_sign_in_redirect(client.get(url), url)


@pytest.mark.parametrize("page", list(RECORD_PAGES))
def test_record_page_not_found_for_malformed_id(client: Client, cast: dict[str, User], family: Family, page: str) -> None:
    client.force_login(cast["health_visitor"])
    url = RECORD_PAGES[page](family)
    bad = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "not-a-uuid", url)
    _assert_not_found(client, client.get(bad), _missing(url))


# --- my families -----------------------------------------------------------------------------


def test_my_families_lists_visible_families(client: Client, cast: dict[str, User], family: Family,
                                            make_family: Callable[..., Family]) -> None:
    make_family(by=cast["midwife"], baby=baby_details(given_name="Zara", family_name="Quinn", nhs_number=""))
    client.force_login(cast["health_visitor"])
    response = client.get(reverse("families:mine"))
    assert response.status_code == 200
    assert "Amelia Hart" in _text(response)
    assert family.get_absolute_url() in _text(response)
    assert "Zara Quinn" not in _text(response)


def test_my_families_empty_for_uninvolved_practitioner(client: Client, cast: dict[str, User], family: Family) -> None:
    client.force_login(cast["police"])
    response = client.get(reverse("families:mine"))
    assert response.status_code == 200
    assert "Amelia" not in _text(response)
    assert "No families found." in _text(response)


@pytest.mark.parametrize("query", ["hart", "Amelia", "999 000 0018", "9990000018", "de12ab"])
def test_my_families_search_finds_and_audits(client: Client, cast: dict[str, User], family: Family, query: str) -> None:
    client.force_login(cast["health_visitor"])
    response = client.get(reverse("families:mine"), {"q": query})
    assert response.status_code == 200
    assert "Amelia Hart" in _text(response)
    assert "1 result for" in _text(response)
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.detail) == (Action.SEARCH, {"q": query})


def test_my_families_search_without_match(client: Client, cast: dict[str, User], family: Family) -> None:
    client.force_login(cast["health_visitor"])
    response = client.get(reverse("families:mine"), {"q": "Nobody"})
    assert "0 results for" in _text(response)
    assert "Amelia" not in _text(response)


@pytest.mark.parametrize("persona", NO_FAMILY_ROLE)
def test_my_families_refused(client: Client, cast: dict[str, User], persona: str) -> None:
    client.force_login(cast[persona])
    response = client.get(reverse("families:mine"))
    assert response.status_code == 404
    assert "Page not found" in _text(response)


def test_my_families_sends_anonymous_to_sign_in(client: Client) -> None:
    _assert_sign_in_redirect(client.get(reverse("families:mine")), reverse("families:mine"))


@pytest.mark.parametrize("families", [2, 20])
def test_my_families_queries_do_not_grow_with_families(
    client: Client, cast: dict[str, User], make_family: Callable[..., Family], families: int,
    django_assert_max_num_queries: Any,
) -> None:
    for n in range(families):
        make_family(baby=baby_details(nhs_number="", given_name=f"Baby{n}"))
    client.force_login(cast["health_visitor"])
    with django_assert_max_num_queries(9):
        response = client.get(reverse("families:mine"))
    assert _text(response).count("Hart</a>") == families


# --- register a family -----------------------------------------------------------------------


def test_register_page_opens(client: Client, cast: dict[str, User]) -> None:
    client.force_login(cast["health_visitor"])
    response = client.get(reverse("families:register"))
    assert response.status_code == 200
    assert "Register a family" in _text(response)
    assert 'name="confirm_not_duplicate"' not in _text(response)


def test_register_creates_records_and_redirects(client: Client, cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    client.force_login(hv)
    response = client.post(reverse("families:register"), _register_post())
    family = Family.objects.get()
    assert response.status_code == 302
    assert response["Location"] == family.get_absolute_url()
    assert (family.address_line_1, family.postcode, family.language, family.interpreter_needed) == (
        "27 Kept Lane", "DE3 9XY", "Polish", True)
    baby = family.babies.get()
    assert (baby.display_name, baby.nhs_number, baby.birth_weight_g) == ("Noah Okafor", TEST_NHS_NUMBERS[2], 3550)
    involvement = family.involvements.get()
    assert (involvement.agency, involvement.is_lead_agency, involvement.reason) == (hv.agency, True, "New birth notification")
    event = AuditEvent.objects.get(action=Action.CREATE)
    assert (event.actor, event.family) == (hv, family)

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Family registered" in _text(page)
    assert "Noah Okafor" in _text(page)


def test_register_unborn_baby(client: Client, cast: dict[str, User]) -> None:
    client.force_login(cast["midwife"])
    due = TODAY + timedelta(days=100)
    response = client.post(reverse("families:register"), _register_post(
        status="unborn", given_name="", nhs_number="", gestation_at_birth_weeks="", birth_weight_g="",
        **_date("date_of_birth", None), **_date("expected_delivery_date", due),
    ))
    assert response.status_code == 302
    baby = Baby.objects.get()
    assert (baby.is_born, baby.expected_delivery_date, baby.display_name) == (False, due, "Baby Okafor (unborn)")


REGISTER_ERRORS = [
    ("missing_status", {"status": ""}, "status", "Select whether the baby has been born"),
    ("missing_last_name", {"family_name": ""}, "family_name", "Enter the baby's last name"),
    ("missing_date_of_birth", _date("date_of_birth", None), "date_of_birth", "Enter the baby's date of birth"),
    ("future_date_of_birth", _date("date_of_birth", TODAY + timedelta(days=1)), "date_of_birth",
     "Date of birth must be today or in the past"),
    ("impossible_date", {"date_of_birth-day": "31", "date_of_birth-month": "2", "date_of_birth-year": "2026"},
     "date_of_birth", "The date of birth must be a real date"),
    ("two_digit_year", {"date_of_birth-year": "26"}, "date_of_birth", "The year of the date of birth must have 4 numbers"),
    ("nhs_number_check_digit", {"nhs_number": "999 000 0035"}, "nhs_number",
     "Enter a valid NHS number: the check digit does not match"),
    ("nhs_number_length", {"nhs_number": "999 000"}, "nhs_number", "Enter an NHS number with 10 digits, like 999 123 4567"),
    ("gestation_range", {"gestation_at_birth_weeks": "50"}, "gestation_at_birth_weeks",
     "Gestation at birth must be from 22 to 44 weeks"),
    ("gestation_not_number", {"gestation_at_birth_weeks": "forty"}, "gestation_at_birth_weeks",
     "Gestation at birth must be a whole number of weeks, like 39"),
    ("weight_range", {"birth_weight_g": "7000"}, "birth_weight_g", "Birth weight must be from 300 to 6,500 grams"),
    ("weight_not_number", {"birth_weight_g": "3.5kg"}, "birth_weight_g",
     "Birth weight must be a whole number of grams, like 3400"),
    ("missing_address", {"address_line_1": ""}, "address_line_1", "Enter the first line of the address"),
    ("missing_town", {"town": ""}, "town", "Enter the town or city"),
    ("bad_postcode", {"postcode": "DE3"}, "postcode", "Enter a full UK postcode, like DE1 2AB"),
    ("missing_interpreter", {"interpreter_needed": ""}, "interpreter_needed",
     "Select yes or no: does the family need an interpreter"),
    ("missing_reason", {"reason": ""}, "reason", "Enter the reason your agency is working with the family"),
    ("unborn_without_due_date", {"status": "unborn", **_date("date_of_birth", None), "nhs_number": "",
                                 "gestation_at_birth_weeks": "", "birth_weight_g": ""},
     "expected_delivery_date", "Enter the expected date of delivery"),
    ("unborn_with_date_of_birth", {"status": "unborn", **_date("expected_delivery_date", TODAY + timedelta(days=50))},
     "date_of_birth", "Leave this empty for a baby who has not been born yet"),
    ("due_date_too_far", {"status": "unborn", **_date("date_of_birth", None), "nhs_number": "",
                          "gestation_at_birth_weeks": "", "birth_weight_g": "",
                          **_date("expected_delivery_date", TODAY + timedelta(days=300))},
     "expected_delivery_date", "Expected date of delivery must be within the next 40 weeks"),
]


@pytest.mark.parametrize(("overrides", "field", "message"), [e[1:] for e in REGISTER_ERRORS],
                         ids=[e[0] for e in REGISTER_ERRORS])
def test_register_error_shown_by_field_keeps_values_and_saves_nothing(
    client: Client, cast: dict[str, User], family: Family, overrides: dict[str, str], field: str, message: str,
) -> None:
    client.force_login(cast["health_visitor"])
    before = _counts()
    data = _register_post(**overrides)
    response = client.post(reverse("families:register"), data)
    assert response.status_code == 400
    assert _field_error(response, field) == message
    assert 'class="nhsuk-error-summary"' in _text(response)
    # What was typed stays in the boxes, including the value that was wrong.
    assert _value(response, "address_line_1") == data["address_line_1"]
    assert _value(response, "given_name") == data["given_name"]
    for name in ("nhs_number", "postcode", "date_of_birth-day", "date_of_birth-year", "gestation_at_birth_weeks",
                 "birth_weight_g"):
        assert _value(response, name) == str(data[name])
    assert _counts() == before


def test_register_duplicate_nhs_number_blocked_with_link(client: Client, cast: dict[str, User], family: Family) -> None:
    client.force_login(cast["health_visitor"])
    before = _counts()
    response = client.post(reverse("families:register"), _register_post(nhs_number="9990000018"))
    assert response.status_code == 400
    assert _field_error(response, "nhs_number") == "A baby with this NHS number is already registered"
    assert f'href="{family.get_absolute_url()}"' in _text(response)
    assert _counts() == before


def test_register_duplicate_for_uninvolved_agency_links_to_involvement(client: Client, cast: dict[str, User],
                                                                       family: Family) -> None:
    client.force_login(cast["police"])
    before = _counts()
    response = client.post(reverse("families:register"), _register_post(nhs_number="9990000018"))
    assert response.status_code == 400
    page = _text(response)
    assert _field_error(response, "nhs_number") == "A baby with this NHS number is already registered"
    assert reverse("families:involve", args=[family.public_id]) in page
    assert reverse("families:break_glass", args=[family.public_id]) in page
    assert "Amelia" not in page
    assert _counts() == before


def test_register_close_match_needs_confirmation(client: Client, cast: dict[str, User], family: Family) -> None:
    client.force_login(cast["health_visitor"])
    baby = family.babies.get()
    data = _register_post(given_name="Amy", family_name="Hart", nhs_number="", postcode="de1 2ab",
                          **_date("date_of_birth", baby.date_of_birth))
    before = _counts()
    response = client.post(reverse("families:register"), data)
    assert response.status_code == 400
    assert 'name="confirm_not_duplicate"' in _text(response)
    assert _field_error(response, "confirm_not_duplicate") == (
        "Check the possible matches below, then confirm this is a different baby")
    assert "This baby may already be registered" in _text(response)
    assert _counts() == before

    confirmed = client.post(reverse("families:register"), {**data, "confirm_not_duplicate": "on"})
    assert confirmed.status_code == 302
    assert Family.objects.count() == before[0] + 1
    assert Baby.objects.filter(family_name="Hart", date_of_birth=baby.date_of_birth).count() == 2


@pytest.mark.parametrize("persona", NO_FAMILY_ROLE)
def test_register_refused(client: Client, cast: dict[str, User], persona: str) -> None:
    client.force_login(cast[persona])
    assert client.get(reverse("families:register")).status_code == 404
    response = client.post(reverse("families:register"), _register_post())
    assert response.status_code == 404
    assert "Page not found" in _text(response)
    assert not Family.objects.exists()


def test_register_sends_anonymous_to_sign_in(client: Client, db: Any) -> None:
    url = reverse("families:register")
    _assert_sign_in_redirect(client.get(url), url)
    _assert_sign_in_redirect(client.post(url, _register_post()), url)
    assert not Family.objects.exists()


# --- the family page -------------------------------------------------------------------------


def test_family_page_shows_babies_people_agencies_and_audits(client: Client, cast: dict[str, User], family: Family) -> None:
    hv = cast["health_visitor"]
    client.force_login(hv)
    response = client.get(family.get_absolute_url())
    page = _text(response)
    assert response.status_code == 200
    for shown in ("Amelia Hart", "999 000 0018", "Sophie Hart", "Birth mother", "Test Health Visiting", "Lead agency",
                  "Test Maternity", "Postnatal care", "1 Test Street"):
        assert shown in page
    assert AuditEvent.objects.filter(action=Action.VIEW, actor=hv, family=family).count() == 1
    assert "Emergency access" not in page


def test_family_page_warns_of_carer_never_seen(client: Client, cast: dict[str, User], family: Family) -> None:
    actions.add_person(by=cast["health_visitor"], family=family, details={
        "given_name": "Jack", "family_name": "Hart", "relationship": "mothers_partner", "lives_in_household": True,
    })
    client.force_login(cast["health_visitor"])
    page = _text(client.get(family.get_absolute_url()))
    assert "Not seen by anyone" in page
    assert "Jack Hart lives with or looks after the baby but has not been seen" in page


FAMILY_PAGE_QUERIES = 16


@pytest.mark.parametrize("people", [2, 20])
def test_family_page_queries_do_not_grow_with_people(
    client: Client, cast: dict[str, User], family: Family, people: int, django_assert_max_num_queries: Any,
) -> None:
    for n in range(people - 1):
        actions.add_person(by=cast["health_visitor"], family=family, details={
            "given_name": f"Person{n}", "family_name": "Hart", "relationship": "other_adult",
        })
    client.force_login(cast["health_visitor"])
    # Session, user, roles, visibility, audit, involvements, viewers, people, babies, break-glass,
    # coverage, contacts, concerns, referrals: the same bound for 2 people and for 20.
    with django_assert_max_num_queries(FAMILY_PAGE_QUERIES):
        response = client.get(family.get_absolute_url())
    assert _text(response).count("/people/") >= people


# --- household -------------------------------------------------------------------------------


def test_edit_household_saves_and_audits(client: Client, cast: dict[str, User], family: Family) -> None:
    client.force_login(cast["health_visitor"])
    url = reverse("families:edit_household", args=[family.public_id])
    form = client.get(url)
    assert _value(form, "version") == "1"
    assert _value(form, "address_line_1") == "1 Test Street"
    response = client.post(url, _household_post(family, town="Nottingham", postcode="ng1 1aa"))
    assert response.status_code == 302
    assert response["Location"] == family.get_absolute_url()
    family.refresh_from_db()
    assert (family.town, family.postcode, family.version) == ("Nottingham", "NG1 1AA", 2)
    event = AuditEvent.objects.get(action=Action.UPDATE)
    assert event.detail == {"town": ["Derby", "Nottingham"], "postcode": ["DE1 2AB", "NG1 1AA"]}


def test_edit_household_error_keeps_values(client: Client, cast: dict[str, User], family: Family) -> None:
    client.force_login(cast["health_visitor"])
    response = client.post(reverse("families:edit_household", args=[family.public_id]),
                           _household_post(family, town="Nottingham", postcode="NOPE"))
    assert response.status_code == 400
    assert _field_error(response, "postcode") == "Enter a full UK postcode, like DE1 2AB"
    assert _value(response, "town") == "Nottingham"
    assert Family.objects.get(pk=family.pk).version == 1


def test_edit_household_stale_shows_differences_and_saves_nothing(client: Client, cast: dict[str, User],
                                                                  family: Family) -> None:
    url = reverse("families:edit_household", args=[family.public_id])
    # The health visitor opens the form at version 1; the midwife saves first.
    client.force_login(cast["health_visitor"])
    stale_form = _household_post(family, town="Leicester")
    other = Client()
    other.force_login(cast["midwife"])
    assert other.post(url, _household_post(family, town="Nottingham")).status_code == 302
    updates = AuditEvent.objects.filter(action=Action.UPDATE).count()

    response = client.post(url, stale_form)
    page = _text(response)
    assert response.status_code == 409
    assert "Someone else saved a change to this record while you were editing" in page
    assert "What is different" in page
    row = re.search(r"<td[^>]*>Town</td>\s*<td[^>]*>Nottingham</td>\s*<td[^>]*>Leicester</td>", page)
    assert row, "the differences table shows the town saved now and the town typed"
    assert _value(response, "town") == "Leicester"
    assert _value(response, "version") == "2"
    row_now = Family.objects.get(pk=family.pk)
    assert (row_now.town, row_now.version) == ("Nottingham", 2)
    assert AuditEvent.objects.filter(action=Action.UPDATE).count() == updates

    # Saving again from the refreshed form keeps the health visitor's version, knowingly.
    again = client.post(url, _household_post(family, town="Leicester", version=2))
    assert again.status_code == 302
    assert Family.objects.get(pk=family.pk).town == "Leicester"


# --- people ----------------------------------------------------------------------------------


def test_add_person_saves_and_audits(client: Client, cast: dict[str, User], family: Family) -> None:
    client.force_login(cast["health_visitor"])
    url = reverse("families:add_person", args=[family.public_id])
    assert client.get(url).status_code == 200
    response = client.post(url, _person_post())
    assert response.status_code == 302
    assert response["Location"] == family.get_absolute_url()
    person = family.people.get(given_name="Jack")
    assert (person.relationship, person.lives_in_household, person.parental_responsibility) == ("father", True, False)
    assert AuditEvent.objects.filter(action=Action.CREATE, object_id=str(person.public_id)).exists()
    assert "Jack Hart added" in _text(client.get(response["Location"]))


def test_add_person_errors_keep_values_and_save_nothing(client: Client, cast: dict[str, User], family: Family) -> None:
    client.force_login(cast["health_visitor"])
    before = _counts()
    response = client.post(reverse("families:add_person", args=[family.public_id]), _person_post(
        family_name="", relationship="", **_date("last_seen_on", TODAY + timedelta(days=2))))
    assert response.status_code == 400
    assert _field_error(response, "family_name") == "Enter the last name"
    assert _field_error(response, "relationship") == "Select their relationship to the baby"
    assert _field_error(response, "last_seen_on") == "Date last seen must be today or in the past"
    assert _value(response, "given_name") == "Jack"
    assert _counts() == before


def test_person_page_shows_details_and_audits(client: Client, cast: dict[str, User], family: Family) -> None:
    person = family.people.get()
    client.force_login(cast["midwife"])
    response = client.get(person.get_absolute_url())
    assert response.status_code == 200
    assert "Sophie Hart" in _text(response)
    assert "2 April 1995" in _text(response)
    assert AuditEvent.objects.filter(action=Action.VIEW, object_id=str(person.public_id), actor=cast["midwife"]).exists()


def test_edit_person_saves_and_audits(client: Client, cast: dict[str, User], family: Family) -> None:
    person = family.people.get()
    client.force_login(cast["health_visitor"])
    url = reverse("families:edit_person", args=[person.public_id])
    assert _value(client.get(url), "given_name") == "Sophie"
    response = client.post(url, _person_post(person, parental_responsibility="no"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.parental_responsibility, person.version) == (False, 2)
    assert AuditEvent.objects.get(action=Action.UPDATE).detail == {"parental_responsibility": [True, False]}


def test_edit_person_stale_shows_differences_and_saves_nothing(client: Client, cast: dict[str, User],
                                                               family: Family) -> None:
    person = family.people.get()
    url = reverse("families:edit_person", args=[person.public_id])
    stale_form = _person_post(person, family_name="Smith")
    actions.update_person(by=cast["midwife"], person=Person.objects.get(pk=person.pk), expected_version=1,
                          changes={"family_name": "Hart-Jones"})
    client.force_login(cast["health_visitor"])
    response = client.post(url, stale_form)
    assert response.status_code == 409
    assert "Someone else saved a change" in _text(response)
    assert re.search(r"<td[^>]*>Family name</td>\s*<td[^>]*>Hart-Jones</td>\s*<td[^>]*>Smith</td>", _text(response))
    assert _value(response, "family_name") == "Smith"
    assert Person.objects.get(pk=person.pk).family_name == "Hart-Jones"


# --- babies ----------------------------------------------------------------------------------


def test_baby_page_shows_details_and_audits(client: Client, cast: dict[str, User], family: Family) -> None:
    baby = family.babies.get()
    client.force_login(cast["health_visitor"])
    response = client.get(baby.get_absolute_url())
    assert response.status_code == 200
    assert "Amelia Hart" in _text(response)
    assert "3,400 g" in _text(response)
    assert "10 weeks old" in _text(response)
    assert AuditEvent.objects.filter(action=Action.VIEW, object_id=str(baby.public_id)).count() == 1


def test_edit_baby_saves_and_audits(client: Client, cast: dict[str, User], family: Family) -> None:
    baby = family.babies.get()
    client.force_login(cast["health_visitor"])
    url = reverse("families:edit_baby", args=[baby.public_id])
    assert _value(client.get(url), "nhs_number") == "9990000018"
    response = client.post(url, _baby_post(baby, mobility="rolling"))
    assert response.status_code == 302
    assert response["Location"] == baby.get_absolute_url()
    baby.refresh_from_db()
    assert (baby.mobility, baby.version) == ("rolling", 2)
    assert AuditEvent.objects.get(action=Action.UPDATE).detail == {"mobility": ["not_rolling", "rolling"]}


def test_edit_baby_error_keeps_values(client: Client, cast: dict[str, User], family: Family) -> None:
    baby = family.babies.get()
    client.force_login(cast["health_visitor"])
    response = client.post(reverse("families:edit_baby", args=[baby.public_id]),
                           _baby_post(baby, birth_weight_g="250", given_name="Amy"))
    assert response.status_code == 400
    assert _field_error(response, "birth_weight_g") == "Birth weight must be from 300 to 6,500 grams"
    assert _value(response, "given_name") == "Amy"
    assert Baby.objects.get(pk=baby.pk).given_name == "Amelia"


def test_edit_baby_stale_shows_differences_and_saves_nothing(client: Client, cast: dict[str, User],
                                                             family: Family) -> None:
    baby = family.babies.get()
    url = reverse("families:edit_baby", args=[baby.public_id])
    stale_form = _baby_post(baby, given_name="Amy")
    actions.update_baby(by=cast["midwife"], baby=Baby.objects.get(pk=baby.pk), expected_version=1,
                        changes={"given_name": "Millie"})
    client.force_login(cast["health_visitor"])
    response = client.post(url, stale_form)
    assert response.status_code == 409
    assert "Someone else saved a change" in _text(response)
    assert re.search(r"<td[^>]*>Given name</td>\s*<td[^>]*>Millie</td>\s*<td[^>]*>Amy</td>", _text(response))
    assert Baby.objects.get(pk=baby.pk).given_name == "Millie"


# --- record the birth ------------------------------------------------------------------------


def _birth_post(baby: Baby, **overrides: Any) -> dict[str, Any]:
    data = {"version": baby.version, "given_name": "Ava", **_date("date_of_birth", TODAY), "nhs_number": "9990000042",
            "sex": "female", "gestation_at_birth_weeks": "39", "birth_weight_g": "3300", "multiple_birth": "no"}
    data.update(overrides)
    return data


def test_record_birth_turns_unborn_baby_into_born_baby(client: Client, cast: dict[str, User], unborn_family: Family) -> None:
    baby = unborn_family.babies.get()
    client.force_login(cast["health_visitor"])
    url = reverse("families:record_birth", args=[baby.public_id])
    assert client.get(url).status_code == 200
    response = client.post(url, _birth_post(baby))
    assert response.status_code == 302
    assert response["Location"] == baby.get_absolute_url()
    born = Baby.objects.get()
    assert (born.pk, born.public_id, born.is_born, born.date_of_birth) == (baby.pk, baby.public_id, True, TODAY)
    assert (born.display_name, born.nhs_number, born.birth_weight_g) == ("Ava Hart", "9990000042", 3300)
    assert AuditEvent.objects.get(action=Action.UPDATE).summary == "Recorded the birth of Ava Hart"
    assert "Birth recorded" in _text(client.get(response["Location"]))


def test_record_birth_refused_for_born_baby(client: Client, cast: dict[str, User], family: Family) -> None:
    baby = family.babies.get()
    client.force_login(cast["health_visitor"])
    url = reverse("families:record_birth", args=[baby.public_id])
    _assert_not_found(client, client.get(url), _missing(url))
    _assert_not_found(client, client.post(url, _birth_post(baby)), _missing(url), method="post")
    assert Baby.objects.get(pk=baby.pk).version == 1


def test_record_birth_duplicate_nhs_number_refused(client: Client, cast: dict[str, User], family: Family,
                                                   unborn_family: Family) -> None:
    baby = unborn_family.babies.get()
    client.force_login(cast["health_visitor"])
    response = client.post(reverse("families:record_birth", args=[baby.public_id]), _birth_post(baby, nhs_number="9990000018"))
    assert response.status_code == 400
    assert _field_error(response, "nhs_number") == "A baby with this NHS number is already registered"
    assert not Baby.objects.get(pk=baby.pk).is_born


def test_record_birth_error_keeps_values(client: Client, cast: dict[str, User], unborn_family: Family) -> None:
    baby = unborn_family.babies.get()
    client.force_login(cast["health_visitor"])
    response = client.post(reverse("families:record_birth", args=[baby.public_id]),
                           _birth_post(baby, **_date("date_of_birth", TODAY + timedelta(days=1))))
    assert response.status_code == 400
    assert _field_error(response, "date_of_birth") == "Date of birth must be today or in the past"
    assert _value(response, "given_name") == "Ava"
    assert not Baby.objects.get(pk=baby.pk).is_born


def test_record_birth_stale(client: Client, cast: dict[str, User], unborn_family: Family) -> None:
    baby = unborn_family.babies.get()
    stale_form = _birth_post(baby)
    actions.update_baby(by=cast["midwife"], baby=Baby.objects.get(pk=baby.pk), expected_version=1,
                        changes={"given_name": "Isla"})
    client.force_login(cast["health_visitor"])
    response = client.post(reverse("families:record_birth", args=[baby.public_id]), stale_form)
    assert response.status_code == 409
    assert "Someone else saved a change" in _text(response)
    assert not Baby.objects.get(pk=baby.pk).is_born


@pytest.mark.parametrize("persona", NOT_INVOLVED)
def test_record_birth_refused(client: Client, cast: dict[str, User], unborn_family: Family, persona: str) -> None:
    baby = unborn_family.babies.get()
    client.force_login(cast[persona])
    url = reverse("families:record_birth", args=[baby.public_id])
    _assert_not_found(client, client.get(url), _missing(url))
    _assert_not_found(client, client.post(url, _birth_post(baby)), _missing(url), method="post")
    assert not Baby.objects.get(pk=baby.pk).is_born


def test_record_birth_sends_anonymous_to_sign_in(client: Client, unborn_family: Family) -> None:
    url = reverse("families:record_birth", args=[unborn_family.babies.get().public_id])
    _assert_sign_in_redirect(client.get(url), url)


# --- find a baby -----------------------------------------------------------------------------


def test_find_page_opens_without_searching(client: Client, cast: dict[str, User]) -> None:
    client.force_login(cast["police"])
    response = client.get(reverse("families:find"))
    assert response.status_code == 200
    assert "records found" not in _text(response)
    assert not AuditEvent.objects.filter(action=Action.SEARCH).exists()


def test_find_by_nhs_number_shows_existence_and_agencies_not_name(client: Client, cast: dict[str, User],
                                                                  family: Family) -> None:
    client.force_login(cast["police"])
    response = client.get(reverse("families:find"), {"nhs_number": "999 000 0018"})
    page = _text(response)
    assert response.status_code == 200
    assert "1 record found" in page
    assert "A baby is registered" in page
    assert "Test Health Visiting, Test Maternity" in page
    for hidden in ("Amelia", "Hart", "1 Test Street", family.get_absolute_url()):
        assert hidden not in page
    assert reverse("families:involve", args=[family.public_id]) in page
    assert reverse("families:break_glass", args=[family.public_id]) in page
    event = AuditEvent.objects.get(action=Action.SEARCH)
    assert (event.actor, event.detail["terms"]) == (cast["police"], {"nhs_number": "9990000018"})


def test_find_by_name_date_of_birth_and_postcode(client: Client, cast: dict[str, User], family: Family) -> None:
    baby = family.babies.get()
    client.force_login(cast["police"])
    response = client.get(reverse("families:find"), {
        "family_name": "hart", **_date("date_of_birth", baby.date_of_birth), "postcode": "de12ab",
    })
    page = _text(response)
    assert "1 record found" in page
    assert "Test Health Visiting, Test Maternity" in page
    assert "Amelia" not in page
    assert "1 Test Street" not in page


def test_find_shows_name_to_involved_agency(client: Client, cast: dict[str, User], family: Family) -> None:
    client.force_login(cast["health_visitor"])
    page = _text(client.get(reverse("families:find"), {"nhs_number": "9990000018"}))
    assert "Amelia Hart" in page
    assert family.get_absolute_url() in page


def test_find_without_match(client: Client, cast: dict[str, User], family: Family) -> None:
    client.force_login(cast["police"])
    page = _text(client.get(reverse("families:find"), {"nhs_number": "9990000026"}))
    assert "0 records found" in page
    assert "No baby matches" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"family_name": "Hart"}, "Enter the baby's NHS number, or their last name, date of birth and postcode"),
        ({"nhs_number": "9990000019"}, "Enter a valid NHS number: the check digit does not match"),
    ],
)
def test_find_errors_explained(client: Client, cast: dict[str, User], query: dict[str, str], message: str) -> None:
    client.force_login(cast["police"])
    response = client.get(reverse("families:find"), query)
    assert response.status_code == 400
    assert message in html.unescape(_text(response))
    assert not AuditEvent.objects.filter(action=Action.SEARCH).exists()


def test_find_bad_postcode_shown_by_field(client: Client, cast: dict[str, User]) -> None:
    client.force_login(cast["police"])
    response = client.get(reverse("families:find"), {"family_name": "Hart", **_date("date_of_birth", TODAY), "postcode": "XX"})
    assert response.status_code == 400
    assert _field_error(response, "postcode") == "Enter a full UK postcode, like DE1 2AB"


@pytest.mark.parametrize("persona", NO_FAMILY_ROLE)
def test_find_refused(client: Client, cast: dict[str, User], family: Family, persona: str) -> None:
    client.force_login(cast[persona])
    response = client.get(reverse("families:find"), {"nhs_number": "9990000018"})
    assert response.status_code == 404
    assert "Page not found" in _text(response)
    assert not AuditEvent.objects.filter(action=Action.SEARCH).exists()


def test_find_sends_anonymous_to_sign_in(client: Client) -> None:
    _assert_sign_in_redirect(client.get(reverse("families:find")), reverse("families:find"))


# --- record an involvement -------------------------------------------------------------------


def test_involve_then_family_page_opens(client: Client, cast: dict[str, User], family: Family) -> None:
    police = cast["police"]
    client.force_login(police)
    assert client.get(family.get_absolute_url()).status_code == 404
    url = reverse("families:involve", args=[family.public_id])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "Domestic abuse report", "lawful_basis": "public_task"})
    assert response.status_code == 302
    assert response["Location"] == family.get_absolute_url()
    assert Involvement.objects.filter(family=family, agency=police.agency, ended_on__isnull=True).exists()
    page = client.get(family.get_absolute_url())
    assert page.status_code == 200
    assert "Amelia Hart" in _text(page)
    assert "Domestic abuse report" in _text(page)


def test_involve_without_reason_saves_nothing(client: Client, cast: dict[str, User], family: Family) -> None:
    client.force_login(cast["police"])
    response = client.post(reverse("families:involve", args=[family.public_id]), {"reason": "", "lawful_basis": "public_task"})
    assert response.status_code == 400
    assert _field_error(response, "reason") == "Enter the reason your agency is working with the family"
    assert not Involvement.objects.filter(agency=cast["police"].agency).exists()


@pytest.mark.parametrize("persona", NO_FAMILY_ROLE)
def test_involve_refused(client: Client, cast: dict[str, User], family: Family, persona: str) -> None:
    client.force_login(cast[persona])
    url = reverse("families:involve", args=[family.public_id])
    _assert_not_found(client, client.get(url), _missing(url))
    _assert_not_found(client, client.post(url, {"reason": "Curious", "lawful_basis": "public_task"}), _missing(url),
                      method="post")
    assert family.involvements.count() == 2


def test_involve_not_found_for_missing_family(client: Client, cast: dict[str, User]) -> None:
    client.force_login(cast["police"])
    assert client.get(reverse("families:involve", args=[uuid4()])).status_code == 404
    assert client.get(reverse("families:involve", args=["not-a-uuid"])).status_code == 404


def test_involve_sends_anonymous_to_sign_in(client: Client, family: Family) -> None:
    url = reverse("families:involve", args=[family.public_id])
    _assert_sign_in_redirect(client.get(url), url)


# --- emergency access ------------------------------------------------------------------------


def test_break_glass_then_family_page_shows_banner(client: Client, cast: dict[str, User], family: Family) -> None:
    client.force_login(cast["police"])
    url = reverse("families:break_glass", args=[family.public_id])
    form = client.get(url)
    assert form.status_code == 200
    assert "Emergency access" in _text(form)
    response = client.post(url, {"reason": "Baby found alone at the address"})
    assert response.status_code == 302
    assert response["Location"] == family.get_absolute_url()
    assert BreakGlass.objects.filter(user=cast["police"], family=family).count() == 1
    page = client.get(family.get_absolute_url())
    text = _text(page)
    assert page.status_code == 200
    assert "Emergency access granted for 3 hours" in text
    assert "You are seeing this family through emergency access until" in text
    assert "Your reason: Baby found alone at the address" in text
    assert "Amelia Hart" in text


def test_break_glass_short_reason_refused(client: Client, cast: dict[str, User], family: Family) -> None:
    client.force_login(cast["police"])
    response = client.post(reverse("families:break_glass", args=[family.public_id]), {"reason": "urgent"})
    assert response.status_code == 400
    assert _field_error(response, "reason") == "Explain why you need emergency access, in at least 10 characters"
    assert "urgent" in _text(response)
    assert not BreakGlass.objects.exists()
    assert client.get(family.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("persona", NO_FAMILY_ROLE)
def test_break_glass_refused(client: Client, cast: dict[str, User], family: Family, persona: str) -> None:
    client.force_login(cast[persona])
    url = reverse("families:break_glass", args=[family.public_id])
    _assert_not_found(client, client.get(url), _missing(url))
    _assert_not_found(client, client.post(url, {"reason": "Baby found alone at the address"}), _missing(url),
                      method="post")
    assert not BreakGlass.objects.exists()


def test_break_glass_sends_anonymous_to_sign_in(client: Client, family: Family) -> None:
    url = reverse("families:break_glass", args=[family.public_id])
    _assert_sign_in_redirect(client.post(url, {"reason": "Baby found alone at the address"}), url)
    assert not BreakGlass.objects.exists()


def test_practitioner_without_an_agency_is_refused_not_crashed(client, make_user, family):
    """A role without an agency grants no family-facing permission: 404, never a 500."""
    from django.urls import reverse

    user = make_user("no-agency-nina", "practitioner", None)
    client.force_login(user)
    assert client.get(reverse("families:register")).status_code == 404
    assert client.post(reverse("families:involve", args=[family.public_id]), {"reason": "x" * 20}).status_code == 404
    assert client.get(reverse("families:find")).status_code == 404
