"""上报: a closed notice's roster, archived and reported to the county, which approves or returns it."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from aidsys.scope import can_act_for_county, can_manage_school
from aidsys.services.writes import instance_create
from aidsys.transitions import InvalidTransition, require, transition
from publicity.models import NoticeEntry, PublicNotice, ReportStatus, RosterReport
from reviews.services.county import roster_return_by_county
from students.models import Tier

_TIER_ORDER = {value: index for index, value in enumerate(Tier.values)}


def roster_summary(entries: list[NoticeEntry]) -> dict:
    """Counts and totals by class and tier, and for the whole roster, frozen into the report.

    Amounts come from the awards even where the notice did not show them: the county needs the money.
    Classes keep the notice's order (by grade and number); tiers go from the most difficult down.
    """
    lines: dict[tuple[str, str], dict] = {}
    class_order: dict[str, int] = {}
    total = Decimal("0.00")
    for entry in entries:
        amount = entry.amount if entry.amount is not None else (entry.application.amount or Decimal("0.00"))
        class_order.setdefault(entry.class_name, len(class_order))
        line = lines.setdefault(
            (entry.class_name, entry.tier),
            {
                "class_name": entry.class_name,
                "tier": entry.tier,
                "tier_label": entry.tier_label,
                "count": 0,
                "total": Decimal("0.00"),
            },
        )
        line["count"] += 1
        line["total"] += amount
        total += amount
    ordered = sorted(
        lines.values(), key=lambda line: (class_order[line["class_name"]], _TIER_ORDER.get(line["tier"], 99))
    )
    return {
        "lines": [{**line, "total": str(line["total"])} for line in ordered],
        "count": len(entries),
        "total": str(total),
    }


@transaction.atomic
def roster_report(*, actor, notice: PublicNotice, entries: list[NoticeEntry], reason: str = "") -> RosterReport:
    """Report the closed notice's roster; a roster reported before (and returned) is reported anew, one version up."""
    require(can_manage_school(actor, notice.school_id))
    summary = roster_summary(entries)
    now = timezone.now()
    existing = (
        RosterReport.objects.select_for_update()
        .filter(school=notice.school_id, program=notice.program_id, term=notice.term_id)
        .first()
    )
    if existing is None:
        return instance_create(
            actor=actor,
            instance=RosterReport(
                school=notice.school,
                program=notice.program,
                term=notice.term,
                notice=notice,
                status=ReportStatus.REPORTED,
                summary=summary,
                reported_by=actor,
                reported_at=now,
                version=1,
            ),
        )
    return transition(
        actor=actor,
        instance=existing,
        from_status=existing.status,
        changes={
            "status": ReportStatus.REPORTED,
            "notice": notice,
            "summary": summary,
            "reported_by": actor,
            "reported_at": now,
            "decided_by": None,
            "decided_at": None,
            "comment": "",
            "version": F("version") + 1,
        },
        recorded=("status", "version", "notice"),
        refused=lambda: InvalidTransition(_("The report changed meanwhile. Reload the page."), code="report_changed"),
        reason=reason,
    )


def _not_reported(report: RosterReport) -> InvalidTransition:
    current = RosterReport.objects.filter(pk=report.pk).first()
    return InvalidTransition(
        _(
            "The report of {school} for {program}, {term} is “{status}”, not awaiting the county's decision: "
            "it has been dealt with meanwhile. Reload the page."
        ).format(school=report.school, program=report.program, term=report.term, status=current.get_status_display()),
        code="report_changed",
    )


@transaction.atomic
def report_approve(*, actor, report: RosterReport) -> RosterReport:
    require(can_act_for_county(actor, report.school.county_id))
    return transition(
        actor=actor,
        instance=report,
        from_status=ReportStatus.REPORTED,
        changes={"status": ReportStatus.APPROVED, "decided_by": actor, "decided_at": timezone.now()},
        refused=lambda: _not_reported(report),
    )


@transaction.atomic
def report_return(*, actor, report: RosterReport, comment: str) -> RosterReport:
    """Return the report with the county's comment; the school's roster goes back to its review."""
    require(can_act_for_county(actor, report.school.county_id))
    comment = comment.strip()
    if not comment:
        raise ValidationError({"comment": ValidationError(_("Say what the school should change."), code="comment")})
    transition(
        actor=actor,
        instance=report,
        from_status=ReportStatus.REPORTED,
        changes={
            "status": ReportStatus.RETURNED,
            "decided_by": actor,
            "decided_at": timezone.now(),
            "comment": comment,
        },
        refused=lambda: _not_reported(report),
        reason=comment,
    )
    roster_return_by_county(
        actor=actor, school=report.school, program=report.program, term=report.term, comment=comment
    )
    return report
