"""The search index for each database (ADR 10), and document versions made append-only in the
database itself: UPDATE and DELETE of a version are refused."""

from django.db import migrations

SQLITE = [
    # The document id is the rowid; kbs.library.search keeps the rows in step.
    "CREATE VIRTUAL TABLE library_document_fts USING fts5(title, body, tokenize = 'porter unicode61')",
    """CREATE TRIGGER library_version_no_update BEFORE UPDATE ON library_documentversion
       BEGIN SELECT RAISE(ABORT, 'document versions never change'); END;""",
    """CREATE TRIGGER library_version_no_delete BEFORE DELETE ON library_documentversion
       BEGIN SELECT RAISE(ABORT, 'document versions never change'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER library_version_no_delete;",
    "DROP TRIGGER library_version_no_update;",
    "DROP TABLE library_document_fts;",
]

POSTGRES = [
    "CREATE INDEX library_document_search_gin ON library_document USING gin (search_vector)",
    """CREATE FUNCTION library_version_refuse_change() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'document versions never change'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER library_version_no_update_or_delete BEFORE UPDATE OR DELETE ON library_documentversion
       FOR EACH ROW EXECUTE FUNCTION library_version_refuse_change();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER library_version_no_update_or_delete ON library_documentversion;",
    "DROP FUNCTION library_version_refuse_change();",
    "DROP INDEX library_document_search_gin;",
]


def _statements(schema_editor, *, forwards):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        return POSTGRES if forwards else POSTGRES_REVERSE
    if vendor == "sqlite":
        return SQLITE if forwards else SQLITE_REVERSE
    return []


def forwards(apps, schema_editor):
    for statement in _statements(schema_editor, forwards=True):
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    for statement in _statements(schema_editor, forwards=False):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("library", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
