"""An approved cash batch of the cast's school, lines in 一年级(1)班 and 一年级(2)班: for the tests and the matrix."""

import io
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from tests.factories import PaymentBatchFactory, PaymentLineFactory

TODAY = date(2026, 11, 23)
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_upload(name="scan.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def png_upload(name="scan.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def approved_cash_batch(cast, *, school=None, status="approved", per_class=(2, 1), amount=Decimal("625.00")):
    school = school or cast.school
    batch = PaymentBatchFactory(
        school=school,
        program__county=school.county,
        program__payment_methods=["cash"],
        term=cast.term,
        method="cash",
        status=status,
        prepared_by=cast.li,
        approved_by=cast.zhang if status == "approved" else None,
        approved_at=timezone.now() - timedelta(days=3) if status == "approved" else None,
    )
    classes = [cast.class_1, cast.class_2] if school == cast.school else [None, None]
    for school_class, count in zip(classes, per_class, strict=True):
        for _ in range(count):
            extra = {"application__student__school_class": school_class} if school_class else {}
            PaymentLineFactory(batch=batch, amount=amount, application__amount=amount, **extra)
    return batch


def first_line(batch):
    return batch.lines.order_by("class_label", "pk").first()
