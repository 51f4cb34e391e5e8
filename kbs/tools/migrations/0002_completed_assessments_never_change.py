"""A completed assessment never changes: the database refuses UPDATE and DELETE of one."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER tools_assessment_completed_no_update BEFORE UPDATE ON tools_assessment
       WHEN OLD.status = 'completed'
       BEGIN SELECT RAISE(ABORT, 'a completed assessment never changes'); END;""",
    """CREATE TRIGGER tools_assessment_completed_no_delete BEFORE DELETE ON tools_assessment
       WHEN OLD.status = 'completed'
       BEGIN SELECT RAISE(ABORT, 'a completed assessment never changes'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER tools_assessment_completed_no_update;",
    "DROP TRIGGER tools_assessment_completed_no_delete;",
]
POSTGRES = [
    """CREATE FUNCTION tools_assessment_refuse_change() RETURNS trigger AS $$
       BEGIN
         IF OLD.status = 'completed' THEN
           RAISE EXCEPTION 'a completed assessment never changes';
         END IF;
         IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER tools_assessment_completed_frozen BEFORE UPDATE OR DELETE ON tools_assessment
       FOR EACH ROW EXECUTE FUNCTION tools_assessment_refuse_change();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER tools_assessment_completed_frozen ON tools_assessment;",
    "DROP FUNCTION tools_assessment_refuse_change();",
]


def forwards(apps, schema_editor):
    for statement in POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    for statement in POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("tools", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
