"""The pages for a baby's death: recording it, the record, the banners, and the chronology pack.

Recording is for health professionals and safeguarding leads; everyone else gets the very page a
missing baby gives. The pack is read back with `pdftotext`, as a reviewer reading it would.
"""

import html
import re
import subprocess
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import Agency, User
from kbs.audit.models import Action, AuditEvent
from kbs.chronology.actions import add_entry
from kbs.chronology.models import Kind
from kbs.contacts.actions import record_contact
from kbs.families import actions
from kbs.families.models import Baby, Death, Family
from kbs.families.tests.test_death import details
from kbs.tools.tests.test_actions import completed

TODAY = timezone.localdate()


@pytest.fixture
def baby(family: Family) -> Baby:
    return family.babies.get()


@pytest.fixture
def died(cast: dict[str, User], baby: Baby) -> Death:
    return actions.record_death(by=cast["health_visitor"], baby=baby, details=details(
        other_children="Leo Hart, 3, staying with his grandmother", key_worker="Jo Bloggs, named nurse"))


def _post(**overrides: str) -> dict[str, str]:
    died_on = TODAY - timedelta(days=1)
    data = {
        "died_on-day": str(died_on.day), "died_on-month": str(died_on.month), "died_on-year": str(died_on.year),
        "place": "hospital", "place_detail": "Royal Derby Hospital", "how_learned": "The ED consultant rang me",
        "who_else_aware": "Police and the coroner", "other_children": "None", "bereavement_support_offered": "no",
        "bereavement_support_detail": "", "key_worker": "",
    }
    data.update(overrides)
    return data


def _url(baby: Baby, name: str = "families:record_death") -> str:
    return reverse(name, args=[baby.public_id])


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


def _assert_not_found(client: Client, response: Any, name: str = "families:record_death", method: str = "get") -> None:
    """A refusal is the very same page as a baby who does not exist."""
    assert response.status_code == 404
    missing = getattr(client, method)(reverse(name, args=[uuid4()]))
    assert _normalised(response) == _normalised(missing)


def _pdf_text(content: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True, timeout=30)
    return " ".join(done.stdout.decode().split())


# --- recording -----------------------------------------------------------------------------------


def test_record_death_page_records_and_shows_the_record(client: Client, cast: dict[str, User], baby: Baby) -> None:
    client.force_login(cast["midwife"])
    assert client.get(_url(baby)).status_code == 200
    response = client.post(_url(baby), _post())
    assert response.status_code == 302
    assert response["Location"] == _url(baby, "families:death")
    death = Death.objects.get(baby=baby)
    assert (death.place, death.place_detail, death.bereavement_support_offered) == ("hospital", "Royal Derby Hospital", False)
    page = _text(client.get(response["Location"]))
    assert "Amelia Hart died on" in page
    assert "Royal Derby Hospital" in page
    assert _url(baby, "families:death_pack") in page


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"died_on-day": str((TODAY + timedelta(days=1)).day), "died_on-month": str((TODAY + timedelta(days=1)).month),
      "died_on-year": str((TODAY + timedelta(days=1)).year)}, "died_on", "The date the baby died must be today or in the past"),
    ({"died_on-year": str(TODAY.year - 1)}, "died_on", "The date the baby died must be on or after their date of birth"),
    ({"died_on-day": ""}, "died_on", "The date the baby died must include a day"),
    ({"place": ""}, "place", "Select where the baby died"),
    ({"place": "elsewhere", "place_detail": ""}, "place_detail", "Say where the baby died"),
    ({"how_learned": ""}, "how_learned", "Say how you found out"),
    ({"other_children": " "}, "other_children", "Say whether there are other children, and who is caring for them now"),
    ({"bereavement_support_offered": "yes"}, "bereavement_support_detail", "Say what support was offered, and who from"),
])
def test_record_death_page_shows_each_error_next_to_its_field_and_saves_nothing(
    client: Client, cast: dict[str, User], baby: Baby, overrides: dict[str, str], field: str, message: str,
    mailoutbox: list[Any],
) -> None:
    client.force_login(cast["health_visitor"])
    response = client.post(_url(baby), _post(**overrides))
    assert response.status_code == 400
    assert _field_error(response, field).startswith(message)
    assert not Death.objects.exists()
    assert not AuditEvent.objects.filter(object_type="death").exists()
    assert mailoutbox == []


def test_record_death_page_after_it_is_recorded_goes_to_the_record(client: Client, cast: dict[str, User], died: Death) -> None:
    client.force_login(cast["midwife"])
    assert client.get(_url(died.baby))["Location"] == _url(died.baby, "families:death")
    assert client.post(_url(died.baby), _post())["Location"] == _url(died.baby, "families:death")
    assert Death.objects.count() == 1


def test_record_death_page_refused_for_police_who_can_see_the_family(client: Client, cast: dict[str, User], baby: Baby) -> None:
    actions.record_involvement(by=cast["police"], family=baby.family, reason="Attended the home")
    client.force_login(cast["police"])
    assert client.get(baby.get_absolute_url()).status_code == 200
    assert "Record this baby's death" not in _text(client.get(baby.get_absolute_url()))
    _assert_not_found(client, client.get(_url(baby)))
    _assert_not_found(client, client.post(_url(baby), _post()), method="post")
    assert not Death.objects.exists()


@pytest.mark.parametrize("persona", ["analyst", "admin", "outsider"])
def test_record_death_page_refused_for_people_without_family_access(client: Client, cast: dict[str, User], baby: Baby,
                                                                    persona: str) -> None:
    client.force_login(cast[persona])
    _assert_not_found(client, client.get(_url(baby)))
    _assert_not_found(client, client.post(_url(baby), _post()), method="post")
    assert not Death.objects.exists()


def test_record_death_page_not_found_for_an_unborn_baby(client: Client, cast: dict[str, User],
                                                        make_family: Callable[..., Family]) -> None:
    from kbs.conftest import baby_details

    unborn = make_family(baby=baby_details(nhs_number="", date_of_birth=None, expected_delivery_date=TODAY + timedelta(days=20)),
                         postcode="DE22 1AA").babies.get()
    client.force_login(cast["health_visitor"])
    _assert_not_found(client, client.get(_url(unborn)))


def test_record_death_page_sends_anonymous_to_sign_in(client: Client, baby: Baby) -> None:
    response = client.post(_url(baby), _post())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in") + "?next=")
    assert not Death.objects.exists()


# --- the record and the banners ------------------------------------------------------------------


def test_death_page_is_for_everyone_who_may_see_the_baby(client: Client, cast: dict[str, User], died: Death) -> None:
    client.force_login(cast["midwife"])
    page = _text(client.get(_url(died.baby, "families:death")))
    assert "Leo Hart, 3, staying with his grandmother" in page
    assert AuditEvent.objects.filter(actor=cast["midwife"], action=Action.VIEW, object_type="death").exists()
    client.force_login(cast["police"])
    _assert_not_found(client, client.get(_url(died.baby, "families:death")), "families:death")


def test_death_page_not_found_while_no_death_is_recorded(client: Client, cast: dict[str, User], baby: Baby) -> None:
    client.force_login(cast["health_visitor"])
    _assert_not_found(client, client.get(_url(baby, "families:death")), "families:death")
    _assert_not_found(client, client.get(_url(baby, "families:death_pack")), "families:death_pack")


def test_baby_page_shows_the_banner_instead_of_the_assessment_buttons(client: Client, cast: dict[str, User], baby: Baby) -> None:
    client.force_login(cast["health_visitor"])
    before = _text(client.get(baby.get_absolute_url()))
    assert "Start safer sleep" in before
    assert "Record this baby's death" in before
    actions.record_death(by=cast["health_visitor"], baby=baby, details=details())
    page = _text(client.get(baby.get_absolute_url()))
    assert f"This baby died on {(TODAY - timedelta(days=1)).day}" in page
    assert "Start " not in page
    assert "Record this baby's death" not in page
    assert "Record a birthmark" not in page
    assert "died aged 9 weeks" in page  # born 70 days ago, died yesterday


def test_family_page_shows_the_death_near_the_top(client: Client, cast: dict[str, User], died: Death) -> None:
    client.force_login(cast["midwife"])
    page = _text(client.get(died.baby.family.get_absolute_url()))
    banner = page.index("Amelia Hart died on")
    assert banner < page.index("<h2>Babies</h2>")
    assert _url(died.baby, "families:death") in page


# --- the chronology pack -------------------------------------------------------------------------


def test_pack_holds_the_agencys_contacts_assessments_people_and_chronology(
    client: Client, cast: dict[str, User], baby: Baby,
) -> None:
    hv, family = cast["health_visitor"], baby.family
    mother = family.people.get(given_name="Sophie")
    record_contact(
        by=hv, family=family, present=[mother],
        deliveries=[{"person": mother, "message": m, "leaflet_given": True, "understanding_checked": True}
                    for m in ("safe_sleep", "safe_handling")],
        details={"at": timezone.now() - timedelta(days=5), "contact_type": "new_baby_review", "setting": "home",
                 "baby_seen": True, "sleep_place_observed": "sofa", "language": "English", "interpreter_used": False,
                 "notes": "Mum very tired, sleeping on the sofa with baby", "shared": False},
        life_events=[{"kind": "visitors", "note": "Family staying for the weekend"}],
    )
    completed(hv, family, "safer-sleep")
    completed(cast["midwife"], family, "bruising")  # another agency's assessment: theirs to send
    add_entry(by=cast["midwife"], family=family, baby=baby, kind=Kind.CONTACT, summary="Maternity kept this to itself",
              shared=False)
    actions.record_death(by=cast["midwife"], baby=baby, details=details(other_children="Leo Hart, 3"))

    client.force_login(hv)
    response = client.get(_url(baby, "families:death_pack"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    assert "Amelia" not in response["Content-Disposition"]
    text = _pdf_text(response.content)

    assert "OFFICIAL-SENSITIVE" in text
    assert "Test Health Visiting: chronology pack for Amelia Hart" in text
    assert "Sophie Hart" in text
    assert "Birth mother" in text
    # The contact, with the messages given, the sleep place seen, the change to routine and the notes.
    assert "New baby review" in text
    assert "Sophie Hart: Safe sleep, Safe handling; leaflet given; understanding checked" in text
    assert "Sofa or armchair" in text
    assert "Visitors or celebrations: Family staying for the weekend" in text
    assert "Mum very tired, sleeping on the sofa with baby" in text
    # The agency's own completed assessment, with its outcome and flags; not the other agency's.
    assert "Assessments completed by Test Health Visiting (1)" in text
    assert "High: act today" in text
    assert "Sleeping with the baby on a sofa or armchair (high)" in text
    assert "Make a safe sleep plan with the family" in text
    # The death as recorded, and the chronology this user may see.
    assert "Leo Hart, 3" in text
    assert "Maternity kept this to itself" not in text
    assert "Amelia Hart died on" in text

    export = AuditEvent.objects.get(action=Action.EXPORT, actor=hv)
    assert export.object_type == "death"
    assert export.family == family
    assert export.detail == {"contacts": 1, "assessments": 1, "entries": export.detail["entries"]}


def test_pack_is_each_agencys_own(client: Client, cast: dict[str, User], baby: Baby) -> None:
    completed(cast["health_visitor"], baby.family, "safer-sleep")
    actions.record_death(by=cast["health_visitor"], baby=baby, details=details())
    client.force_login(cast["midwife"])
    text = _pdf_text(client.get(_url(baby, "families:death_pack")).content)
    assert "Test Maternity: chronology pack for Amelia Hart" in text
    assert "Test Maternity completed no assessments for this baby" in text
    assert "Test Maternity recorded no contacts" in text


@pytest.mark.parametrize("persona", ["police", "analyst", "outsider"])
def test_pack_refused_for_people_who_cannot_see_the_baby(client: Client, cast: dict[str, User], died: Death,
                                                         persona: str) -> None:
    client.force_login(cast[persona])
    _assert_not_found(client, client.get(_url(died.baby, "families:death_pack")), "families:death_pack")
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


def test_pack_for_a_lead_of_an_agency_that_no_longer_works_with_the_family(
    client: Client, cast: dict[str, User], died: Death, agencies: dict[str, Agency],
) -> None:
    # A safeguarding lead sees families their agency used to work with: the review may ask them too.
    client.force_login(cast["lead"])
    assert client.get(_url(died.baby, "families:death_pack")).status_code == 200
