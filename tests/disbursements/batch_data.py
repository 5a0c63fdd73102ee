"""Test data for payment batches: a roster the county approved, its funds, and a batch made from it."""

from decimal import Decimal

from publicity.services import reports
from publicity.services.notices import notice_close
from tests.factories import AidProgramFactory, FundAllocationFactory
from tests.publicity.notice_data import STUDENTS, make_notice, move_period

# 625 + 625 + 625 + 500
ROSTER_TOTAL = Decimal("2375.00")


def approved_roster(cast, *, program=None, students=STUDENTS, term=None, **program_fields):
    """The roster of `students` noticed, reported and approved by the county; the program returned."""
    program = program or AidProgramFactory(
        county=cast.county,
        name="义务教育生活补助",
        payment_methods=program_fields.pop("payment_methods", ["cash", "bank_card"]),
        **program_fields,
    )
    notice = move_period(make_notice(cast, program=program, students=students), ended_days_ago=1)
    report = notice_close(actor=cast.li, notice=notice)
    reports.report_approve(actor=cast.zhao, report=report)
    return program


def funds(cast, program, amount="10000.00", term=None):
    return FundAllocationFactory(
        school=cast.school, program=program, term=term or cast.term, amount=Decimal(amount), recorded_by=cast.zhao
    )


def made_batch(cast, *, method="cash", funded=True, **roster):
    from disbursements.services.batches import batch_create

    program = approved_roster(cast, **roster)
    if funded:
        funds(cast, program)
    return batch_create(actor=cast.li, school=cast.school, program=program, term=cast.term, method=method)


def submitted_batch(cast, **kwargs):
    from disbursements.services.batches import batch_submit

    return batch_submit(actor=cast.li, batch=made_batch(cast, **kwargs))


def approved_batch(cast, **kwargs):
    from disbursements.services.batches import batch_approve

    return batch_approve(actor=cast.zhang, batch=submitted_batch(cast, **kwargs))
