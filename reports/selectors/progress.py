"""学生资助进展情况表 (月报): where each school stands with each program, as of a chosen day.

"As of" counts only what had happened by the end of that day, read from the rows' own times: an
application counts from its submission, an approval from its decision, a notice from its
publication and its closing, a roster from its report and the county's approval, money from the
day it was recorded (less what was withdrawn by then) and a payment from the day it was paid.

Students on roll are those on roll now, and those who left after that day. An award revoked
(取消资格) after that day still counts as approved on it; one revoked by then does not.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.db.models import Count, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aidsys.models import Term
from applications.models import AidProgram, Application, ApplyPeriod
from applications.models import Status as ApplicationStatus
from disbursements.models import AllocationStatus, BatchStatus, FundAllocation, LineStatus, PaymentLine
from publicity.models import NoticeKind, PublicNotice, ReportStatus, RosterReport
from reports.definitions import DATE, INTEGER, MONEY, PERCENT, Column, Report, ReportData, ReportRequest
from reports.selectors.units import (
    AWARD_TIERS,
    SOURCE_ORDER,
    ZERO,
    ratio,
    source_key,
    source_label,
    stage_of_grade,
    term_of,
    units_for,
)
from students.models import ON_ROLL, Student


def end_of(day) -> datetime:
    """The first moment after `day` in the project's time zone: what happened by `day` is before it."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def in_term(term: Term, prefix: str = "") -> Q:
    """Rows of the term: a term's own, and a year's programme filed in this or an earlier term of its year."""
    return Q(**{f"{prefix}term": term}) | Q(
        **{
            f"{prefix}program__apply_period": ApplyPeriod.YEAR,
            f"{prefix}term__school_year_id": term.school_year_id,
            f"{prefix}term__start__lte": term.start,
        }
    )


def on_roll_by_stage(*, school_ids, school_year_id, as_of) -> dict[tuple[int, str], int]:
    """Students on roll on `as_of`, per school and stage (one query)."""
    counts: dict[tuple[int, str], int] = defaultdict(int)
    rows = (
        Student.objects.filter(school__in=school_ids, school_class__school_year_id=school_year_id)
        .filter(Q(status__in=ON_ROLL) | Q(status_since__gt=as_of))
        .values_list("school", "school_class__grade")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for school, grade, n in rows:
        counts[school, stage_of_grade(grade)] += n
    return counts


class ProgressReport:
    key = "progress"
    parameters = ("program", "term", "as_of")

    @property
    def title(self) -> str:
        return _("Student aid progress report")

    def build(self, request: ReportRequest) -> ReportData:
        units = units_for(request)
        as_of = request.as_of or timezone.localdate()
        term = term_of(request) or Term.current(as_of)
        programs = AidProgram.objects.filter(county=units.county).order_by("code")
        if request.program_id:
            programs = programs.filter(pk=request.program_id)
        programs = list(programs)
        figures = _figures(units.school_ids, [p.pk for p in programs], term, as_of) if term else {}
        sources = sorted({source for (_s, _p, source) in figures.get("received", {})}, key=_source_position)
        columns = [
            Column("school", _("School")),
            Column("program", _("Aid program")),
            Column("on_roll", _("Students on roll"), INTEGER, total=True),
            Column("applications", _("Applications"), INTEGER, total=True),
            *[
                Column(f"approved_{tier.value}", _("Approved: {tier}").format(tier=tier.label), INTEGER, total=True)
                for tier in AWARD_TIERS
            ],
            Column("approved", _("Approved in all"), INTEGER, total=True),
            Column("notice_published", _("Notice published"), DATE),
            Column("notice_closed", _("Notice closed"), DATE),
            Column("reported", _("Roster reported"), DATE),
            Column("county_approved", _("Approved by the county"), DATE),
            *[
                Column(source_key(s), _("Received: {source}").format(source=source_label(s)), MONEY, total=True)
                for s in sources
            ],
            Column("received", _("Received in all (yuan)"), MONEY, total=True),
            Column("paid_people", _("Students paid"), INTEGER, total=True),
            Column("paid", _("Paid (yuan)"), MONEY, total=True),
            Column("paid_ratio", _("Paid ÷ received"), PERCENT),
            Column("leftover", _("Left (yuan)"), MONEY, total=True),
        ]
        rows = [row for school in units.schools for row in _rows(school, programs, figures, sources)] if term else []
        period = _("As of {day:%Y-%m-%d}").format(day=as_of)
        if term:
            period = f"{term} · {period}"
        return ReportData(
            title=self.title,
            unit=units.name,
            period=period,
            columns=columns,
            rows=rows,
            count=len(rows),
            notes=[
                _(
                    "Figures count what had happened by the end of the day: submissions, decisions, notices, "
                    "reports, funds recorded and payments made by then."
                ),
                _("Left is what was received less what was paid by that day."),
            ],
        )


def _source_position(source: str) -> int:
    return SOURCE_ORDER.index(source) if source in SOURCE_ORDER else len(SOURCE_ORDER)


def _figures(school_ids, program_ids, term: Term, as_of) -> dict:
    end = end_of(as_of)
    applications = Application.objects.filter(school__in=school_ids, program__in=program_ids).filter(in_term(term))
    submitted = {
        (s, p): n
        for s, p, n in applications.filter(submitted_at__lt=end)
        .values_list("school", "program")
        .annotate(n=Count("pk"))
        .order_by()
    }
    approved = {
        (s, p, tier): n
        for s, p, tier, n in applications.filter(
            Q(status=ApplicationStatus.APPROVED) | Q(status=ApplicationStatus.REVOKED, revocation__revoked_at__gte=end),
            decided_at__lt=end,
        )
        .values_list("school", "program", "approved_tier")
        .annotate(n=Count("pk"))
        .order_by()
    }
    notices = {
        (s, p): (first, closed)
        for s, p, first, closed in PublicNotice.objects.filter(
            in_term(term), school__in=school_ids, program__in=program_ids, kind=NoticeKind.ORIGINAL
        )
        .values_list("school", "program")
        .annotate(
            first=Min("published_at", filter=Q(published_at__lt=end)),
            closed=Min("closed_at", filter=Q(closed_at__lt=end)),
        )
    }
    reports = {
        (s, p): (reported, decided)
        for s, p, reported, decided in RosterReport.objects.filter(
            in_term(term), school__in=school_ids, program__in=program_ids
        )
        .values_list("school", "program")
        .annotate(
            reported=Min("reported_at", filter=Q(reported_at__lt=end)),
            decided=Min("decided_at", filter=Q(status=ReportStatus.APPROVED, decided_at__lt=end)),
        )
    }
    received = {
        (s, p, source): amount
        for s, p, source, amount in FundAllocation.objects.filter(
            school__in=school_ids, program__in=program_ids, term=term, recorded_at__lt=end
        )
        .filter(Q(status=AllocationStatus.RECEIVED) | Q(withdrawn_at__gte=end))
        .values_list("school", "program", "source")
        .annotate(amount=Sum("amount"))
        .order_by()
    }
    paid = {
        (s, p): (people, amount)
        for s, p, people, amount in PaymentLine.objects.filter(
            batch__school__in=school_ids,
            batch__program__in=program_ids,
            batch__term=term,
            batch__status=BatchStatus.APPROVED,
            status=LineStatus.PAID,
            paid_on__lte=as_of,
        )
        .values_list("batch__school", "batch__program")
        .annotate(people=Count("student", distinct=True), amount=Sum("amount"))
    }
    return {
        "on_roll": on_roll_by_stage(school_ids=school_ids, school_year_id=term.school_year_id, as_of=as_of),
        "submitted": submitted,
        "approved": approved,
        "notices": notices,
        "reports": reports,
        "received": received,
        "paid": paid,
    }


def _day(moment):
    return timezone.localtime(moment).date() if moment else None


def _rows(school, programs, figures, sources):
    for program in programs:
        key = (school.pk, program.pk)
        received = {s: figures["received"].get((school.pk, program.pk, s), ZERO) for s in sources}
        has_money = any(received.values()) or key in figures["paid"]
        serves = set(program.stages) & set(school.stages)
        if not serves and not has_money and key not in figures["submitted"]:
            continue
        approved = {tier: figures["approved"].get((school.pk, program.pk, tier.value), 0) for tier in AWARD_TIERS}
        published, closed = figures["notices"].get(key, (None, None))
        reported, decided = figures["reports"].get(key, (None, None))
        people, paid = figures["paid"].get(key, (0, ZERO))
        total_received = sum(received.values(), ZERO)
        yield {
            "school": school.name,
            "program": program.name,
            "on_roll": sum(figures["on_roll"].get((school.pk, stage), 0) for stage in serves),
            "applications": figures["submitted"].get(key, 0),
            **{f"approved_{tier.value}": n for tier, n in approved.items()},
            "approved": sum(approved.values()),
            "notice_published": _day(published),
            "notice_closed": _day(closed),
            "reported": _day(reported),
            "county_approved": _day(decided),
            **{source_key(s): amount for s, amount in received.items()},
            "received": total_received,
            "paid_people": people,
            "paid": paid,
            "paid_ratio": ratio(paid, total_received),
            "leftover": total_received - paid,
        }


report: Report = ProgressReport()
