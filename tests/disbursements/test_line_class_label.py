"""A payment line keeps its class as the documents print it (七年级(1)班), whatever language the aid office
reads the interface in: the receipt roster, the family notice and the bank file are Chinese documents."""

import pytest
from django.utils import translation

from disbursements.models import PaymentLine
from disbursements.services import bank as services
from students.services import student_update
from tests.disbursements.bank_data import all_paid_rows, approved_batch, card, return_workbook, upload
from tests.disbursements.batch_data import made_batch

pytestmark = pytest.mark.django_db


def test_a_batch_made_in_english_keeps_the_chinese_class_name(cast):
    with translation.override("en"):
        assert "class" in cast.class_1.name  # the English name the line must not keep
        batch = made_batch(cast, method="bank_card")
    labels = set(batch.lines.values_list("class_label", flat=True))
    assert cast.class_1.record_name in labels
    assert all(label.endswith("班") and "class" not in label for label in labels)


def test_a_follow_up_batch_made_in_english_keeps_the_chinese_class_name(cast):
    batch = approved_batch(cast)
    lines = list(batch.lines.order_by("pk"))
    rows = all_paid_rows(batch)
    rows[0] = (lines[0].reference, "625.00", "失败", "", "户名不符")
    services.return_file_import(actor=cast.li, batch=batch, upload=upload(return_workbook(rows)))
    failed = PaymentLine.objects.get(pk=lines[0].pk)
    student_update(actor=cast.li, student=failed.student, data={"account_number": card(77)})
    with translation.override("en"):
        follow_up = services.follow_up_batch_create(actor=cast.li, batch=batch)
    (line,) = follow_up.lines.all()
    assert line.class_label == failed.student.school_class.record_name
    assert line.class_label.endswith("班") and "class" not in line.class_label
