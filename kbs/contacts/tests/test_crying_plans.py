"""The coping-with-crying plan: the action, the form, the page and the PDF, for every persona; and
the ICON panel on the baby page, whose query count stays flat as contacts grow.

A refusal is the same 404 as a missing record; anonymous people are sent to sign in; a form with a
problem shows it next to the field and saves nothing.
"""

import html
import re
import subprocess
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kbs.accounts.models import User
from kbs.audit.models import Action, AuditEvent
from kbs.chronology.models import Entry, Kind
from kbs.contacts.actions import NotAllowed
from kbs.contacts.crying_plans import ICON_MESSAGES, plan_in_force, record_crying_plan
from kbs.contacts.models import Contact, CryingPlan
from kbs.families.models import Baby, Family, Person

PLAN = {
    "soothing": "Feed her, check her nappy, then skin to skin and sing to her.",
    "who_to_call": "Nana Jean 07700 900123\nHealth visitor 01332 000000",
    "if_stressed": "Put Amelia in her cot on her back.\nGo in the kitchen for 5 minutes.\nGo back and check.",
    "agreed_with": "Sophie Hart (mother) and Jack Hart (father)",
}
PAGES = ["crying_plan_new", "crying_plan", "crying_plan_pdf"]
REFUSED = ["police", "analyst", "admin", "outsider"]


@pytest.fixture
def baby(family: Family) -> Baby:
    return family.babies.get()


@pytest.fixture
def plan(baby: Baby, cast: dict[str, User]) -> CryingPlan:
    return record_crying_plan(by=cast["health_visitor"], baby=baby, plan=dict(PLAN))


def _url(name: str, baby: Baby) -> str:
    return reverse(f"contacts:{name}", args=[baby.public_id])


def _text(response: Any) -> str:
    return html.unescape(str(response.content.decode()))


def _field_error(response: Any, field: str) -> str:
    found = re.search(rf'id="id_{field}-error"\s*>\s*<span class="nhsuk-u-visually-hidden">Error: </span>(.*?)</span>',
                      response.content.decode(), re.S)
    assert found, f"no error shown next to {field}"
    return " ".join(html.unescape(found.group(1)).split())


def _pdf_text(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True, timeout=30)
    return " ".join(done.stdout.decode().split())


def _normalised(response: Any) -> str:
    page = re.sub(r'nonce="[^"]*"', 'nonce=""', response.content.decode())
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)


def _missing(url: str) -> str:
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", str(uuid4()), url)


# --- the action --------------------------------------------------------------------------------


def test_record_crying_plan_saves_audits_and_adds_to_chronology(baby: Baby, cast: dict[str, User]) -> None:
    plan = record_crying_plan(by=cast["health_visitor"], baby=baby, plan={**PLAN, "soothing": "  Cuddles  "})
    assert plan.soothing == "Cuddles"
    assert plan.created_by == cast["health_visitor"]
    event = AuditEvent.objects.get(action=Action.CREATE, summary__startswith="Recorded the coping with crying plan")
    assert event.detail["agreed_with"] == PLAN["agreed_with"]
    entry = Entry.objects.get(kind=Kind.MESSAGES, source_type="cryingplan")
    assert entry.baby == baby
    assert entry.summary == f"Coping with crying plan agreed with {PLAN['agreed_with']}"
    assert "07700" not in entry.summary  # phone numbers stay on the plan


def test_record_crying_plan_newest_is_in_force(plan: CryingPlan, baby: Baby, cast: dict[str, User]) -> None:
    newer = record_crying_plan(by=cast["midwife"], baby=baby, plan={**PLAN, "soothing": "A walk in the pram"})
    assert plan_in_force(baby) == newer
    assert CryingPlan.objects.filter(baby=baby).count() == 2


def test_record_crying_plan_missing_part_saves_nothing(baby: Baby, cast: dict[str, User]) -> None:
    before = (CryingPlan.objects.count(), AuditEvent.objects.count(), Entry.objects.count())
    with pytest.raises(ValidationError):
        record_crying_plan(by=cast["health_visitor"], baby=baby, plan={**PLAN, "who_to_call": "   "})
    assert (CryingPlan.objects.count(), AuditEvent.objects.count(), Entry.objects.count()) == before


def test_record_crying_plan_refused_without_permission(baby: Baby, cast: dict[str, User]) -> None:
    with pytest.raises(NotAllowed):
        record_crying_plan(by=cast["analyst"], baby=baby, plan=dict(PLAN))
    assert not CryingPlan.objects.exists()


# --- the form ----------------------------------------------------------------------------------


def test_new_plan_form_prefills_the_walk_away_steps(client: Client, cast: dict[str, User], baby: Baby) -> None:
    client.force_login(cast["health_visitor"])
    response = client.get(_url("crying_plan_new", baby))
    assert response.status_code == 200
    page = _text(response)
    assert "Make a coping with crying plan" in page
    assert "Put Amelia down on their back in their cot" in page


def test_new_plan_form_starts_from_the_plan_in_force(client: Client, cast: dict[str, User], baby: Baby, plan: CryingPlan) -> None:
    client.force_login(cast["health_visitor"])
    page = _text(client.get(_url("crying_plan_new", baby)))
    assert "Update the coping with crying plan" in page
    assert PLAN["soothing"] in page


def test_new_plan_post_saves_and_redirects(client: Client, cast: dict[str, User], baby: Baby) -> None:
    client.force_login(cast["midwife"])
    response = client.post(_url("crying_plan_new", baby), PLAN)
    assert response.status_code == 302
    assert response["Location"] == _url("crying_plan", baby)
    plan = plan_in_force(baby)
    assert plan is not None
    assert plan.who_to_call == PLAN["who_to_call"]
    assert plan.created_by == cast["midwife"]


@pytest.mark.parametrize(("field", "message"), [
    ("soothing", "Enter what the family will try to soothe the baby"),
    ("who_to_call", "Enter who the family can call for help"),
    ("if_stressed", "Enter what the family will do if the crying gets too much"),
    ("agreed_with", "Enter who you agreed the plan with"),
])
def test_new_plan_missing_field_shows_error_and_saves_nothing(
    client: Client, cast: dict[str, User], baby: Baby, field: str, message: str,
) -> None:
    client.force_login(cast["health_visitor"])
    response = client.post(_url("crying_plan_new", baby), {**PLAN, field: "  "})
    assert response.status_code == 400
    assert _field_error(response, field) == message
    assert "There is a problem" in _text(response)
    assert not CryingPlan.objects.exists()
    # What was typed is kept.
    other = next(name for name in PLAN if name != field)
    assert html.escape(PLAN[other].split("\n")[0], quote=False) in response.content.decode()


def test_new_plan_too_long_shows_error(client: Client, cast: dict[str, User], baby: Baby) -> None:
    client.force_login(cast["health_visitor"])
    response = client.post(_url("crying_plan_new", baby), {**PLAN, "agreed_with": "x" * 301})
    assert response.status_code == 400
    assert "300 characters or fewer" in _field_error(response, "agreed_with")
    assert not CryingPlan.objects.exists()


# --- the page and the PDF ------------------------------------------------------------------------


def test_plan_page_shows_the_plan_and_icon_messages(client: Client, cast: dict[str, User], baby: Baby, plan: CryingPlan) -> None:
    client.force_login(cast["midwife"])
    response = client.get(_url("crying_plan", baby))
    assert response.status_code == 200
    page = _text(response)
    for value in ("Nana Jean 07700 900123", "Go in the kitchen for 5 minutes.", PLAN["agreed_with"]):
        assert value in page
    for _, message, _meaning in ICON_MESSAGES:
        assert message in page
    assert _url("crying_plan_pdf", baby) in page
    assert _url("crying_plan_new", baby) in page


def test_plan_page_missing_plan_is_not_found(client: Client, cast: dict[str, User], baby: Baby) -> None:
    client.force_login(cast["health_visitor"])
    assert client.get(_url("crying_plan", baby)).status_code == 404
    assert client.get(_url("crying_plan_pdf", baby)).status_code == 404


def test_plan_pdf_reads_as_the_plan(client: Client, cast: dict[str, User], baby: Baby, plan: CryingPlan) -> None:
    client.force_login(cast["health_visitor"])
    response = client.get(_url("crying_plan_pdf", baby))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    assert "Coping with crying plan for Amelia" in text
    for expected in ("Nana Jean 07700 900123", "Go in the kitchen for 5 minutes.", "Infant crying is normal",
                     "Comforting methods can help", "It's OK to walk away", "Never, ever shake a baby",
                     "Call 999 if your baby is hurt"):
        assert expected in text
    assert AuditEvent.objects.filter(action=Action.EXPORT, summary__contains="coping with crying plan").count() == 1


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", REFUSED)
@pytest.mark.parametrize("name", PAGES)
def test_plan_pages_refused_with_not_found(
    client: Client, cast: dict[str, User], baby: Baby, plan: CryingPlan, persona: str, name: str,
) -> None:
    client.force_login(cast[persona])
    url = _url(name, baby)
    response = client.get(url)
    assert response.status_code == 404
    missing = client.get(_missing(url))
    assert missing.status_code == 404
    if name != "crying_plan_pdf":
        assert _normalised(response) == _normalised(missing)


@pytest.mark.parametrize("persona", REFUSED)
def test_plan_post_refused_and_saves_nothing(client: Client, cast: dict[str, User], baby: Baby, persona: str) -> None:
    client.force_login(cast[persona])
    assert client.post(_url("crying_plan_new", baby), PLAN).status_code == 404
    assert not CryingPlan.objects.exists()


@pytest.mark.parametrize("name", PAGES)
def test_plan_pages_send_anonymous_people_to_sign_in(client: Client, baby: Baby, plan: CryingPlan, name: str) -> None:
    response = client.get(_url(name, baby))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in") + "?next=")


# --- the ICON panel on the baby page ------------------------------------------------------------


def test_baby_page_icon_panel(
    client: Client, cast: dict[str, User], family: Family, baby: Baby, mother: Person,
    add_person: Callable[..., Person], record: Callable[..., Contact],
) -> None:
    add_person(family, "Jack", "father", lives_in_household=True)
    record(family, by=cast["midwife"], given={mother: ("safe_handling",)}, contact_type="community_midwife")
    client.force_login(cast["health_visitor"])
    page = " ".join(_text(client.get(baby.get_absolute_url())).split())
    assert "ICON: coping with crying" in page
    assert "1 of 5 recorded" in page
    assert "Community midwife" in page
    assert "Test Maternity" in page
    assert '<strong class="nhsuk-tag nhsuk-tag--green">Done</strong>' in page
    assert '<strong class="nhsuk-tag nhsuk-tag--red">Missed</strong>' in page  # the birth touchpoint, at 10 weeks
    assert "Not given the crying message yet:" in page
    assert "Jack Hart</a> (father)" in page
    assert "Make sure fathers and partners hear the message too" in page
    assert _url("crying_plan_new", baby) in page


def test_baby_page_icon_panel_links_to_the_plan(client: Client, cast: dict[str, User], baby: Baby, plan: CryingPlan) -> None:
    client.force_login(cast["midwife"])
    page = _text(client.get(baby.get_absolute_url()))
    assert "See the coping with crying plan" in page
    assert _url("crying_plan", baby) in page


def test_baby_page_query_count_does_not_grow_with_contacts(
    client: Client, cast: dict[str, User], family: Family, baby: Baby, mother: Person,
    add_person: Callable[..., Person], record: Callable[..., Contact],
) -> None:
    father = add_person(family, "Jack", "father", lives_in_household=True)
    client.force_login(cast["health_visitor"])
    record(family, given={mother: ("safe_handling",)}, contact_type="new_baby_review")
    client.get(baby.get_absolute_url())  # warm up (sessions, templates)
    with CaptureQueriesContext(connection) as few:
        assert client.get(baby.get_absolute_url()).status_code == 200
    for contact_type in ("community_midwife", "home_visit", "gp_six_eight_week", "clinic", "six_eight_week_review"):
        record(family, given={mother: ("safe_handling",), father: ("safe_handling",)}, contact_type=contact_type)
    record_crying_plan(by=cast["health_visitor"], baby=baby, plan=dict(PLAN))
    with CaptureQueriesContext(connection) as many:
        assert client.get(baby.get_absolute_url()).status_code == 200
    assert len(few) == len(many)
