#!/usr/bin/env bash
# Back up aidsys: the PostgreSQL database of DATABASE_URL (pg_dump, custom format) and every file of
# the storage (the media folder, AIDSYS_MEDIA_ROOT, or the storage the settings name), with a
# manifest of each table's row count and each file's SHA-256 (README.md, "Backups").
#   scripts/backup.sh [FOLDER]     default: backups/aidsys-YYYYmmdd-HHMMSS
# Run it with the app's environment (the same variables as gunicorn). The audit key is not in the
# backup: keep AIDSYS_AUDIT_KEY elsewhere, as the production settings ask.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
folder="${1:-backups/aidsys-$(date +%Y%m%d-%H%M%S)}"
if [[ -z ${DATABASE_URL:-} ]]; then
    echo "backup.sh: DATABASE_URL is not set (the PostgreSQL database to back up)" >&2
    exit 2
fi
umask 077  # a backup holds students' data
.venv/bin/python manage.py backup_create "$folder"
