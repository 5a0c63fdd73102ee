"""打卡发放 and 饭卡充值: bank files in the county's layouts, the cover sheet, the return file, follow-up
batches of failed lines, the meal-card list and its confirmation; scope, roles and audit of each page."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from aidsys.models import AuditEvent, User
from aidsys.services.people import user_grant_permission
from aidsys.todo import todo_for
from disbursements.models import BankFileLayout, PaymentBatch, PaymentLine, ReturnFileImport
from disbursements.services import bank as services
from students.services import student_update
from tests.disbursements.bank_data import (
    all_paid_rows,
    approved_batch,
    card,
    layout,
    return_csv,
    return_workbook,
    upload,
)
from tests.factories import BankFileLayoutFactory, PaymentBatchFactory

Action = AuditEvent.Action


@pytest.fixture(autouse=True)
def li_may_see_sensitive_data(cast):
    """The bank file carries full card numbers: 李老师 (aid office) holds the permission to see them."""
    user_grant_permission(
        actor=None, user=cast.li, permission="students.reveal_sensitive", reason="资助专干报送代发文件"
    )


@pytest.fixture
def batch(cast):
    return approved_batch(cast)


@pytest.fixture
def bank(cast):
    return layout(cast, bank="农业银行")


def sheet_rows(content: bytes) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


class TestTheBankFile:
    def test_it_writes_the_layouts_columns_in_its_order_with_full_accounts(self, cast, batch, bank):
        export = services.bank_file_export(actor=cast.li, batch=batch, layout=bank, kind="xlsx", reason="报送农行")
        rows = sheet_rows(export.content)
        assert rows[0] == ("业务参考号", "户名", "账号", "金额", "摘要")
        lines = list(batch.lines.order_by("class_label", "pk"))
        assert [row[0] for row in rows[1:]] == [line.reference for line in lines]
        assert rows[1][2] == lines[0].account_number and rows[1][3] == 625
        batch.refresh_from_db()
        assert batch.bank_layout == bank

    def test_the_csv_is_utf8_with_a_bom_and_neutralises_formulas(self, cast, batch, bank):
        batch.lines.update(student_name="=HYPERLINK(1)", account_holder="=HYPERLINK(1)")
        export = services.bank_file_export(actor=cast.li, batch=batch, layout=bank, kind="csv", reason="报送农行")
        assert export.content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
        assert rows[0][1] == "户名" and rows[1][1] == "'=HYPERLINK(1)"

    def test_the_id_number_is_in_the_file_only_if_the_layout_has_that_column(self, cast, batch, bank):
        export = services.bank_file_export(actor=cast.li, batch=batch, layout=bank, kind="xlsx", reason="报送")
        id_numbers = [line.student.id_number for line in batch.lines.all()]
        assert not any(number in str(sheet_rows(export.content)) for number in id_numbers)
        with_ids = layout(
            cast,
            bank="建设银行",
            columns=[
                {"field": "name", "heading": "姓名"},
                {"field": "id_number", "heading": "身份证号"},
                {"field": "account", "heading": "卡号"},
                {"field": "amount", "heading": "金额"},
            ],
        )
        export = services.bank_file_export(actor=cast.li, batch=batch, layout=with_ids, kind="xlsx", reason="报送")
        assert all(number in str(sheet_rows(export.content)) for number in id_numbers)

    def test_each_download_is_an_export_event_with_reason_and_totals_but_no_account(self, cast, batch, bank):
        services.bank_file_export(actor=cast.li, batch=batch, layout=bank, kind="xlsx", reason="报送农行")
        event = AuditEvent.objects.for_object(batch).get(action=Action.EXPORT)
        assert event.reason == "报送农行"
        assert event.changes["lines"] == [None, 3] and event.changes["total"] == [None, "1875.00"]
        assert event.changes["bank_layout"] == [None, "农业银行"]
        assert not any(line.account_number in str(event.changes) for line in batch.lines.all())

    def test_a_reason_is_required(self, cast, batch, bank):
        with pytest.raises(ValidationError):
            services.bank_file_export(actor=cast.li, batch=batch, layout=bank, kind="xlsx", reason=" ")

    def test_only_an_approved_card_batch_is_written_out(self, cast, bank):
        draft = approved_batch(cast, lines=1)
        PaymentBatch.objects.filter(pk=draft.pk).update(status="submitted", approved_by=None, approved_at=None)
        draft.refresh_from_db()
        with pytest.raises(ValidationError) as raised:
            services.bank_file_export(actor=cast.li, batch=draft, layout=bank, kind="xlsx", reason="报送")
        assert raised.value.code == "batch_not_approved"
        cash = approved_batch(cast, lines=1, method="cash")
        with pytest.raises(ValidationError) as raised:
            services.bank_file_export(actor=cast.li, batch=cash, layout=bank, kind="xlsx", reason="报送")
        assert raised.value.code == "wrong_method"

    def test_the_principal_may_not_download_it(self, cast, batch, bank):
        with pytest.raises(PermissionDenied):
            services.bank_file_export(actor=cast.zhang, batch=batch, layout=bank, kind="xlsx", reason="报送")

    def test_the_aid_office_without_the_permission_to_see_sensitive_data_may_not_download_it(
        self, cast, batch, bank, client_for
    ):
        cast.li.user_permissions.clear()
        li = User.objects.get(pk=cast.li.pk)  # the permissions are read afresh
        with pytest.raises(PermissionDenied):
            services.bank_file_export(actor=li, batch=batch, layout=bank, kind="xlsx", reason="报送")
        assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()
        page = client_for(li).get(reverse("disbursements:bank_batch", args=[batch.pk])).content.decode()
        assert 'data-testid="bank-file"' not in page and "查看敏感信息" in page

    def test_another_countys_layout_is_refused(self, cast, batch):
        foreign = BankFileLayoutFactory(county=cast.other_county)
        with pytest.raises(PermissionDenied):
            services.bank_file_export(actor=cast.li, batch=batch, layout=foreign, kind="xlsx", reason="报送")


class TestTheBankFilePages:
    def test_the_aid_office_downloads_it_from_the_batch_page(self, cast, batch, bank, client_for):
        client = client_for(cast.li)
        page = client.get(reverse("disbursements:bank_batch", args=[batch.pk]))
        assert page.status_code == 200 and "农业银行" in page.content.decode()
        response = client.post(
            reverse("disbursements:bank_file", args=[batch.pk]), {"layout": bank.pk, "kind": "csv", "reason": "报送"}
        )
        assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
        assert "attachment" in response["Content-Disposition"]

    def test_the_page_never_shows_an_account_number(self, cast, batch, client_for):
        html = client_for(cast.zhang).get(reverse("disbursements:bank_batch", args=[batch.pk])).content.decode()
        assert not any(line.account_number in html for line in batch.lines.all())

    def test_a_get_is_refused(self, cast, batch, client_for):
        assert client_for(cast.li).get(reverse("disbursements:bank_file", args=[batch.pk])).status_code == 405

    def test_a_class_teacher_and_an_outsider_get_404(self, cast, batch, bank, client_for):
        for user in (cast.wang, cast.outsider):
            response = client_for(user).post(
                reverse("disbursements:bank_file", args=[batch.pk]), {"layout": bank.pk, "kind": "csv", "reason": "x"}
            )
            assert response.status_code == 404

    def test_the_principal_gets_403(self, cast, batch, bank, client_for):
        response = client_for(cast.zhang).post(
            reverse("disbursements:bank_file", args=[batch.pk]), {"layout": bank.pk, "kind": "csv", "reason": "x"}
        )
        assert response.status_code == 403


class TestTheCoverSheet:
    def test_it_gives_count_and_total_in_figures_and_capitals_with_three_signature_lines(self, cast, batch):
        context = services.cover_sheet_context(batch=batch)
        assert (context["count"], context["total"]) == (3, Decimal("1875.00"))
        assert context["total_in_words"] == "人民币壹仟捌佰柒拾伍元整"
        from django.template.loader import render_to_string

        html = render_to_string("disbursements/bank_cover.html", {**context, "page_counter_css": '""'})
        for words in (cast.school.name, batch.number, "人民币壹仟捌佰柒拾伍元整", "资助", "校长", "财务"):
            assert words in html

    def test_after_the_banks_answer_it_says_what_was_paid_failed_and_is_awaited(self, cast, batch):
        first, second, _awaited = batch.lines.order_by("pk")
        rows = [
            (first.reference, "625.00", "成功", "2026-11-20", ""),
            (second.reference, "625.00", "失败", "", "户名不符"),
        ]
        services.return_file_import(actor=cast.li, batch=batch, upload=upload(return_workbook(rows)))
        context = services.cover_sheet_context(batch=batch)
        assert (context["count"], context["total"]) == (3, Decimal("1875.00"))
        assert list(context["answered"].values()) == [(1, Decimal("625.00"))] * 3
        from django.template.loader import render_to_string

        html = render_to_string("disbursements/bank_cover.html", {**context, "page_counter_css": '""'})
        assert "银行处理结果" in html and "已发放 1" in html

    def test_printing_is_recorded(self, cast, batch, client_for):
        response = client_for(cast.zhang).post(reverse("disbursements:bank_cover_sheet", args=[batch.pk]))
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        assert AuditEvent.objects.for_object(batch).filter(action=Action.PRINT).count() == 1


class TestTheReturnFile:
    def test_matched_by_reference_each_line_is_paid_with_the_banks_date_or_failed_with_its_reason(self, cast, batch):
        lines = list(batch.lines.order_by("pk"))
        rows = all_paid_rows(batch)
        rows[1] = (lines[1].reference, "625.00", "失败", "", "账户已冻结")
        record = services.return_file_import(actor=cast.li, batch=batch, upload=upload(return_workbook(rows)))
        assert (record.paid, record.failed) == (2, 1)
        statuses = {line.pk: (line.status, line.paid_on, line.failure_reason) for line in batch.lines.all()}
        assert statuses[lines[0].pk] == ("paid", date(2026, 11, 20), "")
        assert statuses[lines[1].pk] == ("failed", None, "账户已冻结")
        event = AuditEvent.objects.for_object(record).get(action=Action.CREATE)
        assert event.changes["paid"] == [None, 2] and event.changes["failed"] == [None, 1]
        assert [lines[1].pk, lines[1].reference, 4, "failed", "账户已冻结"] in event.changes["lines"][1]
        assert [lines[0].pk, lines[0].reference, 3, "paid", "2026-11-20"] in event.changes["lines"][1]

    def test_without_a_reference_lines_are_matched_by_account_and_amount(self, cast, batch):
        rows = [(line.account_number, "625", "成功", "20261120", "") for line in batch.lines.all()]
        record = services.return_file_import(actor=cast.li, batch=batch, upload=upload(return_csv(rows), "回盘.csv"))
        assert record.paid == 3
        assert not batch.lines.exclude(status="paid").exists()

    def test_a_row_matching_nothing_or_two_lines_is_reported_by_row_and_nothing_is_applied(self, cast, batch):
        lines = list(batch.lines.order_by("pk"))
        PaymentLine.objects.filter(pk=lines[2].pk).update(account_number=lines[1].account_number)
        rows = [
            (lines[0].account_number, "625", "成功", "2026-11-20", ""),
            (lines[1].account_number, "625", "成功", "2026-11-20", ""),
            (card(99), "625", "成功", "2026-11-20", ""),
        ]
        with pytest.raises(ValidationError) as raised:
            services.return_file_import(actor=cast.li, batch=batch, upload=upload(return_csv(rows), "回盘.csv"))
        messages = raised.value.messages
        assert [message[:4] for message in messages] == ["第3行：", "第4行："]
        assert "2条记录" in messages[0] and "请提供参考号" in messages[0]
        assert "没有" in messages[1] and card(99) not in messages[1]
        assert not batch.lines.exclude(status="pending").exists()
        assert not ReturnFileImport.objects.exists()

    def test_a_wrong_amount_an_unknown_result_and_a_paid_line_without_date_are_refused(self, cast, batch):
        lines = list(batch.lines.order_by("pk"))
        rows = [
            (lines[0].reference, "600.00", "成功", "2026-11-20", ""),
            (lines[1].reference, "625.00", "处理中", "", ""),
            (lines[2].reference, "625.00", "成功", "", ""),
        ]
        with pytest.raises(ValidationError) as raised:
            services.return_file_import(actor=cast.li, batch=batch, upload=upload(return_workbook(rows)))
        assert len(raised.value.messages) == 3
        assert not batch.lines.exclude(status="pending").exists()

    def test_the_same_content_is_refused_the_second_time(self, cast, batch):
        content = return_workbook(all_paid_rows(batch))
        services.return_file_import(actor=cast.li, batch=batch, upload=upload(content))
        with pytest.raises(ValidationError) as raised:
            services.return_file_import(actor=cast.li, batch=batch, upload=upload(content, "again.xlsx"))
        assert raised.value.code == "duplicate"
        assert ReturnFileImport.objects.count() == 1

    def test_a_line_already_recorded_is_reported(self, cast, batch):
        first = all_paid_rows(batch)[:1]
        services.return_file_import(actor=cast.li, batch=batch, upload=upload(return_workbook(first)))
        with pytest.raises(ValidationError) as raised:
            services.return_file_import(
                actor=cast.li, batch=batch, upload=upload(return_workbook(all_paid_rows(batch, "2026-11-21")))
            )
        assert len(raised.value.messages) == 1

    def test_the_aid_office_imports_through_the_page(self, cast, batch, client_for):
        response = client_for(cast.li).post(
            reverse("disbursements:bank_return_file", args=[batch.pk]),
            {"file": upload(return_workbook(all_paid_rows(batch)))},
        )
        assert response.status_code == 302
        assert batch.lines.filter(status="paid").count() == 3

    def test_the_principal_may_not_import(self, cast, batch, client_for):
        response = client_for(cast.zhang).post(
            reverse("disbursements:bank_return_file", args=[batch.pk]),
            {"file": upload(return_workbook(all_paid_rows(batch)))},
        )
        assert response.status_code == 403


def failed_batch(cast):
    batch = approved_batch(cast)
    lines = list(batch.lines.order_by("pk"))
    rows = all_paid_rows(batch)
    rows[0] = (lines[0].reference, "625.00", "失败", "", "户名不符")
    services.return_file_import(actor=cast.li, batch=batch, upload=upload(return_workbook(rows)))
    return batch, PaymentLine.objects.get(pk=lines[0].pk)


class TestFollowUpBatches:
    def test_it_is_refused_while_the_account_is_unchanged(self, cast):
        batch, _failed = failed_batch(cast)
        with pytest.raises(ValidationError) as raised:
            services.follow_up_batch_create(actor=cast.li, batch=batch)
        assert raised.value.code == "account_unchanged"

    def test_it_holds_only_the_corrected_failed_lines_each_replacing_one(self, cast):
        batch, failed = failed_batch(cast)
        student_update(actor=cast.li, student=failed.student, data={"account_number": card(77)})
        follow_up = services.follow_up_batch_create(actor=cast.li, batch=batch)
        assert (follow_up.kind, follow_up.follows, follow_up.status, follow_up.method) == (
            "follow_up",
            batch,
            "draft",
            "bank_card",
        )
        (line,) = follow_up.lines.all()
        assert line.replaces == failed and line.account_number == card(77) and line.amount == failed.amount
        assert line.status == "pending" and line.period == failed.period
        assert AuditEvent.objects.for_object(follow_up).get(action=Action.CREATE)
        # The failed line is repaid once: it is no longer on the to-do.
        with pytest.raises(ValidationError):
            services.follow_up_batch_create(actor=cast.li, batch=batch)

    def test_the_aid_office_makes_it_from_the_page(self, cast, client_for):
        batch, failed = failed_batch(cast)
        student_update(actor=cast.li, student=failed.student, data={"account_number": card(78)})
        response = client_for(cast.li).post(reverse("disbursements:bank_follow_up", args=[batch.pk]))
        follow_up = PaymentBatch.objects.get(follows=batch)
        assert response.status_code == 302 and response["Location"].endswith(f"/batches/{follow_up.pk}/bank/")


class TestFrozenCopies:
    def test_an_account_change_after_approval_does_not_alter_the_batch(self, cast, batch, bank):
        line = batch.lines.order_by("pk").first()
        before = (line.account_number, line.account_holder, line.student_name)
        student_update(actor=cast.li, student=line.student, data={"account_number": card(55)})
        line.refresh_from_db()
        assert (line.account_number, line.account_holder, line.student_name) == before
        export = services.bank_file_export(actor=cast.li, batch=batch, layout=bank, kind="xlsx", reason="报送")
        assert before[0] in str(sheet_rows(export.content)) and card(55) not in str(sheet_rows(export.content))


class TestMealCards:
    def test_the_top_up_list_has_class_name_masked_student_number_and_amount(self, cast):
        batch = approved_batch(cast, lines=2, method="meal_card")
        batch.lines.update(account_number="")
        export = services.meal_card_list_export(actor=cast.li, batch=batch)
        rows = sheet_rows(export.content)
        assert rows[0] == ("班级", "姓名", "饭卡号或学籍号", "金额", "流水号")
        line = batch.lines.order_by("class_label", "pk").first()
        assert rows[1][1] == line.student_name and "*" in rows[1][2]
        assert line.student.student_number not in str(rows)
        assert AuditEvent.objects.for_object(batch).filter(action=Action.EXPORT).count() == 1

    def test_the_canteens_confirmation_goes_through_the_same_import(self, cast):
        batch = approved_batch(cast, lines=2, method="meal_card")
        rows = [(line.reference, str(line.amount), "充值成功", "2026-11-20", "") for line in batch.lines.all()]
        header = ("编号", "充值金额", "状态", "充值日期", "备注")
        record = services.return_file_import(actor=cast.li, batch=batch, upload=upload(return_workbook(rows, header)))
        assert record.paid == 2

    def test_a_failed_top_up_is_repaid_through_a_follow_up_batch(self, cast):
        # No bank account to correct: the canteen puts the card right and the line is topped up again.
        batch = approved_batch(cast, lines=2, method="meal_card")
        failed, paid = batch.lines.order_by("pk")
        rows = [
            (failed.reference, str(failed.amount), "充值失败", "2026-11-20", "卡已挂失"),
            (paid.reference, str(paid.amount), "充值成功", "2026-11-20", ""),
        ]
        header = ("编号", "充值金额", "状态", "充值日期", "备注")
        services.return_file_import(actor=cast.li, batch=batch, upload=upload(return_workbook(rows, header)))
        follow_up = services.follow_up_batch_create(actor=cast.li, batch=batch)
        line = follow_up.lines.get()
        assert line.replaces == failed and line.method == "meal_card" and follow_up.status == "draft"

    def test_a_program_without_meal_cards_is_refused(self, cast):
        from tests.factories import AidProgramFactory

        program = AidProgramFactory(county=cast.county, payment_methods=["bank_card"])
        batch = approved_batch(cast, lines=1, method="meal_card", program=program)
        with pytest.raises(ValidationError):
            services.meal_card_list_export(actor=cast.li, batch=batch)


class TestLayouts:
    def test_county_staff_add_a_layout_in_the_banks_order(self, cast, client_for):
        data = {"bank": "邮储银行", "name_place": 2, "name_heading": "收款人", "account_place": 1}
        data |= {"account_heading": "收款账号", "amount_place": 3, "amount_heading": "金额（元）"}
        response = client_for(cast.zhao).post(reverse("disbursements:bank_layout_new"), data)
        assert response.status_code == 302
        saved = BankFileLayout.objects.get(bank="邮储银行")
        assert saved.county == cast.county
        assert [column["heading"] for column in saved.columns] == ["收款账号", "收款人", "金额（元）"]
        assert AuditEvent.objects.for_object(saved).get(action=Action.CREATE)

    def test_two_fields_in_one_column_are_refused_beside_the_field(self, cast, client_for):
        data = {"bank": "邮储银行", "name_place": 1, "name_heading": "收款人", "account_place": 1}
        data |= {"account_heading": "收款账号", "amount_place": 3, "amount_heading": "金额"}
        response = client_for(cast.zhao).post(reverse("disbursements:bank_layout_new"), data)
        assert response.status_code == 400 and "第1列已用于" in response.content.decode()
        assert not BankFileLayout.objects.exists()

    def test_a_layout_without_the_account_is_refused(self, cast):
        with pytest.raises(ValidationError):
            services.bank_layout_save(
                actor=cast.zhao, county=cast.county, bank="x", columns=[{"field": "name", "heading": "户名"}]
            )

    def test_the_aid_office_may_not_edit_layouts(self, cast, bank, client_for):
        assert client_for(cast.li).get(reverse("disbursements:bank_layout_edit", args=[bank.pk])).status_code == 403

    def test_another_countys_staff_see_nothing(self, cast, bank, client_for):
        from tests.factories import MembershipFactory, UserFactory

        other = UserFactory()
        MembershipFactory(user=other, role="county_staff", school=None, county=cast.other_county)
        assert client_for(other).get(reverse("disbursements:bank_layout_edit", args=[bank.pk])).status_code == 404


class TestTodo:
    def bank_items(self, user):
        url = reverse("disbursements:bank_index")
        return sorted(item.count for item in todo_for(user) if item.url == url)

    def test_the_aid_office_sees_return_files_to_import_and_failed_lines_to_repay(self, cast):
        approved_batch(cast)
        assert self.bank_items(cast.li) == [1]  # one batch awaits its return file
        failed_batch(cast)
        assert self.bank_items(cast.li) == [1, 1]  # and one failed line waits to be repaid
        assert self.bank_items(cast.zhang) == []

    def test_a_batch_stays_on_it_while_a_return_file_left_lines_unanswered(self, cast):
        batch = approved_batch(cast)
        rows = all_paid_rows(batch)
        services.return_file_import(actor=cast.li, batch=batch, upload=upload(return_workbook(rows[:2])))
        assert self.bank_items(cast.li) == [1]  # the third line still awaits the bank's answer
        services.return_file_import(actor=cast.li, batch=batch, upload=upload(return_workbook(rows[2:])))
        assert self.bank_items(cast.li) == []


def test_a_draft_batch_is_not_on_the_bank_page(cast, client_for):
    draft = PaymentBatchFactory(school=cast.school, term=cast.term, method="bank_card", prepared_by=cast.li)
    approved = approved_batch(cast, lines=1)
    html = client_for(cast.li).get(reverse("disbursements:bank_index")).content.decode()
    assert approved.number in html and draft.number not in html
