"""How fast a large school's student list answers, against an empty page in the layout.

Builds, in a throwaway database, a school of 2,000 students on roll in 40 classes (households,
special groups on a third of them, identified tiers, home visits), signs in as the school's aid
office, and in the same run requests through Django's test Client, in turn, with the production
settings (DEBUG off):

- empty page: a signed-in page in the site's layout with nothing on it (bench/urls.py), what
  every page pays before its content;
- student list: the school's student list (students:school_students), first page;
- last page: the same list's last page (the database skips the rows before it);
- filtered: the same list searched by pinyin initials and filtered by special group.

Prints the median and 95th percentile of each in milliseconds and each one's ratio to the empty
page. Target: the student list's median under 300 ms.

    .venv/bin/python bench/student_list.py [REQUESTS]        # SQLite file
    DATABASE_URL=postgres://… .venv/bin/python bench/student_list.py [REQUESTS]
"""

import math
import os
import random
import statistics
import sys
import tempfile
import time
import warnings
from datetime import date

from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from pages_setup import ROOT  # noqa: F401 (before any model: sets Django up with the production settings)

from aidsys.models import County, Membership, Role, School, SchoolClass, SchoolYear, Term, User
from aidsys.pagination import PER_PAGE
from students.models import HomeVisit, Household, Identification, SpecialGroupFlag, Student
from tests.factories import make_id_number

STUDENTS = 2000
CLASSES = 40
TARGET_MS = 300
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["小明", "子涵", "欣怡", "浩然", "雨萱", "梓轩", "思琪", "宇航", "佳怡", "俊杰", "诗涵", "博文"]
GROUPS = ["minimum_living", "poverty_alleviated", "disabled_student", "single_parent"]
TIERS = ["especially_difficult", "difficult", "generally_difficult"]


def build() -> tuple[User, School]:
    """The school, its 2,000 students and their households; returns its aid office and the school."""
    county = County.objects.create(code="439901", name="青山县")
    year = SchoolYear.objects.create(start_year=2026)
    term = Term.objects.create(school_year=year, kind="autumn", start=date(2026, 9, 1), end=date(2027, 1, 22))
    school = School.objects.create(county=county, code="4399010001", name="青山县第一中学", stages=["junior"])
    school.current_term = term
    school.save()
    classes = SchoolClass.objects.bulk_create(
        SchoolClass(school=school, school_year=year, grade=31 + n // 14, number=1 + n % 14) for n in range(CLASSES)
    )
    aid_office = User.objects.create(username="aid", full_name="李老师")
    Membership.objects.create(user=aid_office, role=Role.AID_OFFICE, school=school, start=date(2026, 8, 1))
    rng = random.Random(11)
    households = Household.objects.bulk_create(
        Household(township="青山镇", village="枫树村", address_detail=f"{n}号") for n in range(STUDENTS)
    )
    students = []
    for n, household in enumerate(households):
        birth = date(2012, 1 + n % 12, 1 + n % 28)
        male = n % 2 == 0
        student = Student(
            name=rng.choice(SURNAMES) + rng.choice(GIVEN),
            gender="male" if male else "female",
            id_number=make_id_number(birth, male),
            birth_date=birth,
            hukou=rng.choice(["rural", "urban"]),
            boarder=n % 3 == 0,
            school=school,
            school_class=classes[n % CLASSES],
            household=household,
        )
        student.fill_derived()
        students.append(student)
    students = Student.objects.bulk_create(students, batch_size=500)
    flagged = [s for s in students if s.pk % 3 == 0]
    SpecialGroupFlag.objects.bulk_create(
        SpecialGroupFlag(household_id=s.household_id, group=rng.choice(GROUPS), source="self_declared") for s in flagged
    )
    Identification.objects.bulk_create(
        Identification(student=s, school_year=year, tier=rng.choice(TIERS), decided_on=date(2026, 10, 1))
        for s in flagged
    )
    HomeVisit.objects.bulk_create(
        HomeVisit(
            student=s,
            visitor=aid_office,
            school_year=year,
            visited_on=date(2026, 9, 20),
            method="in_person",
            people_met="母亲",
            housing="ordinary",
            suggested_tier="difficult",
        )
        for s in students[::2]
    )
    return aid_office, school


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
        aid_office, school = build()
        if connection.vendor == "postgresql":
            # As autovacuum would have done in a school that has been running: the planner's statistics.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"database: {connection.vendor}; built {STUDENTS:,} students in {CLASSES} classes "
              f"in {time.perf_counter() - started:.1f} s; DEBUG={settings.DEBUG}")  # fmt: skip
        client = Client()
        client.force_login(aid_office)
        listing = reverse("students:school_students", args=[school.pk])
        first = client.get(listing)
        paths = {
            "empty page": "/bench/empty-page/",
            "student list": listing,
            "last page": f"{listing}?page={math.ceil(STUDENTS / PER_PAGE)}",
            "filtered": f"{listing}?q=w&special_group=minimum_living",
        }
        measured = timings(client, paths, requests)
        empty = statistics.median(measured["empty page"])
        print(f"{requests} requests each, in turn; {len(first.content) / 1024:.0f} KB for the list's first page")
        for name, values in measured.items():
            median = statistics.median(values)
            print(
                f"{name:<13} {paths[name]:<52} median {median:7.1f} ms  p95 {p95(values):7.1f} ms  "
                f"ratio to the empty page {median / empty:5.2f}"
            )
        median = statistics.median(measured["student list"])
        verdict = "met" if median < TARGET_MS else "NOT met"
        print(f"target    the student list of {STUDENTS:,} students under {TARGET_MS} ms: {verdict} ({median:.1f} ms)")
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
