"""A running job silent for AIDSYS_JOB_STALE_SECONDS lost its worker: it is failed, and its work
cannot commit afterwards."""

from datetime import timedelta

import pytest
from django.core.cache import cache

from aidsys.models import Job
from aidsys.services.jobs import (
    JobProgress,
    JobStopped,
    job_create,
    job_finish,
    job_progress_seen,
    job_start,
    jobs_fail_stale,
)
from aidsys.tasks import jobs_fail_stale_task


@pytest.fixture
def running(cast):
    # Progress inside a transaction (every test's, on SQLite) is kept in the process's cache, by the job's id.
    cache.clear()
    job = job_create(kind="tests.stale", owner=cast.li, school=cast.school, total=1000)
    return job_start(job_id=job.pk)


def test_a_job_silent_longer_than_the_stated_time_is_failed_by_the_sweep(running, settings, time_machine):
    settings.AIDSYS_JOB_STALE_SECONDS = 600
    time_machine.shift(timedelta(seconds=599))
    assert jobs_fail_stale() == 0
    time_machine.shift(timedelta(seconds=2))
    assert jobs_fail_stale_task.delay().get() == 1
    job = Job.objects.get(pk=running.pk)
    assert job.status == "failed" and "10分钟" in job.message and job.finished_at is not None


@pytest.mark.django_db(transaction=True)  # the job committed, as a worker finds it (PostgreSQL's side connection)
def test_progress_keeps_a_job_alive_and_its_page_fails_it_once_silent(running, settings, time_machine):
    settings.AIDSYS_JOB_STALE_SECONDS = 600
    time_machine.shift(timedelta(seconds=500))
    with JobProgress(running, every=100) as progress:
        progress(100)
    time_machine.shift(timedelta(seconds=500))
    assert job_progress_seen(Job.objects.get(pk=running.pk)).status == "running"
    time_machine.shift(timedelta(seconds=101))
    assert job_progress_seen(Job.objects.get(pk=running.pk)).status == "failed"


def test_work_finishing_after_its_job_was_failed_as_stale_is_refused(running, settings, time_machine):
    settings.AIDSYS_JOB_STALE_SECONDS = 60
    time_machine.shift(timedelta(seconds=61))
    assert jobs_fail_stale() == 1
    with pytest.raises(JobStopped):
        job_finish(job=running, result={})
    assert Job.objects.get(pk=running.pk).status == "failed"


def test_a_queued_job_waits_however_long(cast, settings, time_machine):
    job = job_create(kind="tests.stale", owner=cast.li, school=cast.school)
    time_machine.shift(timedelta(days=1))
    assert jobs_fail_stale() == 0 and Job.objects.get(pk=job.pk).status == "queued"
