"""Never twice (issue 12 §6): the same return file imported by two workers at once is applied once."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from disbursements.models import LineStatus, PaymentLine, ReturnFileImport
from disbursements.services.bank import return_file_import
from tests.disbursements.bank_data import all_paid_rows, approved_batch, return_workbook, upload


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_importing_the_same_return_file_at_once_apply_it_exactly_once(cast):
    batch = approved_batch(cast, lines=5)
    lines = list(batch.lines.order_by("pk"))
    rows = all_paid_rows(batch)
    rows[0] = (lines[0].reference, "625.00", "失败", "", "账户已销户")
    content = return_workbook(rows)
    workers = 2
    start = threading.Barrier(workers)
    applied, refused, errors = [], [], []

    def import_file(index):
        try:
            start.wait()
            record = return_file_import(actor=cast.li, batch=batch, upload=upload(content, f"回盘{index}.xlsx"))
            applied.append(record.pk)
        except ValidationError as error:
            refused.append(error)
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=import_file, args=(index,)) for index in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(applied) == 1 and len(refused) == 1
    assert refused[0].code == "duplicate"
    assert ReturnFileImport.objects.filter(batch=batch).count() == 1
    assert PaymentLine.objects.filter(batch=batch, status=LineStatus.PAID).count() == 4
    assert PaymentLine.objects.filter(batch=batch, status=LineStatus.FAILED).count() == 1
