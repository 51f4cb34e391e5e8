"""Make the audit trail append-only in the database itself: UPDATE and DELETE are refused."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;""",
]
SQLITE_REVERSE = ["DROP TRIGGER audit_event_no_update;", "DROP TRIGGER audit_event_no_delete;"]

POSTGRES = [
    """CREATE FUNCTION audit_event_refuse_change() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER audit_event_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_auditevent
       FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change();""",
    # TRUNCATE bypasses row triggers, so it needs its own statement-level trigger.
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent
       FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER audit_event_no_truncate ON audit_auditevent;",
    "DROP TRIGGER audit_event_no_update_or_delete ON audit_auditevent;",
    "DROP FUNCTION audit_event_refuse_change();",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for statement in statements:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    statements = POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
