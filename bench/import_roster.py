"""What checking and auditing costs a roster import.

Generates a valid roster of N students (.xlsx, the 学籍 columns, classes that exist) and, in the
same run on the same throwaway test database:

- baseline: reads the file with openpyxl (read-only) and bulk-inserts households and students,
  no validation, no audit trail;
- import:   `roster_plan` + `roster_apply`, the path the page, the admin and the command take:
  every row checked, every household and student written through the services with its
  audit event, one transaction; once as the command (no user) and once as the aid office
  (a user, whose roles each audit event names).

Prints both times, the ratio (target: at most 3×) and the peak memory: tracemalloc's peak in a
second pass of each (on other students: tracemalloc slows Python down, so the timed pass runs
without it) and the process's maximum resident set size.

    .venv/bin/python bench/import_roster.py [N]          # SQLite in memory
    DATABASE_URL=postgres://… .venv/bin/python bench/import_roster.py [N]
"""

import io
import os
import resource
import sys
import time
import tracemalloc
from datetime import date, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidsys.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django

django.setup()

import openpyxl  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from aidsys import cn  # noqa: E402
from aidsys.models import County, Membership, Role, School, SchoolClass, SchoolYear, Term, User  # noqa: E402
from students.imports import roster_apply, roster_plan  # noqa: E402
from students.models import Household, Student  # noqa: E402
from students.resources import COLUMN_BY_KEY, GRADE_WORDS, parse_grade  # noqa: E402

HEADERS = ["姓名", "性别", "身份证号", "学籍号", "民族", "年级", "班级", "户籍性质", "是否寄宿"]
HEADERS += ["监护人姓名", "监护人关系", "监护人电话", "乡镇", "村"]
SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = "小明红伟芳娜敏静丽强磊军洋勇艳杰涛超"
CLASSES_PER_GRADE = 10


def id_number(region: str, birth: date, serial: int) -> str:
    first17 = f"{region}{birth:%Y%m%d}{serial:03d}"
    return first17 + cn.id_number_check_digit(first17)


def roster(n: int, region: str) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADERS)
    for i in range(n):
        grade = 21 + i % 6
        birth = date(2020 - (grade - 21), 1, 1) + timedelta(days=i // 6 % 360)
        number = id_number(region, birth, i // 2160 * 2 + i % 2)
        male = int(number[16]) % 2 == 1
        sheet.append(
            [
                SURNAMES[i % 10] + GIVEN[i % 17] + GIVEN[i // 17 % 17],
                "男" if male else "女",
                number,
                "G" + number,
                "汉族",
                GRADE_WORDS[grade],
                f"({1 + i // 6 % CLASSES_PER_GRADE})班",
                "农村" if i % 3 else "城镇",
                "是" if i % 4 == 0 else "否",
                "王大山",
                "父亲",
                f"138{i:08d}",
                "青山镇",
                "枫树村",
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_school(county, term, code) -> School:
    school = School.objects.create(county=county, code=code, name=f"基准小学{code[-2:]}", stages=["primary"])
    school.current_term = term
    school.save()
    SchoolClass.objects.bulk_create(
        SchoolClass(school=school, school_year=term.school_year, grade=grade, number=number)
        for grade in range(21, 27)
        for number in range(1, CLASSES_PER_GRADE + 1)
    )
    return School.objects.select_related("current_term__school_year").get(pk=school.pk)


def baseline(school: School, content: bytes) -> int:
    """openpyxl read-only, then bulk inserts: the least any import has to do."""
    classes = {(c.grade, c.number): c for c in SchoolClass.objects.filter(school=school)}
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    rows = workbook.worksheets[0].iter_rows(values_only=True)
    index = {header: position for position, header in enumerate(next(rows))}
    households, students = [], []
    for values in rows:
        cell = dict(zip(HEADERS, (values[index[h]] for h in HEADERS), strict=True))
        households.append(Household(township=cell["乡镇"], village=cell["村"]))
        number = cell["身份证号"]
        students.append(
            Student(
                name=cell["姓名"],
                gender="male" if cell["性别"] == "男" else "female",
                id_number=number,
                student_number=cell["学籍号"],
                birth_date=date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
                hukou="rural" if cell["户籍性质"] == "农村" else "urban",
                boarder=cell["是否寄宿"] == "是",
                school=school,
                school_class=classes[(parse_grade(cell["年级"], school.stages), int(cell["班级"][1:-2]))],
                guardian_name=cell["监护人姓名"],
                guardian_relation="father",
                guardian_phone=cell["监护人电话"],
            )
        )
    workbook.close()
    with transaction.atomic():
        Household.objects.bulk_create(households, batch_size=1000)
        for student, household in zip(students, households, strict=True):
            student.household = household
        Student.objects.bulk_create(students, batch_size=1000)
    return len(students)


def full_import(school: School, content: bytes, actor=None) -> int:
    plan = roster_plan(school=school, content=content, file_name="花名册.xlsx")
    if plan.errors:
        raise SystemExit(f"the generated roster has errors: {plan.errors[:5]}")
    result = roster_apply(plan=plan, actor=actor, actor_name=None if actor else "bench")
    return result.created


def timed(function, *args):
    started = time.perf_counter()
    value = function(*args)
    return time.perf_counter() - started, value


def traced(function, *args) -> int:
    tracemalloc.start()
    try:
        function(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def maxrss_mb() -> float:
    # Linux reports kilobytes, macOS bytes.
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def main(n: int) -> None:
    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        county = County.objects.create(code="439901", name="青山县")
        year = SchoolYear.objects.create(start_year=2026)
        term = Term.objects.create(school_year=year, kind="autumn", start=date(2026, 9, 1), end=date(2027, 1, 22))
        schools = [make_school(county, term, f"43990100{i:02d}") for i in range(5)]
        aid_office = User.objects.create(username="bench", full_name="李老师")
        for school in schools:
            Membership.objects.create(user=aid_office, role=Role.AID_OFFICE, school=school, start=date(2026, 8, 1))
        started = time.perf_counter()
        files = [roster(n, f"4399{i:02d}") for i in range(1, 6)]
        generated = time.perf_counter() - started
        print(f"database: {connection.vendor}, rows: {n}, file: {len(files[0]) / 1024 / 1024:.1f} MB")
        print(f"generated 5 rosters in {generated:.1f} s; columns: {', '.join(HEADERS)}")
        assert all(COLUMN_BY_KEY.get(key) for key in ("name", "id_number", "grade", "school_class"))

        rss_before = maxrss_mb()
        plain, inserted = timed(baseline, schools[0], files[0])
        rss_baseline = maxrss_mb()
        checked, created = timed(full_import, schools[1], files[1])
        rss_import = maxrss_mb()
        as_user, created_by_user = timed(full_import, schools[2], files[2], aid_office)
        assert inserted == created == created_by_user == n, (inserted, created, created_by_user)
        print(f"baseline  openpyxl read-only + bulk_create:        {plain:7.2f} s ({n / plain:8,.0f} rows/s)")
        print(f"import    as the command (no user):                {checked:7.2f} s ({n / checked:8,.0f} rows/s)")
        print(f"import    as the aid office (a user with roles):   {as_user:7.2f} s ({n / as_user:8,.0f} rows/s)")
        print(
            f"ratio     import / baseline: {checked / plain:.1f}x as the command, "
            f"{as_user / plain:.1f}x as the aid office (target ≤ 3x)"
        )

        peak_baseline = traced(baseline, schools[3], files[3])
        peak_import = traced(full_import, schools[4], files[4])
        print(
            f"memory    tracemalloc peak: baseline {peak_baseline / 1024 / 1024:.1f} MB, "
            f"import {peak_import / 1024 / 1024:.1f} MB"
        )
        print(
            f"memory    maxrss: {rss_before:.0f} MB before, {rss_baseline:.0f} MB after the baseline, "
            f"{rss_import:.0f} MB after the import"
        )
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
