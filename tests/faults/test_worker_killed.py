"""The Celery worker is killed (SIGKILL) in the middle of a roster import: the job is failed within
the stated time, no student of it is written, and the import started again finishes."""

import re
import time

import pytest

from aidsys.models import Job
from students.models import Student
from tests.faults.processes import (
    Worker,
    app_server,
    csrf,
    database_url_of_the_test,
    environment,
    redis_server,
    wait_for,
)
from tests.students.test_import_progress import large_roster

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ROWS = 2000
# AIDSYS_JOB_STALE_SECONDS of the app and the worker: small, so that the test waits seconds, not minutes.
STALE_SECONDS = 10


def start_import(app, browser, school, content: bytes) -> Job:
    """Upload, preview, confirm: as the aid office does; the job the confirmation started."""
    upload = f"/schools/{school.pk}/students/import/"
    page = browser.get(app.url(upload), timeout=30)
    preview = browser.post(
        app.url(upload),
        data={"csrfmiddlewaretoken": csrf(page.text)},
        files={"file": ("花名册.xlsx", content)},
        headers={"Referer": app.url(upload)},
        timeout=60,
    )
    assert preview.status_code == 200 and "/students/import/" in preview.url, preview.text[:300]
    digest = re.search(r'name="digest" value="([^"]+)"', preview.text)[1]
    confirmed = browser.post(
        preview.url,
        data={"csrfmiddlewaretoken": csrf(preview.text), "digest": digest},
        headers={"Referer": preview.url},
        timeout=60,
    )
    job_pk = re.search(r"/import-jobs/(\d+)/$", confirmed.url)
    assert job_pk, confirmed.text[:500]
    return Job.objects.get(pk=job_pk[1])


def test_a_worker_killed_mid_import_leaves_a_failed_job_and_no_students_and_the_import_runs_again(cast, tmp_path):
    content = large_roster(ROWS)
    students_before = Student.objects.filter(school=cast.school).count()
    with redis_server() as redis:
        env = environment(
            database_url=database_url_of_the_test(),
            redis_url=redis.url,
            AIDSYS_JOB_STALE_SECONDS=str(STALE_SECONDS),
            AIDSYS_IMPORT_CHECK_ASYNC_BYTES=str(10**9),
        )
        with app_server(env) as app:
            li = app.session(cast.li, cast.password)
            job = start_import(app, li, cast.school, content)
            worker = Worker(env, tmp_path)
            try:
                wait_for(lambda: Job.objects.get(pk=job.pk).done > 0, timeout=60, what="the import to write rows")
                worker.kill()
            finally:
                worker.close()
            killed_at = time.monotonic()
            assert Job.objects.get(pk=job.pk).status == "running"

            status = app.url(f"/import-jobs/{job.pk}/status/")
            running = li.get(status, timeout=30).text
            assert 'data-status="running"' in running and "分钟" in running  # the page states the time
            failed = wait_for(
                lambda: (page := li.get(status, timeout=30).text) and 'data-status="failed"' in page and page,
                timeout=STALE_SECONDS + 20,
                what="the job to be shown failed",
            )
            assert time.monotonic() - killed_at < STALE_SECONDS + 15
            assert "请重新开始" in failed or "重新" in failed
            assert Student.objects.filter(school=cast.school).count() == students_before, "nothing half-written"

            again = start_import(app, li, cast.school, content)
            worker = Worker(env, tmp_path)
            try:
                wait_for(
                    lambda: Job.objects.get(pk=again.pk).finished, timeout=90, what="the import started again to end"
                )
            finally:
                worker.close()
            assert Job.objects.get(pk=again.pk).status == "done", Job.objects.get(pk=again.pk).message
            assert Student.objects.filter(school=cast.school).count() == students_before + ROWS
            assert Job.objects.get(pk=job.pk).status == "failed"
