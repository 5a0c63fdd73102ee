"""The principal's summary of a school's roster costs the same queries for 300 applications as for 3,000."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aidsys.models import SchoolClass
from applications.models import Application, Status
from reviews.models import RosterSignoff, SignoffStatus
from students.models import Household, Student
from tests.factories import make_id_number

BIRTH = date(2015, 3, 7)
TIERS = ["especially_difficult", "difficult", "generally_difficult"]


def roster(cast, program, n: int, classes: list[SchoolClass]) -> None:
    """n approved applications spread over the classes and tiers, written in bulk."""
    households = Household.objects.bulk_create(Household(village="枫树村") for _ in range(n))
    students = Student.objects.bulk_create(
        Student(
            name=f"学生{i}号", name_pinyin=f"xuesheng{i}", name_initials="xs", gender="male",
            id_number=make_id_number(BIRTH), birth_date=BIRTH, hukou="rural",
            school=cast.school, school_class=classes[i % len(classes)], household=household,
        )
        for i, household in enumerate(households)
    )  # fmt: skip
    now = timezone.now()
    Application.objects.bulk_create(
        Application(
            student=student, program=program, term=cast.term, school=cast.school,
            school_class=student.school_class, status=Status.APPROVED, requested_tier=TIERS[i % 3],
            approved_tier=TIERS[i % 3], amount=Decimal("625.00"), statement="家庭困难", pledge_signed=True,
            filed_by=cast.li, filed_at=now, decided_by=cast.li, decided_at=now,
        )
        for i, student in enumerate(students)
    )  # fmt: skip


def summary_queries(cast, client_for, program) -> tuple[int, bytes]:
    client = client_for(cast.zhang)
    url = reverse("reviews:signoff", args=[cast.school.pk, program.pk, cast.term.pk])
    client.get(url)  # the session and the user's scope are loaded once, as on any page
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content


def test_the_summary_of_3000_applications_costs_the_queries_of_300(cast, client_for, program):
    classes = [cast.class_1, cast.class_2] + [
        SchoolClass.objects.create(
            school=cast.school, school_year=cast.school_year, grade=22 + n // 10, number=1 + n % 10
        )
        for n in range(48)
    ]
    RosterSignoff.objects.create(
        school=cast.school, program=program, term=cast.term, status=SignoffStatus.PENDING, submitted_by=cast.li,
        submitted_at=timezone.now(),
    )  # fmt: skip
    roster(cast, program, 300, classes)
    small, small_page = summary_queries(cast, client_for, program)
    roster(cast, program, 2700, classes)
    large, large_page = summary_queries(cast, client_for, program)
    assert total_count(small_page) == 300 and total_count(large_page) == 3000
    assert large == small


def total_count(page: bytes) -> int:
    found = re.search(rb'data-testid="total-count">([\d,]+)<', page)
    return int(found.group(1).replace(b",", b""))


@pytest.fixture
def program(cast):
    from tests.factories import AidProgramFactory

    return AidProgramFactory(county=cast.county, code="YWJY", name="义务教育生活补助")
