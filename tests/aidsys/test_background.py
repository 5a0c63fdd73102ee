"""Background work without a broker runs in threads of the process; its progress is seen while it runs."""

import threading

import pytest
from celery import shared_task
from django.db import connection, transaction

from aidsys import background
from aidsys.models import Job
from aidsys.services.jobs import JobProgress, job_create, job_finish, job_progress_seen, job_start


@shared_task(name="tests.aidsys.finish_a_job")
def finish_a_job(job_id: int) -> str:
    job = job_start(job_id=job_id)
    job_finish(job=job, result={"thread": threading.current_thread().name})
    return "finished"


@shared_task(name="tests.aidsys.fail")
def fail(job_id: int) -> None:
    raise RuntimeError("a task that fails")


@pytest.mark.django_db(transaction=True)
class TestThreads:
    @pytest.fixture(autouse=True)
    def embedded(self, settings):
        settings.AIDSYS_JOBS_INLINE = False
        settings.CELERY_TASK_ALWAYS_EAGER = True

    def test_a_task_runs_in_a_thread_of_the_process_and_its_work_is_seen_by_the_request(self, cast):
        job = job_create(kind="tests.thread", owner=cast.li, school=cast.school)
        future = background.task_enqueue(finish_a_job, job.pk)
        assert future is not None
        future.result(timeout=60)
        job.refresh_from_db()
        assert job.status == "done" and job.result["thread"].startswith("aidsys-job")
        assert job.result["thread"] != threading.current_thread().name

    def test_a_failing_task_is_logged_and_the_thread_goes_on_with_the_next(self, cast, caplog):
        job = job_create(kind="tests.thread", owner=cast.li, school=cast.school)
        background.task_enqueue(fail, job.pk).result(timeout=60)
        assert "a task that fails" in caplog.text
        background.task_enqueue(finish_a_job, job.pk).result(timeout=60)
        assert Job.objects.get(pk=job.pk).status == "done"


def test_under_the_suite_a_task_runs_inline(cast):
    job = job_create(kind="tests.thread", owner=cast.li, school=cast.school)
    assert background.task_enqueue(finish_a_job, job.pk) is None
    job.refresh_from_db()
    assert job.result["thread"] == threading.current_thread().name


def test_with_a_broker_the_task_goes_to_a_worker(cast, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.AIDSYS_JOBS_INLINE = False
    sent = []
    monkeypatch.setattr(finish_a_job, "apply_async", lambda args, **options: sent.append((args, options)))
    assert background.task_enqueue(finish_a_job, 7) is None
    assert sent == [((7,), {"ignore_result": True})]


@pytest.mark.django_db(transaction=True)  # the job committed, as a worker finds it (PostgreSQL's side connection)
class TestProgressOfAnUncommittedTransaction:
    def test_progress_inside_the_work_s_transaction_is_seen_before_it_commits(self, cast):
        job = job_create(kind="tests.progress", owner=cast.li, school=cast.school, total=1000)
        job_start(job_id=job.pk)
        with transaction.atomic():
            with JobProgress(job, every=100) as progress:
                progress(300)
            # As another connection sees it: the transaction's own write undone.
            transaction.set_rollback(True)
        on_record = Job.objects.get(pk=job.pk)
        # SQLite: written in the transaction (undone here) and kept in the cache; PostgreSQL: committed at once
        # through a connection of its own.
        assert on_record.done == (0 if connection.vendor == "sqlite" else 300)
        assert job_progress_seen(on_record).done == 300

    def test_a_finished_job_shows_what_it_recorded(self, cast):
        job = job_create(kind="tests.progress", owner=cast.li, school=cast.school, total=1000)
        job = job_start(job_id=job.pk)
        with transaction.atomic(), JobProgress(job, every=100) as progress:
            progress(300)
        job_finish(job=job, result={})
        assert job_progress_seen(Job.objects.get(pk=job.pk)).done == 1000

    def test_before_the_total_is_known_progress_counts_what_was_read(self, cast):
        job = job_start(job_id=job_create(kind="tests.progress", owner=cast.li, school=cast.school).pk)
        with JobProgress(job, every=100) as progress:
            for done in range(1, 251):
                progress(done)
        assert Job.objects.get(pk=job.pk).done == 200
