"""What the reports' workbook writer costs over openpyxl's write-only mode writing the same cells alone.

In the same run:

- a county-wide 受助学生名单 of N lines (100,000 by default): the rows as the report gives them
  (dicts of the 名单's columns, made in memory from a generator, as `.values().iterator()` would
  stream them), written by `reports.workbook.write_workbook` (masks, formula check, formats, widths,
  totals, print set-up) against openpyxl's write-only mode appending the same cells, already masked;
- the registry (学生信息) of a school of 2,400 students on roll, built in a throwaway database
  (SQLite by default; DATABASE_URL=postgres://… for PostgreSQL): the registered report
  "student_registry" as the export job runs it (its queries, streamed in chunks; the rows; the
  writer, masked) against openpyxl's write-only mode appending the same cells, already read and
  masked in memory. The issue's figure for the export it replaces, built in the request: 2.7–3.0 s
  on PostgreSQL, about nine times openpyxl's write-only mode.

Each is run once to warm up, then timed as the best of `REPEAT` runs. Prints the times, the ratio
(target: at most 1.5× for the 名单) and the peak memory: tracemalloc's peak in a separate pass of
each and the process's maximum resident set size (target: under 200 MB).

    .venv/bin/python bench/report_export.py [N]
    DATABASE_URL=postgres://… .venv/bin/python bench/report_export.py [N]
"""

import os
import random
import sys
import tempfile
from datetime import date
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidsys.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import translation  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from aidsys.cn import mask_id_number  # noqa: E402
from aidsys.models import County, Membership, Role, School, SchoolClass, SchoolYear, Term, User  # noqa: E402
from bench.measure import best_of, maxrss_mb, traced  # noqa: E402
from reports.definitions import INTEGER, MONEY, REPORTS, Column, ReportData, ReportRequest  # noqa: E402
from reports.workbook import write_workbook  # noqa: E402
from students.models import Household, HouseholdMember, Identification, SpecialGroupFlag, Student  # noqa: E402
from tests.factories import make_id_number  # noqa: E402

REPEAT = 3
LIST_COLUMNS = [
    Column("number", "序号", INTEGER),
    Column("school", "学校"),
    Column("class", "班级"),
    Column("name", "姓名"),
    Column("gender", "性别"),
    Column("ethnicity", "民族"),
    Column("id_number", "身份证号", mask=mask_id_number),
    Column("special_groups", "特殊群体"),
    Column("tier", "档次"),
    Column("amount", "金额（元）", MONEY, total=True),
    Column("source_central", "其中：中央", MONEY, total=True),
    Column("source_province", "其中：省级", MONEY, total=True),
    Column("method", "发放方式"),
    Column("paid", "是否发放"),
]
REGISTRY_STUDENTS = 2_400
REGISTRY_CLASSES = 48
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["小明", "子涵", "欣怡", "浩然", "雨萱", "梓轩", "思琪", "宇航", "佳怡", "俊杰", "诗涵", "博文"]
GROUPS = ["minimum_living", "poverty_alleviated", "disabled_student", "single_parent"]
TIERS = ["especially_difficult", "difficult", "generally_difficult"]


def list_rows(count: int):
    amount, central, province = Decimal("625.00"), Decimal("500.00"), Decimal("125.00")
    for number in range(1, count + 1):
        yield {
            "number": number,
            "school": f"青山县第{number % 100 + 1}小学",
            "class": f"{number % 6 + 1}年级({number % 5 + 1})班",
            "name": f"学生{number}",
            "gender": "男" if number % 2 else "女",
            "ethnicity": "汉族",
            "id_number": f"43990120191008{number % 10000:04d}",
            "special_groups": "低保、单亲" if number % 7 == 0 else "",
            "tier": "困难",
            "amount": amount,
            "source_central": central,
            "source_province": province,
            "method": "银行卡",
            "paid": "已发放" if number % 3 else "未发放",
        }


def ours(columns, rows, count):
    data = ReportData(
        title="受助学生名单", unit="青山县", period="2026–2027学年秋季学期", columns=columns, rows=rows(count)
    )
    with tempfile.TemporaryFile() as stream:
        return write_workbook(data, stream, full=False, exported_on=date(2026, 11, 23))


def openpyxl_alone(columns, rows, count):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet1")
    keys = [column.key for column in columns]
    masks = [column.mask for column in columns]
    sheet.append([column.heading for column in columns])
    for row in rows(count):
        values = [row.get(key) for key in keys]
        sheet.append([mask(value) if mask and value else value for mask, value in zip(masks, values, strict=True)])
    with tempfile.TemporaryFile() as stream:
        workbook.save(stream)
    return count


def build_school(count: int) -> tuple[User, School]:
    """A junior school of `count` students on roll (households of three with incomes, guardians'
    phones, addresses; special groups and identified tiers on a third) and its aid office."""
    county = County.objects.create(code="439901", name="青山县")
    year = SchoolYear.objects.create(start_year=2026)
    term = Term.objects.create(school_year=year, kind="autumn", start=date(2026, 9, 1), end=date(2027, 1, 22))
    school = School.objects.create(
        county=county, code="4399010001", name="青山县第一中学", stages=["junior"], current_term=term
    )
    classes = SchoolClass.objects.bulk_create(
        SchoolClass(school=school, school_year=year, grade=31 + n // 16, number=1 + n % 16)
        for n in range(REGISTRY_CLASSES)
    )
    aid_office = User.objects.create(username="aid", full_name="李老师")
    Membership.objects.create(user=aid_office, role=Role.AID_OFFICE, school=school, start=date(2026, 8, 1))
    rng = random.Random(13)
    households = Household.objects.bulk_create(
        Household(township="青山镇", village="枫树村", address_detail=f"{n}号") for n in range(count)
    )
    HouseholdMember.objects.bulk_create(
        HouseholdMember(household=household, name=f"家长{n}", relation=relation, annual_income=income)
        for n, household in enumerate(households)
        for relation, income in (("father", 9000 + n % 700), ("mother", 6000), ("self", 0))
    )
    students = []
    for n, household in enumerate(households):
        birth = date(2012, 1 + n % 12, 1 + n % 28)
        student = Student(
            name=rng.choice(SURNAMES) + rng.choice(GIVEN),
            gender="male" if n % 2 == 0 else "female",
            id_number=make_id_number(birth, n % 2 == 0),
            birth_date=birth,
            hukou=rng.choice(["rural", "urban"]),
            boarder=n % 3 == 0,
            guardian_name=f"家长{n}",
            guardian_relation="father",
            guardian_phone=f"138{n:08d}",
            school=school,
            school_class=classes[n % REGISTRY_CLASSES],
            household=household,
        )
        student.fill_derived()
        students.append(student)
    students = Student.objects.bulk_create(students, batch_size=500)
    flagged = [student for student in students if student.pk % 3 == 0]
    SpecialGroupFlag.objects.bulk_create(
        SpecialGroupFlag(household_id=s.household_id, group=rng.choice(GROUPS), source="self_declared") for s in flagged
    )
    Identification.objects.bulk_create(
        Identification(student=s, school_year=year, tier=rng.choice(TIERS), decided_on=date(2026, 10, 1))
        for s in flagged
    )
    return aid_office, school


def registry_report(request: ReportRequest) -> int:
    """What the export job does: build the registered report and write it, masked, to a file."""
    data = REPORTS["student_registry"].build(request)
    with tempfile.TemporaryFile() as stream:
        return write_workbook(data, stream, full=False, exported_on=date(2026, 11, 23))


def registry_cells(request: ReportRequest) -> tuple[list[str], list[list]]:
    """The registry's headings and cells as the report writes them, masked, read once into memory."""
    data = REPORTS["student_registry"].build(request)
    columns = list(data.columns)
    cells = []
    for row in data.rows:
        values = [row.get(column.key) for column in columns]
        cells.append(
            [
                column.mask(value) if column.mask and value not in (None, "") else value
                for column, value in zip(columns, values, strict=True)
            ]
        )
    return [column.heading for column in columns], cells


def registry_openpyxl_alone(headings: list[str], cells: list[list]) -> int:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet1")
    sheet.append(headings)
    for values in cells:
        sheet.append(values)
    with tempfile.TemporaryFile() as stream:
        workbook.save(stream)
    return len(cells)


def compare_registry(count: int) -> None:
    """The registry through the registered report against openpyxl alone, in a throwaway database."""
    folder = tempfile.mkdtemp(prefix="aidsys-bench-")
    if connection.vendor == "sqlite":
        settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = os.path.join(folder, "bench.sqlite3")
    test_db = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        aid_office, school = build_school(count)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        request = ReportRequest(user=aid_office, school_id=school.pk)
        headings, cells = registry_cells(request)
        assert len(cells) == count
        baseline, _ = best_of(registry_openpyxl_alone, headings, cells, repeat=REPEAT)
        registry_report(request)  # warm up: the first build fills Django's caches
        measured, written = best_of(registry_report, request, repeat=REPEAT)
        assert written == count
        peak_baseline = traced(registry_openpyxl_alone, headings, cells) / 2**20
        peak_ours = traced(registry_report, request) / 2**20
        shape = f"{count:,} students × {len(headings)} columns"
        print(f"学生信息 (the registry), one school on {connection.vendor}: {shape}")
        print(f"  openpyxl write-only alone   {baseline:7.2f} s   tracemalloc peak {peak_baseline:6.1f} MB")
        print(f"  the registered report       {measured:7.2f} s   tracemalloc peak {peak_ours:6.1f} MB"
              "   (queries, rows, masks, writer)")  # fmt: skip
        print(f"  ratio                       {measured / baseline:7.2f}×  (the export it replaces: about 9×)")
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


def compare(label, columns, rows, count):
    baseline, _ = best_of(openpyxl_alone, columns, rows, count, repeat=REPEAT)
    measured, written = best_of(ours, columns, rows, count, repeat=REPEAT)
    assert written == count
    peak_baseline = traced(openpyxl_alone, columns, rows, count) / 2**20
    peak_ours = traced(ours, columns, rows, count) / 2**20
    print(f"{label}: {count:,} rows × {len(columns)} columns")
    print(f"  openpyxl write-only alone   {baseline:7.2f} s   tracemalloc peak {peak_baseline:6.1f} MB")
    print(f"  reports.workbook            {measured:7.2f} s   tracemalloc peak {peak_ours:6.1f} MB")
    print(f"  ratio                       {measured / baseline:7.2f}×  (target ≤ 1.5×)")


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with translation.override("zh-hans"):
        ours(LIST_COLUMNS, list_rows, 100)  # warm up: imports, translations
        compare("受助学生名单, county-wide", LIST_COLUMNS, list_rows, count)
        print(f"process peak resident memory after the 名单 {maxrss_mb():.0f} MB (target < 200 MB)")
        compare_registry(REGISTRY_STUDENTS)
    print(f"process peak resident memory after the registry (its database and cells in memory) {maxrss_mb():.0f} MB")


if __name__ == "__main__":
    main()
