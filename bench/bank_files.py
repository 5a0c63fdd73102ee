"""What the bank file (代发文件) and the return file (回盘文件) cost over openpyxl doing the bare work.

Makes an approved card batch of N lines (students, awards and frozen lines written directly into a
throwaway test database) and, in the same run:

- bank file baseline: openpyxl's write-only mode writing the same cells (the heading row and N rows
  of 业务参考号, 户名, 账号, 金额, 摘要, already in memory) to an .xlsx;
- bank file: `bank_file_export`, the path the page takes: the lines read from the database, the
  county's layout applied, every cell through the formula check, the workbook written, the layout
  remembered on the batch and the export event recorded (the CSV variant is printed beside it);
- return file baseline: openpyxl's read-only mode reading every row of the bank's N-row return file;
- return file: `return_file_import` of that file: read, every row matched to its line, the lines
  marked paid by conditional updates that also point each line at the import (`settled_by`), the
  file stored, one audit event for the import naming every line; rolled back after each run so that
  the next applies it again.

Each is run once to warm up, then timed as the best of `REPEAT` runs. Prints the times, the ratios
(targets: bank file at most 2×, return file at most 3×) and the peak memory: tracemalloc's peak in
a separate pass of each (tracemalloc slows Python down, so the timed passes run without it) and the
process's maximum resident set size.

    .venv/bin/python bench/bank_files.py [N]
"""

import io
import os
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidsys.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django

django.setup()

import openpyxl  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Permission  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from aidsys import cn  # noqa: E402
from aidsys.models import County, Membership, Role, School, SchoolClass, SchoolYear, Term, User  # noqa: E402
from applications.models import AidProgram, Application  # noqa: E402
from bench.measure import best_of, maxrss_mb, traced  # noqa: E402
from disbursements.models import BankFileLayout, PaymentBatch, PaymentLine  # noqa: E402
from disbursements.services.bank import bank_file_export, return_file_import  # noqa: E402
from students.models import Household, Student  # noqa: E402

REPEAT = 3
SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = "小明红伟芳娜敏静丽强磊军洋勇艳杰涛超"
COLUMNS = [
    {"field": "reference", "heading": "业务参考号"},
    {"field": "name", "heading": "户名"},
    {"field": "account", "heading": "账号"},
    {"field": "amount", "heading": "金额"},
    {"field": "remark", "heading": "摘要"},
]


def card(n: int) -> str:
    first = f"621700{n:012d}"
    return first + next(str(digit) for digit in range(10) if cn.luhn_valid(first + str(digit)))


def make_batch(n: int) -> tuple[PaymentBatch, BankFileLayout, User]:
    county = County.objects.create(code="439901", name="青山县")
    year = SchoolYear.objects.create(start_year=2026)
    term = Term.objects.create(school_year=year, kind="autumn", start=date(2026, 9, 1), end=date(2027, 1, 22))
    school = School.objects.create(county=county, code="4399010001", name="青山县实验小学", stages=["primary"])
    aid_office = User.objects.create(username="bench", full_name="李老师")
    principal = User.objects.create(username="principal", full_name="张校长")
    Membership.objects.create(user=aid_office, role=Role.AID_OFFICE, school=school, start=date(2026, 8, 1))
    # The bank file carries full card numbers: its downloader may see sensitive data.
    aid_office.user_permissions.add(Permission.objects.get(codename="reveal_sensitive"))
    Membership.objects.create(user=principal, role=Role.PRINCIPAL, school=school, start=date(2026, 8, 1))
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
        payment_methods=["bank_card"],
    )
    households = Household.objects.bulk_create(Household(township="青山镇") for _ in range(n))
    students = []
    for i, household in enumerate(households):
        first17 = f"4399{i // 1000:02d}20160101{i % 1000:03d}"
        student = Student(
            name=SURNAMES[i % 10] + GIVEN[i % 17] + GIVEN[i // 17 % 17],
            gender="male" if int(first17[16]) % 2 else "female",
            id_number=first17 + cn.id_number_check_digit(first17),
            birth_date=date(2016, 1, 1),
            hukou="rural",
            school=school,
            school_class=classes[i % len(classes)],
            household=household,
            account_kind="bank_card",
            account_number=card(i),
        )
        student.fill_derived()
        students.append(student)
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
            amount=Decimal("625.00"),
            statement="家庭经济困难",
            filed_by=aid_office,
            filed_at=now,
        )
        for student in students
    )
    batch = PaymentBatch.objects.create(
        school=school,
        program=program,
        term=term,
        number="FF2026-001",
        method="bank_card",
        status="approved",
        prepared_by=aid_office,
        prepared_at=now,
        approved_by=principal,
        approved_at=now,
    )
    PaymentLine.objects.bulk_create(
        (
            PaymentLine(
                batch=batch,
                application=application,
                student=application.student,
                period=str(term.pk),
                amount=application.amount,
                method="bank_card",
                student_name=application.student.name,
                class_label=application.school_class.name,
                id_number_masked=cn.mask_id_number(application.student.id_number),
                account_kind="bank_card",
                account_number=application.student.account_number,
                account_holder=application.student.name,
                account_bank="农业银行",
                reference=f"FF2026-001-{position:05d}",
            )
            for position, application in enumerate(applications, start=1)
        ),
        batch_size=1000,
    )
    layout = BankFileLayout.objects.create(county=county, bank="农业银行", columns=COLUMNS)
    return batch, layout, aid_office


def cells_in_memory(batch: PaymentBatch) -> list[list]:
    remark = f"{batch.program.name} {batch.term}"
    return [["业务参考号", "户名", "账号", "金额", "摘要"]] + [
        [line.reference, line.account_holder, line.account_number, line.amount, remark]
        for line in PaymentLine.objects.filter(batch=batch).order_by("class_label", "pk")
    ]


def baseline_write(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def bank_file(batch, layout, user, kind="xlsx") -> bytes:
    return bank_file_export(actor=user, batch=batch, layout=layout, kind=kind, reason="报送农业银行").content


def return_file_content(batch: PaymentBatch) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["业务参考号", "金额", "处理结果", "交易日期", "失败原因"])
    for reference, amount in PaymentLine.objects.filter(batch=batch).values_list("reference", "amount"):
        sheet.append([reference, amount, "成功", "2026-11-20", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def baseline_read(content: bytes) -> int:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    count = sum(1 for _row in workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    return count


def reconcile(batch, user, content: bytes) -> int:
    with transaction.atomic():
        record = return_file_import(actor=user, batch=batch, upload=SimpleUploadedFile("回盘.xlsx", content))
        transaction.set_rollback(True)
    return record.paid


def mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def main(n: int) -> None:
    setup_test_environment()
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-bank-")
    test_db = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        started = time.perf_counter()
        batch, layout, user = make_batch(n)
        print(f"database: {connection.vendor}, lines: {n}, made in {time.perf_counter() - started:.1f} s")
        rows = cells_in_memory(batch)
        baseline_write(rows)
        bank_file(batch, layout, user)
        plain, plain_file = best_of(baseline_write, rows, repeat=REPEAT)
        full, full_file = best_of(bank_file, batch, layout, user, repeat=REPEAT)
        as_csv, csv_file = best_of(bank_file, batch, layout, user, "csv", repeat=REPEAT)
        print(f"bank file baseline  openpyxl write-only, same cells: {plain:6.2f} s  ({len(plain_file) / 1024:.0f} KB)")
        print(f"bank file           bank_file_export xlsx:           {full:6.2f} s  ({len(full_file) / 1024:.0f} KB)")
        print(f"bank file           bank_file_export csv:            {as_csv:6.2f} s  ({len(csv_file) / 1024:.0f} KB)")
        print(f"ratio     bank file xlsx / baseline: {full / plain:.2f}x (target ≤ 2x); best of {REPEAT} each")
        content = return_file_content(batch)
        baseline_read(content)
        reconcile(batch, user, content)
        read, count = best_of(baseline_read, content, repeat=REPEAT)
        applied, paid = best_of(reconcile, batch, user, content, repeat=REPEAT)
        print(f"return file baseline openpyxl read-only, {count} rows:  {read:6.2f} s")
        print(f"return file          return_file_import, {paid} paid: {applied:6.2f} s")
        print(f"ratio     return file / baseline: {applied / read:.2f}x (target ≤ 3x); best of {REPEAT} each")
        peaks = {
            "bank file baseline": traced(baseline_write, rows),
            "bank file xlsx": traced(bank_file, batch, layout, user),
            "return file baseline": traced(baseline_read, content),
            "return file import": traced(reconcile, batch, user, content),
        }
        print("memory    tracemalloc peak: " + ", ".join(f"{name} {mb(peak)}" for name, peak in peaks.items()))
        print(f"memory    maxrss: {maxrss_mb():.0f} MB")
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
