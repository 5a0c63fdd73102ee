"""Funds, leftovers and the family notice: the county's staff record allocations and decide leftover reports;
the school's aid office reports leftovers; the aid office and the principal (and the county) read the school's
funds; everyone in scope reads a student's payments; notices are printed by the aid office, the principal and
the class teacher of the class, not by the county. The outsider finds nothing of 青山县 (404)."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from tests.permission_expectations import Expect, everyone, only

COUNTY = ("county_staff", "admin")
SCHOOL_READERS = ("aid_office", "principal", "county_staff", "admin")
PRINTERS = ("class_teacher", "aid_office", "principal", "admin")


def _program(cast):
    from applications.models import AidProgram
    from tests.factories import AidProgramFactory

    return AidProgram.objects.filter(county=cast.county, code="FUNDS").first() or AidProgramFactory(
        county=cast.county, code="FUNDS"
    )


def _allocation(cast):
    from tests.factories import FundAllocationFactory

    return FundAllocationFactory(school=cast.school, program=_program(cast), term=cast.term, recorded_by=cast.zhao)


def _report(cast):
    from disbursements.models import LeftoverReport
    from tests.factories import AidProgramFactory

    return LeftoverReport.objects.create(
        school=cast.school,
        program=AidProgramFactory(county=cast.county),
        term=cast.term,
        figures={"sources": [], "unpaid": {}, "cancel_reasons": [], "remainder": "0.00"},
        reported_by=cast.li,
        reported_at=timezone.now(),
    )


def _line(cast):
    from tests.factories import PaymentBatchFactory, PaymentLineFactory

    batch = PaymentBatchFactory(
        school=cast.school,
        program=_program(cast),
        term=cast.term,
        status="approved",
        prepared_by=cast.li,
        approved_by=cast.zhang,
    )
    return PaymentLineFactory(
        batch=batch,
        application__student__school_class=cast.class_1,
        amount=Decimal("625.00"),
        status="paid",
        paid_on=date(2026, 11, 12),
    )


EXPECTATIONS = {
    "disbursements:allocation_list": Expect(only(COUNTY, 200)),
    "disbursements:allocation_new": Expect(only(COUNTY, 200)),
    "disbursements:allocation_withdraw": Expect(
        only(COUNTY, 302, class_teacher=404, outsider=404),
        method="post",
        kwargs=lambda c: {"pk": _allocation(c).pk},
        data=lambda c: {"reason": "重复录入"},
    ),
    "disbursements:school_funds": Expect(
        only(SCHOOL_READERS, 200, outsider=404), kwargs=lambda c: {"school_pk": c.school.pk}
    ),
    "disbursements:leftover_list": Expect(everyone(200)),
    "disbursements:leftover_new": Expect(
        only(("aid_office", "admin"), 200, outsider=404),
        kwargs=lambda c: {"school_pk": c.school.pk, "program_pk": _program(c).pk, "term_pk": c.term.pk},
    ),
    "disbursements:leftover_detail": Expect(
        only(SCHOOL_READERS, 200, class_teacher=404, outsider=404), kwargs=lambda c: {"pk": _report(c).pk}
    ),
    "disbursements:leftover_decide": Expect(
        only(COUNTY, 302, class_teacher=404, outsider=404),
        method="post",
        kwargs=lambda c: {"pk": _report(c).pk},
        data=lambda c: {"decision": "return", "reason": "按文件收回"},
    ),
    "disbursements:student_payments": Expect(
        everyone(200, outsider=404), kwargs=lambda c: {"student_pk": _line(c).student_id}
    ),
    "disbursements:line_notice_pdf": Expect(
        only(PRINTERS, 200, outsider=404), method="post", kwargs=lambda c: {"pk": _line(c).pk}
    ),
    "disbursements:class_notices_pdf": Expect(
        only(PRINTERS, 200, outsider=404),
        method="post",
        kwargs=lambda c: {"batch_pk": _line(c).batch_id, "class_pk": c.class_1.pk},
    ),
}
