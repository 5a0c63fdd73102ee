"""A small county's year for the reports: 实验小学's roster of four paid in part, a sibling school's award
paid, another county's payment that no report of 青山县 may show.

实验小学 (cast.school), program 义务教育生活补助, autumn 2026, funds 10,000 (central), split 80 % central /
20 % province; a cash batch of four lines:
  赵小雨 (class 2) 625 paid 2026-11-22 · 王小明 625 paid 2026-11-20 · 艾米 625 pending · 曾小红 500 cancelled
第二小学 (cast.sibling_school): one award of 625 paid 2026-11-21, funds 1,000 (central).
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from applications.models import Application, FundingShare
from disbursements.models import LineStatus, PaymentLine
from tests.disbursements.batch_data import approved_batch
from tests.factories import (
    AidProgramFactory,
    FundAllocationFactory,
    PaymentBatchFactory,
    PaymentLineFactory,
)


def at(day: date):
    return timezone.make_aware(datetime(day.year, day.month, day.day, 10))


@dataclass
class Year:
    program: object
    batch: object
    lines: dict  # by student name
    sibling_line: object
    other_county_line: object


def paid(line, day):
    PaymentLine.objects.filter(pk=line.pk).update(status=LineStatus.PAID, paid_on=day)


def build_year(cast) -> Year:
    batch = approved_batch(cast)
    program = batch.program
    Application.objects.filter(program=program).update(
        submitted_at=at(date(2026, 9, 5)), decided_at=at(date(2026, 9, 20))
    )
    FundingShare.objects.create(program=program, school_year=cast.school_year, source="central", percent=80)
    FundingShare.objects.create(program=program, school_year=cast.school_year, source="province", percent=20)
    lines = {line.student_name: line for line in batch.lines.all()}
    paid(lines["赵小雨"], date(2026, 11, 22))
    paid(lines["王小明"], date(2026, 11, 20))
    PaymentLine.objects.filter(pk=lines["曾小红"].pk).update(
        status=LineStatus.CANCELLED, cancel_reason="家长要求改为银行卡"
    )

    sibling_batch = PaymentBatchFactory(
        school=cast.sibling_school,
        program=program,
        term=cast.term,
        method="bank_card",
        status="approved",
        prepared_by=cast.li,
        approved_by=cast.zhang,
        approved_at=timezone.now(),
    )
    sibling_line = PaymentLineFactory(
        batch=sibling_batch,
        account_number="6228480012345678901",
        status=LineStatus.PAID,
        paid_on=date(2026, 11, 21),
        application__decided_at=at(date(2026, 9, 20)),
        application__submitted_at=at(date(2026, 9, 5)),
    )
    FundAllocationFactory(
        school=cast.sibling_school, program=program, term=cast.term, amount=Decimal("1000.00"), recorded_by=cast.zhao
    )

    other_program = AidProgramFactory(county=cast.other_county)
    other_batch = PaymentBatchFactory(
        school=cast.other_school,
        program=other_program,
        term=cast.term,
        status="approved",
        prepared_by=cast.li,
        approved_by=cast.zhang,
    )
    other_line = PaymentLineFactory(batch=other_batch, status=LineStatus.PAID, paid_on=date(2026, 11, 21))
    for line in lines.values():
        line.refresh_from_db()
    return Year(program, batch, lines, sibling_line, other_line)
