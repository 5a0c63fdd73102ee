"""Background jobs: create, start, report progress, finish.

A job row is bookkeeping about work, not registry data: its changes are not audit events (the
work it does records its own). State changes are conditional updates, so that a task delivered
twice runs once.
"""

from django.core.cache import cache
from django.db import connection
from django.db.models.sql import UpdateQuery
from django.utils import timezone

from aidsys.models import Job

# Progress written inside a transaction on SQLite is also kept here, where the job's page reads it at once.
PROGRESS_CACHE_SECONDS = 6 * 3600


def _progress_key(job_pk: int) -> str:
    return f"aidsys:job-progress:{job_pk}"


def job_create(*, kind: str, owner, school=None, total: int = 0, params: dict | None = None) -> Job:
    return Job.objects.create(kind=kind, owner=owner, school=school, total=total, params=params or {})


def job_start(*, job_id: int) -> Job | None:
    """Move a queued job to running and return it; None when it is not queued (already taken or over)."""
    updated = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=timezone.now()
    )
    return Job.objects.get(pk=job_id) if updated == 1 else None


def job_set_total(*, job: Job, total: int) -> None:
    job.total, job.done = total, 0
    Job.objects.filter(pk=job.pk).update(total=total, done=0)


def job_finish(*, job: Job, result: dict, message: str = "") -> None:
    _end(job, Job.Status.DONE, message, result, done=job.total)


def job_fail(*, job: Job, message: str, result: dict | None = None) -> None:
    _end(job, Job.Status.FAILED, message, result or {}, done=job.done)


def _end(job: Job, status: str, message: str, result: dict, done: int) -> None:
    values = {"status": status, "message": message[:500], "result": result, "done": done}
    values["finished_at"] = timezone.now()
    Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(**values)
    cache.delete(_progress_key(job.pk))
    for name, value in values.items():
        setattr(job, name, value)


def job_progress_seen(job: Job) -> Job:
    """The job with the progress its work has reported, also where that work's transaction has not committed yet."""
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
        if done - self._reported < self.every and (not self.job.total or done < self.job.total):
            return
        self._reported = done
        self.job.done = done
        self._write(done)

    def _write(self, done: int) -> None:
        if self._side is None and connection.in_atomic_block:
            cache.set(_progress_key(self.job.pk), done, PROGRESS_CACHE_SECONDS)
        if self._side is None or not connection.in_atomic_block:
            Job.objects.filter(pk=self.job.pk).update(done=done)
            return
        query = Job.objects.filter(pk=self.job.pk).query.chain(UpdateQuery)
        query.add_update_values({"done": done})
        query.get_compiler(connection=self._side).execute_sql(None)
