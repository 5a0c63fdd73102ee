"""结余: what was left of each school's program, term and funding source, and why.

A term whose leftover was reported shows the figures as frozen in its report (LeftoverReport.figures)
with the county's decision; a term not yet reported shows today's figures, computed as the report
would freeze them (disbursements.selectors.leftovers.leftover_figures), and says so. The live
figures cost a few queries per school, program and term: one report's worth each, not one per line.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from aidsys.models import Term
from applications.models import AidProgram
from disbursements.models import AllocationStatus, BatchStatus, FundAllocation, LeftoverReport, PaymentBatch
from disbursements.selectors.leftovers import REASONS, leftover_figures
from reports.definitions import DATE, MONEY, Column, Report, ReportData, ReportRequest
from reports.selectors.units import school_year_of, term_labels, term_of, units_for


class LeftoversReport:
    key = "leftovers"
    parameters = ("program", "term", "school_year")

    @property
    def title(self) -> str:
        return _("Leftover funds")

    def build(self, request: ReportRequest) -> ReportData:
        units = units_for(request)
        term, year = term_of(request), school_year_of(request)
        period = Q()
        if term is not None:
            period = Q(term=term)
        elif year is not None:
            period = Q(term__school_year=year)
        if request.program_id:
            period &= Q(program_id=request.program_id)
        reports = {
            (r.school_id, r.program_id, r.term_id): r
            for r in LeftoverReport.objects.filter(period, school__in=units.school_ids)
        }
        keys = set(reports)
        keys |= set(
            FundAllocation.objects.filter(period, school__in=units.school_ids, status=AllocationStatus.RECEIVED)
            .values_list("school", "program", "term")
            .distinct()
        )
        keys |= set(
            PaymentBatch.objects.filter(period, school__in=units.school_ids, status=BatchStatus.APPROVED)
            .values_list("school", "program", "term")
            .distinct()
        )
        schools = {school.pk: school for school in units.schools}
        programs = {p.pk: p for p in AidProgram.objects.filter(pk__in={k[1] for k in keys})}
        terms = {t.pk: t for t in Term.objects.select_related("school_year").filter(pk__in={k[2] for k in keys})}
        labels = term_labels(terms)
        ordered = sorted(keys, key=lambda k: (schools[k[0]].code, programs[k[1]].code, terms[k[2]].start))
        return ReportData(
            title=self.title,
            unit=units.name,
            period=str(term or (year.label if year else _("All terms"))),
            columns=[
                Column("school", _("School")),
                Column("program", _("Aid program")),
                Column("term", _("Term")),
                Column("source", _("Funding source")),
                Column("received", _("Received (yuan)"), MONEY, total=True),
                Column("paid", _("Paid (yuan)"), MONEY, total=True),
                *[Column(f"unpaid_{key}", str(label), MONEY, total=True) for key, label in REASONS.items()],
                Column("not_needed", _("Not needed by any award"), MONEY, total=True),
                Column("remainder", _("Leftover (yuan)"), MONEY, total=True),
                Column("cancel_reasons", _("Reasons for cancelled lines")),
                Column("state", _("Report")),
                Column("reported_on", _("Reported on"), DATE),
            ],
            rows=_rows(ordered, reports, schools, programs, terms, labels),
            count=None,
            notes=[_("Terms not yet reported show today's figures and are marked so.")],
        )


def _rows(keys, reports, schools, programs, terms, labels):
    for school_id, program_id, term_id in keys:
        report = reports.get((school_id, program_id, term_id))
        if report is not None:
            figures = report.figures
            state = report.get_status_display()
            reported_on = report.reported_at.date()
        else:
            figures = leftover_figures(school=schools[school_id], program=programs[program_id], term=terms[term_id])
            state = _("Not reported yet: today's figures")
            reported_on = None
        cancel_reasons = "；".join("{reason} {amount}".format(**item) for item in figures.get("cancel_reasons", []))
        for source in figures.get("sources", []):
            yield {
                "school": schools[school_id].name,
                "program": programs[program_id].name,
                "term": labels[term_id],
                "source": source.get("label", ""),
                "received": Decimal(source["received"]),
                "paid": Decimal(source["paid"]),
                **{f"unpaid_{key}": Decimal(source["unpaid"].get(key, "0")) for key in REASONS},
                "not_needed": Decimal(source["not_needed"]),
                "remainder": Decimal(source["remainder"]),
                "cancel_reasons": cancel_reasons,
                "state": str(state),
                "reported_on": reported_on,
            }


report: Report = LeftoversReport()
