"""Two people at once: a leftover is carried once; two withdrawals cannot both take an approved batch's cover."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import timezone

from applications.models import FundingShare
from disbursements.models import AllocationStatus, FundAllocation, LeftoverReport
from disbursements.services.funds import fund_allocation_withdraw
from disbursements.services.leftovers import leftover_decide
from tests.factories import AidProgramFactory, FundAllocationFactory, PaymentBatchFactory, PaymentLineFactory


def _at_once(calls) -> tuple[list, list, list]:
    start = threading.Barrier(len(calls))
    done, refused, errors = [], [], []

    def run(call):
        try:
            start.wait()
            done.append(call())
        except ValidationError as error:
            refused.append(error)
        except Exception as error:  # reported by the caller's assertion
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done, refused, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_leftover_decided_twice_at_once_is_carried_once(cast):
    report = LeftoverReport.objects.create(
        school=cast.school,
        program=AidProgramFactory(county=cast.county),
        term=cast.term,
        figures={"sources": [{"source": "central", "remainder": "300.00"}]},
        remainder=Decimal("300.00"),
        reported_by=cast.li,
        reported_at=timezone.now(),
    )
    calls = [
        lambda: leftover_decide(
            actor=cast.zhao, report=LeftoverReport.objects.get(pk=report.pk), decision="carry", reason="结转"
        )
        for _ in range(4)
    ]
    done, refused, errors = _at_once(calls)
    assert not errors and len(done) == 1 and len(refused) == 3
    assert FundAllocation.objects.filter(carried_from=report).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_withdrawals_at_once_leave_the_approved_batch_covered(cast):
    program = AidProgramFactory(county=cast.county)
    FundingShare.objects.create(program=program, school_year=cast.school_year, source="central", percent=100)
    allocations = [
        FundAllocationFactory(
            school=cast.school, program=program, term=cast.term, amount=Decimal("1000.00"), recorded_by=cast.zhao
        )
        for _ in range(2)
    ]
    batch = PaymentBatchFactory(
        school=cast.school,
        program=program,
        term=cast.term,
        status="approved",
        prepared_by=cast.li,
        approved_by=cast.zhang,
    )
    PaymentLineFactory(batch=batch, amount=Decimal("625.00"))
    calls = [
        lambda allocation=allocation: fund_allocation_withdraw(actor=cast.zhao, allocation=allocation, reason="录错")
        for allocation in allocations
    ]
    done, refused, errors = _at_once(calls)
    assert not errors and len(done) == 1 and len(refused) == 1
    assert FundAllocation.objects.filter(status=AllocationStatus.RECEIVED).count() == 1
