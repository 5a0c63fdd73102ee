"""Redis stops: signed-in pages go on from the database, a long job is refused in Chinese with
nothing written, and once Redis is back jobs start again and sessions are cached there again."""

from pathlib import Path

import pytest

from aidsys.models import AuditEvent, Job
from reports.models import ReportExport
from tests.faults.processes import app_server, csrf, database_url_of_the_test, environment, redis_server
from tests.students.test_import_progress import large_roster

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

UNAVAILABLE = "后台任务服务暂不可用，请稍后再试"


def post_form(app, browser, path: str, data: dict | None = None, files: dict | None = None, page_path: str = ""):
    page = browser.get(app.url(page_path or path), timeout=30)
    assert page.status_code == 200, page.text[:300]
    data = {"csrfmiddlewaretoken": csrf(page.text), **(data or {})}
    return browser.post(app.url(path), data=data, files=files, headers={"Referer": app.url(path)}, timeout=30)


def test_with_redis_stopped_pages_work_jobs_are_refused_and_when_it_is_back_work_resumes(cast):
    # Any roster upload is checked by a job, so that the upload needs the broker too.
    with redis_server() as redis:
        env = environment(
            database_url=database_url_of_the_test(), redis_url=redis.url, AIDSYS_IMPORT_CHECK_ASYNC_BYTES="1"
        )
        with app_server(env) as app:
            wang = app.session(cast.wang, cast.password)
            assert wang.get(app.url("/"), timeout=30).status_code == 200
            assert redis.keys("aidsys-session*"), "the session is cached in Redis"

            redis.shutdown()

            home = wang.get(app.url("/"), timeout=30)
            assert home.status_code == 200 and "王老师" in home.text and "/login/" not in home.url
            li = app.session(cast.li, cast.password)  # signing in takes a new session key: the database gives it
            assert "李老师" in li.get(app.url("/"), timeout=30).text

            export = f"/classes/{cast.class_1.pk}/export/"
            refused = post_form(app, wang, export)
            assert refused.status_code == 200 and UNAVAILABLE in refused.text
            upload = f"/schools/{cast.school.pk}/students/import/"
            refused = post_form(app, li, upload, files={"file": ("花名册.xlsx", large_roster(20))})
            assert refused.status_code == 200 and UNAVAILABLE in refused.text
            assert not Job.objects.exists() and not ReportExport.objects.exists()
            assert not AuditEvent.objects.filter(action="export").exists()
            assert not _files_under(env["AIDSYS_MEDIA_ROOT"], "imports"), "no upload is kept for a check never started"

            signed_out = post_form(app, li, "/accounts/logout/", page_path="/")
            assert signed_out.status_code in (200, 302)
            assert "/accounts/login/" in li.get(app.url("/"), timeout=30).url

            redis.start()

            started = post_form(app, wang, export)
            assert started.status_code == 200 and started.url.endswith("/exports/"), started.text[:300]
            assert ReportExport.objects.get().job.status == "queued"
            assert wang.get(app.url("/"), timeout=30).status_code == 200
            assert redis.keys("aidsys-session*"), "sessions are cached in Redis again"
            assert redis.keys("celery"), "the job was sent to the broker"


def _files_under(media_root: str, folder: str) -> list:
    return [path for path in (Path(media_root) / folder).rglob("*") if path.is_file()]
