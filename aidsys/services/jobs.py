"""Background jobs: create, start, report progress, finish; fail those whose worker died.

A job row is bookkeeping about work, not registry data: its changes are not audit events (the
work it does records its own). State changes are conditional updates, so that a task delivered
twice runs once.

A running job writes a heartbeat with its progress. A worker killed in the middle (or its machine
gone) writes none: once the heartbeat is older than AIDSYS_JOB_STALE_SECONDS, the job's page or
the sweep of the beat schedule marks it failed, and the user starts it again. The work commits
only together with its finish, which holds only while the job is still running: a job failed as
stale never writes afterwards.
"""

import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models.sql import UpdateQuery
from django.utils import timezone
from django.utils.translation import gettext as _

from aidsys.background import background_check
from aidsys.models import Job

# Progress written inside a transaction on SQLite is also kept here, where the job's page reads it at once.
PROGRESS_CACHE_SECONDS = 6 * 3600


class JobStopped(Exception):
    """The job is no longer running (failed as stale meanwhile): its work must not be kept."""


def _progress_key(job_pk: int) -> str:
    return f"aidsys:job-progress:{job_pk}"


def _heartbeat_key(job_pk: int) -> str:
    return f"aidsys:job-heartbeat:{job_pk}"


def job_create(*, kind: str, owner, school=None, total: int = 0, params: dict | None = None) -> Job:
    """A queued job; BackgroundUnavailable (before anything is written) when no worker could be told."""
    background_check()
    return Job.objects.create(kind=kind, owner=owner, school=school, total=total, params=params or {})


def job_start(*, job_id: int) -> Job | None:
    """Move a queued job to running and return it; None when it is not queued (already taken or over)."""
    now = timezone.now()
    updated = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=now, heartbeat_at=now
    )
    return Job.objects.get(pk=job_id) if updated == 1 else None


def job_set_total(*, job: Job, total: int) -> None:
    job.total, job.done = total, 0
    Job.objects.filter(pk=job.pk).update(total=total, done=0, heartbeat_at=timezone.now())


def job_finish(*, job: Job, result: dict, message: str = "") -> None:
    """Finish the job; JobStopped when it is no longer running, so that the transaction of its work rolls back."""
    if not _end(job, Job.Status.DONE, message, result, done=job.total):
        raise JobStopped(job.pk)


def job_fail(*, job: Job, message: str, result: dict | None = None) -> None:
    _end(job, Job.Status.FAILED, message, result or {}, done=job.done)


def job_abandon(*, job_id: int, message: str) -> None:
    """A queued job that no worker will take (it could not be sent): failed, to be started again."""
    Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.FAILED, message=message[:500], finished_at=timezone.now()
    )


def _end(job: Job, status: str, message: str, result: dict, done: int) -> bool:
    values = {"status": status, "message": message[:500], "result": result, "done": done}
    values["finished_at"] = timezone.now()
    updated = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(**values)
    cache.delete_many([_progress_key(job.pk), _heartbeat_key(job.pk)])
    for name, value in values.items():
        setattr(job, name, value)
    return updated == 1


def _stale_before():
    return timezone.now() - timedelta(seconds=settings.AIDSYS_JOB_STALE_SECONDS)


def job_fail_if_stale(job: Job) -> Job:
    """Fail a running job whose work has given no sign of life for AIDSYS_JOB_STALE_SECONDS."""
    if job.status != Job.Status.RUNNING:
        return job
    before = _stale_before()
    heard = cache.get(_heartbeat_key(job.pk))
    if heard is not None and heard >= before.timestamp():
        return job
    message = _(
        "The job stopped: it gave no sign of life for {minutes} minutes (its worker was stopped). "
        "Nothing of it was saved; please start it again."
    ).format(minutes=job.stale_after_minutes)
    values = {"status": Job.Status.FAILED, "message": message, "finished_at": timezone.now()}
    stale = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, heartbeat_at__lt=before)
    if stale.update(**values) == 1:
        for name, value in values.items():
            setattr(job, name, value)
    return job


def jobs_fail_stale() -> int:
    """The sweep of the beat schedule: fail every running job that has been silent too long; returns how many."""
    stale = Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=_stale_before())
    return sum(job_fail_if_stale(job).status == Job.Status.FAILED for job in stale)


def job_progress_seen(job: Job) -> Job:
    """The job with the progress its work has reported, also where that work's transaction has not committed yet.

    A job whose worker died is failed here, when its page reads it.
    """
    job = job_fail_if_stale(job)
    if job.status == Job.Status.RUNNING:
        reported = cache.get(_progress_key(job.pk))
        if reported is not None and reported > job.done and (not job.total or reported <= job.total):
            job.done = reported
    return job


class JobProgress:
    """Reports how far a job has got, every `every` units, where the page can see it at once.

    The work itself runs in one transaction (an import is all or nothing), and what that
    transaction writes is invisible to others until it commits. So progress goes through a
    connection of its own, which commits each report. SQLite has a single writer: a second
    connection would wait for the long transaction, so there the report is written in the
    transaction and kept in the cache too, where the job's page reads it (`job_progress_seen`):
    the embedded set-up is one process, whose threads share the cache.

    Before the total is known (a file still being read, total 0), `done` counts what was read so far.
    """

    def __init__(self, job: Job, *, every: int = 100):
        self.job = job
        self.every = max(1, every)
        self._reported = job.done
        self._reported_at = time.monotonic()
        # Slow rows still beat often enough that a live job is never taken for a dead one.
        self._beat_seconds = min(30, settings.AIDSYS_JOB_STALE_SECONDS / 4)
        self._side = None

    def __enter__(self):
        if connection.vendor != "sqlite":
            self._side = connection.copy()
        return self

    def __exit__(self, *exc_info):
        if self._side is not None:
            self._side.close()
            self._side = None

    def __call__(self, done: int) -> None:
        due = time.monotonic() - self._reported_at >= self._beat_seconds
        if not due and done - self._reported < self.every and (not self.job.total or done < self.job.total):
            return
        self._reported, self._reported_at = done, time.monotonic()
        self.job.done = done
        self._write(done)

    def _write(self, done: int) -> None:
        now = timezone.now()
        if self._side is None and connection.in_atomic_block:
            cache.set(_progress_key(self.job.pk), done, PROGRESS_CACHE_SECONDS)
            cache.set(_heartbeat_key(self.job.pk), now.timestamp(), PROGRESS_CACHE_SECONDS)
        if self._side is None or not connection.in_atomic_block:
            Job.objects.filter(pk=self.job.pk).update(done=done, heartbeat_at=now)
            return
        query = Job.objects.filter(pk=self.job.pk).query.chain(UpdateQuery)
        query.add_update_values({"done": done, "heartbeat_at": now})
        query.get_compiler(connection=self._side).execute_sql(None)
