#!/usr/bin/env bash
# Restore a backup of scripts/backup.sh into a fresh, empty PostgreSQL database (DATABASE_URL) and the
# storage the settings name (AIDSYS_MEDIA_ROOT, or object storage), then check it: every table's row
# count and every file's SHA-256 as the manifest says, and the audit chains with their anchors
# (verify_audit --full, which needs the same AIDSYS_AUDIT_KEY as the backed-up system).
#   createdb aidsys_restored
#   DATABASE_URL=postgres://…/aidsys_restored scripts/restore.sh backups/aidsys-20261123-020000
# Any difference stops it with a message naming the table or file; exit status 0 means all holds.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ $# -ne 1 ]]; then
    echo "usage: scripts/restore.sh FOLDER" >&2
    exit 2
fi
if [[ -z ${DATABASE_URL:-} ]]; then
    echo "restore.sh: DATABASE_URL is not set (a fresh, empty PostgreSQL database to restore into)" >&2
    exit 2
fi
.venv/bin/python manage.py backup_restore "$1"
.venv/bin/python manage.py verify_audit --full
