"""A program of 青山县 with awards in two schools, one of them paid, and one award of another county."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from applications.models import FundingShare
from tests.factories import (
    AidProgramFactory,
    ApplicationFactory,
    PaymentBatchFactory,
    PaymentLineFactory,
    SchoolClassFactory,
    StudentFactory,
)


@dataclass
class Awards:
    program: object
    paid: object
    unpaid: object
    rejected: object
    sibling: object
    other_county: object


def approved(student, program, term, amount="625.00"):
    return ApplicationFactory(
        student=student,
        program=program,
        term=term,
        status="approved",
        approved_tier="difficult",
        amount=Decimal(amount),
    )


def awards(cast) -> Awards:
    program = AidProgramFactory(county=cast.county, name="义务教育生活补助")
    FundingShare.objects.create(program=program, school_year=cast.school_year, source="central", percent=Decimal(80))
    FundingShare.objects.create(program=program, school_year=cast.school_year, source="province", percent=Decimal(20))
    batch = PaymentBatchFactory(school=cast.school, program=program, term=cast.term, method="bank_card")
    paid = PaymentLineFactory(
        batch=batch, application=approved(StudentFactory(school_class=cast.class_1, name="王小明"), program, cast.term)
    )
    paid.status, paid.paid_on = "paid", date(2026, 11, 10)
    paid.save()
    unpaid = approved(StudentFactory(school_class=cast.class_2, name="李小红"), program, cast.term, "312.50")
    rejected = ApplicationFactory(
        student=StudentFactory(school_class=cast.class_1, name="赵未批"),
        program=program,
        term=cast.term,
        status="rejected",
    )
    sibling_class = SchoolClassFactory(school=cast.sibling_school, school_year=cast.school_year, grade=21, number=1)
    sibling = approved(StudentFactory(school_class=sibling_class, name="孙二校"), program, cast.term)
    other_program = AidProgramFactory(county=cast.other_county)
    other_county = approved(StudentFactory(school_class=cast.other_class, name="钱外县"), other_program, cast.term)
    return Awards(program, paid.application, unpaid, rejected, sibling, other_county)
