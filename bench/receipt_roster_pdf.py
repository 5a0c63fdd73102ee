"""What the receipt roster (领款清册) costs over a bare table, both printed by WeasyPrint.

Makes an approved cash batch of N lines in classes of 50 (students, approved applications and the
batch's lines written directly into a throwaway test database) and, in the same run:

- baseline: the same N rows (序号, 姓名, 年级班级, 金额, 金额大写, and the three empty cells to sign
  and date) as a bare HTML table, A4, the same CJK font and a thin rule round each cell, to PDF;
- roster:   `roster_print` of the whole batch, the path the page takes: the lines read from the
  database, paginated at a fixed number of lines per page, each page with its header, its table
  and its subtotal, each class's total in figures and capitals and its signature lines, the
  batch's summary, the page counter, rendered to PDF, and the audit event.

Each is rendered once to warm up (fonts are loaded on the first use), then timed as the best of
`REPEAT` runs. Prints both times, the ratio (target: at most 1.3×), the pages, and the peak
memory: tracemalloc's peak in a separate pass of each (tracemalloc slows Python down, so the
timed passes run without it) and the process's maximum resident set size.

    .venv/bin/python bench/receipt_roster_pdf.py [N]
"""

import io
import os
import sys
import time
from datetime import date
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidsys.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.html import escape  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from aidsys import cn  # noqa: E402
from aidsys.models import County, Membership, Role, School, SchoolClass, SchoolYear, Term, User  # noqa: E402
from applications.models import AidProgram, Application  # noqa: E402
from bench.measure import best_of, maxrss_mb, traced  # noqa: E402
from disbursements.models import PaymentBatch, PaymentLine  # noqa: E402
from disbursements.services.cash import roster_print  # noqa: E402
from students.models import Household, Student  # noqa: E402

REPEAT = 3
CLASS_SIZE = 50
SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = "小明红伟芳娜敏静丽强磊军洋勇艳杰涛超"
AMOUNTS = (Decimal("625.00"), Decimal("750.00"), Decimal("1250.00"))


def make_batch(n: int) -> tuple[PaymentBatch, User]:
    county = County.objects.create(code="439901", name="青山县")
    year = SchoolYear.objects.create(start_year=2026)
    term = Term.objects.create(school_year=year, kind="autumn", start=date(2026, 9, 1), end=date(2027, 1, 22))
    school = School.objects.create(county=county, code="4399010001", name="青山县实验小学", stages=["primary"])
    aid_office = User.objects.create(username="bench", full_name="李老师")
    principal = User.objects.create(username="bench-principal", full_name="张校长")
    Membership.objects.create(user=aid_office, role=Role.AID_OFFICE, school=school, start=date(2026, 8, 1))
    Membership.objects.create(user=principal, role=Role.PRINCIPAL, school=school, start=date(2026, 8, 1))
    classes = SchoolClass.objects.bulk_create(
        SchoolClass(school=school, school_year=year, grade=21 + index // 10, number=index % 10 + 1)
        for index in range((n + CLASS_SIZE - 1) // CLASS_SIZE)
    )
    program = AidProgram.objects.create(
        county=county,
        code="YWJY",
        name="义务教育家庭经济困难学生生活补助",
        stages=["primary"],
        payment_methods=["cash"],
    )
    households = Household.objects.bulk_create(Household(township="青山镇") for _ in range(n))
    students = []
    for i, household in enumerate(households):
        first17 = f"4399{i // 1000:02d}20160101{i % 1000:03d}"
        students.append(
            Student(
                name=SURNAMES[i % 10] + GIVEN[i % 17] + GIVEN[i // 17 % 17],
                gender="male" if int(first17[16]) % 2 else "female",
                id_number=first17 + cn.id_number_check_digit(first17),
                birth_date=date(2016, 1, 1),
                hukou="rural",
                school=school,
                school_class=classes[i // CLASS_SIZE],
                household=household,
            )
        )
    for student in students:
        student.fill_derived()
    students = Student.objects.bulk_create(students)
    now = timezone.now()
    applications = Application.objects.bulk_create(
        Application(
            student=student,
            program=program,
            term=term,
            school=school,
            school_class=student.school_class,
            status="approved",
            requested_tier="difficult",
            approved_tier="difficult",
            amount=AMOUNTS[i % 3],
            statement="家庭经济困难",
            filed_by=aid_office,
            filed_at=now,
        )
        for i, student in enumerate(students)
    )
    batch = PaymentBatch.objects.create(
        school=school,
        program=program,
        term=term,
        number="FF2026-001",
        method="cash",
        status="approved",
        prepared_by=aid_office,
        prepared_at=now,
        approved_by=principal,
        approved_at=now,
    )
    PaymentLine.objects.bulk_create(
        PaymentLine(
            batch=batch,
            application=application,
            student=application.student,
            period=str(term.pk),
            amount=application.amount,
            method="cash",
            student_name=application.student.name,
            class_label=str(application.school_class),
            id_number_masked=cn.mask_id_number(application.student.id_number),
            reference=f"R{position:08d}",
        )
        for position, application in enumerate(applications, start=1)
    )
    return batch, aid_office


def plain_table_html(batch: PaymentBatch) -> str:
    rows = PaymentLine.objects.filter(batch=batch).order_by("class_label", "pk")
    body = "".join(
        f"<tr><td>{position}</td><td>{escape(line.student_name)}</td><td>{escape(line.class_label)}</td>"
        f"<td>{line.amount}</td><td>{cn.amount_in_words(line.amount)}</td><td></td><td></td><td></td></tr>"
        for position, line in enumerate(rows, start=1)
    )
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>'
        '@page { size: A4; } html { font-family: "Noto Sans CJK SC"; font-size: 10pt; }'
        "table { border-collapse: collapse; } td { border: 0.5pt solid #000; }"
        f"</style></head><body><table>{body}</table></body></html>"
    )


def baseline(batch: PaymentBatch, _user) -> bytes:
    from weasyprint import HTML

    return HTML(string=plain_table_html(batch)).write_pdf()


def roster(batch: PaymentBatch, user) -> bytes:
    return roster_print(actor=user, batch=batch)


def pages(content: bytes) -> int:
    return len(PdfReader(io.BytesIO(content)).pages)


def main(n: int) -> None:
    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        started = time.perf_counter()
        batch, user = make_batch(n)
        print(f"database: {connection.vendor}, lines: {n}, made in {time.perf_counter() - started:.1f} s")
        rss_before = maxrss_mb()
        baseline(batch, user)
        roster(batch, user)
        plain, plain_pdf = best_of(baseline, batch, user, repeat=REPEAT)
        rss_baseline = maxrss_mb()
        full, roster_pdf = best_of(roster, batch, user, repeat=REPEAT)
        rss_roster = maxrss_mb()
        print(
            f"baseline  bare table, WeasyPrint:               {plain:6.2f} s  "
            f"({pages(plain_pdf)} pages, {len(plain_pdf) / 1024:.0f} KB)"
        )
        print(
            f"roster    roster_print (pages, totals, audit):  {full:6.2f} s  "
            f"({pages(roster_pdf)} pages, {len(roster_pdf) / 1024:.0f} KB)"
        )
        print(f"ratio     roster / baseline: {full / plain:.2f}x (target ≤ 1.3x); best of {REPEAT} each")
        peak_baseline = traced(baseline, batch, user)
        peak_roster = traced(roster, batch, user)
        print(
            f"memory    tracemalloc peak: baseline {peak_baseline / 1024 / 1024:.1f} MB, "
            f"roster {peak_roster / 1024 / 1024:.1f} MB"
        )
        print(
            f"memory    maxrss: {rss_before:.0f} MB before, {rss_baseline:.0f} MB after the baseline, "
            f"{rss_roster:.0f} MB after the roster"
        )
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2_000)
