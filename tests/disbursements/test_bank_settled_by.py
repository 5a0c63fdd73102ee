"""回盘文件 traced from the line: each line a return file (or the canteen's confirmation) settles names the
import, set in the same update, and the pages that list lines with their status say which file it was."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aidsys.models import AuditEvent
from disbursements.models import PaymentLine, ReturnFileImport
from disbursements.services import bank as services
from tests.disbursements.bank_data import all_paid_rows, approved_batch, return_workbook, upload

CANTEEN_HEADER = ("编号", "充值金额", "状态", "充值日期", "备注")


def settle(cast, batch, rows, name="农行回盘1120.xlsx", header=None) -> ReturnFileImport:
    content = return_workbook(rows, header) if header else return_workbook(rows)
    return services.return_file_import(actor=cast.li, batch=batch, upload=upload(content, name))


class TestTheLineNamesItsReturnFile:
    def test_paid_and_failed_lines_point_at_the_import_that_settled_them(self, cast):
        batch = approved_batch(cast, lines=3)
        lines = list(batch.lines.order_by("pk"))
        rows = all_paid_rows(batch)
        rows[1] = (lines[1].reference, "625.00", "失败", "", "账户已冻结")
        first = settle(cast, batch, rows[:2])

        assert first.name == "农行回盘1120.xlsx" and first.display_name == "农行回盘1120.xlsx"
        settled = dict(batch.lines.values_list("pk", "settled_by"))
        assert settled == {lines[0].pk: first.pk, lines[1].pk: first.pk, lines[2].pk: None}
        second = settle(cast, batch, rows[2:], name="农行回盘1121.xlsx")
        assert set(second.settled_lines.all()) == {lines[2]}
        assert first.settled_lines.filter(status="failed").get() == lines[1]

    def test_a_refused_file_settles_nothing(self, cast):
        batch = approved_batch(cast, lines=2)
        rows = [(line.reference, "600.00", "成功", "2026-11-20", "") for line in batch.lines.all()]
        with pytest.raises(ValidationError):
            settle(cast, batch, rows)
        assert not PaymentLine.objects.filter(settled_by__isnull=False).exists()
        assert not ReturnFileImport.objects.exists()

    def test_one_event_for_the_file_and_none_per_line(self, cast):
        batch = approved_batch(cast, lines=3)
        record = settle(cast, batch, all_paid_rows(batch))
        assert AuditEvent.objects.for_object(record).count() == 1
        for line in batch.lines.all():
            assert not AuditEvent.objects.for_object(line).exclude(action=AuditEvent.Action.CREATE).exists()

    def test_the_count_of_queries_does_not_grow_with_the_lines(self, cast):
        warm_up, small, large = (approved_batch(cast, lines=count) for count in (1, 2, 9))
        settle(cast, warm_up, all_paid_rows(warm_up))  # the first looks up the scope and starts the audit chain
        with CaptureQueriesContext(connection) as few:
            settle(cast, small, all_paid_rows(small))
        with CaptureQueriesContext(connection) as many:
            settle(cast, large, all_paid_rows(large))
        assert len(many) == len(few)
        assert large.lines.filter(settled_by__isnull=False).count() == 9

    def test_the_canteens_confirmation_is_traced_the_same_way(self, cast):
        batch = approved_batch(cast, lines=2, method="meal_card")
        rows = [(line.reference, str(line.amount), "充值成功", "2026-11-20", "") for line in batch.lines.all()]
        record = settle(cast, batch, rows, name="食堂确认.xlsx", header=CANTEEN_HEADER)
        assert batch.lines.filter(settled_by=record).count() == 2
