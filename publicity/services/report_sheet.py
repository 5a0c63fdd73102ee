"""The 上报名单 cover sheet: what the school reports and the county checks, with both sides' signatures."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from aidsys.cn import amount_in_words
from aidsys.pdf import render_pdf
from aidsys.scope import can_read_school_rosters
from aidsys.services.audit import Action, audit_record
from aidsys.transitions import require
from publicity.models import RosterReport


def report_sheet_context(report: RosterReport) -> dict:
    """The report's frozen summary (counts and totals by class and tier), its total in figures and capitals."""
    total = Decimal(report.summary.get("total") or "0.00")
    return {
        "report": report,
        "school": report.school,
        "program": report.program,
        "term": report.term,
        "lines": report.summary.get("lines", []),
        "count": report.summary.get("count", 0),
        "total": f"{total:.2f}",
        "total_in_words": amount_in_words(total),
        "printed_on": timezone.localdate(),
    }


def report_print(*, actor, report: RosterReport) -> bytes:
    """The cover sheet as an A4 PDF; printing is an audit event (DESIGN.md §5)."""
    require(can_read_school_rosters(actor, report.school))
    content = render_pdf("publicity/pdf/report_cover.html", report_sheet_context(report))
    audit_record(actor=actor, action=Action.PRINT, target=report)
    return content
