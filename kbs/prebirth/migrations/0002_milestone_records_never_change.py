"""A recorded pre-birth milestone never changes: the database refuses UPDATE and DELETE of one."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER prebirth_milestonerecord_no_update BEFORE UPDATE ON prebirth_milestonerecord
       BEGIN SELECT RAISE(ABORT, 'a recorded milestone never changes'); END;""",
    """CREATE TRIGGER prebirth_milestonerecord_no_delete BEFORE DELETE ON prebirth_milestonerecord
       BEGIN SELECT RAISE(ABORT, 'a recorded milestone never changes'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER prebirth_milestonerecord_no_update;",
    "DROP TRIGGER prebirth_milestonerecord_no_delete;",
]
POSTGRES = [
    """CREATE FUNCTION prebirth_milestonerecord_refuse_change() RETURNS trigger AS $$
       BEGIN
         RAISE EXCEPTION 'a recorded milestone never changes';
       END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER prebirth_milestonerecord_frozen BEFORE UPDATE OR DELETE ON prebirth_milestonerecord
       FOR EACH ROW EXECUTE FUNCTION prebirth_milestonerecord_refuse_change();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER prebirth_milestonerecord_frozen ON prebirth_milestonerecord;",
    "DROP FUNCTION prebirth_milestonerecord_refuse_change();",
]


def forwards(apps, schema_editor):
    for statement in POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    for statement in POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("prebirth", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
