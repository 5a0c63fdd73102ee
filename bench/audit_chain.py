"""What the audit trail costs a write.

Creates N rows through the audited service (validation, snapshot, chain-head lock, hashed event)
and, in the same run on the same database, N rows with a plain ORM insert (the baseline). Then
verifies the chain of N events. Prints the times, the ratio and the verification rate.

    .venv/bin/python bench/audit_chain.py [N]          # SQLite in memory
    DATABASE_URL=postgres://… .venv/bin/python bench/audit_chain.py [N]
"""

import os
import sys
import time
from datetime import date, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidsys.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from aidsys.models import Holiday  # noqa: E402
from aidsys.services.audit import audit_chain_verify  # noqa: E402
from aidsys.services.calendar import holiday_create  # noqa: E402


def timed(function):
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def main(n: int) -> None:
    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        first = date(2030, 1, 1)

        def baseline():
            with transaction.atomic():
                for i in range(n):
                    Holiday.objects.create(date=first + timedelta(days=i), kind="holiday", name="基线")
            Holiday.objects.all().delete()

        def audited():
            for i in range(n):
                holiday_create(actor=None, day=first + timedelta(days=i), kind="holiday", name="审计")

        plain = timed(baseline)
        with_audit = timed(audited)
        verify = timed(lambda: audit_chain_verify())
        report = audit_chain_verify()
        print(f"database: {connection.vendor}, rows: {n}")
        print(f"baseline  plain ORM insert, one transaction: {plain:.3f} s ({n / plain:,.0f} rows/s)")
        rate = n / with_audit
        print(f"audited   service write, one transaction each: {with_audit:.3f} s ({rate:,.0f} rows/s)")
        print(f"ratio     audited / baseline: {with_audit / plain:.1f}x")
        checked = report.checked
        print(f"verify    {checked} events in {verify:.3f} s ({checked / verify:,.0f}/s), ok={report.ok}")
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
