"""Adding documents and versions: the version history, the audit rows, who may do it, and that a
failed upload leaves nothing behind."""

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from kbs.accounts.models import User
from kbs.audit.models import Action, AuditEvent
from kbs.library import actions, files
from kbs.library.models import Audience, Document, DocumentVersion, Kind, Topic
from kbs.library.tests.conftest import checked_pdf, stored_files


def test_add_document_stores_the_first_version_and_audits(cast: dict[str, User], upload_root: Path) -> None:
    today = timezone.localdate()
    file = checked_pdf("Dogs and babies", name="dogs.pdf")
    document = actions.add_document(
        by=cast["admin"], title="Dogs and babies", kind=Kind.LEAFLET, summary="Never leave a baby alone with a dog.",
        owner=cast["health_visitor"], agency=cast["health_visitor"].agency, audience=Audience.PUBLIC,
        topics=[Topic.DOGS, Topic.SAFE_SPACE, Topic.DOGS], published_on=today, review_by=today + timedelta(days=365),
        file=file,
    )
    version = document.versions.get()
    assert (version.number, version.original_name, version.content_type) == (1, "dogs.pdf", "application/pdf")
    assert version.change_note == actions.FIRST_VERSION_NOTE
    assert version.uploaded_by == cast["admin"]
    assert files.path_for(version.sha256).read_bytes() == file.content
    assert stored_files(upload_root) == [files.path_for(version.sha256)]
    assert document.topics == [Topic.SAFE_SPACE, Topic.DOGS]  # the fixed order, each once
    event = AuditEvent.objects.get(action=Action.CREATE, object_type="document")
    assert event.actor == cast["admin"]
    assert event.detail["file"] == file.sha256


def test_add_document_as_a_link_needs_no_file(make_document: Callable[..., Document]) -> None:
    document = make_document("Bruising tool", kind=Kind.TOOL, url="/tools/#bruising", with_file=False)
    assert document.url == "/tools/#bruising"
    assert not document.versions.exists()


def test_add_document_needs_a_file_or_a_link(make_document: Callable[..., Document]) -> None:
    with pytest.raises(actions.Refused, match="file to upload, or give a web address"):
        make_document(with_file=False)


def test_add_document_refuses_a_review_date_before_publication(cast: dict[str, User]) -> None:
    today = timezone.localdate()
    with pytest.raises(actions.Refused, match="review date must be after"):
        actions.add_document(
            by=cast["admin"], title="Late", kind=Kind.GUIDANCE, summary="s", owner=cast["admin"],
            agency=cast["admin"].agency, audience=Audience.PUBLIC, topics=[], published_on=today, review_by=today,
            file=checked_pdf(),
        )
    assert not Document.objects.exists()


@pytest.mark.parametrize("persona", ["health_visitor", "lead", "analyst", "outsider"])
def test_add_document_is_refused_to_people_who_do_not_manage_the_library(
    cast: dict[str, User], make_document: Callable[..., Document], persona: str, upload_root: Path,
) -> None:
    with pytest.raises(actions.Refused):
        make_document(by=cast[persona])
    assert not Document.objects.exists()
    assert stored_files(upload_root) == []


def test_training_lead_may_add_documents(training_lead: User, make_document: Callable[..., Document]) -> None:
    assert make_document(by=training_lead).created_by == training_lead


def test_add_version_keeps_the_history_and_the_newest_is_current(
    cast: dict[str, User], make_document: Callable[..., Document],
) -> None:
    document = make_document("Safer sleep guidance")
    first = document.versions.get()
    review_by = timezone.localdate() + timedelta(days=365)
    second = actions.add_version(
        by=cast["admin"], document=document, file=checked_pdf("Safer sleep guidance, version 2"),
        change_note="Adds planning for changes of routine", review_by=review_by,
    )
    assert second.number == 2
    assert [v.number for v in document.versions.order_by("-number")] == [2, 1]
    first.refresh_from_db()
    assert first.change_note == actions.FIRST_VERSION_NOTE  # the old version is untouched
    assert files.path_for(first.sha256).exists()
    assert files.path_for(second.sha256).exists()
    document.refresh_from_db()
    assert document.review_by == review_by
    assert document.published_on == timezone.localdate()
    event = AuditEvent.objects.get(object_type="documentversion")
    assert event.detail["version"] == 2
    assert event.detail["review_by"][1] == review_by.isoformat()


def test_add_version_by_the_owner_who_is_not_a_manager(cast: dict[str, User], make_document: Callable[..., Document]) -> None:
    document = make_document(owner=cast["lead"])
    version = actions.add_version(by=cast["lead"], document=document, file=checked_pdf("v2"), change_note="Updated",
                                  review_by=timezone.localdate() + timedelta(days=30))
    assert version.uploaded_by == cast["lead"]


@pytest.mark.parametrize("persona", ["health_visitor", "analyst", "outsider"])
def test_add_version_is_refused_to_others(cast: dict[str, User], make_document: Callable[..., Document], persona: str) -> None:
    document = make_document(owner=cast["lead"])
    with pytest.raises(actions.Refused):
        actions.add_version(by=cast[persona], document=document, file=checked_pdf("v2"), change_note="x",
                            review_by=timezone.localdate() + timedelta(days=30))
    assert document.versions.count() == 1


def test_add_version_needs_a_change_note_and_a_future_review(cast: dict[str, User], make_document: Callable[..., Document]) -> None:
    document = make_document()
    with pytest.raises(actions.Refused, match="what changed"):
        actions.add_version(by=cast["admin"], document=document, file=checked_pdf("v2"), change_note=" ",
                            review_by=timezone.localdate() + timedelta(days=30))
    with pytest.raises(actions.Refused, match="review date"):
        actions.add_version(by=cast["admin"], document=document, file=checked_pdf("v2"), change_note="x",
                            review_by=timezone.localdate())


def test_a_failed_transaction_removes_the_file_it_wrote(
    cast: dict[str, User], make_document: Callable[..., Document], upload_root: Path, monkeypatch: Any,
) -> None:
    document = make_document()
    before = stored_files(upload_root)

    def broken(**_: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(actions, "record_event", broken)
    new_file = checked_pdf("A version that never lands")
    with pytest.raises(RuntimeError):
        actions.add_version(by=cast["admin"], document=document, file=new_file, change_note="x",
                            review_by=timezone.localdate() + timedelta(days=30))
    assert document.versions.count() == 1
    assert stored_files(upload_root) == before
    assert not files.path_for(new_file.sha256).exists()


def test_a_failed_transaction_keeps_a_file_another_version_uses(
    cast: dict[str, User], make_document: Callable[..., Document], monkeypatch: Any,
) -> None:
    document = make_document("Same bytes")
    existing = document.versions.get()

    def broken(**_: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(actions, "record_event", broken)
    with pytest.raises(RuntimeError):
        actions.add_version(by=cast["admin"], document=document, file=checked_pdf("Same bytes"), change_note="x",
                            review_by=timezone.localdate() + timedelta(days=30))
    assert files.path_for(existing.sha256).exists()


def test_versions_never_change_or_go(make_document: Callable[..., Document]) -> None:
    version = make_document().versions.get()
    with pytest.raises(ValueError, match="never changes"):
        version.save()
    with pytest.raises(DatabaseError, match="never change"), transaction.atomic():
        DocumentVersion.objects.filter(pk=version.pk).update(change_note="rewritten")
    with pytest.raises(DatabaseError, match="never change"), transaction.atomic():
        DocumentVersion.objects.filter(pk=version.pk).delete()
    assert DocumentVersion.objects.get(pk=version.pk).change_note == actions.FIRST_VERSION_NOTE
