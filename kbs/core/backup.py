"""Backups of the database and the uploaded files, and the per-table checksums that prove a restore.

`make backup` (scripts/backup.py) writes one archive, `kbs-YYYYMMDDTHHMMSSZ.tar.gz`, holding:

- `database.sqlite3`: a copy made with SQLite's online backup API, in one step, so it is a consistent
  snapshot that includes what is still in the write-ahead log; safe while the service runs; or
- `database.dump`: `pg_dump --format=custom`, taken in a snapshot exported from the same
  transaction that computes the table checksums, so the checksums describe exactly what was dumped;
- `uploads/...`: the library's files from KBS_UPLOAD_ROOT (they are data too);
- `manifest.json`: the database engine, the applied migrations, every table's row count and
  checksum, a SHA-256 of every other file in the archive, when it was made and the git commit.

`make restore FILE=...` (scripts/restore.py) checks the archive against its manifest before touching
anything, refuses to write over a database that already holds records unless forced, restores the
database (SQLite: copied into the live database with the backup API, under SQLite's own locks;
PostgreSQL: `pg_restore --clean --if-exists --no-owner` in a single transaction) and the files, then
recomputes every table's row count and checksum and compares them with the manifest.

A table's checksum is the SHA-256 of its rows in primary-key order (all columns when it has no
primary key), each row written as a JSON list of its values normalised to text. The same function
(`table_checksums`, also `manage.py table_checksums`) runs on both sides, through the same Django
database backend, so the figures are comparable only between databases of the same engine.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess  # noqa: S404 - pg_dump and pg_restore, with argument lists
import tarfile
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from glob import glob
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper

FORMAT = "kbs-backup/1"
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.dump"
UPLOADS = "uploads"
# A database "holds records" when any of these has a row. A freshly migrated database has none
# (roles and other reference rows come from `migrate` itself), so it can be restored into freely.
RECORD_TABLES = ("accounts_user", "audit_auditevent", "families_family")
# The library writes a file under this prefix and renames it when complete (kbs.library.files).
INCOMPLETE_PREFIX = ".incoming-"
CHUNK_ROWS = 2000

Progress = Callable[[str], None]


class BackupError(Exception):
    """Something an operator must be told in plain words: the archive is unusable, the database is
    not empty, a tool failed. Nothing has been changed when this is raised before the restore
    starts writing."""


@dataclass(frozen=True)
class TableSum:
    rows: int
    checksum: str

    def as_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "checksum": self.checksum}


@dataclass
class Verification:
    """The outcome of comparing a database with a manifest."""

    tables: int = 0
    rows: int = 0
    mismatched: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    extra_tables: list[str] = field(default_factory=list)
    files: int = 0

    @property
    def ok(self) -> bool:
        return not self.mismatched and not self.problems


def _quiet(_: str) -> None:
    return None


def engine(conn: BaseDatabaseWrapper = default_connection) -> str:
    if conn.vendor not in {"sqlite", "postgresql"}:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {conn.vendor}")
    return str(conn.vendor)


# --- checksums -------------------------------------------------------------------------------------

def _normalised(value: Any) -> Any:
    """A value as JSON-safe text, the same for the same stored value on both sides of a restore."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"bytes": bytes(value).hex()}
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    return str(value)


def _tables(conn: BaseDatabaseWrapper) -> list[str]:
    with conn.cursor() as cursor:
        names = conn.introspection.table_names(cursor, include_views=False)
    return sorted(name for name in names if not name.startswith("sqlite_"))


def _order_by(conn: BaseDatabaseWrapper, table: str) -> str:
    quote = conn.ops.quote_name
    with conn.cursor() as cursor:
        keys = conn.introspection.get_primary_key_columns(cursor, table) or []
        if keys:
            return ", ".join(quote(key) for key in keys)
        # No primary key (an FTS table, a join table made by hand): every column, in order.
        cursor.execute(f"SELECT * FROM {quote(table)} WHERE 1 = 0")  # noqa: S608 - a quoted name
        columns = len(cursor.description)
    return ", ".join(str(position) for position in range(1, columns + 1))


def _table_sum(conn: BaseDatabaseWrapper, table: str) -> TableSum:
    digest = hashlib.sha256()
    rows = 0
    sql = f"SELECT * FROM {conn.ops.quote_name(table)} ORDER BY {_order_by(conn, table)}"  # noqa: S608 - quoted names
    cursor = conn.chunked_cursor()
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(CHUNK_ROWS):
            for row in batch:
                line = json.dumps([_normalised(v) for v in row], ensure_ascii=False, separators=(",", ":"))
                digest.update(line.encode())
                digest.update(b"\n")
            rows += len(batch)
    finally:
        cursor.close()
    return TableSum(rows=rows, checksum=digest.hexdigest())


@contextmanager
def read_snapshot(conn: BaseDatabaseWrapper = default_connection) -> Iterator[None]:
    """One consistent view of the whole database for the duration (a repeatable-read, read-only
    transaction on PostgreSQL; a deferred read transaction on SQLite, which never blocks writers in
    WAL mode). Inside an existing transaction, that transaction's view is used."""
    if conn.in_atomic_block:
        yield
        return
    conn.ensure_connection()
    if conn.vendor == "postgresql":
        from django.db import transaction

        with transaction.atomic(using=conn.alias):
            with conn.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    raw = conn.connection
    raw.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        raw.execute("ROLLBACK")


def table_checksums(conn: BaseDatabaseWrapper = default_connection) -> dict[str, TableSum]:
    """Every table's row count and checksum, read in one snapshot."""
    with read_snapshot(conn):
        return {table: _table_sum(conn, table) for table in _tables(conn)}


def migration_state(conn: BaseDatabaseWrapper = default_connection) -> dict[str, list[str]]:
    """The applied migrations, by app."""
    if "django_migrations" not in _tables(conn):
        return {}
    applied: dict[str, list[str]] = {}
    with conn.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        for app, name in cursor.fetchall():
            applied.setdefault(app, []).append(name)
    return applied


def holds_records(conn: BaseDatabaseWrapper = default_connection) -> dict[str, int]:
    """The record tables that have rows (empty for a new or freshly migrated database)."""
    present = set(_tables(conn))
    found: dict[str, int] = {}
    with conn.cursor() as cursor:
        for table in RECORD_TABLES:
            if table in present:
                cursor.execute(f"SELECT count(*) FROM {conn.ops.quote_name(table)}")  # noqa: S608 - a constant name
                count = int(cursor.fetchone()[0])
                if count:
                    found[table] = count
    return found


def git_commit() -> str | None:
    if os.environ.get("KBS_GIT_COMMIT"):
        return os.environ["KBS_GIT_COMMIT"]
    git = shutil.which("git")
    if git is None:
        return None
    done = subprocess.run([git, "rev-parse", "HEAD"], cwd=settings.BASE_DIR, capture_output=True, text=True, check=False)  # noqa: S603
    return (done.stdout.strip() or None) if done.returncode == 0 else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# --- PostgreSQL tools ------------------------------------------------------------------------------

def _pg_tool(name: str) -> str:
    """The newest installed client tool (pg_dump refuses a server newer than itself)."""
    found = sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: [int(x) for x in p.split("/")[4].split(".")])
    if found:
        return found[-1]
    on_path = shutil.which(name)
    if on_path is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client (make system-packages)")
    return on_path


def _pg_env(conn: BaseDatabaseWrapper) -> dict[str, str]:
    """The connection settings for the client tools, through their environment (never the command
    line, where a password would show in the process list)."""
    params = conn.settings_dict
    env = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"),
                          ("NAME", "PGDATABASE")):
        if params.get(key):
            env[variable] = str(params[key])
    options = params.get("OPTIONS") or {}
    for key, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"), ("sslcert", "PGSSLCERT"),
                          ("sslkey", "PGSSLKEY"), ("service", "PGSERVICE")):
        if options.get(key):
            env[variable] = str(options[key])
    return env


def _run_tool(args: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{what} failed (exit {done.returncode}): {done.stderr.strip() or done.stdout.strip()}")


# --- backing up ------------------------------------------------------------------------------------

@contextmanager
def _sqlite_copy_connection(conn: BaseDatabaseWrapper, path: Path) -> Iterator[BaseDatabaseWrapper]:
    """A Django connection to a copy of the database, so its checksums are read through exactly the
    same backend (and the same value conversions) as the live database's. Registered under its own
    alias for as long as it is used (Django's introspection looks connections up by alias)."""
    from django.db import connections
    from django.db.backends.sqlite3.base import DatabaseWrapper

    alias = f"kbs-backup-{uuid.uuid4().hex}"
    copy = DatabaseWrapper({**conn.settings_dict, "NAME": str(path), "OPTIONS": {}}, alias=alias)
    connections[alias] = copy
    try:
        yield copy
    finally:
        copy.close()
        del connections[alias]


def _copy_sqlite(conn: BaseDatabaseWrapper, target: Path) -> None:
    conn.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        # pages=-1: the whole database in one step, so the copy is one consistent snapshot.
        conn.connection.backup(copy, pages=-1)
        copy.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no -wal beside it
    finally:
        copy.close()


def _backup_sqlite(conn: BaseDatabaseWrapper, staging: Path, progress: Progress) -> tuple[dict[str, TableSum], dict[str, list[str]]]:
    target = staging / SQLITE_FILE
    progress("Copying the SQLite database with the online backup API")
    _copy_sqlite(conn, target)
    progress("Counting rows and computing a checksum for every table of the copy")
    with _sqlite_copy_connection(conn, target) as copy:
        return table_checksums(copy), migration_state(copy)


def _backup_postgres(conn: BaseDatabaseWrapper, staging: Path, progress: Progress) -> tuple[dict[str, TableSum], dict[str, list[str]]]:
    from django.db import transaction

    if conn.in_atomic_block:
        raise BackupError("A PostgreSQL backup must start outside a transaction")
    with transaction.atomic(using=conn.alias):
        with conn.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        progress(f"Dumping the PostgreSQL database with pg_dump --format=custom (snapshot {snapshot})")
        _run_tool([_pg_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", f"--file={staging / POSTGRES_FILE}"],
                  _pg_env(conn), "pg_dump")
        progress("Counting rows and computing a checksum for every table, in the same snapshot")
        return table_checksums(conn), migration_state(conn)


def _upload_files(root: Path) -> list[tuple[str, Path]]:
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and not path.name.startswith(INCOMPLETE_PREFIX):
            found.append((path.relative_to(root).as_posix(), path))
    return found


def _archive_name(directory: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"kbs-{stamp}.tar.gz"
    n = 1
    while path.exists():
        n += 1
        path = directory / f"kbs-{stamp}-{n}.tar.gz"
    return path


def _add_bytes(archive: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mtime = int(datetime.now(UTC).timestamp())
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(content))


def create_backup(*, directory: Path, conn: BaseDatabaseWrapper = default_connection,
                  progress: Progress = _quiet) -> Path:
    """Write one archive of the database and the uploaded files into `directory`; returns its path.

    The database comes first and the files after: the library stores a file before the row that
    names it is committed, so every file the database snapshot names is already on disk."""
    kind = engine(conn)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    created_at = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix=".kbs-backup-", dir=directory) as work:
        staging = Path(work)
        if kind == "sqlite":
            tables, migrations = _backup_sqlite(conn, staging, progress)
            database_file = SQLITE_FILE
        else:
            tables, migrations = _backup_postgres(conn, staging, progress)
            database_file = POSTGRES_FILE
        target = _archive_name(directory)
        partial = target.with_name(target.name + ".partial")
        files: dict[str, str] = {database_file: _sha256(staging / database_file)}
        uploads = _upload_files(Path(settings.KBS_UPLOAD_ROOT))
        progress(f"Archiving the database and {len(uploads)} uploaded file(s) from {settings.KBS_UPLOAD_ROOT}")
        # Readable by the owner only: the archive holds every record in the service.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            archive.add(staging / database_file, arcname=database_file)
            for relative, path in uploads:
                content = path.read_bytes()  # the library's files are at most a few megabytes each
                name = f"{UPLOADS}/{relative}"
                files[name] = hashlib.sha256(content).hexdigest()
                _add_bytes(archive, name, content)
            manifest = {
                "format": FORMAT,
                "created_at": created_at.isoformat(timespec="seconds"),
                "engine": kind,
                "database_file": database_file,
                "kbs_commit": git_commit(),
                "migrations": migrations,
                "tables": {name: figures.as_json() for name, figures in sorted(tables.items())},
                "rows": sum(figures.rows for figures in tables.values()),
                "files": files,
            }
            _add_bytes(archive, MANIFEST, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, target)
    progress(f"Backed up {len(tables)} tables ({manifest['rows']} rows) and {len(uploads)} file(s) to {target}")
    return target


# --- restoring -------------------------------------------------------------------------------------

def _unpack(archive_path: Path, into: Path) -> dict[str, Any]:
    """Extract the archive and check every file in it against the manifest. Raises BackupError
    with a plain reason for a missing, unreadable, incomplete or altered archive."""
    if not archive_path.is_file():
        raise BackupError(f"There is no backup file at {archive_path}")
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            members = archive.getmembers()
            for member in members:
                if not (member.isfile() or member.isdir()):
                    raise BackupError(f"The archive holds {member.name!r}, which is not a plain file: refused")
            archive.extractall(into, filter="data")
    except BackupError:
        raise
    except (tarfile.TarError, EOFError, OSError, ValueError) as error:
        raise BackupError(f"{archive_path} is not a readable backup archive ({error}): it is damaged or incomplete") from None
    manifest_path = into / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{archive_path} has no {MANIFEST}: it is not a KBS backup")
    try:
        manifest = json.loads(manifest_path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError(f"The manifest in {archive_path} cannot be read ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive_path} is not a {FORMAT} archive (its manifest says {manifest.get('format')!r})"
                          if isinstance(manifest, dict) else f"The manifest in {archive_path} is not an object")
    for key in ("engine", "database_file", "tables", "files", "migrations"):
        if key not in manifest:
            raise BackupError(f"The manifest in {archive_path} lacks {key!r}")
    listed: dict[str, str] = manifest["files"]
    present = {path.relative_to(into).as_posix() for path in into.rglob("*") if path.is_file()} - {MANIFEST}
    if manifest["database_file"] not in listed:
        raise BackupError("The manifest does not list the database file")
    missing, unlisted = sorted(set(listed) - present), sorted(present - set(listed))
    if missing:
        raise BackupError(f"{missing[0]} is listed in the manifest but missing from the archive")
    if unlisted:
        raise BackupError(f"{unlisted[0]} is in the archive but not in the manifest: the archive was altered")
    for name, expected in sorted(listed.items()):
        if _sha256(into / name) != expected:
            raise BackupError(f"{name} does not match its checksum in the manifest: the archive is damaged or was altered")
    return manifest


def read_manifest(archive_path: Path) -> dict[str, Any]:
    """The manifest of an archive, after checking every file in it."""
    with tempfile.TemporaryDirectory(prefix="kbs-restore-") as work:
        return _unpack(archive_path, Path(work))


def _migration_gap(applied: dict[str, list[str]]) -> tuple[list[str], int]:
    """The backup's migrations this code does not have, and how many of this code's migrations the
    backup's database has not had yet."""
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    done = {(app, name) for app, names in applied.items() for name in names}
    return [f"{app}.{name}" for app, name in sorted(done - known)], len(known - done)


def _restore_sqlite(conn: BaseDatabaseWrapper, source_path: Path, progress: Progress) -> None:
    source = sqlite3.connect(source_path)
    try:
        verdict = source.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"The database in the archive fails SQLite's integrity check: {verdict}")
        progress("Replacing the SQLite database with the backup API (one step, under SQLite's locks)")
        conn.close()
        conn.ensure_connection()
        source.backup(conn.connection, pages=-1)
    finally:
        source.close()
    conn.close()


def _restore_postgres(conn: BaseDatabaseWrapper, dump: Path, progress: Progress) -> None:
    progress("Restoring with pg_restore --clean --if-exists --no-owner, in a single transaction")
    conn.close()  # hold no locks while pg_restore drops and recreates the tables
    env = _pg_env(conn)
    _run_tool([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
               f"--dbname={env.get('PGDATABASE', '')}", str(dump)], env, "pg_restore")


def _restore_files(folder: Path, manifest: dict[str, Any], progress: Progress) -> int:
    root = Path(settings.KBS_UPLOAD_ROOT)
    names = sorted(name for name in manifest["files"] if name.startswith(f"{UPLOADS}/"))
    written = 0
    for name in names:
        target = root / name[len(UPLOADS) + 1:]
        if target.is_file() and _sha256(target) == manifest["files"][name]:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=INCOMPLETE_PREFIX)
        with os.fdopen(handle, "wb") as out:
            out.write((folder / name).read_bytes())
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
        written += 1
    progress(f"Restored the uploaded files to {root}: {len(names)} in the archive, {written} written, "
             f"{len(names) - written} already there")
    return len(names)


def verify(manifest: dict[str, Any], conn: BaseDatabaseWrapper = default_connection) -> Verification:
    """Compare every table's row count and checksum, and every uploaded file, with the manifest."""
    now = table_checksums(conn)
    result = Verification()
    for table, expected in sorted(manifest["tables"].items()):
        result.tables += 1
        result.rows += int(expected["rows"])
        found = now.get(table)
        if found is None:
            result.mismatched.append(table)
            result.problems.append(f"{table}: missing after the restore")
        elif found.rows != expected["rows"] or found.checksum != expected["checksum"]:
            result.mismatched.append(table)
            result.problems.append(f"{table}: {found.rows} rows (manifest {expected['rows']})"
                                   + (", checksum differs" if found.checksum != expected["checksum"] else ""))
    result.extra_tables = sorted(set(now) - set(manifest["tables"]))
    root = Path(settings.KBS_UPLOAD_ROOT)
    for name, expected in sorted(manifest["files"].items()):
        if not name.startswith(f"{UPLOADS}/"):
            continue
        result.files += 1
        path = root / name[len(UPLOADS) + 1:]
        if not path.is_file() or _sha256(path) != expected:
            result.problems.append(f"{name}: missing or different on disk after the restore")
    return result


def restore_backup(archive_path: Path, *, force: bool = False, conn: BaseDatabaseWrapper = default_connection,
                   progress: Progress = _quiet) -> Verification:
    """Restore an archive into the configured database and upload folder, then verify it.

    Raises BackupError, having changed nothing, when the archive fails its checks, is for another
    database engine, needs migrations this code does not have, or the database already holds
    records and `force` is not set."""
    kind = engine(conn)
    name = str(conn.settings_dict.get("NAME") or "")
    if kind == "sqlite" and name and not name.startswith("file:") and name != ":memory:":
        Path(name).parent.mkdir(parents=True, exist_ok=True)  # a new server: the folder may not exist yet
    with tempfile.TemporaryDirectory(prefix="kbs-restore-") as work:
        folder = Path(work)
        progress(f"Checking {archive_path} against its manifest")
        manifest = _unpack(Path(archive_path), folder)
        progress(f"The archive is intact: a {manifest['engine']} backup made {manifest.get('created_at')}"
                 f" (KBS commit {manifest.get('kbs_commit') or 'unknown'}), {len(manifest['tables'])} tables,"
                 f" {manifest.get('rows', '?')} rows, {len(manifest['files']) - 1} uploaded file(s)")
        if manifest["engine"] != kind:
            raise BackupError(f"This is a backup of a {manifest['engine']} database but DATABASE_URL points at {kind}: "
                              f"restore it into a {manifest['engine']} database")
        unknown, behind = _migration_gap(manifest["migrations"])
        if unknown and not force:
            raise BackupError(f"The backup was made by newer code: this code lacks {len(unknown)} of its migrations "
                              f"({', '.join(unknown[:5])}{'...' if len(unknown) > 5 else ''}). Deploy that code first, "
                              "or set FORCE=1")
        records = holds_records(conn)
        if records and not force:
            held = ", ".join(f"{table} {count}" for table, count in records.items())
            raise BackupError(f"The database already holds records ({held} rows). Restoring would replace them: "
                              "run again with FORCE=1 if that is what you want")
        if records:
            progress(f"Replacing a database that holds records (FORCE): {records}")
        if kind == "sqlite":
            _restore_sqlite(conn, folder / manifest["database_file"], progress)
        else:
            _restore_postgres(conn, folder / manifest["database_file"], progress)
        _restore_files(folder, manifest, progress)
    progress("Counting rows and computing every table's checksum to compare with the manifest")
    result = verify(manifest, conn)
    if behind:
        progress(f"Note: this code has {behind} migration(s) the restored database has not had: run `make migrate` "
                 "(after checking the restore) before serving it")
    if result.extra_tables:
        progress(f"Note: {len(result.extra_tables)} table(s) are not in the backup and were left as they were: "
                 + ", ".join(result.extra_tables))
    return result
