"""Backups that restore: the PostgreSQL database (pg_dump, custom format) and every stored file, with a
manifest that the restore checks (scripts/backup.sh, scripts/restore.sh).

The dump and the manifest's row counts read one snapshot (a repeatable-read transaction exports it
and pg_dump reads it), so the counts are the dump's whatever is written meanwhile. Files are read
and written through Django's storage API: the local media folder, or whatever storage the
environment names, alike. A file stored after the snapshot is copied too (harmless); the manifest
lists each copied file with its SHA-256.

The audit key (AIDSYS_AUDIT_KEY) is not in a backup: it is kept outside the database and its
backups, and the restored copy's anchors are verified with it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

MANIFEST = "manifest.json"
DUMP = "database.dump"
FILES = "files"
FORMAT = 1
_CHUNK = 1 << 20


class BackupError(Exception):
    pass


def _postgresql():
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        raise BackupError("backups are of PostgreSQL (DATABASE_URL); the embedded SQLite file is copied as it is")
    return connection


def _pg_tool(name: str) -> str:
    directory = os.environ.get("AIDSYS_PG_BIN", "").strip()
    tool = str(Path(directory) / name) if directory else shutil.which(name)
    if not tool or not Path(tool).exists():
        raise BackupError(f"{name} not found: install the PostgreSQL client or set AIDSYS_PG_BIN")
    return tool


def _libpq_environment(connection) -> dict[str, str]:
    """The connection's settings as libpq's variables, so that no password is on a command line."""
    settings = connection.settings_dict
    variables = {
        "PGHOST": settings.get("HOST") or "",
        "PGPORT": str(settings.get("PORT") or ""),
        "PGUSER": settings.get("USER") or "",
        "PGPASSWORD": settings.get("PASSWORD") or "",
        "PGDATABASE": settings["NAME"],
        "PGSSLMODE": (settings.get("OPTIONS") or {}).get("sslmode", ""),
    }
    return {**os.environ, **{name: value for name, value in variables.items() if value}}


def table_counts(cursor, connection) -> dict[str, int]:
    counts = {}
    for table in sorted(connection.introspection.table_names(cursor)):
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - the database's own names
        counts[table] = cursor.fetchone()[0]
    return counts


def storage_files(storage=default_storage, directory: str = ""):
    """Every file's name in the storage, walking its folders."""
    folders, files = storage.listdir(directory)
    for name in sorted(files):
        yield f"{directory}/{name}" if directory else name
    for folder in sorted(folders):
        yield from storage_files(storage, f"{directory}/{folder}" if directory else folder)


def _sha256(stream) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def stored_sha256(name: str, storage=default_storage) -> str:
    with storage.open(name, "rb") as stream:
        return _sha256(stream)


def backup_create(destination: Path) -> dict:
    """Write database.dump, files/ and manifest.json into `destination` (a new or empty folder)."""
    connection = _postgresql()
    destination.mkdir(parents=True, exist_ok=True)
    if any(destination.iterdir()):
        raise BackupError(f"{destination} is not empty: a backup goes into a folder of its own")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        options = ["--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}"]
        dump = subprocess.run(  # noqa: S603 - the PostgreSQL client, with arguments of our own
            [_pg_tool("pg_dump"), *options, "--file", str(destination / DUMP)],
            env=_libpq_environment(connection),
            capture_output=True,
            text=True,
        )
        if dump.returncode != 0:
            raise BackupError(f"pg_dump failed: {dump.stderr.strip()}")
        counts = table_counts(cursor, connection)
    files = {}
    for name in storage_files():
        target = destination / FILES / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(name, "rb") as source, open(target, "wb") as copy:
            shutil.copyfileobj(source, copy, _CHUNK)
        with open(target, "rb") as copy:
            files[name] = _sha256(copy)
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "database": {"name": connection.settings_dict["NAME"], "tables": counts},
        "files": files,
    }
    (destination / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def manifest_read(source: Path) -> dict:
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{source} holds no {MANIFEST}: not a backup of scripts/backup.sh") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source / MANIFEST} is of an unknown format {manifest.get('format')!r}")
    return manifest


def backup_restore(source: Path) -> dict:
    """Restore a backup into the (empty) database and the storage that the settings name, and check it.

    Refuses a database that holds tables already. Returns the manifest; raises BackupError naming
    each table whose count differs and each file missing or changed."""
    connection = _postgresql()
    manifest = manifest_read(source)
    damaged = [name for name, digest in manifest["files"].items() if _file_sha256(source / FILES / name) != digest]
    if damaged:
        raise BackupError("the backup's own copy differs from its manifest: " + ", ".join(damaged))
    with connection.cursor() as cursor:
        if connection.introspection.table_names(cursor):
            raise BackupError(f"database {connection.settings_dict['NAME']} is not empty: restore into a fresh one")
    options = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    restore = subprocess.run(  # noqa: S603 - the PostgreSQL client, with arguments of our own
        [_pg_tool("pg_restore"), *options, "--dbname", connection.settings_dict["NAME"], str(source / DUMP)],
        env=_libpq_environment(connection),
        capture_output=True,
        text=True,
    )
    if restore.returncode != 0:
        raise BackupError(f"pg_restore failed: {restore.stderr.strip()}")
    for name in manifest["files"]:
        if not default_storage.exists(name):
            with open(source / FILES / name, "rb") as stream:
                default_storage.save(name, File(stream))
    return backup_check(manifest)


def _file_sha256(path: Path) -> str | None:
    try:
        with open(path, "rb") as stream:
            return _sha256(stream)
    except FileNotFoundError:
        return None


def backup_check(manifest: dict) -> dict:
    """Every table holds the manifest's count of rows, every file is stored with its hash."""
    connection = _postgresql()
    with connection.cursor() as cursor:
        counts = table_counts(cursor, connection)
    expected = manifest["database"]["tables"]
    problems = [
        f"table {table}: {counts.get(table)} rows, the backup had {expected.get(table)}"
        for table in sorted(set(expected) | set(counts))
        if counts.get(table) != expected.get(table)
    ]
    for name, digest in manifest["files"].items():
        if not default_storage.exists(name):
            problems.append(f"file {name}: missing")
        elif stored_sha256(name) != digest:
            problems.append(f"file {name}: its content differs from the backup's")
    if problems:
        raise BackupError("the restored copy differs from the backup:\n" + "\n".join(problems))
    return manifest
