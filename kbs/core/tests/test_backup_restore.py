"""Backup and restore (issue 9, part 6): back up, lose the database and the files, restore, and
compare every table; damaged, altered and incomplete archives are refused and change nothing.

Runs on the suite's engine (SQLite, or PostgreSQL when DATABASE_URL says so), on a scratch copy of
the test database (kbs/core/tests/scratch_database.py) because a backup must see committed rows.
"""

import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from kbs.accounts.models import User
from kbs.concerns import actions as concern_actions
from kbs.contacts import actions as contact_actions
from kbs.core import backup
from kbs.core.security_figures import write_figures
from kbs.core.tests.scratch_database import Scratch, Template, scratch_database, scratch_template
from kbs.families import actions as family_actions
from kbs.families.models import Family
from kbs.library import actions as library_actions
from kbs.library.demo import simple_pdf
from kbs.library.files import check_upload

ROOT = Path(settings.BASE_DIR)


@pytest.fixture(scope="module")
def template(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    with django_db_blocker.unblock(), scratch_template(tmp_path_factory.mktemp("template")) as made:
        yield made


@pytest.fixture
def scratch(db: Any, template: Template, tmp_path: Path, settings: Any) -> Iterator[Scratch]:
    settings.KBS_UPLOAD_ROOT = tmp_path / "uploads"
    with scratch_database(template, tmp_path) as database:
        yield database


def add_records(family: Family, cast: dict[str, User]) -> None:
    """More than the `family` fixture: a second family, an edit, a contact with its messages, a
    concern with its task, a library document with an uploaded file; each action also writes the
    audit trail, the chronology and the rollup cells."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    hv = cast["health_visitor"]
    family_actions.update_family(by=hv, family=family, expected_version=family.version,
                                 changes={"town": "Belper", "interpreter_needed": True})
    mother = family.people.get(given_name="Sophie")
    contact_actions.record_contact(
        by=hv, family=family,
        details={"at": timezone.now() - timedelta(hours=2), "contact_type": "home_visit", "setting": "home",
                 "baby_seen": True, "sleep_place_observed": "cot", "language": "English", "interpreter_used": False,
                 "notes": "Safer sleep talked through; the cot is by the bed. Ünïcode kept.", "shared": True},
        present=[mother],
        deliveries=[{"person": mother, "message": m, "leaflet_given": True, "understanding_checked": True}
                    for m in ("safe_sleep", "safe_handling", "safe_space")],
        life_events=[],
    )
    concern_actions.raise_concern(by=hv, family=family, baby=family.babies.first(), category="neglect",
                                  what_was_seen="Baby left alone in the house for an hour.", severity="medium")
    today = timezone.localdate()
    pdf = simple_pdf("Safer sleep", ["Safer sleep: a backup test document."])
    admin = cast["admin"]
    assert admin.agency is not None
    library_actions.add_document(
        by=admin, title="Safer sleep guidance", kind="guidance", summary="How to talk about safer sleep.",
        owner=admin, agency=admin.agency, audience="practitioners", topics=["safe_sleep"],
        published_on=today - timedelta(days=30), review_by=today + timedelta(days=300),
        file=check_upload(SimpleUploadedFile("guidance.pdf", pdf, content_type="application/pdf")),
    )
    from kbs.conftest import TEST_NHS_NUMBERS, baby_details, household_details

    family_actions.register_family(by=cast["midwife"], family=household_details(postcode="DE22 1AB"),
                                   baby=baby_details(given_name="Noah", nhs_number=TEST_NHS_NUMBERS[1], sex="male"),
                                   reason="Booked for antenatal care")


def uploaded_files() -> dict[str, bytes]:
    root = Path(settings.KBS_UPLOAD_ROOT)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_backup_destroy_restore_every_table_matches(scratch: Scratch, family: Family, cast: dict[str, User],
                                                     tmp_path: Path) -> None:
    assert scratch.connection.vendor == backup.engine()
    add_records(family, cast)
    before = backup.table_checksums()
    files_before = uploaded_files()
    assert before["families_family"].rows == 2
    assert before["contacts_contact"].rows == 1
    assert before["audit_auditevent"].rows > 5
    assert len(files_before) == 1

    archive = backup.create_backup(directory=tmp_path / "backups")
    assert archive.name.startswith("kbs-")
    assert archive.name.endswith("Z.tar.gz")
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    manifest = backup.read_manifest(archive)
    assert manifest["engine"] == scratch.vendor
    assert set(manifest["tables"]) == set(before)
    assert {k: v.as_json() for k, v in before.items()} == manifest["tables"]
    assert "0001_initial" in manifest["migrations"]["families"]

    # Lose everything: the database (file or PostgreSQL database) and the uploaded files.
    scratch.destroy()
    for path in Path(settings.KBS_UPLOAD_ROOT).rglob("*"):
        if path.is_file():
            path.unlink()
    assert backup.table_checksums() == {}
    assert uploaded_files() == {}

    messages: list[str] = []
    result = backup.restore_backup(archive, progress=messages.append)
    assert result.ok, result.problems
    assert result.mismatched == []
    assert result.extra_tables == []
    assert result.tables == len(before)
    assert result.files == 1
    assert backup.table_checksums() == before
    assert uploaded_files() == files_before
    assert Family.objects.get(pk=family.pk).town == "Belper"
    assert any("Checking" in m for m in messages)
    assert any("Restor" in m for m in messages)

    write_figures("backup-restore", {"tables": result.tables, "rows": result.rows,
                                     "mismatched_tables": len(result.mismatched)})


def test_restore_refuses_a_database_that_holds_records_unless_forced(scratch: Scratch, family: Family,
                                                                     cast: dict[str, User], tmp_path: Path) -> None:
    archive = backup.create_backup(directory=tmp_path / "backups")
    family_actions.update_family(by=cast["health_visitor"], family=family, expected_version=family.version,
                                 changes={"town": "Ripley"})
    with pytest.raises(backup.BackupError, match="already holds records"):
        backup.restore_backup(archive)
    assert Family.objects.get(pk=family.pk).town == "Ripley"  # nothing changed

    result = backup.restore_backup(archive, force=True)
    assert result.ok, result.problems
    assert Family.objects.get(pk=family.pk).town == "Derby"


# --- the scripts, as an operator runs them -----------------------------------------------------


def run(script: str, *args: str, scratch: Scratch, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in {"FORCE", "BACKUP_DIR", "KBS_SECURITY_REPORT_DIR"}}
    environment.update({"DATABASE_URL": scratch.url, "KBS_UPLOAD_ROOT": str(settings.KBS_UPLOAD_ROOT), **env})
    return subprocess.run([sys.executable, str(ROOT / script), *args], cwd=ROOT, env=environment,  # noqa: S603
                          capture_output=True, text=True, timeout=120, check=False)


def repack(archive: Path, target: Path, change: Any) -> Path:
    """A copy of the archive with `change(folder)` applied to its unpacked files."""
    folder = target.with_suffix(".d")
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(folder, filter="data")
    change(folder)
    with tarfile.open(target, "w:gz") as tar:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                tar.add(path, arcname=path.relative_to(folder).as_posix())
    return target


def test_backup_and_restore_scripts_refuse_bad_archives_and_prove_the_restore(
        scratch: Scratch, family: Family, cast: dict[str, User], tmp_path: Path) -> None:
    add_records(family, cast)
    scratch.connection.close()  # let the scripts have the database to themselves
    before = backup.table_checksums()

    made = run("scripts/backup.py", scratch=scratch, BACKUP_DIR=str(tmp_path / "backups"))
    assert made.returncode == 0, made.stderr
    archive = Path(made.stdout.strip().splitlines()[-1])
    assert archive.parent == tmp_path / "backups"
    assert archive.is_file()
    assert "Backed up" in made.stderr

    # Over a database that holds records, without FORCE: refused, nothing changed.
    refused = run("scripts/restore.py", str(archive), scratch=scratch)
    assert refused.returncode == 2
    assert "already holds records" in refused.stderr
    assert "Nothing was changed" in refused.stderr

    # A damaged archive (cut short), and one whose database file was altered: refused.
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    database_file = backup.SQLITE_FILE if scratch.vendor == "sqlite" else backup.POSTGRES_FILE

    def alter(folder: Path) -> None:
        data = bytearray((folder / database_file).read_bytes())
        data[len(data) // 2] ^= 0xFF
        (folder / database_file).write_bytes(bytes(data))

    altered = repack(archive, tmp_path / "altered.tar.gz", alter)
    for bad, reason in ((truncated, "not a readable backup archive"),
                        (altered, f"{database_file} does not match its checksum in the manifest")):
        refused = run("scripts/restore.py", str(bad), scratch=scratch, FORCE="1")
        assert refused.returncode == 2, refused.stderr
        assert reason in refused.stderr
        assert "Nothing was changed" in refused.stderr
    assert backup.table_checksums() == before

    # Lose the database and the files, restore with the script: every table proven.
    scratch.destroy()
    for path in Path(settings.KBS_UPLOAD_ROOT).rglob("*"):
        if path.is_file():
            path.unlink()
    restored = run("scripts/restore.py", str(archive), scratch=scratch)
    assert restored.returncode == 0, restored.stderr
    assert f"all {len(before)} tables" in restored.stderr
    assert "0 mismatched tables" in restored.stderr
    assert backup.table_checksums() == before
    scratch.connection.close()

    # A manifest that disagrees with the database it came with: restored, but the check fails.
    def lie(folder: Path) -> None:
        manifest = json.loads((folder / backup.MANIFEST).read_text())
        manifest["tables"]["families_family"]["rows"] = 3
        (folder / backup.MANIFEST).write_text(json.dumps(manifest))

    lying = repack(archive, tmp_path / "lying.tar.gz", lie)
    mismatch = run("scripts/restore.py", str(lying), scratch=scratch, FORCE="1")
    assert mismatch.returncode == 1, mismatch.stderr
    assert "MISMATCH families_family: 2 rows (manifest 3)" in mismatch.stderr
    assert "RESTORE FAILED VERIFICATION: 1 of" in mismatch.stderr
