"""资助告知书: the family is told what was paid, how, where to, and whom to call if it is not so.

One A4 page per payment line of an approved batch: program, term, amount in figures and in capitals,
method, the account masked, the date paid, and the school's and county's complaint telephones. No
other private data: no 身份证号, no address, no tier or family circumstances. Each printing is an
audit event. A class prints as one PDF, a page per student.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from aidsys.cn import amount_in_words, mask_account_number
from aidsys.models import SchoolClass
from aidsys.pdf import render_pdf
from aidsys.scope import can_print_for_school, can_teach_class
from aidsys.services.audit import Action, audit_record
from aidsys.transitions import require
from disbursements.models import BatchStatus, LineStatus, PaymentBatch, PaymentLine

TEMPLATE = "disbursements/pdf/family_notice.html"


def may_print_notices(user, school_id, class_id) -> bool:
    """The aid office and the principal print for the school; a class teacher for their class, to hand out."""
    return can_print_for_school(user, school_id) or can_teach_class(user, class_id)


def _page(line: PaymentLine) -> dict:
    batch = line.batch
    return {
        "student_name": line.student_name,
        "class_label": line.class_label,
        "program": batch.program.name,
        "term": str(batch.term),
        "month": batch.month,
        "amount": line.amount,
        "amount_in_words": amount_in_words(line.amount),
        "method": line.get_method_display(),
        "account": mask_account_number(line.account_number),
        "account_bank": line.account_bank,
        "status": line.get_status_display(),
        "paid": line.status == LineStatus.PAID,
        "paid_on": line.paid_on,
        "school": batch.school.name,
        "school_phone": batch.school.complaint_phone,
        "county": batch.school.county.name,
        "county_phone": batch.school.county.complaint_phone,
    }


def _printable(lines):
    return (
        lines.filter(batch__status=BatchStatus.APPROVED)
        .exclude(status=LineStatus.CANCELLED)
        .select_related("batch__program", "batch__term__school_year", "batch__school__county")
        .order_by("class_label", "student_name", "pk")
    )


def family_notice_print(*, actor, line: PaymentLine) -> bytes:
    """One student's notice of one payment."""
    require(may_print_notices(actor, line.batch.school_id, line.student.school_class_id))
    lines = list(_printable(PaymentLine.objects.filter(pk=line.pk)))
    if not lines:
        raise ValidationError(
            _("A notice is printed only for a payment of an approved batch that is not cancelled."), code="not_approved"
        )
    content = render_pdf(TEMPLATE, {"pages": [_page(lines[0])], "printed_on": timezone.localdate()})
    audit_record(actor=actor, action=Action.PRINT, target=line, changes={"document": [None, "family_notice"]})
    return content


def family_notices_print_class(*, actor, batch: PaymentBatch, school_class: SchoolClass) -> bytes:
    """The notices of a class's students in one approved batch: one PDF, a page per student."""
    require(may_print_notices(actor, batch.school_id, school_class.pk))
    if batch.status != BatchStatus.APPROVED:
        raise ValidationError(_("Notices are printed only from an approved batch."), code="not_approved")
    lines = list(_printable(batch.lines.filter(student__school_class=school_class)))
    if not lines:
        raise ValidationError(
            _("No payment of this batch goes to a student of {class_name}.").format(class_name=school_class),
            code="no_lines",
        )
    content = render_pdf(TEMPLATE, {"pages": [_page(line) for line in lines], "printed_on": timezone.localdate()})
    audit_record(
        actor=actor,
        action=Action.PRINT,
        target=batch,
        changes={
            "document": [None, "family_notices"],
            "class": [None, school_class.record_name],
            "pages": [None, len(lines)],
        },
    )
    return content
