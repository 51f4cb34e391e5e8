"""The births upload pages: the journey for a midwife, upload checks, and a refusal for every
persona who may not import births (the same 404 as a missing page), and for someone not signed in."""

import html
import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kbs.accounts.models import User
from kbs.audit.models import AuditEvent
from kbs.families.models import Baby
from kbs.imports.models import BirthImport
from kbs.imports.tests.conftest import birth_row, births_csv, good_file

IMPORTERS = ["health_visitor", "lead", "midwife", "police"]
REFUSED = ["analyst", "admin", "dpo", "outsider"]
URLS = ["imports:births", "imports:births_checking", "imports:births_confirm", "imports:births_report"]


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


def _csv(content: bytes, name: str = "births.csv", content_type: str = "text/csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def _upload(client: Client, content: bytes, **kw: Any) -> Any:
    return client.post(reverse("imports:births"), {"file": _csv(content, **kw)}, follow=True)


def test_journey_upload_check_choose_accepted_only_and_result(cast: dict[str, User]) -> None:
    client = _client(cast["midwife"])
    page = client.get(reverse("imports:births"))
    assert page.status_code == 200
    assert "CSV file of births" in _text(page)
    checked = _upload(client, births_csv([birth_row(1), birth_row(2, birth_weight_g="9000"), birth_row(3)]))
    text = _text(checked)
    assert checked.status_code == 200
    assert "The birth weight must be from 300 to 6,500 grams" in text
    assert "Import 2 births" in text
    batch = BirthImport.objects.get()
    report = client.get(reverse("imports:births_report"), {"batch": str(batch.public_id)})
    assert report.status_code == 200
    assert report["Content-Type"].startswith("text/csv")
    assert report.content.decode().splitlines()[1] == "3,birth_weight_g,"\
        "\"The birth weight must be from 300 to 6,500 grams\""
    refused = client.post(reverse("imports:births_confirm"), {"batch": batch.public_id, "mode": "all"})
    assert refused.status_code == 400
    assert "Nothing was imported" in _text(refused)
    assert not Baby.objects.exists()
    result = client.post(reverse("imports:births_confirm"), {"batch": batch.public_id, "mode": "accepted"})
    assert result.status_code == 200
    assert "New babies and families" in _text(result)
    assert Baby.objects.count() == 2
    actions = set(AuditEvent.objects.filter(actor=cast["midwife"], object_type__icontains="birth")
                  .values_list("action", flat=True))
    assert actions == {"create", "export", "update"}


def test_a_clean_file_imports_all_rows(cast: dict[str, User]) -> None:
    client = _client(cast["police"])
    assert "Import 3 births" in _text(_upload(client, good_file(3)))
    batch = BirthImport.objects.get()
    assert client.post(reverse("imports:births_confirm"), {"batch": batch.public_id, "mode": "all"}).status_code == 200
    assert Baby.objects.count() == 3
    again = client.post(reverse("imports:births_confirm"), {"batch": batch.public_id, "mode": "all"})
    assert again.status_code == 200
    assert Baby.objects.count() == 3


@pytest.mark.parametrize(("content", "kw", "message"), [
    (births_csv([birth_row()], encoding="latin-1").replace(b"Sophie", b"Zo\xeb"), {}, "not saved as UTF-8"),
    (b"nhs_number,sex\n", {}, "missing these columns"),
    (good_file(1), {"name": "births.xlsx"}, "name ending .csv"),
    (good_file(1), {"content_type": "application/pdf"}, "must be a CSV file"),
    (b"", {}, "The file is empty"),
])
def test_upload_checks(cast: dict[str, User], content: bytes, kw: dict[str, str], message: str) -> None:
    response = _upload(_client(cast["midwife"]), content, **kw)
    assert response.status_code == 400
    assert message in _text(response)
    assert not Baby.objects.exists()


def test_file_too_large_is_refused(cast: dict[str, User]) -> None:
    response = _upload(_client(cast["midwife"]), good_file(1) + b"#" * (1024 * 1024))
    assert response.status_code == 400
    assert "larger than 1 MB" in _text(response)


def test_someone_elses_file_is_not_found(cast: dict[str, User]) -> None:
    _upload(_client(cast["midwife"]), good_file(1))
    batch = BirthImport.objects.get()
    other = _client(cast["health_visitor"])
    assert other.get(reverse("imports:births_report"), {"batch": str(batch.public_id)}).status_code == 404
    assert other.post(reverse("imports:births_confirm"), {"batch": batch.public_id, "mode": "all"}).status_code == 404
    assert other.get(reverse("imports:births_report"), {"batch": str(uuid.uuid4())}).status_code == 404
    assert other.get(reverse("imports:births_report"), {"batch": "not-an-id"}).status_code == 404
    assert not Baby.objects.exists()


@pytest.mark.parametrize("persona", IMPORTERS)
def test_pages_open_for_people_who_register_families(persona: str, cast: dict[str, User]) -> None:
    client = _client(cast[persona])
    assert client.get(reverse("imports:births")).status_code == 200
    assert client.get(reverse("imports:births_confirm")).status_code == 302
    assert client.get(reverse("imports:births_checking")).status_code == 302
    assert client.get(reverse("imports:births_report")).status_code == 302


@pytest.mark.parametrize("persona", REFUSED)
@pytest.mark.parametrize("name", URLS)
def test_refused_personas_get_not_found(persona: str, name: str, cast: dict[str, User]) -> None:
    client = _client(cast[persona])
    assert client.get(reverse(name)).status_code == 404
    assert client.post(reverse(name), {"file": _csv(good_file(1))}).status_code in (404, 405)
    assert not BirthImport.objects.exists()


@pytest.mark.parametrize("name", URLS)
def test_anonymous_is_sent_to_sign_in(name: str, db: Any) -> None:
    response = Client().get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in") + "?next=")


def test_file_with_too_many_births_for_a_page_is_refused(cast: dict[str, User]) -> None:
    response = _upload(_client(cast["midwife"]), good_file(2001))
    assert response.status_code == 400
    assert "more than 2,000 births" in _text(response)
    assert BirthImport.objects.get().state == "refused"
