"""Never twice (DESIGN.md §4), under concurrent requests: each thread has its own connection."""

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from aidsys.models import AuditEvent
from disbursements.models import PaymentBatch, PaymentLine
from disbursements.services.batches import batch_approve, batch_create, line_mark_paid
from tests.disbursements.batch_data import approved_batch, approved_roster, funds, submitted_batch


def at_once(count: int, action) -> tuple[list, list, list]:
    """Run `action()` in `count` threads released together: (results, refusals, unexpected errors)."""
    start = threading.Barrier(count)
    done, refused, errors = [], [], []

    def run():
        try:
            start.wait()
            done.append(action())
        except ValidationError as error:
            refused.append(" ".join(error.messages))
        except Exception as error:  # reported by the caller's assertion
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done, refused, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_batch_approved_twice_at_once_is_approved_once(cast):
    batch = submitted_batch(cast)
    done, refused, errors = at_once(2, lambda: batch_approve(actor=cast.zhang, batch=batch))
    assert not errors
    assert len(done) == 1 and len(refused) == 1
    batch.refresh_from_db()
    assert batch.status == "approved"
    assert AuditEvent.objects.for_object(batch).filter(action="transition", changes__status__1="approved").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_batches_made_at_once_for_the_same_awards_pay_each_award_once(cast):
    program = approved_roster(cast)
    funds(cast, program)
    done, refused, errors = at_once(
        2,
        lambda: batch_create(actor=cast.li, school=cast.school, program=program, term=cast.term, method="cash"),
    )
    assert not errors
    assert len(done) == 1 and len(refused) == 1
    assert PaymentBatch.objects.count() == 1
    assert PaymentLine.objects.count() == 4
    assert PaymentLine.objects.values("application").distinct().count() == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_line_marked_paid_by_two_requests_at_once_is_paid_once(cast):
    line = approved_batch(cast).lines.first()
    done, refused, errors = at_once(2, lambda: line_mark_paid(actor=cast.li, line=line, paid_on=date(2026, 11, 23)))
    assert not errors
    assert len(done) == 1 and len(refused) == 1
    line.refresh_from_db()
    assert line.status == "paid"
    assert AuditEvent.objects.for_object(line).filter(action="transition").count() == 1
