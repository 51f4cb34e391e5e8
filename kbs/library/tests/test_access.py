"""Who may see and download which documents: public, practitioners' and partnership-only documents
against every persona. Refusals look exactly like "not found"; non-public downloads are audited."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kbs.accounts.models import User
from kbs.audit.models import Action, AuditEvent
from kbs.library.models import Audience, Document

PERSONAS = ["health_visitor", "lead", "midwife", "police", "analyst", "admin", "training_lead", "outsider", None]
# Who sees each audience (None is someone not signed in).
SEES = {
    Audience.PUBLIC: {"health_visitor", "lead", "midwife", "police", "analyst", "admin", "training_lead", "outsider", None},
    Audience.PRACTITIONERS: {"health_visitor", "lead", "midwife", "police", "analyst", "admin", "training_lead"},
    Audience.PARTNERSHIP: {"analyst", "admin", "training_lead"},
}
# The library's pages are for signed-in staff; only public files are open to everyone.
STAFF = {"health_visitor", "lead", "midwife", "police", "analyst", "admin", "training_lead"}


@pytest.fixture
def people(cast: dict[str, User], training_lead: User) -> dict[str, User]:
    return {**cast, "training_lead": training_lead}


@pytest.fixture
def documents(make_document: Callable[..., Document]) -> dict[str, Document]:
    return {audience: make_document(f"A {audience} document", audience=audience) for audience in Audience.values}


def _body(response: Any) -> bytes:
    """Read a file response to the end, which closes the file (the test client closes it
    without also closing the database connection, as response.close() would)."""
    return b"".join(response.streaming_content)


def _without_nonces(content: bytes) -> bytes:
    return re.sub(rb'nonce="[^"]*"', b"", content)


def _client(people: dict[str, User], persona: str | None) -> Client:
    client = Client()
    if persona is not None:
        client.force_login(people[persona])
    return client


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("audience", Audience.values)
def test_download_follows_the_audience(people: dict[str, User], documents: dict[str, Document], audience: str,
                                       persona: str | None) -> None:
    response = _client(people, persona).get(reverse("library:download", args=[documents[audience].pk, 1]))
    if persona in SEES[audience]:
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert _body(response).startswith(b"%PDF-")
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("audience", Audience.values)
def test_document_page_follows_the_audience(people: dict[str, User], documents: dict[str, Document], audience: str,
                                            persona: str | None) -> None:
    response = _client(people, persona).get(reverse("library:document", args=[documents[audience].pk]))
    if persona is None:
        assert response.status_code == 302  # asked to sign in, whatever the document
    elif persona in SEES[audience] and persona in STAFF:
        assert response.status_code == 200
        assert documents[audience].title in response.content.decode()
    else:
        assert response.status_code == 404


def test_refusal_looks_like_not_found(people: dict[str, User], documents: dict[str, Document]) -> None:
    client = _client(people, "police")
    refused = client.get(reverse("library:document", args=[documents[Audience.PARTNERSHIP].pk]))
    missing = client.get(reverse("library:document", args=[999999]))
    assert refused.status_code == missing.status_code == 404
    assert _without_nonces(refused.content) == _without_nonces(missing.content)
    refused_file = client.get(reverse("library:download", args=[documents[Audience.PARTNERSHIP].pk, 1]))
    missing_file = client.get(reverse("library:download", args=[documents[Audience.PUBLIC].pk, 9]))
    assert refused_file.status_code == missing_file.status_code == 404


def test_non_public_downloads_are_audited_and_public_ones_not(people: dict[str, User], documents: dict[str, Document]) -> None:
    client = _client(people, "midwife")
    _body(client.get(reverse("library:download", args=[documents[Audience.PUBLIC].pk, 1])))
    assert not AuditEvent.objects.filter(action=Action.VIEW, object_type="documentversion").exists()
    _body(client.get(reverse("library:download", args=[documents[Audience.PRACTITIONERS].pk, 1])))
    event = AuditEvent.objects.get(action=Action.VIEW, object_type="documentversion")
    assert event.actor == people["midwife"]
    assert event.summary == "Downloaded version 1 of A practitioners document"


def test_download_headers(people: dict[str, User], documents: dict[str, Document]) -> None:
    response = _client(people, None).get(reverse("library:download", args=[documents[Audience.PUBLIC].pk, 1]))
    assert response["Content-Disposition"] == 'attachment; filename="guidance.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    private = _client(people, "health_visitor").get(
        reverse("library:download", args=[documents[Audience.PRACTITIONERS].pk, 1]))
    assert "no-store" in private["Cache-Control"]
    assert private["Content-Disposition"] == 'attachment; filename="guidance.pdf"'
    _body(response)
    _body(private)


def test_a_missing_file_is_not_found_not_an_error(people: dict[str, User], documents: dict[str, Document]) -> None:
    from kbs.library import files

    version = documents[Audience.PUBLIC].versions.get()
    files.discard(version.sha256)
    assert _client(people, None).get(reverse("library:download", args=[version.document_id, 1])).status_code == 404
