"""The audit trail is append-only in the database itself, on SQLite and on PostgreSQL alike.

Each refused statement runs inside `transaction.atomic()` so that, on PostgreSQL, the failed
statement rolls back to a savepoint and the test can go on to check that the row is still there.
"""

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from kbs.audit.actions import record_event
from kbs.audit.models import Action, AuditEvent


@pytest.fixture
def event(db: Any) -> AuditEvent:
    return record_event(by=None, action=Action.SIGN_IN_FAILED, summary="Failed sign-in as 'nobody'",
                        actor_name="nobody", detail={"username": "nobody"})


def _unchanged(event: AuditEvent) -> None:
    row = AuditEvent.objects.get(pk=event.pk)
    assert row.summary == "Failed sign-in as 'nobody'"
    assert row.detail == {"username": "nobody"}


def test_audit_insert_allowed(event: AuditEvent) -> None:
    record_event(by=None, action=Action.SIGN_IN_FAILED, summary="Another")
    assert AuditEvent.objects.count() == 2


def test_audit_raw_update_refused(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET summary = 'x'")
    _unchanged(event)


def test_audit_raw_delete_refused(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")
    _unchanged(event)


def test_audit_orm_update_refused(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(summary="x")
    _unchanged(event)


def test_audit_orm_save_of_changed_row_refused(event: AuditEvent) -> None:
    event.summary = "x"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.save()
    _unchanged(event)


def test_audit_orm_queryset_delete_refused(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()
    _unchanged(event)


def test_audit_orm_instance_delete_refused(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.delete()
    _unchanged(event)
