"""How fast the principal's roster summary is computed, against an empty page in the layout.

Builds a school with 50 classes and 3,000 approved applications of one program and term in a
throwaway database, then serves the project with gunicorn (2 sync workers) and, in the same
run, requests, signed in:

- empty page: a page in the site's layout with nothing on it (bench/urls.py), what every
  signed-in page pays before its content;
- summary: the school's roster summary by class and tier that the principal signs (校长审定),
  as the principal, 3,000 applications, computed for every request, the way a browser asks
  for it (with the CSRF cookie its first answer set).

On PostgreSQL the bench starts a throwaway Redis beside it, as the county set-up has
(DESIGN.md §7), and the app servers read sessions from it; on SQLite, the embedded set-up,
sessions are read from the database.

Prints both throughputs (requests per second, with client threads keeping both workers busy)
and their ratio. It is a measure to watch, not a target; the page's query count is held by
tests/reviews/test_summary_queries.py.

    .venv/bin/python bench/summary_throughput.py [SECONDS]        # SQLite file
    DATABASE_URL=postgres://… .venv/bin/python bench/summary_throughput.py [SECONDS]
"""

import http.client
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidsys.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from aidsys.models import County, Membership, Role, School, SchoolClass, SchoolYear, Term, User  # noqa: E402
from applications.models import AidProgram, Application, ProgramStandard, Quota, Status  # noqa: E402
from reviews.models import RosterSignoff, SignoffStatus  # noqa: E402
from students.models import Household, Student  # noqa: E402
from tests.factories import make_id_number  # noqa: E402

APPLICATIONS = 3000
CLASSES = 50
TIERS = ["especially_difficult", "difficult", "generally_difficult"]
CLIENT_THREADS = 4
WORKERS = 2


def build() -> tuple[User, str]:
    """The school, its 3,000 applications and a signed-in principal; returns the summary's path."""
    county = County.objects.create(code="439901", name="青山县")
    year = SchoolYear.objects.create(start_year=2026)
    term = Term.objects.create(school_year=year, kind="autumn", start=date(2026, 9, 1), end=date(2027, 1, 22))
    school = School.objects.create(county=county, code="4399010001", name="青山县第一中学", stages=["junior"])
    school.current_term = term
    school.save()
    classes = SchoolClass.objects.bulk_create(
        SchoolClass(school=school, school_year=year, grade=31 + n // 17, number=1 + n % 17) for n in range(CLASSES)
    )
    principal = User.objects.create(username="principal", full_name="张校长")
    aid_office = User.objects.create(username="aid", full_name="李老师")
    Membership.objects.create(user=principal, role=Role.PRINCIPAL, school=school, start=date(2026, 8, 1))
    Membership.objects.create(user=aid_office, role=Role.AID_OFFICE, school=school, start=date(2026, 8, 1))
    program = AidProgram.objects.create(
        county=county, code="YWJY-CZ", name="义务教育生活补助（初中）", stages=["junior"], payment_methods=["aid_card"]
    )
    ProgramStandard.objects.create(program=program, school_year=year, amount_per_year=Decimal("1500"))
    Quota.objects.create(program=program, term=term, school=school, awards=APPLICATIONS)
    households = Household.objects.bulk_create(Household(village="枫树村") for _ in range(APPLICATIONS))
    rng = random.Random(7)
    students = []
    for n, household in enumerate(households):
        birth = date(2012, 1, 1)
        students.append(
            Student(
                name=f"学生{n}号",
                name_pinyin=f"xuesheng{n}",
                name_initials="xs",
                gender="male",
                id_number=make_id_number(birth, True),
                birth_date=birth,
                hukou="rural",
                school=school,
                school_class=classes[n % CLASSES],
                household=household,
            )
        )
    students = Student.objects.bulk_create(students, batch_size=1000)
    now = timezone.now()
    Application.objects.bulk_create(
        (
            Application(
                student=student,
                program=program,
                term=term,
                school=school,
                school_class=student.school_class,
                status=Status.APPROVED,
                requested_tier=(tier := rng.choice(TIERS)),
                approved_tier=tier,
                recommended_tier=tier,
                amount=Decimal("750.00"),
                statement="家庭困难",
                pledge_signed=True,
                filed_by=aid_office,
                filed_at=now,
                decided_by=aid_office,
                decided_at=now,
            )
            for student in students
        ),
        batch_size=1000,
    )
    RosterSignoff.objects.create(
        school=school, program=program, term=term, status=SignoffStatus.PENDING, submitted_by=aid_office,
        submitted_at=now,
    )  # fmt: skip
    return principal, reverse("reviews:signoff", args=[school.pk, program.pk, term.pk])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def serve(port: int, log, **more_env: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "AIDSYS_DEBUG": "false",
        # The session was made in this process: the server must sign with the same key.
        "AIDSYS_SECRET_KEY": settings.SECRET_KEY,
        "AIDSYS_ALLOWED_HOSTS": "127.0.0.1",
        "AIDSYS_SSL_REDIRECT": "false",
        # As in production: a worker keeps its database connection between requests.
        "AIDSYS_DB_CONN_MAX_AGE": "60",
        **more_env,
    }
    command = [sys.executable, "-m", "gunicorn", "bench.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(WORKERS), "--worker-class", "sync", "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
    if not listening(server, port):
        raise SystemExit(f"gunicorn did not start; its log: {log.name}")
    return server


def listening(process: subprocess.Popen, port: int, seconds: float = 30) -> bool:
    """Whether the process answers on the port within `seconds` (False once it has exited)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            if process.poll() is not None:
                return False
            time.sleep(0.1)
    return False


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def get(port: int, path: str, cookie: str) -> tuple[int, int]:
    status, body, _cookies = fetch(port, path, cookie)
    return status, len(body)


def fetch(port: int, path: str, cookie: str) -> tuple[int, bytes, list[str]]:
    """Status, body and the `name=value` of each cookie the answer sets."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
        response = conn.getresponse()
        cookies = [header.split(";", 1)[0] for header in response.headers.get_all("Set-Cookie") or []]
        return response.status, response.read(), cookies
    finally:
        conn.close()


def load(port: int, path: str, cookie: str, seconds: float) -> float:
    """Requests per second with CLIENT_THREADS threads for `seconds`, after a warm-up."""
    for _ in range(2 * WORKERS):
        status, _size = get(port, path, cookie)
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
    counts = [0] * CLIENT_THREADS
    stop = time.monotonic() + seconds

    def worker(index: int) -> None:
        while time.monotonic() < stop:
            status, _size = get(port, path, cookie)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
            counts[index] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(index,)) for index in range(CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - started)


def start_redis(folder: str) -> tuple[subprocess.Popen | None, str]:
    """On PostgreSQL, the county set-up (DESIGN.md §7): a throwaway Redis beside it, where the
    sessions are read (aidsys/settings.py). The embedded set-up (SQLite) has none."""
    if connection.vendor != "postgresql" or shutil.which("redis-server") is None:
        return None, ""
    port = free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    redis = subprocess.Popen(command, cwd=folder, stdout=subprocess.DEVNULL, start_new_session=True)
    if not listening(redis, port):
        stop(redis)
        raise SystemExit("redis-server did not start")
    return redis, f"redis://127.0.0.1:{port}/0"


def main(seconds: float) -> None:
    from django.test.utils import setup_test_environment

    folder = tempfile.mkdtemp(prefix="aidsys-bench-")
    if connection.vendor == "sqlite":
        settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = os.path.join(folder, "bench.sqlite3")
    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, keepdb=False)
    server = None
    redis, redis_url = start_redis(folder)
    try:
        started = time.perf_counter()
        principal, summary_path = build()
        print(f"database: {connection.vendor}; built {APPLICATIONS} applications in {CLASSES} classes "
              f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
        client = Client()
        client.force_login(principal)
        cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        port = free_port()
        served = {"REDIS_URL": redis_url} if redis_url else {}
        print(f"sessions: {'Redis, with the database behind it' if redis_url else 'the database'}")
        with open(os.path.join(folder, "gunicorn.log"), "w") as log:
            server = serve(port, log, **served)
            status, body, cookies = fetch(port, summary_path, cookie)
            if status != 200:
                raise SystemExit(f"the summary answered {status}; see {log.name}")
            size = len(body)
            # As a browser does: keep the CSRF cookie that the page's forms set.
            cookie = "; ".join([cookie, *cookies])
            print(f"gunicorn: {WORKERS} sync workers; {CLIENT_THREADS} client threads; {seconds:.0f} s each")
            empty = load(port, "/bench/empty-page/", cookie, seconds)
            summary = load(port, summary_path, cookie, seconds)
        print(f"empty     {'an empty page in the layout, signed in:':<50} {empty:8.1f} requests/s")
        label = f"roster summary of {APPLICATIONS:,} applications, {size / 1024:.0f} KB:"
        print(f"summary   {label:<50} {summary:8.1f} requests/s")
        print(f"ratio     summary / empty page: {summary / empty:.2f}")
    finally:
        if server is not None:
            stop(server)
        if redis is not None:
            stop(redis)
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 10.0)
