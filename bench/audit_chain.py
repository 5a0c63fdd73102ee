"""What the audit trail costs a write, alone and with writers of several counties at once.

Builds 8 counties with one school each, an aid officer (资助专干) and a household in each school,
in a throwaway database. Then, for 1, 4 and 8 concurrent writers, each in a county of its own,
each on its own connection, updates its household's village through the registry's service for
SECONDS seconds, one transaction per write:

- audited: the service as it runs (validation, snapshot, the actor's roles, the event appended
  to the county's hash chain);
- plain: the same service with the audit record left out, in the same run (the baseline).

Prints writes per second and the p95 latency of each, the ratios the targets are set on, and
how fast `verify_audit --full` walks the events written.

Targets (PostgreSQL): with 8 writers in 8 counties, at least 1.3× one writer's audited rate;
one writer's audited rate at least a third of its plain rate.

    DATABASE_URL=postgres://… .venv/bin/python bench/audit_chain.py [SECONDS]
    .venv/bin/python bench/audit_chain.py [SECONDS]          # SQLite: one writer at a time anyway
"""

import os
import statistics
import sys
import tempfile
import threading
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

from aidsys.models import AuditEvent, County, Membership, Role, School, User  # noqa: E402
from aidsys.services.audit_chain import audit_chain_verify  # noqa: E402
from students import services  # noqa: E402
from students.models import Household  # noqa: E402

COUNTIES = 8
WRITERS = (1, 4, 8)


def build() -> list[tuple[User, Household]]:
    """One aid officer and one household in a school of each county."""
    pairs = []
    for n in range(COUNTIES):
        county = County.objects.create(code=f"4399{n + 10:02d}", name=f"第{n + 1}县")
        school = School.objects.create(
            county=county, code=f"4399{n + 10:02d}0001", name=f"第{n + 1}县一小", stages=["primary"]
        )
        officer = User.objects.create(username=f"aid{n}", full_name=f"李老师{n}")
        Membership.objects.create(user=officer, role=Role.AID_OFFICE, school=school, start=date(2026, 8, 1))
        household = services.household_create(actor=officer, school=school, village="枫树村")
        pairs.append((officer, household))
    return pairs


def run(pairs, writers: int, seconds: float, audited: bool) -> tuple[float, float]:
    """Writes per second and p95 latency (ms) of `writers` threads, each in its own county."""
    latencies = [[] for _ in range(writers)]
    errors = []
    start = threading.Barrier(writers + 1)

    def write(index: int) -> None:
        officer, household = pairs[index]
        household = Household.objects.get(pk=household.pk)
        try:
            start.wait()
            stop = time.monotonic() + seconds
            n = 0
            while time.monotonic() < stop:
                n += 1
                began = time.perf_counter()
                services.household_update(actor=officer, household=household, data={"village": f"村{n}"})
                latencies[index].append(time.perf_counter() - began)
        except Exception as error:  # printed below
            errors.append(error)
        finally:
            connections.close_all()

    # The same service, without its audit record: what the write costs by itself.
    without_audit = nullcontext() if audited else mock.patch("aidsys.services.writes.audit_record")
    with without_audit:
        threads = [threading.Thread(target=write, args=(index,)) for index in range(writers)]
        for thread in threads:
            thread.start()
        start.wait()
        began = time.monotonic()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - began
    if errors:
        raise SystemExit(f"a writer failed: {errors[0]!r}")
    every = sorted(latency for per_writer in latencies for latency in per_writer)
    p95 = statistics.quantiles(every, n=20)[-1] * 1000 if len(every) >= 20 else max(every) * 1000
    return len(every) / elapsed, p95


def main(seconds: float) -> None:
    folder = tempfile.mkdtemp(prefix="aidsys-bench-")
    if connection.vendor == "sqlite":
        settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = os.path.join(folder, "bench.sqlite3")
    settings.AIDSYS_AUDIT_KEY = "bench-" + "k" * 40
    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        pairs = build()
        connections.close_all()
        print(
            f"database: {connection.vendor}; {COUNTIES} counties, one school and household each; {seconds:.0f} s a run"
        )
        print(f"{'writers':>8} {'audited/s':>10} {'p95 ms':>8} {'plain/s':>10} {'p95 ms':>8} {'audited/plain':>14}")
        audited_rates = {}
        plain_rates = {}
        for writers in WRITERS:
            audited_rates[writers], audited_p95 = run(pairs, writers, seconds, audited=True)
            plain_rates[writers], plain_p95 = run(pairs, writers, seconds, audited=False)
            print(
                f"{writers:>8} {audited_rates[writers]:>10.1f} {audited_p95:>8.1f} {plain_rates[writers]:>10.1f} "
                f"{plain_p95:>8.1f} {audited_rates[writers] / plain_rates[writers]:>14.2f}"
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
