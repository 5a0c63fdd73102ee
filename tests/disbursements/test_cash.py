"""现金签领: the receipt roster, lines paid only against both signatures, 代领 only with a 委托书, the signed scan."""

import io
import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.urls import reverse
from pypdf import PdfReader

from aidsys.models import AuditEvent
from aidsys.transitions import InvalidTransition
from disbursements.models import PaymentLine
from disbursements.selectors.cash import ROWS_ON_LAST_PAGE, ROWS_PER_PAGE, page_sizes
from disbursements.services import cash as services
from disbursements.services.cash import Receipt
from tests.disbursements.cash_data import PDF_BYTES, TODAY, approved_cash_batch, first_line, pdf_upload, png_upload


def page_texts(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def events(action, target):
    return AuditEvent.objects.filter(
        action=action, object_id=str(target.pk), content_type__model=target._meta.model_name
    )


def receipts(batch, *, student=True, guardian=True, paid_on=TODAY):
    return [Receipt(line, student, guardian, paid_on) for line in batch.lines.order_by("pk")]


# --- The receipt roster (领款清册) -------------------------------------------------------------


class TestPageSizes:
    def test_full_pages_then_a_last_page_with_room_for_the_totals(self):
        assert page_sizes(45) == [ROWS_PER_PAGE, ROWS_PER_PAGE, 45 - 2 * ROWS_PER_PAGE]
        assert page_sizes(ROWS_ON_LAST_PAGE) == [ROWS_ON_LAST_PAGE]
        assert all(size <= ROWS_ON_LAST_PAGE for size in (page_sizes(n)[-1] for n in range(1, 80)))
        assert all(sum(page_sizes(n)) == n and min(page_sizes(n)) >= 1 for n in range(1, 80))


@pytest.mark.django_db
class TestReceiptRosterPdf:
    def test_a_class_roster_repeats_its_header_and_gives_page_x_of_y_subtotals_and_the_total_in_capitals(self, cast):
        batch = approved_cash_batch(cast, per_class=(45, 1))
        label = first_line(batch).class_label
        pages = page_texts(services.roster_print(actor=cast.li, batch=batch, class_label=label))
        assert len(pages) == 3  # 20 + 20 + 5 lines
        for number, text in enumerate(pages, start=1):
            for expected in (cast.school.name, batch.program.name, str(cast.term), batch.number, label):
                assert expected in text, (number, expected)
            assert f"第 {number} 页 / 共 3 页" in text
            assert "本页小计" in text
            squeezed = "".join(text.split())
            headings = ("序号", "姓名", "年级班级", "金额（小写）", "金额（大写）", "学生签字", "监护人签字", "日期")
            assert all(heading in squeezed for heading in headings)
        assert "12500.00" in pages[0] and "12500.00" in pages[1]  # 20 × 625
        assert "3125.00" in pages[2]  # 5 × 625
        assert "人民币陆佰贰拾伍元整" in pages[0]
        assert "28125.00" in pages[2] and "人民币贰万捌仟壹佰贰拾伍元整" in pages[2]
        assert "人民币贰万捌仟壹佰贰拾伍元整" not in pages[0]
        for role in ("经办人", "资助专干", "校长"):
            assert role in pages[2] and role not in pages[0]

    @pytest.mark.parametrize("count", [ROWS_ON_LAST_PAGE, ROWS_ON_LAST_PAGE + 1, ROWS_PER_PAGE, ROWS_PER_PAGE + 1])
    def test_no_page_overflows_whatever_the_number_of_lines(self, cast, count):
        batch = approved_cash_batch(cast, per_class=(count, 0))
        content = services.roster_print(actor=cast.li, batch=batch, class_label=first_line(batch).class_label)
        pages = page_texts(content)
        assert len(pages) == len(page_sizes(count))
        assert all(batch.number in text for text in pages)

    def test_the_whole_batch_prints_class_after_class_each_from_a_new_page_then_the_summary(self, cast):
        batch = approved_cash_batch(cast, per_class=(2, 1))
        pages = page_texts(services.roster_print(actor=cast.zhang, batch=batch))
        assert len(pages) == 3
        assert str(cast.class_1) in pages[0] and str(cast.class_2) not in pages[0]
        assert str(cast.class_2) in pages[1]
        assert "1875.00" in pages[2] and "人民币壹仟捌佰柒拾伍元整" in pages[2]

    def test_printing_is_audited_with_the_class(self, cast):
        batch = approved_cash_batch(cast)
        label = first_line(batch).class_label
        services.roster_print(actor=cast.li, batch=batch, class_label=label)
        event = events(AuditEvent.Action.PRINT, batch).get()
        assert event.changes == {"document": [None, "receipt_roster"], "class": [None, label]}

    @pytest.mark.parametrize("status", ["draft", "submitted", "returned"])
    def test_only_an_approved_batch_is_printed(self, cast, status):
        batch = approved_cash_batch(cast, status=status)
        with pytest.raises(ValidationError, match="已审批"):
            services.roster_print(actor=cast.li, batch=batch)
        assert not events(AuditEvent.Action.PRINT, batch).exists()

    def test_a_bank_batch_has_no_receipt_roster(self, cast):
        batch = approved_cash_batch(cast)
        batch.method = "bank_card"
        batch.save()
        with pytest.raises(ValidationError, match="现金签领"):
            services.roster_print(actor=cast.li, batch=batch)

    def test_county_staff_and_class_teachers_do_not_print(self, cast):
        batch = approved_cash_batch(cast)
        for user in (cast.zhao, cast.wang):
            with pytest.raises(PermissionDenied):
                services.roster_print(actor=user, batch=batch)


@pytest.mark.django_db
class TestReceiptRosterView:
    def test_it_sends_the_pdf_without_caching(self, cast, client_for):
        batch = approved_cash_batch(cast)
        response = client_for(cast.li).post(reverse("disbursements:cash_roster_pdf", args=[batch.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Cache-Control"] == "private, no-store"

    def test_a_draft_batch_is_sent_back_with_the_reason(self, cast, client_for):
        batch = approved_cash_batch(cast, status="draft")
        response = client_for(cast.li).post(reverse("disbursements:cash_roster_pdf", args=[batch.pk]), follow=True)
        assert "只有已审批的批次" in response.content.decode()

    def test_get_is_not_allowed(self, cast, client_for):
        batch = approved_cash_batch(cast)
        assert client_for(cast.li).get(reverse("disbursements:cash_roster_pdf", args=[batch.pk])).status_code == 405

    def test_another_schools_batch_is_not_found(self, cast, client_for):
        batch = approved_cash_batch(cast, school=cast.sibling_school)
        url = reverse("disbursements:cash_roster_pdf", args=[batch.pk])
        assert client_for(cast.li).post(url).status_code == 404
        assert client_for(cast.outsider).post(url).status_code == 404


# --- Recording against signatures ---------------------------------------------------------------


@pytest.mark.django_db
class TestRecordingPaid:
    def test_lines_with_both_signatures_are_paid_on_the_date_and_audited(self, cast):
        batch = approved_cash_batch(cast)
        services.lines_record_paid(actor=cast.li, batch=batch, receipts=receipts(batch, paid_on=TODAY))
        for line in batch.lines.all():
            assert (line.status, line.paid_on, line.student_signed, line.guardian_signed) == ("paid", TODAY, True, True)
            assert line.recorded_by == cast.li
            event = events(AuditEvent.Action.TRANSITION, line).get()
            assert event.changes["status"] == ["pending", "paid"]
            assert event.changes["paid_on"] == [None, "2026-11-23"]

    @pytest.mark.parametrize(("student", "guardian"), [(True, False), (False, True), (False, False)])
    def test_a_missing_signature_refuses_the_whole_class_and_names_the_line(self, cast, student, guardian):
        batch = approved_cash_batch(cast)
        lines = list(batch.lines.order_by("pk"))
        chosen = [Receipt(lines[0], True, True, TODAY), Receipt(lines[1], student, guardian, TODAY)]
        with pytest.raises(ValidationError) as refused:
            services.lines_record_paid(actor=cast.li, batch=batch, receipts=chosen)
        assert lines[1].student_name in " ".join(refused.value.messages)
        assert not PaymentLine.objects.filter(status="paid").exists()
        assert not AuditEvent.objects.filter(action=AuditEvent.Action.TRANSITION).exists()

    def test_a_date_in_the_future_or_before_the_approval_is_refused(self, cast):
        batch = approved_cash_batch(cast)
        for day, words in ((TODAY + timedelta(days=1), "晚于今天"), (TODAY - timedelta(days=10), "早于批次审批日期")):
            with pytest.raises(ValidationError, match=words):
                services.lines_record_paid(actor=cast.li, batch=batch, receipts=receipts(batch, paid_on=day)[:1])
        with pytest.raises(ValidationError, match="未填写日期"):
            services.lines_record_paid(actor=cast.li, batch=batch, receipts=receipts(batch, paid_on=None)[:1])

    def test_a_line_is_paid_once_a_second_recording_is_refused(self, cast):
        batch = approved_cash_batch(cast)
        line = first_line(batch)
        stale = PaymentLine.objects.get(pk=line.pk)
        services.lines_record_paid(actor=cast.li, batch=batch, receipts=[Receipt(line, True, True, TODAY)])
        with pytest.raises(InvalidTransition):
            services.lines_record_paid(actor=cast.li, batch=batch, receipts=[Receipt(stale, True, True, TODAY)])
        assert events(AuditEvent.Action.TRANSITION, line).count() == 1

    def test_only_the_aid_office_records_and_only_on_an_approved_batch(self, cast):
        batch = approved_cash_batch(cast)
        for user in (cast.zhang, cast.zhao, cast.wang):
            with pytest.raises(PermissionDenied):
                services.lines_record_paid(actor=user, batch=batch, receipts=receipts(batch))
        draft = approved_cash_batch(cast, status="submitted")
        with pytest.raises(ValidationError, match="已审批"):
            services.lines_record_paid(actor=cast.li, batch=draft, receipts=receipts(draft))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_line_recorded_by_two_requests_at_once_is_paid_once(cast):
    batch = approved_cash_batch(cast, per_class=(1, 0))
    copies = [PaymentLine.objects.get(pk=first_line(batch).pk) for _ in range(2)]
    start = threading.Barrier(2)
    paid, refused, errors = [], [], []

    def record(line):
        try:
            start.wait()
            services.lines_record_paid(actor=cast.li, batch=batch, receipts=[Receipt(line, True, True, TODAY)])
            paid.append(line.pk)
        except InvalidTransition:
            refused.append(line.pk)
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=record, args=(line,)) for line in copies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert (len(paid), len(refused)) == (1, 1)
    assert events(AuditEvent.Action.TRANSITION, copies[0]).count() == 1


@pytest.mark.django_db
class TestRecordingView:
    def test_the_page_says_there_is_no_payment_in_goods(self, cast, client_for):
        batch = approved_cash_batch(cast)
        page = client_for(cast.li).get(reverse("disbursements:cash_roster", args=[batch.pk])).content.decode()
        assert "实物" in page and "委托书" in page

    def test_ticked_rows_of_a_class_are_paid(self, cast, client_for):
        batch = approved_cash_batch(cast, per_class=(2, 1))
        lines = list(batch.lines.filter(class_label=str(cast.class_1)).order_by("pk"))
        data = {"class": str(cast.class_1)}
        data |= {f"student_{lines[0].pk}": "on", f"guardian_{lines[0].pk}": "on", f"date_{lines[0].pk}": "2026-11-23"}
        response = client_for(cast.li).post(reverse("disbursements:cash_record", args=[batch.pk]), data)
        assert response.status_code == 302
        assert PaymentLine.objects.get(pk=lines[0].pk).status == "paid"
        assert PaymentLine.objects.get(pk=lines[1].pk).status == "pending"

    def test_a_row_with_one_signature_is_refused_with_its_name(self, cast, client_for):
        batch = approved_cash_batch(cast)
        line = first_line(batch)
        data = {"class": line.class_label, f"student_{line.pk}": "on", f"date_{line.pk}": "2026-11-23"}
        response = client_for(cast.li).post(reverse("disbursements:cash_record", args=[batch.pk]), data, follow=True)
        assert line.student_name in response.content.decode()
        assert PaymentLine.objects.get(pk=line.pk).status == "pending"

    def test_the_principal_may_not_record(self, cast, client_for):
        batch = approved_cash_batch(cast)
        assert client_for(cast.zhang).post(reverse("disbursements:cash_record", args=[batch.pk])).status_code == 403

    def test_get_is_not_allowed_and_out_of_scope_is_not_found(self, cast, client_for):
        batch = approved_cash_batch(cast)
        url = reverse("disbursements:cash_record", args=[batch.pk])
        assert client_for(cast.li).get(url).status_code == 405
        assert client_for(cast.outsider).post(url).status_code == 404
        assert client_for(cast.wang).post(url).status_code == 404


# --- 代领 with its 委托书 ------------------------------------------------------------------------


@pytest.mark.django_db
class TestCollectedByAgent:
    def record(self, cast, line, **overrides):
        arguments = {
            "actor": cast.li,
            "line": line,
            "agent_name": "王大山",
            "agent_relation": "祖父",
            "power_of_attorney": pdf_upload(),
            "student_signed": True,
            "agent_signed": True,
            "paid_on": TODAY,
        } | overrides
        return services.line_record_paid_by_agent(**arguments)

    def test_refused_without_a_power_of_attorney(self, cast):
        line = first_line(approved_cash_batch(cast))
        with pytest.raises(ValidationError) as refused:
            self.record(cast, line, power_of_attorney=None)
        assert "委托书" in " ".join(refused.value.message_dict["file"])
        assert PaymentLine.objects.get(pk=line.pk).status == "pending"

    def test_accepted_with_one_and_the_collector_signs_for_the_guardian(self, cast):
        line = first_line(approved_cash_batch(cast))
        self.record(cast, line)
        stored = PaymentLine.objects.get(pk=line.pk)
        assert (stored.status, stored.agent_name, stored.agent_relation) == ("paid", "王大山", "祖父")
        assert stored.guardian_signed and stored.student_signed
        assert stored.power_of_attorney.name.startswith("payments/attorney/")
        assert "scan" not in stored.power_of_attorney.name  # never the uploader's file name
        assert stored.power_of_attorney.read() == PDF_BYTES
        event = events(AuditEvent.Action.TRANSITION, line).get()
        assert event.changes["agent_name"] == ["", "王大山"]
        assert "王大山" in event.reason

    def test_the_student_still_signs(self, cast):
        line = first_line(approved_cash_batch(cast))
        with pytest.raises(ValidationError, match="学生未签字"):
            self.record(cast, line, student_signed=False)
        with pytest.raises(ValidationError, match="代领人未签字"):
            self.record(cast, line, agent_signed=False)
        assert PaymentLine.objects.get(pk=line.pk).status == "pending"

    def test_the_name_and_relation_are_required(self, cast):
        line = first_line(approved_cash_batch(cast))
        with pytest.raises(ValidationError) as refused:
            self.record(cast, line, agent_name=" ", agent_relation="")
        assert set(refused.value.message_dict) == {"agent_name", "agent_relation"}

    def test_the_scan_follows_the_attachment_rules(self, cast, settings):
        line = first_line(approved_cash_batch(cast))
        fake = SimpleUploadedFile("委托书.pdf", b"not a pdf at all", content_type="application/pdf")
        with pytest.raises(ValidationError, match="不是 PDF、JPEG 或 PNG"):
            self.record(cast, line, power_of_attorney=fake)
        settings.AIDSYS_ATTACHMENT_MAX_MB = 0
        with pytest.raises(ValidationError, match="最大 0 MB"):
            self.record(cast, line, power_of_attorney=pdf_upload())
        assert PaymentLine.objects.get(pk=line.pk).status == "pending"

    def test_an_image_is_accepted(self, cast):
        line = first_line(approved_cash_batch(cast))
        self.record(cast, line, power_of_attorney=png_upload())
        assert PaymentLine.objects.get(pk=line.pk).power_of_attorney.name.endswith(".png")

    def test_a_paid_line_is_not_paid_again_by_an_agent(self, cast):
        batch = approved_cash_batch(cast)
        line = first_line(batch)
        stale = PaymentLine.objects.get(pk=line.pk)
        services.lines_record_paid(actor=cast.li, batch=batch, receipts=[Receipt(line, True, True, TODAY)])
        with pytest.raises(InvalidTransition):
            self.record(cast, stale)

    def test_the_form_page_records_and_the_power_of_attorney_downloads_in_scope(self, cast, client_for):
        line = first_line(approved_cash_batch(cast))
        url = reverse("disbursements:cash_agent", args=[line.pk])
        client = client_for(cast.li)
        assert client.get(url).status_code == 200
        missing = client.post(url, {"agent_name": "王大山", "agent_relation": "祖父", "paid_on": "2026-11-23"})
        assert missing.status_code == 400 and "委托书" in missing.content.decode()
        data = {"agent_name": "王大山", "agent_relation": "祖父", "paid_on": "2026-11-23", "student_signed": "on"}
        data |= {"agent_signed": "on", "file": pdf_upload()}
        assert client.post(url, data).status_code == 302
        download = reverse("disbursements:cash_power_of_attorney", args=[line.pk])
        response = client_for(cast.zhang).get(download)
        assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
        assert events(AuditEvent.Action.EXPORT, line).count() == 1
        assert client_for(cast.outsider).get(download).status_code == 404
        assert client_for(cast.wang).get(download).status_code == 404


# --- The scanned signed roster ------------------------------------------------------------------


@pytest.mark.django_db
class TestSignedRoster:
    def test_uploaded_audited_and_downloaded_in_scope_without_caching(self, cast, client_for):
        batch = approved_cash_batch(cast)
        url = reverse("disbursements:cash_signed_roster_upload", args=[batch.pk])
        assert client_for(cast.li).post(url, {"file": pdf_upload("签领表.pdf")}).status_code == 302
        batch.refresh_from_db()
        assert batch.signed_roster.name.startswith("payments/rosters/") and "签领表" not in batch.signed_roster.name
        uploaded = events(AuditEvent.Action.UPDATE, batch).get()
        assert uploaded.changes == {"signed_roster": [None, batch.signed_roster.name]}
        download = reverse("disbursements:cash_signed_roster", args=[batch.pk])
        for user in (cast.li, cast.zhang, cast.zhao):
            response = client_for(user).get(download)
            assert response.status_code == 200
            assert response["Cache-Control"] == "private, no-store"
            assert b"".join(response.streaming_content) == PDF_BYTES
        assert events(AuditEvent.Action.EXPORT, batch).count() == 3
        assert client_for(cast.outsider).get(download).status_code == 404
        assert client_for(cast.wang).get(download).status_code == 404

    def test_another_schools_scan_is_not_found(self, cast, client_for):
        batch = approved_cash_batch(cast, school=cast.sibling_school)
        services.signed_roster_upload(actor=cast.admin, batch=batch, upload=pdf_upload())
        assert client_for(cast.li).get(reverse("disbursements:cash_signed_roster", args=[batch.pk])).status_code == 404

    def test_the_attachment_rules_apply(self, cast):
        batch = approved_cash_batch(cast)
        fake = SimpleUploadedFile("roster.png", b"GIF89a....", content_type="image/png")
        with pytest.raises(ValidationError, match="不是 PDF、JPEG 或 PNG"):
            services.signed_roster_upload(actor=cast.li, batch=batch, upload=fake)
        services.signed_roster_upload(actor=cast.li, batch=batch, upload=png_upload())
        assert batch.signed_roster.name.endswith(".png")

    def test_only_an_approved_batch_takes_a_scan_and_only_from_the_aid_office(self, cast):
        draft = approved_cash_batch(cast, status="draft")
        with pytest.raises(ValidationError, match="已审批"):
            services.signed_roster_upload(actor=cast.li, batch=draft, upload=pdf_upload())
        with pytest.raises(PermissionDenied):
            services.signed_roster_upload(actor=cast.zhang, batch=approved_cash_batch(cast), upload=pdf_upload())

    def test_nothing_uploaded_is_not_found(self, cast, client_for):
        batch = approved_cash_batch(cast)
        assert client_for(cast.li).get(reverse("disbursements:cash_signed_roster", args=[batch.pk])).status_code == 404
