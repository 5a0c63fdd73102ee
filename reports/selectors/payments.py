"""资金发放明细: every line of the approved payment batches, with its batch, date, method, status and reason."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from aidsys import cn
from applications.models import PaymentMethod
from disbursements.models import BatchKind, BatchStatus, LineStatus, PaymentLine
from reports.definitions import DATE, MONEY, Column, Report, ReportData, ReportRequest
from reports.selectors.units import school_year_of, term_labels, term_of, units_for

FIELDS = (
    "batch__school__name",
    "batch__school__code",
    "class_label",
    "student_name",
    "student__id_number",
    "batch__program__name",
    "batch__term_id",
    "batch__number",
    "batch__kind",
    "method",
    "amount",
    "status",
    "paid_on",
    "failure_reason",
    "cancel_reason",
    "account_number",
)


class PaymentLinesReport:
    key = "payment_lines"
    parameters = ("program", "term", "school_year")

    @property
    def title(self) -> str:
        return _("Payment details")

    def columns(self) -> list[Column]:
        return [
            Column("school", _("School")),
            Column("class", _("Class")),
            Column("name", pgettext("person", "Name")),
            Column("id_number", _("ID number"), mask=cn.mask_id_number),
            Column("program", _("Aid program")),
            Column("term", _("Term")),
            Column("batch", _("Batch number")),
            Column("batch_kind", _("Batch kind")),
            Column("method", _("Payment method")),
            Column("amount", _("Amount (yuan)"), MONEY, total=True),
            Column("paid_amount", _("Paid (yuan)"), MONEY, total=True),
            Column("status", _("Status")),
            Column("paid_on", _("Paid on"), DATE),
            Column("reason", _("Reason")),
            Column("account", _("Account number"), mask=cn.mask_account_number),
        ]

    def lines(self, request: ReportRequest, units):
        lines = PaymentLine.objects.filter(
            batch__school__in=units.school_ids, batch__status=BatchStatus.APPROVED
        ).order_by("batch__school__code", "batch__term__start", "batch__number", "class_label", "pk")
        if request.program_id:
            lines = lines.filter(batch__program_id=request.program_id)
        term = term_of(request)
        if term is not None:
            lines = lines.filter(batch__term=term)
        elif request.school_year_id:
            lines = lines.filter(batch__term__school_year_id=request.school_year_id)
        return lines

    def build(self, request: ReportRequest) -> ReportData:
        units = units_for(request)
        lines = self.lines(request, units)
        terms = term_labels(lines.values_list("batch__term", flat=True).distinct())
        term, year = term_of(request), school_year_of(request)
        return ReportData(
            title=self.title,
            unit=units.name,
            period=str(term or (year.label if year else _("All terms"))),
            columns=self.columns(),
            rows=_rows(lines.values_list(*FIELDS), terms),
            count=lines.count(),
            notes=[_("Lines of batches not yet approved are not listed.")],
        )


def _rows(values, terms):
    kinds = dict(BatchKind.choices)
    methods = dict(PaymentMethod.choices)
    statuses = dict(LineStatus.choices)
    for (
        school,
        _code,
        class_label,
        name,
        id_number,
        program,
        term_id,
        number,
        kind,
        method,
        amount,
        status,
        paid_on,
        failure,
        cancel,
        account,
    ) in values.iterator(chunk_size=2000):
        yield {
            "school": school,
            "class": class_label,
            "name": name,
            "id_number": id_number,
            "program": program,
            "term": terms.get(term_id, ""),
            "batch": number,
            "batch_kind": str(kinds.get(kind, kind)),
            "method": str(methods.get(method, method)),
            "amount": amount,
            "paid_amount": amount if status == LineStatus.PAID else None,
            "status": str(statuses.get(status, status)),
            "paid_on": paid_on,
            "reason": failure or cancel,
            "account": account,
        }


report: Report = PaymentLinesReport()
