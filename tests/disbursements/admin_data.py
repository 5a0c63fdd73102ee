"""One row of each disbursement model, for the admin's pages: a card batch with a line and its return file,
funds, a layout and a leftover report, all of the cast's school."""

from django.utils import timezone

from disbursements.models import LeftoverReport, PaymentLine, ReturnFileImport
from tests.disbursements.bank_data import card
from tests.factories import BankFileLayoutFactory, FundAllocationFactory, PaymentBatchFactory, PaymentLineFactory

ACCOUNT_NUMBER = card(4711)


def disbursement_records(cast) -> PaymentLine:
    """Made once per test: the line (with ACCOUNT_NUMBER) is returned; the others hang off the same batch."""
    existing = PaymentLine.objects.filter(account_number=ACCOUNT_NUMBER).first()
    if existing:
        return existing
    batch = PaymentBatchFactory(school=cast.school, term=cast.term, method="bank_card", prepared_by=cast.li)
    line = PaymentLineFactory(
        batch=batch, account_kind="bank_card", account_number=ACCOUNT_NUMBER, account_holder="王小明"
    )
    ReturnFileImport.objects.create(
        batch=batch,
        file="payments/returns/2026/11/return.xlsx",
        name="回盘.xlsx",
        sha256="0" * 64,
        paid=1,
        imported_by=cast.li,
        imported_at=timezone.now(),
    )
    FundAllocationFactory(school=cast.school, program=batch.program, term=cast.term, recorded_by=cast.zhao)
    BankFileLayoutFactory(county=cast.county, bank="农业银行")
    LeftoverReport.objects.create(
        school=cast.school, program=batch.program, term=cast.term, reported_by=cast.li, reported_at=timezone.now()
    )
    return line
