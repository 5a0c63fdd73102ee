"""资助告知书: the family is told what was paid, in figures and capitals, to which (masked) account, whom to call."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from pypdf import PdfReader

from aidsys.models import AuditEvent
from disbursements.services.family_notice import family_notice_print, family_notices_print_class
from tests.factories import AidProgramFactory, PaymentBatchFactory, PaymentLineFactory

ACCOUNT = "6222021234567890128"


def pdf_pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


@pytest.fixture
def batch(cast):
    cast.school.complaint_phone = "0731-84561234"
    cast.school.save()
    cast.county.complaint_phone = "0731-12345678"
    cast.county.save()
    program = AidProgramFactory(county=cast.county, name="义务教育家庭经济困难学生生活补助")
    return PaymentBatchFactory(
        school=cast.school,
        program=program,
        term=cast.term,
        method="bank_card",
        status="approved",
        prepared_by=cast.li,
        approved_by=cast.zhang,
    )


def _line(batch, school_class, **kwargs):
    values = {
        "application__student__school_class": school_class,
        "amount": Decimal("1250.00"),
        "account_kind": "bank_card",
        "account_number": ACCOUNT,
        "account_bank": "中国工商银行",
        "status": "paid",
        "paid_on": date(2026, 11, 12),
    }
    return PaymentLineFactory(batch=batch, **(values | kwargs))


class TestOneNotice:
    def test_it_says_the_amount_in_capitals_the_masked_account_and_the_phones(self, cast, batch):
        line = _line(batch, cast.class_1)

        (text,) = pdf_pages(family_notice_print(actor=cast.li, line=line))

        assert "资助告知书" in text and line.student_name in text
        assert "义务教育家庭经济困难学生生活补助" in text and "1250.00" in text
        assert "人民币壹仟贰佰伍拾元整" in text
        assert "6222***********0128" in text and ACCOUNT not in text
        assert "2026-11-12" in text
        assert "0731-84561234" in text and "0731-12345678" in text
        assert line.student.id_number not in text and line.student.id_number[-4:] + "\n" not in text
        event = AuditEvent.objects.for_object(line).get()
        assert event.action == AuditEvent.Action.PRINT and event.changes["document"] == [None, "family_notice"]

    def test_not_from_a_batch_not_yet_approved(self, cast, batch):
        draft = PaymentBatchFactory(school=cast.school, program=batch.program, term=cast.term, prepared_by=cast.li)
        line = _line(draft, cast.class_1, status="pending", paid_on=None)
        with pytest.raises(ValidationError):
            family_notice_print(actor=cast.li, line=line)
        assert not AuditEvent.objects.filter(action=AuditEvent.Action.PRINT).exists()

    def test_who_prints(self, cast, batch):
        line = _line(batch, cast.class_1)
        family_notice_print(actor=cast.wang, line=line)
        family_notice_print(actor=cast.zhang, line=line)
        with pytest.raises(PermissionDenied):
            family_notice_print(actor=cast.zhao, line=line)


class TestClassNotices:
    def test_one_page_per_student_of_the_class(self, cast, batch):
        lines = [_line(batch, cast.class_1) for _ in range(3)]
        _line(batch, cast.class_2)
        _line(batch, cast.class_1, status="cancelled", paid_on=None, cancel_reason="转学")

        pages = pdf_pages(family_notices_print_class(actor=cast.li, batch=batch, school_class=cast.class_1))

        assert len(pages) == 3
        assert sorted(line.student_name for line in lines) == sorted(
            next(line.student_name for line in lines if line.student_name in page) for page in pages
        )
        assert all("人民币壹仟贰佰伍拾元整" in page and ACCOUNT not in page for page in pages)
        event = AuditEvent.objects.for_object(batch).get()
        assert event.action == AuditEvent.Action.PRINT and event.changes["pages"] == [None, 3]

    def test_a_pending_line_says_it_is_not_paid_yet(self, cast, batch):
        _line(batch, cast.class_1, status="pending", paid_on=None)
        (text,) = pdf_pages(family_notices_print_class(actor=cast.li, batch=batch, school_class=cast.class_1))
        assert "发放日期 未发放" in text


class TestPages:
    def test_print_one_notice_by_post(self, cast, batch, client_for):
        line = _line(batch, cast.class_1)
        url = f"/lines/{line.pk}/notice.pdf"
        assert client_for(cast.li).get(url).status_code == 405
        response = client_for(cast.wang).post(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert client_for(cast.zhao).post(url).status_code == 403
        assert client_for(cast.outsider).post(url).status_code == 404

    def test_print_a_class(self, cast, batch, client_for):
        _line(batch, cast.class_1)
        url = f"/batches/{batch.pk}/classes/{cast.class_1.pk}/notices.pdf"
        assert client_for(cast.li).post(url).status_code == 200
        assert client_for(cast.outsider).post(url).status_code == 404
        other_class_url = f"/batches/{batch.pk}/classes/{cast.class_2.pk}/notices.pdf"
        assert client_for(cast.wang).post(other_class_url).status_code == 404
        assert client_for(cast.zhang).post(other_class_url).status_code == 302  # no line there: said, not printed

    def test_the_students_payments_are_listed_with_their_status(self, cast, batch, client_for):
        line = _line(batch, cast.class_1)
        failed = _line(batch, cast.class_1, status="failed", paid_on=None, failure_reason="户名不符")
        failed.student = line.student
        failed.save()
        url = f"/students/{line.student_id}/payments/"
        page = client_for(cast.wang).get(url).content.decode()
        assert "6222***********0128" in page and ACCOUNT not in page
        assert "2026-11-12" in page and "户名不符" in page
        assert f"/lines/{line.pk}/notice.pdf" in page
        assert client_for(cast.outsider).get(url).status_code == 404
        assert client_for(cast.zhao).get(url).status_code == 200
        detail = client_for(cast.wang).get(line.student.get_absolute_url()).content.decode()
        assert url in detail

    def test_the_approved_batchs_page_offers_the_notices_per_class(self, cast, batch, client_for):
        _line(batch, cast.class_1)
        _line(batch, cast.class_2, status="cancelled", paid_on=None, cancel_reason="转学")
        page = client_for(cast.li).get(batch.get_absolute_url()).content.decode()
        assert f"/batches/{batch.pk}/classes/{cast.class_1.pk}/notices.pdf" in page
        assert f"/classes/{cast.class_2.pk}/notices.pdf" not in page
        draft = PaymentBatchFactory(school=cast.school, program=batch.program, term=cast.term, prepared_by=cast.li)
        _line(draft, cast.class_1, status="pending", paid_on=None)
        assert "notices.pdf" not in client_for(cast.li).get(draft.get_absolute_url()).content.decode()


class TestComplaintTelephones:
    def test_the_administrator_sets_the_schools_and_the_countys_complaint_telephone(self, cast, client_for):
        client = client_for(cast.admin)
        for url in (
            reverse("admin:aidsys_school_change", args=[cast.school.pk]),
            reverse("admin:aidsys_county_change", args=[cast.county.pk]),
        ):
            page = client.get(url)
            assert page.status_code == 200
            assert 'name="complaint_phone"' in page.content.decode()
