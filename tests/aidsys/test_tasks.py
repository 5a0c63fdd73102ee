import os

import pytest

from aidsys.celery import app as celery_app
from aidsys.models import AuditAnchor
from aidsys.services.audit import Action, audit_record
from aidsys.tasks import audit_chain_verify_task, audit_seal_task

INTACT = {"ok": True, "broken_event_id": None, "problem": "", "partition": "", "seq": None}


def test_the_nightly_verification_runs_in_process_by_default(cast):
    audit_record(actor=cast.li, action=Action.PRINT, target=cast.school)
    result = audit_chain_verify_task.delay().get()
    assert result == {**INTACT, "checked": 1}


def test_the_hourly_seal_anchors_each_chain_that_moved(cast):
    audit_record(actor=cast.li, action=Action.PRINT, target=cast.school)
    assert audit_seal_task.delay().get() == 1
    assert audit_seal_task.delay().get() == 0
    assert AuditAnchor.objects.get().partition == f"c{cast.county.pk}"


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_task_through_redis(cast):
    """The production path: the task goes through the Redis broker to a Celery worker and back."""
    from celery.contrib.testing.worker import start_worker

    audit_record(actor=cast.li, action=Action.PRINT, target=cast.school)
    audit_record(actor=cast.li, action=Action.PRINT, target=cast.school)
    redis_url = os.environ["REDIS_URL"]
    previous = {k: celery_app.conf[k] for k in ("broker_url", "result_backend", "task_always_eager")}
    celery_app.conf.update(broker_url=redis_url, result_backend=redis_url, task_always_eager=False)
    try:
        with start_worker(celery_app, perform_ping_check=False, pool="solo", shutdown_timeout=20):
            result = audit_chain_verify_task.delay()
            assert result.get(timeout=30) == {**INTACT, "checked": 2}
            assert result.status == "SUCCESS"
    finally:
        celery_app.conf.update(previous)
