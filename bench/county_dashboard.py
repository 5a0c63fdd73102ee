"""How fast the county dashboard answers for a county of 100 schools and 50,000 students.

Builds, in a throwaway database, a county of 100 primary schools of 500 students each (10 classes),
one program with its 80/20 funding split, 150 applications a school (125 approved, 15 awaiting
review, 10 not approved), rosters signed, noticed, reported and approved at most schools, an
approved card batch at half of them (lines paid in October and November, five failed a school),
funds received from two sources, and overdue objections at ten. Then signs in as the county's staff
and, in the same run, requests in turn through Django's test Client with the production settings
(DEBUG off):

- empty page: a signed-in page in the site's layout with nothing on it (bench/urls.py);
- county dashboard: reports:dashboard_county for the autumn term, first page of its progress table;
- last page: the same with the progress table's last page.

Prints the median and 95th percentile of each in milliseconds, each one's ratio to the empty page,
and the dashboard's number of queries. Target: the county dashboard's median under 300 ms.

    .venv/bin/python bench/county_dashboard.py [REQUESTS]        # SQLite file in a temp folder
    DATABASE_URL=postgres://… .venv/bin/python bench/county_dashboard.py [REQUESTS]
"""

import os
import statistics
import sys
import tempfile
import time
import warnings
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pages_setup import ROOT  # noqa: F401 (before any model: sets Django up with the production settings)

from aidsys import cn
from aidsys.models import County, Membership, Role, School, SchoolClass, SchoolYear, Term, User
from applications.models import AidProgram, Application, FundingShare
from disbursements.models import FundAllocation, PaymentBatch, PaymentLine
from publicity.models import Objection, PublicNotice, RosterReport
from reports.views.dashboards import PROGRESS_PER_PAGE
from reviews.models import RosterSignoff
from students.models import Household, Student

SCHOOLS = 100
STUDENTS_PER_SCHOOL = 500
CLASSES_PER_SCHOOL = 10
APPROVED, WAITING, REJECTED = 125, 15, 10
TARGET_MS = 300
SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = "小明红伟芳娜敏静丽强磊军洋勇艳杰涛超"
AMOUNT = Decimal("625.00")


def build() -> tuple[User, County, Term]:
    now = timezone.now()
    county = County.objects.create(code="439901", name="青山县")
    year = SchoolYear.objects.create(start_year=2026)
    term = Term.objects.create(school_year=year, kind="autumn", start=date(2026, 9, 1), end=date(2027, 1, 22))
    Term.objects.create(school_year=year, kind="spring", start=date(2027, 2, 22), end=date(2027, 7, 9))
    staff = User.objects.create(username="county", full_name="赵科长")
    Membership.objects.create(user=staff, role=Role.COUNTY_STAFF, county=county, start=date(2026, 8, 1))
    aid_office = User.objects.create(username="aid", full_name="李老师")
    principal = User.objects.create(username="principal", full_name="张校长")
    schools = School.objects.bulk_create(
        School(county=county, code=f"439901{n:04d}", name=f"青山县第{n + 1}小学", stages=["primary"], current_term=term)
        for n in range(SCHOOLS)
    )
    program = AidProgram.objects.create(
        county=county, code="YWJY", name="义务教育家庭经济困难学生生活补助", stages=["primary"],
        payment_methods=["bank_card"],
    )  # fmt: skip
    FundingShare.objects.create(program=program, school_year=year, source="central", percent=80)
    FundingShare.objects.create(program=program, school_year=year, source="province", percent=20)
    classes = SchoolClass.objects.bulk_create(
        SchoolClass(school=school, school_year=year, grade=21 + n // 2, number=1 + n % 2)
        for school in schools
        for n in range(CLASSES_PER_SCHOOL)
    )
    total = SCHOOLS * STUDENTS_PER_SCHOOL
    households = Household.objects.bulk_create((Household(township="青山镇") for _ in range(total)), batch_size=2000)
    students = []
    for i, household in enumerate(households):
        school_index = i // STUDENTS_PER_SCHOOL
        first17 = f"4399{i // 1000:02d}20160101{i % 1000:03d}"
        student = Student(
            name=SURNAMES[i % 10] + GIVEN[i % 17] + GIVEN[i // 17 % 17],
            gender="male" if int(first17[16]) % 2 else "female",
            id_number=first17 + cn.id_number_check_digit(first17),
            birth_date=date(2016, 1, 1),
            hukou="rural",
            # One in fifty has left: not on roll.
            status="transferred_out" if i % 50 == 49 else "enrolled",
            school=schools[school_index],
            school_class=classes[school_index * CLASSES_PER_SCHOOL + i % CLASSES_PER_SCHOOL],
            household=household,
        )
        student.fill_derived()
        students.append(student)
    students = Student.objects.bulk_create(students, batch_size=2000)

    def application(student, status):
        approved = status == "approved"
        return Application(
            student=student, program=program, term=term, school_id=student.school_id,
            school_class_id=student.school_class_id, status=status, requested_tier="difficult",
            approved_tier="difficult" if approved else "", amount=AMOUNT if approved else None,
            statement="家庭经济困难", filed_by=aid_office, filed_at=now,
        )  # fmt: skip

    rows = []
    for index in range(SCHOOLS):
        own = students[index * STUDENTS_PER_SCHOOL : (index + 1) * STUDENTS_PER_SCHOOL]
        rows += [application(s, "approved") for s in own[:APPROVED]]
        # Half the schools have finished the second review; the others still have applications waiting.
        waiting = "rejected" if index < SCHOOLS // 2 else "recommended"
        rows += [application(s, waiting) for s in own[APPROVED : APPROVED + WAITING]]
        rows += [application(s, "rejected") for s in own[APPROVED + WAITING : APPROVED + WAITING + REJECTED]]
    applications = Application.objects.bulk_create(rows, batch_size=2000)
    approved_by_school = {}
    for item in applications:
        if item.status == "approved":
            approved_by_school.setdefault(item.school_id, []).append(item)

    signoffs = RosterSignoff.objects.bulk_create(
        RosterSignoff(school=school, program=program, term=term, status="signed", submitted_by=aid_office,
                      submitted_at=now, decided_by=principal, decided_at=now, version=1)
        for school in schools[:80]
    )  # fmt: skip
    notices = PublicNotice.objects.bulk_create(
        PublicNotice(school_id=signoff.school_id, program=program, term=term, signoff=signoff, signoff_version=1,
                     status="closed" if n < 70 else "published", start_date=date(2026, 10, 12), working_days=5,
                     end_date=date(2026, 10, 16), contact_office="学校资助办", contact_phone="0731-1234567",
                     created_by=aid_office, created_at=now)
        for n, signoff in enumerate(signoffs)
    )  # fmt: skip
    Objection.objects.bulk_create(
        Objection(notice=notice, tracking_number=f"YY{n:06d}", channel="online", text="家庭条件较好",
                  lodged_at=now - timedelta(days=10), deadline=date(2026, 10, 19))
        for n, notice in enumerate(notices[70:])
    )  # fmt: skip
    RosterReport.objects.bulk_create(
        RosterReport(school_id=notice.school_id, program=program, term=term, notice=notice,
                     status="approved" if n < 50 else "reported", reported_by=aid_office, reported_at=now)
        for n, notice in enumerate(notices[:60])
    )  # fmt: skip
    FundAllocation.objects.bulk_create(
        FundAllocation(school=school, program=program, term=term, source=source, amount=amount,
                       document_number=f"青财教〔2026〕{n}号", document_date=date(2026, 9, 10),
                       recorded_by=staff, recorded_at=now)
        for n, school in enumerate(schools)
        for source, amount in (("central", Decimal("62500.00")), ("province", Decimal("15625.00")))
    )  # fmt: skip
    batches = PaymentBatch.objects.bulk_create(
        PaymentBatch(school=school, program=program, term=term, number="FF2026-001", method="bank_card",
                     status="approved", prepared_by=aid_office, prepared_at=now, approved_by=principal,
                     approved_at=now)
        for school in schools[:50]
    )  # fmt: skip
    lines = []
    for batch in batches:
        for n, item in enumerate(approved_by_school[batch.school_id]):
            failed = n < 5
            lines.append(
                PaymentLine(
                    batch=batch,
                    application=item,
                    student_id=item.student_id,
                    period=str(term.pk),
                    amount=AMOUNT,
                    method="bank_card",
                    student_name="学生",
                    class_label="一年级(1)班",
                    id_number_masked="4399**********1234",
                    reference=f"R{n:06d}",
                    status="failed" if failed else "paid",
                    paid_on=None if failed else date(2026, 10 + n % 2, 15),
                    failure_reason="户名不符" if failed else "",
                )
            )
    PaymentLine.objects.bulk_create(lines, batch_size=2000)
    return staff, county, term


def timings(client: Client, paths: dict[str, str], requests: int) -> dict[str, list[float]]:
    """Milliseconds of each request, the paths taken in turn so that each sees the same machine."""
    for path in paths.values():
        for _ in range(3):
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
    measured: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(requests):
        for name, path in paths.items():
            started = time.perf_counter()
            response = client.get(path)
            measured[name].append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
    return measured


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def main(requests: int) -> None:
    # The static files are not collected for a bench: WhiteNoise's warning says nothing here.
    warnings.filterwarnings("ignore", message="No directory at")
    folder = tempfile.mkdtemp(prefix="aidsys-bench-")
    if connection.vendor == "sqlite":
        settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = os.path.join(folder, "bench.sqlite3")
    test_db = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        started = time.perf_counter()
        staff, county, term = build()
        if connection.vendor == "postgresql":
            # As autovacuum would have done in a county that has been running: the planner's statistics.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(
            f"database: {connection.vendor}; built {SCHOOLS} schools, {SCHOOLS * STUDENTS_PER_SCHOOL:,} students, "
            f"{Application.objects.count():,} applications, {PaymentLine.objects.count():,} payment lines "
            f"in {time.perf_counter() - started:.1f} s; DEBUG={settings.DEBUG}"
        )
        client = Client()
        client.force_login(staff)
        dashboard = reverse("reports:dashboard_county", args=[county.pk]) + f"?term={term.pk}"
        last_page = -(-SCHOOLS // PROGRESS_PER_PAGE)
        paths = {
            "empty page": "/bench/empty-page/",
            "county dashboard": dashboard,
            "last page": f"{dashboard}&page={last_page}",
        }
        queries = []
        # Counted by a wrapper rather than the queries log: the request's end closes the connection.
        with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
            first = client.get(dashboard)
        measured = timings(client, paths, requests)
        empty = statistics.median(measured["empty page"])
        print(
            f"{requests} requests each, in turn; {len(first.content) / 1024:.0f} KB and "
            f"{len(queries)} queries for the dashboard"
        )
        for name, values in measured.items():
            median = statistics.median(values)
            print(
                f"{name:<17} {paths[name]:<48} median {median:7.1f} ms  p95 {p95(values):7.1f} ms  "
                f"ratio to the empty page {median / empty:5.2f}"
            )
        median = statistics.median(measured["county dashboard"])
        verdict = "met" if median < TARGET_MS else "NOT met"
        print(f"target    the county dashboard of {SCHOOLS} schools under {TARGET_MS} ms: {verdict} ({median:.1f} ms)")
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
