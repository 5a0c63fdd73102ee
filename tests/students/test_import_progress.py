"""A large roster is checked by a job whose page shows the rows done, in the embedded set-up too:
the request answers at once with the job's page, a thread of the process does the work."""

import re
import threading
import time

import pytest
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext

from aidsys.models import Job
from aidsys.services.jobs import JobProgress, job_create, job_start
from students import imports, tasks
from students.matching import OFFICIAL_LIST_JOB
from tests.students.test_import import roster_xlsx, student_row, upload

ROWS = 2000


def large_roster(rows: int = ROWS) -> bytes:
    return roster_xlsx([student_row(f"学生{n}", male=n % 2 == 0) for n in range(rows)])


def wait_for(condition, timeout: float = 60):
    """The condition's value once it holds; fails when it does not within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition()
        except OperationalError:  # the test database, in memory and shared by threads, locks whole tables
            value = None
        if value:
            return value
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def url(school) -> str:
    return f"/schools/{school.pk}/students/import/"


def done_values_written(queries) -> list[tuple[int, int | None]]:
    """(done, total or None) of each update of the job's progress, in order."""
    written = []
    for query in queries:
        sql = query["sql"]
        if not sql.startswith('UPDATE "aidsys_job"'):
            continue
        done = re.search(r'"done" = (\d+)', sql)
        total = re.search(r'"total" = (\d+)', sql)
        if done and '"status"' not in sql:
            written.append((int(done[1]), int(total[1]) if total else None))
    return written


class TestTheCheckJob:
    @pytest.mark.django_db(transaction=True)  # outside a transaction, as a worker runs it: progress on this connection
    def test_a_2000_row_check_records_its_progress_as_the_rows_are_read_and_checked(self, cast):
        token = imports.upload_store(school=cast.school, user=cast.li, name="花名册.xlsx", content=large_roster())
        job = imports.roster_check_job_create(school=cast.school, owner=cast.li, token=token, file_name="花名册.xlsx")
        with CaptureQueriesContext(connection) as queries:
            tasks.roster_check(job.pk)
        written = done_values_written(queries.captured_queries)
        reading = [done for done, total in written[: written.index((0, ROWS))]]
        checking = [done for done, total in written[written.index((0, ROWS)) + 1 :]]
        # Read so far (the total not known yet), then checked out of all: every 100 rows.
        assert reading == list(range(100, ROWS + 1, 100))
        assert checking == list(range(100, ROWS + 1, 100))
        job.refresh_from_db()
        assert (job.status, job.done, job.total) == ("done", ROWS, ROWS)
        assert job.result == {"rows": ROWS, "errors": 0}

    def test_the_file_is_read_by_the_job_once_and_its_preview_plans_from_that_reading(self, cast, client_for):
        client = client_for(cast.li)
        token = imports.upload_store(school=cast.school, user=cast.li, name="花名册.xlsx", content=large_roster(3))
        job = imports.roster_check_job_create(school=cast.school, owner=cast.li, token=token, file_name="花名册.xlsx")
        tasks.roster_check(job.pk)
        stored = imports.upload_find(school=cast.school, user=cast.li, token=token)
        assert stored.sheet().rows and len(stored.sheet().rows) == 3
        response = client.get(f"/schools/{cast.school.pk}/students/import/{token}/")
        assert response.context["plan"].rows == 3 and len(response.context["plan"].new) == 3

    def test_a_file_gone_before_the_check_fails_the_job_saying_so(self, cast, client_for):
        token = imports.upload_store(school=cast.school, user=cast.li, name="花名册.xlsx", content=large_roster(3))
        job = imports.roster_check_job_create(school=cast.school, owner=cast.li, token=token, file_name="花名册.xlsx")
        imports.upload_find(school=cast.school, user=cast.li, token=token).delete()
        tasks.roster_check(job.pk)
        job.refresh_from_db()
        assert job.status == "failed" and "请重新上传" in job.message
        page = client_for(cast.li).get(f"/import-jobs/{job.pk}/").content.decode()
        assert f'href="/schools/{cast.school.pk}/students/import/"' in page


class TestTheUploadPage:
    @pytest.fixture
    def small_threshold(self, settings):
        settings.AIDSYS_IMPORT_CHECK_ASYNC_BYTES = 1000

    def test_a_small_file_goes_straight_to_its_preview(self, cast, client_for, small_threshold):
        response = client_for(cast.li).post(url(cast.school), {"file": upload(b"\xef\xbb\xbf" + b"a" * 10, "a.csv")})
        assert response.status_code == 302 and "/import-jobs/" not in response.headers["Location"]
        assert not Job.objects.exists()

    def test_a_large_file_is_checked_by_a_job_that_leads_to_its_preview(
        self, cast, client_for, small_threshold, django_capture_on_commit_callbacks
    ):
        client = client_for(cast.li)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url(cast.school), {"file": upload(large_roster(50))})
        job = Job.objects.get(kind=imports.ROSTER_CHECK_JOB)
        assert response.headers["Location"] == f"/import-jobs/{job.pk}/"
        assert (job.status, job.owner, job.school, job.total) == ("done", cast.li, cast.school, 50)
        preview = f"/schools/{cast.school.pk}/students/import/{job.params['token']}/"
        # The job's page of a finished check goes on to the preview; its polled partial tells htmx to.
        assert client.get(f"/import-jobs/{job.pk}/").headers["Location"] == preview
        status = client.get(f"/import-jobs/{job.pk}/status/")
        assert status.headers["HX-Redirect"] == preview
        assert f'href="{preview}"' in status.content.decode()
        assert client.get(preview).context["plan"].rows == 50

    def test_a_running_check_shows_the_rows_read_so_far_and_polls(self, cast, client_for):
        token = imports.upload_store(school=cast.school, user=cast.li, name="花名册.xlsx", content=b"x")
        job = imports.roster_check_job_create(school=cast.school, owner=cast.li, token=token, file_name="花名册.xlsx")
        Job.objects.filter(pk=job.pk).update(status="running", done=300)
        response = client_for(cast.li).get(f"/import-jobs/{job.pk}/")
        html = response.content.decode()
        assert response.status_code == 200 and "HX-Redirect" not in response.headers
        assert 'data-testid="job-progress"' in html and f'hx-get="/import-jobs/{job.pk}/status/"' in html
        assert "已读取 300 行" in html

    @pytest.mark.parametrize(("role", "status"), [("zhang", 200), ("wang", 404), ("outsider", 404)])
    def test_a_check_job_is_seen_in_its_school_scope(self, cast, client_for, role, status):
        job = imports.roster_check_job_create(school=cast.school, owner=cast.li, token="0" * 32, file_name="a.csv")
        assert client_for(getattr(cast, role)).get(f"/import-jobs/{job.pk}/status/").status_code == status


@pytest.mark.django_db(transaction=True)
class TestInTheEmbeddedSetUp:
    """No broker and no inline switch: as `make run` runs, the check runs in a thread of the process."""

    @pytest.fixture(autouse=True)
    def threads(self, settings):
        settings.AIDSYS_JOBS_INLINE = False
        settings.CELERY_TASK_ALWAYS_EAGER = True

    def test_the_upload_answers_at_once_with_the_job_page_and_the_check_completes_in_the_background(
        self, cast, client_for, monkeypatch
    ):
        # The check waits until the page has been seen: it cannot be over before the request answers.
        page_seen, check_ran_in = threading.Event(), []
        real_run = tasks.roster_check_job_run

        def held_back(*, job):
            check_ran_in.append(threading.current_thread().name)
            assert page_seen.wait(timeout=60)
            real_run(job=job)

        monkeypatch.setattr(tasks, "roster_check_job_run", held_back)
        client = client_for(cast.li)
        response = client.post(url(cast.school), {"file": upload(large_roster(ROWS))})
        job = Job.objects.get(kind=imports.ROSTER_CHECK_JOB)
        assert response.headers["Location"] == f"/import-jobs/{job.pk}/"
        page = client.get(response.headers["Location"])
        html = page.content.decode()
        assert page.status_code == 200 and 'data-testid="job-progress"' in html and "hx-trigger" in html
        page_seen.set()

        finished = wait_for(lambda: Job.objects.filter(pk=job.pk, status="done").first())
        assert (finished.done, finished.total) == (ROWS, ROWS)
        assert check_ran_in[0].startswith("aidsys-job")
        preview = client.get(f"/import-jobs/{job.pk}/status/").headers["HX-Redirect"]
        assert len(client.get(preview).context["plan"].new) == ROWS


@pytest.mark.django_db(transaction=True)  # the job committed, as a worker finds it (PostgreSQL's side connection)
class TestProgressOfWorkNotYetCommitted:
    """On SQLite the import and the matching write in one transaction; their pages show its progress all the same."""

    def progress_inside_a_transaction(self, job, done):
        with transaction.atomic():
            with JobProgress(job, every=1) as progress:
                progress(done)
            transaction.set_rollback(True)  # as the polling request sees it: nothing committed yet

    def test_the_import_s_page_shows_rows_written_before_the_commit(self, cast, client_for):
        job = job_start(job_id=job_create(kind=imports.ROSTER_JOB, owner=cast.li, school=cast.school, total=900).pk)
        self.progress_inside_a_transaction(job, 400)
        html = client_for(cast.li).get(f"/import-jobs/{job.pk}/status/").content.decode()
        assert 'value="400"' in html and 'max="900"' in html

    def test_the_matching_s_page_shows_entries_written_before_the_commit(self, cast, client_for):
        job = job_create(kind=OFFICIAL_LIST_JOB, owner=cast.li, school=cast.school, total=900)
        job = job_start(job_id=job.pk)
        self.progress_inside_a_transaction(job, 600)
        html = client_for(cast.li).get(f"/official-lists/jobs/{job.pk}/status/").content.decode()
        assert 'value="600"' in html and 'max="900"' in html
