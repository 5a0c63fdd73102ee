"""Background jobs: create, start, report progress, finish.

A job row is bookkeeping about work, not registry data: its changes are not audit events (the
work it does records its own). State changes are conditional updates, so that a task delivered
twice runs once.
"""

from django.db import connection
from django.db.models.sql import UpdateQuery
from django.utils import timezone

from aidsys.models import Job


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
    for name, value in values.items():
        setattr(job, name, value)


class JobProgress:
    """Reports how far a job has got, every `every` units, where the page can see it at once.

    The work itself runs in one transaction (an import is all or nothing), and what that
    transaction writes is invisible to others until it commits. So progress goes through a
    connection of its own, which commits each report. SQLite has a single writer: a second
    connection would wait for the long transaction, so there the report is written in the
    transaction and seen when it commits (the embedded set-up runs tasks in the request anyway).
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
        if done - self._reported < self.every and done < self.job.total:
            return
        self._reported = done
        self.job.done = done
        self._write(done)

    def _write(self, done: int) -> None:
        if self._side is None or not connection.in_atomic_block:
            Job.objects.filter(pk=self.job.pk).update(done=done)
            return
        query = Job.objects.filter(pk=self.job.pk).query.chain(UpdateQuery)
        query.add_update_values({"done": done})
        query.get_compiler(connection=self._side).execute_sql(None)
