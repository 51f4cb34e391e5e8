"""The historic contacts upload pages and the family's "Contacts recorded in other systems" page:
the journey, upload checks, and a refusal for every other persona in the cast and for someone not
signed in."""

import html
import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kbs.accounts.models import User
from kbs.audit.models import AuditEvent
from kbs.conftest import TEST_NHS_NUMBERS
from kbs.contacts.models import ContactImport, HistoricContact
from kbs.families.models import Family
from kbs.imports.contacts_samples import contact_row, contacts_csv

IMPORTERS = ["health_visitor", "lead", "midwife", "police"]
REFUSED = ["analyst", "admin", "dpo", "outsider"]
URLS = ["imports:contacts", "imports:contacts_confirm", "imports:contacts_report"]
NHS = TEST_NHS_NUMBERS[0]


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _text(response: Any) -> str:
    return str(html.unescape(response.content.decode()))


def _upload(client: Client, content: bytes, name: str = "contacts.csv", content_type: str = "text/csv") -> Any:
    return client.post(reverse("imports:contacts"), {"file": SimpleUploadedFile(name, content, content_type=content_type)})


def test_journey_upload_check_accepted_only_result_and_family_page(cast: dict[str, User], family: Family) -> None:
    client = _client(cast["health_visitor"])
    page = client.get(reverse("imports:contacts"))
    assert page.status_code == 200
    assert "CSV file of contacts" in _text(page)
    rows = [contact_row(NHS, 1), contact_row(NHS, 2, contact_date="2999-01-01"), contact_row(NHS, 3)]
    checked = _upload(client, contacts_csv(rows))
    text = _text(checked)
    assert checked.status_code == 200
    assert "The date of the contact is in the future" in text
    assert "Import 2 contacts" in text
    batch = ContactImport.objects.get()
    report = client.get(reverse("imports:contacts_report"), {"batch": str(batch.public_id)})
    assert report.status_code == 200
    assert report.content.decode().splitlines()[1] == "3,contact_date,The date of the contact is in the future"
    refused = client.post(reverse("imports:contacts_confirm"), {"batch": batch.public_id, "mode": "all"})
    assert refused.status_code == 400
    assert "Nothing was imported" in _text(refused)
    assert not HistoricContact.objects.exists()
    result = client.post(reverse("imports:contacts_confirm"), {"batch": batch.public_id, "mode": "accepted"})
    assert result.status_code == 200
    assert "Contacts imported" in _text(result)
    assert HistoricContact.objects.filter(family=family).count() == 2
    again = client.post(reverse("imports:contacts_confirm"), {"batch": batch.public_id, "mode": "accepted"})
    assert again.status_code == 200
    assert HistoricContact.objects.count() == 2
    shown = client.get(reverse("contacts:historic", args=[family.public_id]))
    assert shown.status_code == 200
    assert "New baby review" in _text(shown)
    assert "Birth mother, Father" in _text(shown)
    assert AuditEvent.objects.filter(actor=cast["health_visitor"], summary__startswith="Imported 2 historic").count() == 1


def test_a_row_already_imported_is_reported(cast: dict[str, User], family: Family) -> None:
    client = _client(cast["health_visitor"])
    _upload(client, contacts_csv([contact_row(NHS, 1)]))
    client.post(reverse("imports:contacts_confirm"), {"batch": ContactImport.objects.get().public_id, "mode": "all"})
    checked = _upload(client, contacts_csv([contact_row(NHS, 1)]))
    assert "Already imported" in _text(checked)
    assert HistoricContact.objects.count() == 1


@pytest.mark.parametrize(("content", "kw", "message"), [
    (contacts_csv([contact_row(NHS, notes="Zoë")], encoding="latin-1"), {}, "not saved as UTF-8"),
    (b"source_system,notes\n", {}, "missing these columns"),
    (contacts_csv([contact_row(NHS)]), {"name": "contacts.xlsx"}, "name ending .csv"),
    (b"", {}, "The file is empty"),
])
def test_upload_checks(cast: dict[str, User], family: Family, content: bytes, kw: dict[str, str], message: str) -> None:
    response = _upload(_client(cast["midwife"]), content, **kw)
    assert response.status_code == 400
    assert message in _text(response)
    assert not HistoricContact.objects.exists()


def test_someone_elses_file_is_not_found(cast: dict[str, User], family: Family) -> None:
    _upload(_client(cast["midwife"]), contacts_csv([contact_row(NHS)]))
    batch = ContactImport.objects.get()
    other = _client(cast["health_visitor"])
    assert other.get(reverse("imports:contacts_report"), {"batch": str(batch.public_id)}).status_code == 404
    assert other.post(reverse("imports:contacts_confirm"), {"batch": batch.public_id, "mode": "all"}).status_code == 404
    assert other.get(reverse("imports:contacts_report"), {"batch": str(uuid.uuid4())}).status_code == 404
    assert not HistoricContact.objects.exists()


@pytest.mark.parametrize("persona", IMPORTERS)
def test_pages_open_for_people_who_register_families(persona: str, cast: dict[str, User]) -> None:
    client = _client(cast[persona])
    assert client.get(reverse("imports:contacts")).status_code == 200
    assert client.get(reverse("imports:contacts_confirm")).status_code == 302
    assert client.get(reverse("imports:contacts_report")).status_code == 302


@pytest.mark.parametrize("persona", REFUSED)
@pytest.mark.parametrize("name", URLS)
def test_refused_personas_get_not_found(persona: str, name: str, cast: dict[str, User]) -> None:
    client = _client(cast[persona])
    assert client.get(reverse(name)).status_code == 404
    upload = SimpleUploadedFile("c.csv", contacts_csv([contact_row(NHS)]), content_type="text/csv")
    assert client.post(reverse(name), {"file": upload}).status_code in (404, 405)
    assert not ContactImport.objects.exists()


@pytest.mark.parametrize("name", URLS)
def test_anonymous_is_sent_to_sign_in(name: str, db: Any) -> None:
    response = Client().get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in") + "?next=")


# The family's page of imported contacts: anyone who may see the family; a 404 for everyone else.
SEES_FAMILY = ["health_visitor", "lead", "midwife"]
NOT_FAMILY = ["police", "analyst", "admin", "dpo", "outsider"]


@pytest.mark.parametrize("persona", SEES_FAMILY)
def test_historic_page_for_people_who_see_the_family(persona: str, cast: dict[str, User], family: Family) -> None:
    response = _client(cast[persona]).get(reverse("contacts:historic", args=[family.public_id]))
    assert response.status_code == 200
    assert "No contacts from other systems" in _text(response)


@pytest.mark.parametrize("persona", NOT_FAMILY)
def test_historic_page_refused(persona: str, cast: dict[str, User], family: Family) -> None:
    assert _client(cast[persona]).get(reverse("contacts:historic", args=[family.public_id])).status_code == 404


def test_historic_page_anonymous_and_missing(cast: dict[str, User], family: Family) -> None:
    response = Client().get(reverse("contacts:historic", args=[family.public_id]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in") + "?next=")
    missing = _client(cast["health_visitor"]).get(reverse("contacts:historic", args=[uuid.uuid4()]))
    assert missing.status_code == 404
