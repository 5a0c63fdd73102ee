"""What the audit trail costs a write, alone and with writers of several counties at once.

Builds 8 counties with one school each, an aid officer (资助专干) and a household in each school,
in a throwaway database. Then, for 1, 4 and 8 concurrent writers, each in a county of its own,
each in a process and on a connection of its own, updates its household's village through the registry's service for
SECONDS seconds, one transaction per write:

- audited: the service as it runs (validation, snapshot, the actor's roles, the event appended
  to the county's hash chain);
- plain: the same service with the audit record left out, in the same run (the baseline).

Prints writes per second and the p95 latency of each, how many of the writers sampled while the
audited ones ran were waiting on a row lock (on PostgreSQL), the ratios the targets are set on,
and how fast `verify_audit --full` walks the events written. The writers are processes: on a
machine with fewer cores than writers, or busy with other work, the rates measure the cores too;
the audited/plain column and the lock waits still show whether the trail serialises the writers.

Targets (PostgreSQL): with 8 writers in 8 counties, at least 1.3× one writer's audited rate;
one writer's audited rate at least a third of its plain rate.

    DATABASE_URL=postgres://… .venv/bin/python bench/audit_chain.py [SECONDS]
    .venv/bin/python bench/audit_chain.py [SECONDS]          # SQLite: one writer at a time anyway
"""

import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from contextlib import nullcontext
from datetime import date
from unittest import mock

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidsys.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from aidsys.models import AuditEvent, County, Membership, Role, School, SchoolClass, SchoolYear, User  # noqa: E402
from aidsys.services.audit_chain import audit_chain_verify  # noqa: E402
from students import services  # noqa: E402
from students.models import Household, Student  # noqa: E402
from tests.factories import make_id_number  # noqa: E402

COUNTIES = 8
WRITERS = (1, 4, 8)


def build() -> list[tuple[User, Household]]:
    """One aid officer and one household with its student in a school of each county."""
    pairs = []
    year = SchoolYear.objects.create(start_year=2026)
    for n in range(COUNTIES):
        county = County.objects.create(code=f"4399{n + 10:02d}", name=f"第{n + 1}县")
        school = School.objects.create(
            county=county, code=f"4399{n + 10:02d}0001", name=f"第{n + 1}县一小", stages=["primary"]
        )
        officer = User.objects.create(username=f"aid{n}", full_name=f"李老师{n}")
        Membership.objects.create(user=officer, role=Role.AID_OFFICE, school=school, start=date(2026, 8, 1))
        household = services.household_create(actor=officer, school=school, village="枫树村")
        school_class = SchoolClass.objects.create(school=school, school_year=year, grade=1, number=1)
        birth = date(2019, 10, 8)
        Student.objects.create(
            name="王小明", gender="male", id_number=make_id_number(birth, True), birth_date=birth, hukou="rural",
            school=school, school_class=school_class, household=household,
        )  # fmt: skip
        pairs.append((officer, household))
    return pairs


def write_for(task: tuple) -> list[float]:
    """One writer, in a process of its own (Python's threads would share one core): the latency
    of each write from `start_at` (wall clock) for `seconds`."""
    officer, household, start_at, seconds = task
    connections.close_all()  # the parent's connection is not this process's
    household = Household.objects.get(pk=household.pk)
    time.sleep(max(0.0, start_at - time.time()))
    stop, latencies, n = start_at + seconds, [], 0
    while time.time() < stop:
        n += 1
        began = time.perf_counter()
        services.household_update(actor=officer, household=household, data={"village": f"村{n}"})
        latencies.append(time.perf_counter() - began)
    connections.close_all()
    return latencies


def run(pairs, writers: int, seconds: float, audited: bool) -> tuple[float, float, str]:
    """Writes per second, p95 latency (ms) of `writers` processes, each in its own county, and
    what the sampled writers waited on."""
    connections.close_all()
    start_at = time.time() + 1.5
    tasks = [(officer, household, start_at, seconds) for officer, household in pairs[:writers]]
    # The same service, without its audit record: what the write costs by itself.
    without_audit = nullcontext() if audited else mock.patch("aidsys.services.writes.audit_record")
    with without_audit, multiprocessing.get_context("fork").Pool(writers) as pool:
        result = pool.map_async(write_for, tasks)
        waits = sample_waits(result, start_at)
        latencies = result.get()
    every = sorted(latency for per_writer in latencies for latency in per_writer)
    p95 = statistics.quantiles(every, n=20)[-1] * 1000
    return len(every) / seconds, p95, waits


def sample_waits(result, start_at: float) -> str:
    """On PostgreSQL, every 20 ms while the writers run: how many of them wait on a row lock."""
    if connection.vendor != "postgresql":
        return "-"
    time.sleep(max(0.0, start_at - time.time()))
    samples = locked = 0
    with connection.cursor() as cursor:
        while not result.ready():
            cursor.execute(
                "SELECT count(*), count(*) FILTER (WHERE wait_event_type = 'Lock') FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'"
            )
            active, waiting = cursor.fetchone()
            samples += active
            locked += waiting
            time.sleep(0.02)
    connections.close_all()
    return f"{locked}/{samples}"


def main(seconds: float) -> None:
    with tempfile.TemporaryDirectory(prefix="aidsys-bench-") as folder:
        if connection.vendor == "sqlite":
            # A file, not memory: the writers' processes share it.
            settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = os.path.join(folder, "bench.sqlite3")
        measure(seconds)


def measure(seconds: float) -> None:
    settings.AIDSYS_AUDIT_KEY = "bench-" + "k" * 40
    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        pairs = build()
        partitions = {AuditEvent.objects.for_object(household).get().partition for _officer, household in pairs}
        assert len(partitions) == COUNTIES, partitions
        connections.close_all()
        print(
            f"database: {connection.vendor}; {COUNTIES} counties, one school and household each; {seconds:.0f} s a run"
        )
        print(
            f"{'writers':>8} {'audited/s':>10} {'p95 ms':>8} {'lock waits':>11} {'plain/s':>10} {'p95 ms':>8} "
            f"{'audited/plain':>14}"
        )
        audited_rates = {}
        plain_rates = {}
        for writers in WRITERS:
            audited_rates[writers], audited_p95, waits = run(pairs, writers, seconds, audited=True)
            plain_rates[writers], plain_p95, _waits = run(pairs, writers, seconds, audited=False)
            ratio = audited_rates[writers] / plain_rates[writers]
            print(
                f"{writers:>8} {audited_rates[writers]:>10.1f} {audited_p95:>8.1f} {waits:>11} "
                f"{plain_rates[writers]:>10.1f} {plain_p95:>8.1f} {ratio:>14.2f}"
            )
        scaling = audited_rates[8] / audited_rates[1]
        alone = audited_rates[1] / plain_rates[1]
        print(f"ratio     8 writers' audited rate / one writer's: {scaling:.2f} (target ≥ 1.3)")
        print(f"ratio     one writer, audited / plain: {alone:.2f} (target ≥ 0.33)")
        events = AuditEvent.objects.count()
        started = time.perf_counter()
        report = audit_chain_verify(full=True)
        took = time.perf_counter() - started
        print(
            f"verify    --full: {report.checked} of {events} events in {took:.2f} s "
            f"({report.checked / took:,.0f}/s), ok={report.ok}"
        )
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 10.0)
