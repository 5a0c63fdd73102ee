"""How fast each kind of page answers, one request at a time, on a generated county (or a province).

Run it against a database that `manage.py seed_county` filled (the load test keeps one: `bench/load_county.py
--keep DIR` leaves its PostgreSQL cluster in DIR/pg). Signs in as the county's staff, an aid office and a class
teacher of the county under load (439902), requests each page in turn through Django's test Client with the
production settings (DEBUG off), and prints each page's median and p95 in milliseconds, its ratio to an empty
page in the layout measured in the same run, and its number of queries. Reads only (the sign-ins write their
sessions).

    DATABASE_URL=postgres://… .venv/bin/python bench/county_pages.py [REQUESTS] [--county 439902]

Run it from two checkouts against the same database to compare code, or against a county and a province
(bench/load_county.py --counties 10) to compare sizes.
"""

import argparse
import statistics
import time
import warnings

from django.db import connection
from django.test import Client
from pages_setup import ROOT  # noqa: F401 (before any model: sets Django up with the production settings)

from aidsys.models import County, Membership, Role, SchoolClass
from students.models import OfficialList, Student


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def pages(code: str) -> list[tuple[str, object, str]]:
    """(name, user, path) of each page measured, for the county with this code."""
    county = County.objects.get(code=code)
    memberships = Membership.objects.active().select_related("user", "school").order_by("pk")
    staff = memberships.filter(role=Role.COUNTY_STAFF, county=county).first().user
    office = memberships.filter(role=Role.AID_OFFICE, school__county=county).order_by("school__code").first()
    school_class = (
        SchoolClass.objects.filter(school=office.school, class_teacher__isnull=False)
        .order_by("-school_year__start_year", "grade", "number")
        .first()
    )
    student = Student.objects.filter(school_class=school_class).order_by("pk").first()
    county_list = OfficialList.objects.filter(county=county, school__isnull=True).order_by("pk").first()
    return [
        ("empty page", staff, "/bench/empty-page/"),
        ("county: home", staff, "/"),
        ("county: dashboard", staff, f"/reports/dashboard/county/{county.pk}/"),
        ("county: school list", staff, "/schools/"),
        ("county: notices", staff, "/county/notices/"),
        ("county: reports to the county", staff, "/county/reports/"),
        ("county: official lists", staff, "/official-lists/"),
        ("county: 应助尽助 (a county list)", staff, f"/official-lists/{county_list.pk}/"),
        ("county: reports index", staff, "/reports/"),
        ("aid office: home", office.user, "/"),
        ("aid office: school students", office.user, f"/schools/{office.school_id}/students/"),
        ("aid office: reviews", office.user, f"/reviews/schools/{office.school_id}/"),
        ("aid office: school dashboard", office.user, f"/reports/dashboard/school/{office.school_id}/"),
        ("teacher: class roster", school_class.class_teacher, f"/classes/{school_class.pk}/roster/"),
        ("teacher: student page", school_class.class_teacher, f"/students/{student.pk}/"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("requests", nargs="?", type=int, default=20)
    parser.add_argument("--county", default="439902")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="No directory at")
    measured = pages(args.county)
    clients = {}
    for _name, user, _path in measured:
        if user.pk not in clients:
            clients[user.pk] = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
            clients[user.pk].force_login(user)
    queries: dict[str, int] = {}
    for name, user, path in measured:  # warm up, and count each page's queries
        counted = []
        with connection.execute_wrapper(lambda execute, sql, *rest, c=counted: c.append(sql) or execute(sql, *rest)):
            response = clients[user.pk].get(path)
        if response.status_code != 200:
            raise SystemExit(f"{name}: {path} answered {response.status_code}")
        queries[name] = len(counted)
    times: dict[str, list[float]] = {name: [] for name, _user, _path in measured}
    for _ in range(args.requests):
        for name, user, path in measured:
            started = time.perf_counter()
            clients[user.pk].get(path)
            times[name].append((time.perf_counter() - started) * 1000)
    counties = County.objects.count()
    students = Student.objects.count()
    print(f"database: {connection.vendor}; {counties} counties, {students:,} students; county {args.county}")
    print(f"{args.requests} requests each, in turn, one at a time\n")
    empty = statistics.median(times["empty page"])
    print(f"{'page':<36} {'median ms':>9} {'p95 ms':>7} {'× empty':>7} {'queries':>7}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<36} {median:>9.1f} {p95(values):>7.1f} {median / empty:>7.1f} {queries[name]:>7}")


if __name__ == "__main__":
    main()
