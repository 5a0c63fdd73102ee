#!/usr/bin/env bash
# One school trying aidsys: SQLite, Celery tasks in-process, http://127.0.0.1:8000/.
# Settings still come from the environment (DATABASE_URL, REDIS_URL, ...), so leave those
# unset for the embedded set-up.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup.sh
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py seed_demo
# The audit key is made at first use (.run/audit.key) and the demo's chains sealed with it.
.venv/bin/python manage.py audit_seal
exec .venv/bin/python manage.py runserver 127.0.0.1:8000
