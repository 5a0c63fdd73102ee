"""What the notice sheet costs over a bare table, both printed by WeasyPrint.

Makes a notice of N lines (students, approved applications and the notice's frozen lines written
directly into a throwaway test database) and, in the same run:

- baseline: the same N rows (序号, 姓名, 年级班级, 档次, 项目, 金额) as a bare HTML table, A4, the
  same CJK font and a thin rule round each cell, the least a printed list needs, to PDF;
- sheet:    `notice_print`, the path the page takes: the lines read from the database, the
  template with its header row repeated on every page, the page counter, the QR code,
  the signature and seal, rendered to PDF, and the audit event.

Each is rendered once to warm up (fonts are loaded on the first use), then timed as the best of
`REPEAT` runs. Prints both times, the ratio (target: at most 1.3×), the pages, and the peak
memory: tracemalloc's peak in a separate pass of each (tracemalloc slows Python down, so the
timed passes run without it) and the process's maximum resident set size.

    .venv/bin/python bench/notice_pdf.py [N]
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
from publicity.models import NoticeEntry, PublicNotice  # noqa: E402
from publicity.services.notices import notice_print  # noqa: E402
from reviews.models import RosterSignoff  # noqa: E402
from students.models import Household, Student  # noqa: E402

REPEAT = 3
SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = "小明红伟芳娜敏静丽强磊军洋勇艳杰涛超"
TIERS = [("especially_difficult", "特别困难"), ("difficult", "困难"), ("generally_difficult", "一般困难")]
PUBLIC_URL = "https://aid.example.cn/n/0123456789abcdefghijklmnopqrstuvwxyzABCD/"


def make_notice(n: int) -> tuple[PublicNotice, User]:
    county = County.objects.create(code="439901", name="青山县")
    year = SchoolYear.objects.create(start_year=2026)
    term = Term.objects.create(school_year=year, kind="autumn", start=date(2026, 9, 1), end=date(2027, 1, 22))
    school = School.objects.create(county=county, code="4399010001", name="青山县实验小学", stages=["primary"])
    aid_office = User.objects.create(username="bench", full_name="李老师")
    Membership.objects.create(user=aid_office, role=Role.AID_OFFICE, school=school, start=date(2026, 8, 1))
    classes = SchoolClass.objects.bulk_create(
        SchoolClass(school=school, school_year=year, grade=grade, number=number)
        for grade in range(21, 27)
        for number in range(1, 11)
    )
    program = AidProgram.objects.create(
        county=county,
        code="YWJY",
        name="义务教育家庭经济困难学生生活补助",
        stages=["primary"],
        payment_methods=["aid_card"],
        notice_shows_amount=True,
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
                school_class=classes[i % len(classes)],
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
            requested_tier=TIERS[i % 3][0],
            approved_tier=TIERS[i % 3][0],
            amount=Decimal("625.00"),
            statement="家庭经济困难",
            filed_by=aid_office,
            filed_at=now,
        )
        for i, student in enumerate(students)
    )
    signoff = RosterSignoff.objects.create(
        school=school, program=program, term=term, status="signed", version=1, submitted_by=aid_office, submitted_at=now
    )
    notice = PublicNotice.objects.create(
        school=school,
        program=program,
        term=term,
        signoff=signoff,
        signoff_version=1,
        status="published",
        start_date=date(2026, 9, 28),
        working_days=5,
        end_date=date(2026, 10, 9),
        places=["school_board", "class"],
        contact_office="学校资助管理办公室",
        contact_phone="0731-12345678",
        show_amounts=True,
        created_by=aid_office,
        created_at=now,
    )
    NoticeEntry.objects.bulk_create(
        NoticeEntry(
            notice=notice,
            position=position,
            application=application,
            name=application.student.name,
            class_name=application.school_class.name,
            tier=application.approved_tier,
            tier_label=dict(TIERS)[application.approved_tier],
            program_name=program.name,
            amount=application.amount,
        )
        for position, application in enumerate(applications, start=1)
    )
    return notice, aid_office


def plain_table_html(notice: PublicNotice) -> str:
    rows = NoticeEntry.objects.filter(notice=notice).order_by("position")
    body = "".join(
        f"<tr><td>{e.position}</td><td>{escape(e.name)}</td><td>{escape(e.class_name)}</td>"
        f"<td>{escape(e.tier_label)}</td><td>{escape(e.program_name)}</td><td>{e.amount}</td></tr>"
        for e in rows
    )
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>'
        '@page { size: A4; } html { font-family: "Noto Sans CJK SC"; font-size: 10pt; }'
        "table { border-collapse: collapse; } td { border: 0.5pt solid #000; }"
        f"</style></head><body><table>{body}</table></body></html>"
    )


def baseline(notice: PublicNotice, _user) -> bytes:
    from weasyprint import HTML

    return HTML(string=plain_table_html(notice)).write_pdf()


def sheet(notice: PublicNotice, user) -> bytes:
    return notice_print(actor=user, notice=notice, public_url=PUBLIC_URL)


def pages(content: bytes) -> int:
    return len(PdfReader(io.BytesIO(content)).pages)


def main(n: int) -> None:
    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        started = time.perf_counter()
        notice, user = make_notice(n)
        print(f"database: {connection.vendor}, lines: {n}, made in {time.perf_counter() - started:.1f} s")
        rss_before = maxrss_mb()
        baseline(notice, user)
        sheet(notice, user)
        plain, plain_pdf = best_of(baseline, notice, user, repeat=REPEAT)
        rss_baseline = maxrss_mb()
        full, sheet_pdf = best_of(sheet, notice, user, repeat=REPEAT)
        rss_sheet = maxrss_mb()
        print(
            f"baseline  bare table, WeasyPrint:            {plain:6.2f} s  "
            f"({pages(plain_pdf)} pages, {len(plain_pdf) / 1024:.0f} KB)"
        )
        print(
            f"sheet     notice_print (template, QR, audit): {full:6.2f} s  "
            f"({pages(sheet_pdf)} pages, {len(sheet_pdf) / 1024:.0f} KB)"
        )
        print(f"ratio     sheet / baseline: {full / plain:.2f}x (target ≤ 1.3x); best of {REPEAT} each")
        peak_baseline = traced(baseline, notice, user)
        peak_sheet = traced(sheet, notice, user)
        print(
            f"memory    tracemalloc peak: baseline {peak_baseline / 1024 / 1024:.1f} MB, "
            f"sheet {peak_sheet / 1024 / 1024:.1f} MB"
        )
        print(
            f"memory    maxrss: {rss_before:.0f} MB before, {rss_baseline:.0f} MB after the baseline, "
            f"{rss_sheet:.0f} MB after the sheet"
        )
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000)
