"""回盘文件 traced from the line: each line a return file (or the canteen's confirmation) settles names the
import, set in the same update, and the pages that list lines with their status say which file it was."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

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


class TestThePagesSayWhichFile:
    @pytest.fixture
    def settled(self, cast):
        batch = approved_batch(cast, lines=2)
        record = settle(cast, batch, all_paid_rows(batch))
        return batch, record

    def anchor(self, record) -> str:
        return reverse("disbursements:bank_batch", args=[record.batch_id]) + f"#return-file-{record.pk}"

    def test_the_batch_page_names_the_file_and_links_to_its_row(self, cast, settled, client_for):
        batch, record = settled
        page = client_for(cast.li).get(batch.get_absolute_url()).content.decode()
        assert page.count("回盘文件 农行回盘1120.xlsx，2026-11-23") == 2
        assert page.count(f'href="{self.anchor(record)}"') == 2
        bank_page = client_for(cast.li).get(reverse("disbursements:bank_batch", args=[batch.pk])).content.decode()
        assert f'id="return-file-{record.pk}"' in bank_page and "农行回盘1120.xlsx" in bank_page

    def test_the_students_payments_name_the_file_linked_for_the_aid_office_and_the_county(
        self, cast, settled, client_for
    ):
        _batch, record = settled
        line = record.settled_lines.get(student__school_class=cast.class_1)
        url = reverse("disbursements:student_payments", args=[line.student_id])
        for user in (cast.li, cast.zhang, cast.zhao):
            page = client_for(user).get(url).content.decode()
            assert "回盘文件 农行回盘1120.xlsx，2026-11-23" in page and self.anchor(record) in page, user

    def test_the_class_teacher_reads_the_file_without_a_link_to_the_bank_page(self, cast, settled, client_for):
        _batch, record = settled
        line = record.settled_lines.get(student__school_class=cast.class_1)
        client = client_for(cast.wang)
        for url in (
            reverse("disbursements:student_payments", args=[line.student_id]),
            reverse("disbursements:class_payments"),
        ):
            page = client.get(url).content.decode()
            assert "回盘文件 农行回盘1120.xlsx，2026-11-23" in page and self.anchor(record) not in page, url
        assert client.get(self.anchor(record).split("#")[0]).status_code in (403, 404)

    def test_a_meal_card_line_names_the_canteens_confirmation(self, cast, client_for):
        batch = approved_batch(cast, lines=1, method="meal_card")
        rows = [(line.reference, str(line.amount), "充值成功", "2026-11-20", "") for line in batch.lines.all()]
        settle(cast, batch, rows, name="食堂确认.xlsx", header=CANTEEN_HEADER)
        page = client_for(cast.li).get(batch.get_absolute_url()).content.decode()
        assert "食堂充值确认 食堂确认.xlsx，2026-11-23" in page

    def test_a_line_no_file_has_settled_names_no_file(self, cast, client_for):
        batch = approved_batch(cast, lines=1)
        page = client_for(cast.li).get(batch.get_absolute_url()).content.decode()
        assert 'data-testid="settled-by"' not in page
