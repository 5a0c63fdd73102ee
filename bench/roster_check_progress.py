"""How long the aid office waits for a page after uploading a 2,000-row roster, in the embedded set-up.

In the same run, on the same throwaway test database (SQLite unless DATABASE_URL says otherwise):

- inline (before): the check runs in the request, as eager Celery ran every job: upload, then the
  preview, nothing on screen until both are over;
- threads (now):   the upload answers with the check's job page at once; the check runs in a thread
  of the process, and the page polls its progress until the preview.

Prints the time to the first page and to the preview, for each.

    .venv/bin/python bench/roster_check_progress.py [N]
"""

import os
import sys
import tempfile
import time
from datetime import date

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidsys.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from aidsys.models import County, Job, Membership, Role, SchoolYear, Term, User  # noqa: E402
from bench.import_roster import make_school, roster  # noqa: E402
from students.imports import ROSTER_CHECK_JOB  # noqa: E402


def check(client: Client, school, content: bytes, *, threads: bool) -> tuple[float, float]:
    """(seconds to the first page, seconds to the preview)."""
    with override_settings(AIDSYS_JOBS_INLINE=not threads, CELERY_TASK_ALWAYS_EAGER=True, ALLOWED_HOSTS=["*"]):
        started = time.perf_counter()
        response = client.post(
            f"/schools/{school.pk}/students/import/", {"file": SimpleUploadedFile("r.xlsx", content)}
        )
        first = client.get(response["Location"], follow=True)
        first_page = time.perf_counter() - started
        job = Job.objects.filter(kind=ROSTER_CHECK_JOB).latest("pk")
        while True:
            status = client.get(f"/import-jobs/{job.pk}/status/")
            if "HX-Redirect" in status:
                break
            time.sleep(0.05)
        preview = client.get(status["HX-Redirect"])
        assert first.status_code == preview.status_code == 200, (response, first, preview)
        return first_page, time.perf_counter() - started


def main(n: int) -> None:
    setup_test_environment()
    if connection.vendor == "sqlite":
        # A file, as `make run` has: an in-memory database shared by threads locks whole tables.
        connection.settings_dict["TEST"]["NAME"] = os.path.join(tempfile.mkdtemp(), "bench.sqlite3")
    connection.creation.create_test_db(verbosity=0, keepdb=False)
    county = County.objects.create(code="439901", name="青山县")
    year = SchoolYear.objects.create(start_year=2026)
    term = Term.objects.create(school_year=year, kind="autumn", start=date(2026, 9, 1), end=date(2027, 1, 22))
    schools = [make_school(county, term, f"43990100{i:02d}") for i in range(2)]
    user = User.objects.create(username="bench", full_name="李老师")
    for school in schools:
        Membership.objects.create(user=user, role=Role.AID_OFFICE, school=school, start=date(2026, 8, 1))
    client = Client()
    client.force_login(user)
    files = [roster(n, f"4399{i:02d}") for i in range(1, 3)]
    threshold = settings.AIDSYS_IMPORT_CHECK_ASYNC_BYTES
    print(f"database: {connection.vendor}, rows: {n}, checked in the background above {threshold} bytes")
    inline_first, inline_done = check(client, schools[0], files[0], threads=False)
    thread_first, thread_done = check(client, schools[1], files[1], threads=True)
    print(f"inline   (before): first page after {inline_first:5.2f} s, preview after {inline_done:5.2f} s")
    print(f"threads  (now):    first page after {thread_first:5.2f} s, preview after {thread_done:5.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
