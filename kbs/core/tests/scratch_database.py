"""A scratch copy of the test database, for tests that must commit: backup and restore, and real
concurrency between threads.

pytest-django runs each test in a transaction that is rolled back, on a database that other
threads (SQLite in memory) and other processes cannot see, and whose append-only audit table
cannot be emptied again. So these tests copy the migrated, still empty test database into a
database of their own (a file for SQLite, a new database in the same cluster for PostgreSQL), make
it the default connection of the test's thread while it lasts, and throw it away afterwards. The
test database itself is never changed.

In a test module: a module-scoped fixture holds `scratch_template(...)` (made once, with
`django_db_blocker.unblock()`), and a function fixture `scratch(db, template)` holds
`scratch_database(template, tmp_path)`. It must come before any fixture that writes
(`def test_x(scratch: Scratch, family: Family)`).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess  # noqa: S404 - pg_dump and pg_restore, with argument lists
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.connection import ConnectionDoesNotExist

from kbs.core import backup


def _wrapper(settings_dict: dict[str, Any], alias: str = "default") -> BaseDatabaseWrapper:
    from django.db.utils import load_backend

    backend = load_backend(settings_dict["ENGINE"])
    return backend.DatabaseWrapper(settings_dict, alias)  # type: ignore[no-any-return]


@dataclass
class Scratch:
    vendor: str
    settings_dict: dict[str, Any]
    url: str  # a DATABASE_URL for a subprocess
    connection: BaseDatabaseWrapper  # this thread's default connection while the scratch lasts
    maintenance: BaseDatabaseWrapper | None = None  # PostgreSQL: the cluster's "postgres" database

    def new_connection(self) -> BaseDatabaseWrapper:
        return _wrapper(dict(self.settings_dict))

    @contextmanager
    def in_this_thread(self) -> Iterator[BaseDatabaseWrapper]:
        """Make a new connection to the scratch database the default connection of the calling
        thread (for worker threads: each has its own connections)."""
        own = self.new_connection()
        try:
            previous = connections["default"]
        except ConnectionDoesNotExist:
            previous = None
        connections["default"] = own
        try:
            yield own
        finally:
            own.close()
            if previous is not None:
                connections["default"] = previous

    def destroy(self) -> None:
        """Lose the database: delete the SQLite file, or drop and recreate the PostgreSQL database
        empty. The connection reconnects to the new, empty database on its next use."""
        self.connection.close()
        if self.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.settings_dict['NAME']}{suffix}").unlink(missing_ok=True)
            return
        assert self.maintenance is not None
        name = self.settings_dict["NAME"]
        with self.maintenance.cursor() as cursor:
            cursor.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')


def _postgres_url(params: dict[str, Any], name: str) -> str:
    user = quote(str(params.get("USER") or ""), safe="")
    password = quote(str(params.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    port = f":{params['PORT']}" if params.get("PORT") else ""
    return f"postgres://{credentials}{params.get('HOST') or '127.0.0.1'}{port}/{name}"


@dataclass
class Template:
    """The migrated, empty test database, copied once for a module's scratch databases."""

    vendor: str
    settings_dict: dict[str, Any]  # the test database's
    name: str  # a file (SQLite) or a database of the cluster (PostgreSQL)
    maintenance: BaseDatabaseWrapper | None = None


@contextmanager
def scratch_template(folder: Path) -> Iterator[Template]:
    """Copy the test database while no test transaction is open (a module-scoped fixture, with
    `django_db_blocker.unblock()`): SQLite cannot copy a shared in-memory database while another
    connection writes to it, and PostgreSQL cannot use a database with open sessions as a template."""
    original = connections["default"]
    if original.vendor == "sqlite":
        path = folder / "template.sqlite3"
        name = str(original.settings_dict["NAME"])
        source = sqlite3.connect(name, uri=name.startswith("file:"))
        copy = sqlite3.connect(path)
        try:
            source.backup(copy, pages=-1)
        finally:
            copy.close()
            source.close()
        yield Template(vendor="sqlite", settings_dict=dict(original.settings_dict), name=str(path))
        return
    name = f"kbs_scratch_template_{uuid.uuid4().hex[:8]}"
    maintenance = _wrapper({**original.settings_dict, "NAME": "postgres"}, alias=f"maintenance-{name}")
    connections[maintenance.alias] = maintenance  # Django looks its connections up by alias
    try:
        with maintenance.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        env = backup._pg_env(original)
        dump = folder / f"{name}.dump"
        for args in ([backup._pg_tool("pg_dump"), "--format=custom", f"--file={dump}"],
                     [backup._pg_tool("pg_restore"), "--no-owner", "--single-transaction", f"--dbname={name}", str(dump)]):
            subprocess.run(args, env=env, check=True, capture_output=True)  # noqa: S603
        yield Template(vendor="postgresql", settings_dict=dict(original.settings_dict), name=name, maintenance=maintenance)
    finally:
        with maintenance.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        maintenance.close()
        del connections[maintenance.alias]


@contextmanager
def scratch_database(template: Template, folder: Path) -> Iterator[Scratch]:
    """A committed-to copy of the template as this thread's default connection (see above)."""
    original = connections["default"]
    if template.vendor == "sqlite":
        path = folder / f"scratch-{uuid.uuid4().hex[:8]}.sqlite3"
        shutil.copyfile(template.name, path)
        settings_dict = {**template.settings_dict, "NAME": str(path)}
        url = f"sqlite:///{path}"
    else:
        assert template.maintenance is not None
        name = f"kbs_scratch_{uuid.uuid4().hex[:12]}"
        with template.maintenance.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template.name}"')
        settings_dict = {**template.settings_dict, "NAME": name}
        url = _postgres_url(template.settings_dict, name)
    scratch = Scratch(vendor=template.vendor, settings_dict=settings_dict, url=url,
                      connection=_wrapper(dict(settings_dict)), maintenance=template.maintenance)
    connections["default"] = scratch.connection
    try:
        yield scratch
    finally:
        connections["default"] = original
        scratch.connection.close()
        if template.maintenance is not None:
            with template.maintenance.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
