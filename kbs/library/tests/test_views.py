"""Every library page: the happy path and a refusal for each persona who must not use it. Upload
refusals are shown next to the file field, and nothing is saved."""

import html
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import Agency, User
from kbs.library.models import Audience, Document, Kind, Topic
from kbs.library.tests.conftest import docx_bytes, pdf_bytes, png_bytes, stored_files, upload

NOT_MANAGERS = ["health_visitor", "lead", "midwife", "police", "analyst", "outsider"]


@pytest.fixture
def people(cast: dict[str, User], training_lead: User) -> dict[str, User]:
    return {**cast, "training_lead": training_lead}


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


def _assert_sign_in_redirect(response: Any) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in") + "?next=")


def _document_post(**overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    review = today + timedelta(days=365)
    data: dict[str, Any] = {
        "title": "Safer sleep guidance", "kind": Kind.GUIDANCE, "summary": "How to talk about safer sleep.",
        "audience": Audience.PRACTITIONERS, "topics": [Topic.SAFE_SLEEP, Topic.DEATH],
        "owner_email": "hv-harriet@example.nhs.uk", "agency": Agency.objects.get(name="Test Partnership").pk,
        "published_on-day": today.day, "published_on-month": today.month, "published_on-year": today.year,
        "review_by-day": review.day, "review_by-month": review.month, "review_by-year": review.year,
        "url": "", "change_note": "", "file": upload("safer-sleep.pdf", pdf_bytes()),
    }
    data.update(overrides)
    return data


def _version_post(**overrides: Any) -> dict[str, Any]:
    review = timezone.localdate() + timedelta(days=365)
    data: dict[str, Any] = {
        "file": upload("v2.pdf", pdf_bytes("Version 2")), "change_note": "Adds planning for changes of routine",
        "review_by-day": review.day, "review_by-month": review.month, "review_by-year": review.year,
    }
    data.update(overrides)
    return data


# --- the library home: browse and search ------------------------------------------------------


@pytest.mark.parametrize("persona", ["health_visitor", "lead", "midwife", "police", "analyst", "admin", "training_lead"])
def test_home_lists_documents_for_staff(people: dict[str, User], make_document: Callable[..., Document], persona: str) -> None:
    make_document("Dogs and babies", audience=Audience.PUBLIC, topics=[Topic.DOGS])
    response = _client(people[persona]).get(reverse("library:home"))
    assert response.status_code == 200
    page = _text(response)
    assert "Dogs and babies" in page
    assert ("Add a document" in page) == (persona in ("admin", "training_lead"))


def test_home_is_not_found_for_people_with_no_role(people: dict[str, User]) -> None:
    assert _client(people["outsider"]).get(reverse("library:home")).status_code == 404


def test_library_pages_ask_strangers_to_sign_in(make_document: Callable[..., Document]) -> None:
    document = make_document()
    for url in (reverse("library:home"), reverse("library:document", args=[document.pk]),
                reverse("library:add_document"), reverse("library:add_version", args=[document.pk]),
                reverse("library:reviews_due")):
        _assert_sign_in_redirect(_client(None).get(url))


def test_search_shows_kind_tags_review_date_and_overdue(people: dict[str, User], make_document: Callable[..., Document]) -> None:
    make_document("Practice guidance on bruising", topics=[Topic.BRUISING], review_in_days=-3)
    make_document("Bruising tool", kind=Kind.TOOL, url="/tools/#bruising", with_file=False, topics=[Topic.BRUISING])
    make_document("Safer sleep guidance")
    response = _client(people["health_visitor"]).get(reverse("library:home"), {"q": "bruising"})
    page = _text(response)
    assert "2 results for ‘bruising’" in page
    assert "Safer sleep guidance" not in page
    assert "Practice guidance" in page
    assert "Tool" in page
    assert "Bruising" in page
    assert "Overdue for review" in page
    assert "Review by " + f"{(timezone.localdate() - timedelta(days=3)).day}" in page
    assert 'href="/tools/#bruising"' in page


def test_search_with_nothing_found_says_so(people: dict[str, User], make_document: Callable[..., Document]) -> None:
    make_document()
    page = _text(_client(people["health_visitor"]).get(reverse("library:home"), {"q": "zebras"}))
    assert "0 results for ‘zebras’" in page
    assert "Nothing in the library matches" in page


def test_topic_filter(people: dict[str, User], make_document: Callable[..., Document]) -> None:
    make_document("Dogs and babies", topics=[Topic.DOGS])
    make_document("Safer sleep guidance")
    page = _text(_client(people["health_visitor"]).get(reverse("library:home"), {"topic": Topic.DOGS}))
    assert "Dogs and babies" in page
    assert "Safer sleep guidance" not in page


# --- a document ----------------------------------------------------------------------------------


def test_document_page_shows_current_version_and_history(people: dict[str, User], make_document: Callable[..., Document]) -> None:
    document = make_document("Safer sleep guidance")
    admin = _client(people["admin"])
    assert admin.post(reverse("library:add_version", args=[document.pk]), _version_post()).status_code == 302
    page = _text(_client(people["health_visitor"]).get(reverse("library:document", args=[document.pk])))
    assert "Version 2, uploaded" in page
    assert "Adds planning for changes of routine" in page
    assert "First version" in page
    assert reverse("library:download", args=[document.pk, 1]) in page
    assert reverse("library:download", args=[document.pk, 2]) in page
    assert "Upload a new version" not in page


@pytest.mark.parametrize(("persona", "sees_upload"), [("admin", True), ("training_lead", True), ("lead", True),
                                                     ("health_visitor", False), ("analyst", False)])
def test_upload_link_only_for_managers_and_the_owner(people: dict[str, User], make_document: Callable[..., Document],
                                                      persona: str, sees_upload: bool) -> None:
    document = make_document(owner=people["lead"])
    page = _text(_client(people[persona]).get(reverse("library:document", args=[document.pk])))
    assert ("Upload a new version" in page) == sees_upload


# --- adding a document ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["admin", "training_lead"])
def test_add_document(people: dict[str, User], persona: str, upload_root: Path) -> None:
    client = _client(people[persona])
    assert client.get(reverse("library:add_document")).status_code == 200
    response = client.post(reverse("library:add_document"), _document_post())
    document = Document.objects.get()
    assert response.status_code == 302
    assert response["Location"] == document.get_absolute_url()
    assert document.owner == people["health_visitor"]
    assert document.agency == people[persona].agency  # the partnership
    assert document.topics == [Topic.SAFE_SLEEP, Topic.DEATH]
    assert document.versions.get().original_name == "safer-sleep.pdf"
    assert len(stored_files(upload_root)) == 1


@pytest.mark.parametrize("persona", NOT_MANAGERS)
def test_add_document_is_not_found_for_others(people: dict[str, User], persona: str) -> None:
    client = _client(people[persona])
    assert client.get(reverse("library:add_document")).status_code == 404
    assert client.post(reverse("library:add_document"), _document_post()).status_code == 404
    assert not Document.objects.exists()


@pytest.mark.parametrize(("file", "message"), [
    (upload("notes.docx", docx_bytes()), "The file must be a PDF, PNG or JPEG"),
    (upload("guidance.pdf", docx_bytes()), "The file is called .pdf but is not a PDF"),
    (upload("poster.pdf", png_bytes(), content_type="application/pdf"), "The file is called .pdf but is not a PDF"),
    (upload("big.pdf", pdf_bytes() + b"x" * (1024 * 1024)), "The file must be 1 MB or smaller"),
])
def test_add_document_refuses_bad_files_with_a_clear_message_and_saves_nothing(
    people: dict[str, User], upload_root: Path, settings: Any, file: Any, message: str,
) -> None:
    settings.KBS_LIBRARY_MAX_UPLOAD_MB = 1
    response = _client(people["admin"]).post(reverse("library:add_document"), _document_post(file=file))
    assert response.status_code == 400
    page = _text(response)
    assert page.count(message) == 2  # in the error summary and next to the field
    assert 'href="#id_file"' in page
    assert not Document.objects.exists()
    assert stored_files(upload_root) == []


@pytest.mark.parametrize(("overrides", "message"), [
    ({"file": "", "url": ""}, "Choose a file to upload, or give a web address"),
    ({"file": "", "url": "javascript:alert(1)"}, "Enter a web address that starts with https://"),
    ({"file": "", "url": "//evil.example.org/"}, "Enter a web address that starts with https://"),
    ({"owner_email": "nobody@example.nhs.uk"}, "There is no member of staff with that e-mail address"),
    ({"review_by-year": "2000"}, "The review date must be after the date published"),
    ({"title": ""}, "Enter the title"),
])
def test_add_document_form_errors(people: dict[str, User], upload_root: Path, overrides: dict[str, Any], message: str) -> None:
    response = _client(people["admin"]).post(reverse("library:add_document"), _document_post(**overrides))
    assert response.status_code == 400
    assert message in _text(response)
    assert not Document.objects.exists()
    assert stored_files(upload_root) == []


def test_add_document_as_a_link(people: dict[str, User]) -> None:
    response = _client(people["admin"]).post(reverse("library:add_document"), _document_post(
        file="", url="/tools/#bruising", kind=Kind.TOOL, title="Bruising tool"))
    assert response.status_code == 302
    assert Document.objects.get().url == "/tools/#bruising"


# --- a new version -------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["admin", "training_lead", "lead"])
def test_add_version(people: dict[str, User], make_document: Callable[..., Document], persona: str) -> None:
    document = make_document(owner=people["lead"])
    client = _client(people[persona])
    assert client.get(reverse("library:add_version", args=[document.pk])).status_code == 200
    response = client.post(reverse("library:add_version", args=[document.pk]), _version_post())
    assert response.status_code == 302
    assert [v.number for v in document.versions.order_by("number")] == [1, 2]


@pytest.mark.parametrize("persona", ["health_visitor", "midwife", "police", "analyst", "outsider"])
def test_add_version_is_not_found_for_others(people: dict[str, User], make_document: Callable[..., Document], persona: str) -> None:
    document = make_document(owner=people["lead"])
    client = _client(people[persona])
    assert client.get(reverse("library:add_version", args=[document.pk])).status_code == 404
    assert client.post(reverse("library:add_version", args=[document.pk]), _version_post()).status_code == 404
    assert document.versions.count() == 1


def test_add_version_refuses_a_disguised_file_and_keeps_the_history(
    people: dict[str, User], make_document: Callable[..., Document], upload_root: Path,
) -> None:
    document = make_document()
    before = stored_files(upload_root)
    response = _client(people["admin"]).post(reverse("library:add_version", args=[document.pk]),
                                             _version_post(file=upload("v2.pdf", docx_bytes())))
    assert response.status_code == 400
    assert "The file is called .pdf but is not a PDF" in _text(response)
    assert document.versions.count() == 1
    assert stored_files(upload_root) == before


@pytest.mark.parametrize(("overrides", "message"), [
    ({"change_note": ""}, "Say what changed in this version"),
    ({"review_by-year": "2000"}, "The next review date must be in the future"),
    ({"file": ""}, "Choose a file to upload"),
])
def test_add_version_form_errors(people: dict[str, User], make_document: Callable[..., Document],
                                 overrides: dict[str, Any], message: str) -> None:
    document = make_document()
    response = _client(people["admin"]).post(reverse("library:add_version", args=[document.pk]), _version_post(**overrides))
    assert response.status_code == 400
    assert message in _text(response)
    assert document.versions.count() == 1


# --- reviews due ---------------------------------------------------------------------------------


def test_reviews_due_lists_the_owner_s_overdue_and_soon_due(people: dict[str, User], make_document: Callable[..., Document]) -> None:
    make_document("Overdue bruising guidance", owner=people["lead"], review_in_days=-10)
    make_document("Soon due leaflet", owner=people["lead"], review_in_days=20)
    make_document("Fine for now", owner=people["lead"], review_in_days=90)
    make_document("Someone else's overdue poster", owner=people["admin"], review_in_days=-1)
    page = _text(_client(people["lead"]).get(reverse("library:reviews_due")))
    assert "Overdue bruising guidance" in page
    assert "Soon due leaflet" in page
    assert "Overdue for review" in page
    assert "Review due soon" in page
    assert "Fine for now" not in page
    assert "Someone else's overdue poster" not in page
    assert page.index("Overdue bruising guidance") < page.index("Soon due leaflet")


@pytest.mark.parametrize("persona", ["admin", "training_lead"])
def test_reviews_due_lists_everything_for_managers(people: dict[str, User], make_document: Callable[..., Document], persona: str) -> None:
    make_document("Overdue bruising guidance", owner=people["lead"], review_in_days=-10)
    make_document("Someone else's overdue poster", owner=people["admin"], review_in_days=-1)
    page = _text(_client(people[persona]).get(reverse("library:reviews_due")))
    assert "Overdue bruising guidance" in page
    assert "Someone else's overdue poster" in page


def test_reviews_due_is_empty_for_a_practitioner_who_owns_nothing(people: dict[str, User], make_document: Callable[..., Document]) -> None:
    make_document("Overdue bruising guidance", owner=people["lead"], review_in_days=-10)
    page = _text(_client(people["police"]).get(reverse("library:reviews_due")))
    assert "Nothing is due for review" in page


def test_reviews_due_is_not_found_for_people_with_no_role(people: dict[str, User]) -> None:
    assert _client(people["outsider"]).get(reverse("library:reviews_due")).status_code == 404


def test_library_is_in_the_header_for_staff(people: dict[str, User]) -> None:
    for persona in ("health_visitor", "analyst", "admin", "training_lead"):
        assert f'href="{reverse("library:home")}"' in _text(_client(people[persona]).get(reverse("library:reviews_due")))
