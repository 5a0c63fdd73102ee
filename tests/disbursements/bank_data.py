"""An approved card batch of 实验小学 and the files that go with it, for the bank tests and the matrix."""

import csv
import io
from decimal import Decimal

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.factories import (
    AidProgramFactory,
    BankFileLayoutFactory,
    PaymentBatchFactory,
    PaymentLineFactory,
    StudentFactory,
)

CARDS = ["6222021234567890128", "4111111111111111", "6217001234567890125"]


def card(n: int) -> str:
    """A Luhn-valid 19-digit card number, different for each n."""
    from aidsys import cn

    first = f"621700{n:012d}"
    return first + next(str(digit) for digit in range(10) if cn.luhn_valid(first + str(digit)))


def approved_batch(cast, *, lines=3, method="bank_card", program=None, **kwargs):
    program = program or AidProgramFactory(county=cast.county, payment_methods=["bank_card", "aid_card", "meal_card"])
    batch = PaymentBatchFactory(
        school=cast.school,
        program=program,
        term=cast.term,
        method=method,
        status="approved",
        prepared_by=cast.li,
        approved_by=cast.zhang,
        approved_at=timezone.now(),
        **kwargs,
    )
    for n in range(lines):
        number = card(n + 1)
        student = StudentFactory(
            school_class=cast.class_1 if n % 2 == 0 else cast.class_2,
            account_kind="bank_card",
            account_number=number,
            account_bank="农业银行",
        )
        student.account_holder = student.name
        student.save()
        PaymentLineFactory(
            batch=batch,
            application__student=student,
            student=student,
            account_kind="bank_card",
            account_number=number,
            account_holder=student.name,
            account_bank="农业银行",
            amount=Decimal("625.00"),
            application__amount=Decimal("625.00"),
            reference=f"{batch.number}-{n + 1:05d}",
        )
    return batch


def layout(cast, **kwargs):
    return BankFileLayoutFactory(county=cast.county, **kwargs)


def return_workbook(rows, header=("业务参考号", "金额", "处理结果", "交易日期", "失败原因")) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["农业银行代发回盘"])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def return_csv(rows, header=("账号", "金额", "状态", "日期", "原因")) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def upload(content: bytes, name="回盘.xlsx"):
    return SimpleUploadedFile(name, content)


def all_paid_rows(batch, day="2026-11-20"):
    return [(line.reference, str(line.amount), "成功", day, "") for line in batch.lines.order_by("pk")]
