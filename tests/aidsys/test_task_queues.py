"""Queues per kind of job (a province's workers), switched on by AIDSYS_TASK_QUEUES; off, one queue."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TASKS = [
    "students.tasks.roster_check",
    "students.tasks.roster_import",
    "students.tasks.official_list_match",
    "reports.tasks.report_export",
    "aidsys.tasks.audit_seal",
    "publicity.tasks.objection_reminders_send",
]
PRINT_QUEUES = (
    "import django; django.setup();"
    "from aidsys.celery import app;"
    f"print(' '.join(app.amqp.router.route({{}}, name)['queue'].name for name in {TASKS!r}))"
)


def queues(**environment) -> list[str]:
    env = {**os.environ, **environment}
    for name in ("DATABASE_URL", "AIDSYS_REPLICA_URL", "REDIS_URL"):  # the embedded set-up, whatever the suite runs on
        env.pop(name, None)
    finished = subprocess.run(
        [sys.executable, "-c", PRINT_QUEUES], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return finished.stdout.split()


@pytest.mark.parametrize("value", ["", "false"])
def test_without_the_switch_every_task_goes_to_the_one_default_queue(value):
    assert queues(AIDSYS_TASK_QUEUES=value) == ["celery"] * len(TASKS)


def test_with_the_switch_each_kind_of_job_has_its_own_queue():
    assert queues(AIDSYS_TASK_QUEUES="true") == ["imports", "imports", "imports", "exports", "audit", "mail"]
