"""The students of a reported roster (上报名单), as the county reads them beside the report's summary."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from aidsys.cn import mask_id_number
from publicity.models import NoticeKind, NoticeStatus, PublicNotice, RosterReport
from publicity.selectors.notices import effective_entries


@dataclass
class ReportedStudent:
    position: int
    class_name: str
    name: str
    id_number_masked: str
    tier_label: str
    amount: Decimal

    @property
    def amount_text(self) -> str:
        return f"{self.amount:.2f}"


def reported_students(report: RosterReport) -> list[ReportedStudent]:
    """The lines the closing of the report's notices confirmed: the original notice's with its closed
    supplementary notices' changes, by class (grade, number) and name in pinyin order.

    The amount is the award's where the notice did not show it, as the report's summary counts it.
    The 身份证号 is masked: the page shows who is on the roster, the registry shows the rest.
    """
    notice = report.notice
    original = notice if notice.kind == NoticeKind.ORIGINAL else notice.supplements
    closed = PublicNotice.objects.filter(supplements=original, status=NoticeStatus.CLOSED)
    entries = [entry for entry in effective_entries([original, *closed]) if entry.confirmed]

    def order(entry):
        school_class, student = entry.application.school_class, entry.application.student
        return (school_class.grade, school_class.number, student.name_pinyin, entry.pk)

    rows = []
    for position, entry in enumerate(sorted(entries, key=order), start=1):
        amount = entry.amount if entry.amount is not None else (entry.application.amount or Decimal("0.00"))
        rows.append(
            ReportedStudent(
                position=position,
                class_name=entry.class_name,
                name=entry.name,
                id_number_masked=mask_id_number(entry.application.student.id_number),
                tier_label=entry.tier_label,
                amount=amount,
            )
        )
    return rows
