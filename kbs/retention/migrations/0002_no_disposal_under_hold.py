"""The database itself refuses a disposal stub for a family on an active legal hold, and a new hold
on a family already disposed of, so not even a bug or a shell can dispose of held records: the
disposal action writes the stub before deleting anything, in the same transaction."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER retention_no_disposal_under_hold BEFORE INSERT ON retention_disposalrecord
       WHEN EXISTS (SELECT 1 FROM retention_legalhold
                    WHERE family_id = NEW.family_id AND lifted_at IS NULL)
       BEGIN SELECT RAISE(ABORT, 'the family is on a legal hold'); END;""",
    """CREATE TRIGGER retention_no_hold_after_disposal BEFORE INSERT ON retention_legalhold
       WHEN EXISTS (SELECT 1 FROM retention_disposalrecord WHERE family_id = NEW.family_id)
       BEGIN SELECT RAISE(ABORT, 'the family has been disposed of'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER retention_no_disposal_under_hold;",
    "DROP TRIGGER retention_no_hold_after_disposal;",
]

POSTGRES = [
    """CREATE FUNCTION retention_refuse_disposal_under_hold() RETURNS trigger AS $$
       BEGIN
         IF EXISTS (SELECT 1 FROM retention_legalhold WHERE family_id = NEW.family_id AND lifted_at IS NULL) THEN
           RAISE EXCEPTION 'the family is on a legal hold';
         END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER retention_no_disposal_under_hold BEFORE INSERT ON retention_disposalrecord
       FOR EACH ROW EXECUTE FUNCTION retention_refuse_disposal_under_hold();""",
    """CREATE FUNCTION retention_refuse_hold_after_disposal() RETURNS trigger AS $$
       BEGIN
         IF EXISTS (SELECT 1 FROM retention_disposalrecord WHERE family_id = NEW.family_id) THEN
           RAISE EXCEPTION 'the family has been disposed of';
         END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER retention_no_hold_after_disposal BEFORE INSERT ON retention_legalhold
       FOR EACH ROW EXECUTE FUNCTION retention_refuse_hold_after_disposal();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER retention_no_hold_after_disposal ON retention_legalhold;",
    "DROP FUNCTION retention_refuse_hold_after_disposal();",
    "DROP TRIGGER retention_no_disposal_under_hold ON retention_disposalrecord;",
    "DROP FUNCTION retention_refuse_disposal_under_hold();",
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
    dependencies = [("retention", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
