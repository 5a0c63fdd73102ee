"""Backups that restore: scripts/backup.sh backs up a generated county (seed_county: schools, students,
applications at every stage, notices, payments, funds; database and files), and
scripts/restore.sh puts it into a fresh database and a fresh media folder, where every row and every
file is found again and the audit chains verify with their anchors."""

import hashlib
import json
import os
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
import time_machine
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection

from aidsys.models import AuditAnchor
from tests.conftest import TODAY, ten_in_the_morning

ROOT = Path(__file__).resolve().parents[2]

# What the generated county has of each stage: every one must come back.
GENERATED = (
    "students_household",
    "students_homevisit",
    "students_specialgroupflag",
    "applications_application",
    "publicity_publicnotice",
    "publicity_objection",
    "disbursements_paymentbatch",
    "disbursements_paymentline",
    "aidsys_auditevent",
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def database_url(name: str) -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{name}"


def row_counts(url: str) -> dict[str, int]:
    """Each table's rows, read apart from the code under test."""
    with psycopg.connect(url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
            )
        ]
        return {table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}  # noqa: S608


def file_hashes(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def run(script: str, *args, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("AIDSYS_REPLICA_URL",))}
    # The restored copy is verified with the key that signed its anchors, kept outside the backup.
    environment.update(env, AIDSYS_AUDIT_KEY=settings.AIDSYS_AUDIT_KEY)
    return subprocess.run(
        [str(ROOT / "scripts" / script), *args], env=environment, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def fresh_database():
    name = f"aidsys_restored_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backed_up_county_restores_with_every_row_file_and_anchor(settings, tmp_path, fresh_database):
    settings.MEDIA_ROOT = tmp_path / "media"
    # The generated county the load test uses, at a size the suite can afford (DESIGN's county is 100 schools).
    with time_machine.travel(ten_in_the_morning(TODAY), tick=True):
        call_command("seed_county", schools=4, students=400, county_code="439966", stdout=open(os.devnull, "w"))  # noqa: SIM115
    # Files as the system stores them: an attachment, a photo, an export, under nested folders.
    default_storage.save("attachments/2026/11/证明材料.pdf", ContentFile(b"%PDF-1.4 pledge " * 500))
    default_storage.save("photos/home_visits/1.jpg", ContentFile(os.urandom(4096)))
    default_storage.save("reports/exports/2026/11/list.xlsx", ContentFile(os.urandom(2048)))
    call_command("audit_seal", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert AuditAnchor.objects.exists()
    source_url = database_url(connection.settings_dict["NAME"])
    source_rows = row_counts(source_url)
    source_files = file_hashes(tmp_path / "media")
    assert source_rows["students_student"] == 400 and source_rows["aidsys_school"] == 4
    assert min(source_rows[table] for table in GENERATED) > 0, {table: source_rows[table] for table in GENERATED}
    assert len(source_files) >= 3

    backup = tmp_path / "backup"
    made = run("backup.sh", str(backup), DATABASE_URL=source_url, AIDSYS_MEDIA_ROOT=str(tmp_path / "media"))
    assert made.returncode == 0, made.stdout + made.stderr
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["database"]["tables"] == source_rows
    assert manifest["files"] == source_files

    restored_url = database_url(fresh_database)
    restored_media = tmp_path / "restored-media"
    done = run("restore.sh", str(backup), DATABASE_URL=restored_url, AIDSYS_MEDIA_ROOT=str(restored_media))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "audit chain intact" in done.stdout
    assert f"{AuditAnchor.objects.count()} anchors" in done.stdout
    restored_rows = row_counts(restored_url)
    # verify_audit --full records where it verified to (its checkpoints); every other table is as backed up.
    assert restored_rows["aidsys_auditcheckpoint"] > source_rows["aidsys_auditcheckpoint"]
    assert restored_rows == {**source_rows, "aidsys_auditcheckpoint": restored_rows["aidsys_auditcheckpoint"]}
    assert file_hashes(restored_media) == source_files


def test_a_restore_refuses_a_database_that_is_not_empty(settings, tmp_path, fresh_database):
    settings.MEDIA_ROOT = tmp_path / "media"
    default_storage.save("attachments/a.pdf", ContentFile(b"%PDF-1.4"))
    backup = tmp_path / "backup"
    source_url = database_url(connection.settings_dict["NAME"])
    made = run("backup.sh", str(backup), DATABASE_URL=source_url, AIDSYS_MEDIA_ROOT=str(tmp_path / "media"))
    assert made.returncode == 0, made.stderr
    again = run("restore.sh", str(backup), DATABASE_URL=source_url, AIDSYS_MEDIA_ROOT=str(tmp_path / "other"))
    assert again.returncode != 0
    assert "is not empty: restore into a fresh one" in again.stderr
    assert not (tmp_path / "other").exists()


def test_a_restore_names_a_file_whose_backup_copy_was_changed(settings, tmp_path, fresh_database):
    settings.MEDIA_ROOT = tmp_path / "media"
    default_storage.save("attachments/a.pdf", ContentFile(b"%PDF-1.4 original"))
    backup = tmp_path / "backup"
    source_url = database_url(connection.settings_dict["NAME"])
    assert (
        run("backup.sh", str(backup), DATABASE_URL=source_url, AIDSYS_MEDIA_ROOT=str(tmp_path / "media")).returncode
        == 0
    )
    (backup / "files" / "attachments" / "a.pdf").write_bytes(b"%PDF-1.4 forged")
    done = run(
        "restore.sh", str(backup), DATABASE_URL=database_url(fresh_database), AIDSYS_MEDIA_ROOT=str(tmp_path / "r")
    )
    assert done.returncode != 0
    assert "differs from its manifest: attachments/a.pdf" in done.stderr
    assert row_counts(database_url(fresh_database)) == {}
