"""Applications at each stage of the review, for the cast's school, program and term."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from students.models import HomeVisit
from tests.factories import (
    AidProgramFactory,
    ApplicationFactory,
    ProgramStandardFactory,
    QuotaFactory,
    StudentFactory,
)


@pytest.fixture
def program(cast):
    """义务教育生活补助, paid per term: 1250 a year for any tier is 625.00 an award."""
    program = AidProgramFactory(county=cast.county, code="YWJY", name="义务教育生活补助")
    ProgramStandardFactory(program=program, school_year=cast.school_year, amount_per_year=Decimal("1250.00"))
    return program


@pytest.fixture
def quota(cast, program):
    return QuotaFactory(program=program, term=cast.term, school=cast.school, awards=10)


def visit(cast, student, **fields):
    values = {
        "visitor": cast.wang,
        "school_year": cast.school_year,
        "visited_on": date(2026, 9, 20),
        "method": "in_person",
        "people_met": "母亲",
        "housing": "ordinary",
        "suggested_tier": "difficult",
    }
    return HomeVisit.objects.create(student=student, **(values | fields))


def submitted(cast, program, *, school_class=None, student=None, **fields):
    student = student or StudentFactory(school_class=school_class or cast.class_1)
    values = {"status": "submitted", "submitted_at": timezone.now(), "filed_by": cast.wang, "term": cast.term}
    return ApplicationFactory(student=student, program=program, **(values | fields))


def recommended(cast, program, *, tier="difficult", **fields):
    values = {
        "status": "recommended",
        "recommended_tier": tier,
        "first_reviewed_by": cast.wang,
        "first_reviewed_at": timezone.now(),
    }
    return submitted(cast, program, **(values | fields))


def approved(cast, program, *, tier="difficult", amount="625.00", **fields):
    values = {
        "status": "approved",
        "approved_tier": tier,
        "amount": Decimal(amount),
        "decided_by": cast.li,
        "decided_at": timezone.now(),
    }
    return recommended(cast, program, tier=tier, **(values | fields))
