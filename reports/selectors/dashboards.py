"""The dashboards' figures: a county's schools, a school's programs and classes, a class.

Every figure is an aggregate query grouped by school, class, program, source or month, so a
dashboard costs the same fixed number of queries whatever the number of schools (the county of
100 schools and 50,000 students answers in one page; bench/county_dashboard.py measures it).

A roster is a school's applications of one program in one term: it moves through the stages of
the year (STAGES). Each roster has each stage done, begun or not begun; a school (or a county) has
a stage done when all its rosters have it done, begun when any has begun it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aidsys.models import County, School, SchoolClass, Term
from aidsys.scope import scope_for
from applications.models import AidProgram, Application, FundingShare, FundingSource
from applications.models import Status as AppStatus
from disbursements.models import AllocationStatus, FundAllocation, LineStatus, PaymentLine
from disbursements.selectors.funds import ZERO, split_by_shares
from publicity.models import (
    NoticeKind,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    PublicNotice,
    ReportStatus,
    RosterReport,
)
from reviews.models import RosterSignoff, SignoffStatus
from students.models import Student
from students.models.student import ON_ROLL

STAGES = [
    ("applied", pgettext_lazy("dashboard stage", "Applied")),
    ("reviewed", pgettext_lazy("dashboard stage", "Reviewed")),
    ("signed", pgettext_lazy("dashboard stage", "Signed")),
    ("noticed", pgettext_lazy("dashboard stage", "Noticed")),
    ("reported", pgettext_lazy("dashboard stage", "Reported")),
    ("approved", pgettext_lazy("dashboard stage", "Approved")),
    ("paid", pgettext_lazy("dashboard stage", "Paid")),
]

DONE, BEGUN, NOT_BEGUN = "done", "begun", "not_begun"

# Applications still waiting for someone before the second review is over.
AWAITING_REVIEW = (
    AppStatus.DRAFT,
    AppStatus.SUBMITTED,
    AppStatus.RETURNED,
    AppStatus.RECOMMENDED,
    AppStatus.SENT_BACK,
    AppStatus.NOT_RECOMMENDED,
)
# Through the first review (recommended or not), or sent back after it.
FIRST_REVIEWED = (AppStatus.RECOMMENDED, AppStatus.NOT_RECOMMENDED, AppStatus.SENT_BACK)
AWAITING_FILING = (AppStatus.DRAFT, AppStatus.RETURNED)
DECIDED = (AppStatus.APPROVED, AppStatus.REJECTED, AppStatus.REVOKED)


def combine(states: list[str]) -> str:
    """A stage of several rosters: done when every one is done, begun when any has begun."""
    if states and all(state == DONE for state in states):
        return DONE
    if any(state in (DONE, BEGUN) for state in states):
        return BEGUN
    return NOT_BEGUN


@dataclass
class Progress:
    """A row of the progress table: a school (or a program), its rosters' stages combined."""

    unit: object
    rosters: int = 0
    marks: dict = field(default_factory=dict)

    @property
    def cells(self) -> list[tuple[str, str]]:
        return [(str(label), self.marks.get(key, NOT_BEGUN)) for key, label in STAGES]


@dataclass
class RosterFacts:
    """What the aggregate queries say of one roster (school, program)."""

    applications: int = 0
    filing: int = 0
    awaiting: int = 0
    first_reviewed: int = 0
    decided: int = 0
    approved: int = 0
    signoff: str = ""
    notices_closed: int = 0
    notices_open: int = 0
    report: str = ""
    paid_awards: int = 0
    pending_lines: int = 0

    def stages(self) -> dict[str, str]:
        def mark(done: bool, begun: bool) -> str:
            return DONE if done else BEGUN if begun else NOT_BEGUN

        submitted = self.applications - self.filing
        return {
            "applied": mark(submitted > 0 and self.filing == 0, self.applications > 0),
            "reviewed": mark(self.decided > 0 and self.awaiting == 0, self.decided > 0 or self.first_reviewed > 0),
            "signed": mark(self.signoff == SignoffStatus.SIGNED, bool(self.signoff)),
            "noticed": mark(self.notices_closed > 0, self.notices_open > 0),
            "reported": mark(
                self.report in (ReportStatus.REPORTED, ReportStatus.APPROVED), self.report == ReportStatus.RETURNED
            ),
            "approved": mark(self.report == ReportStatus.APPROVED, self.report == ReportStatus.REPORTED),
            "paid": mark(
                self.approved > 0 and self.paid_awards >= self.approved, self.paid_awards > 0 or self.pending_lines > 0
            ),
        }


def roster_facts(*, school_ids, term: Term) -> dict[tuple[int, int], RosterFacts]:
    """Each roster of these schools in the term, keyed (school id, program id): five grouped queries."""
    facts: dict[tuple[int, int], RosterFacts] = defaultdict(RosterFacts)
    applications = (
        Application.objects.filter(school_id__in=school_ids, term=term)
        .exclude(status=AppStatus.WITHDRAWN)
        .values("school_id", "program_id")
        .annotate(
            total=Count("pk"),
            filing=Count("pk", filter=Q(status__in=AWAITING_FILING)),
            awaiting=Count("pk", filter=Q(status__in=AWAITING_REVIEW)),
            first_reviewed=Count("pk", filter=Q(status__in=FIRST_REVIEWED)),
            decided=Count("pk", filter=Q(status__in=DECIDED)),
            approved=Count("pk", filter=Q(status=AppStatus.APPROVED)),
        )
        .order_by()
    )
    for row in applications:
        roster = facts[row["school_id"], row["program_id"]]
        roster.applications = row["total"]
        roster.filing = row["filing"]
        roster.awaiting = row["awaiting"]
        roster.first_reviewed = row["first_reviewed"]
        roster.decided = row["decided"]
        roster.approved = row["approved"]
    signoffs = RosterSignoff.objects.filter(school_id__in=school_ids, term=term).values_list(
        "school_id", "program_id", "status"
    )
    for school_id, program_id, status in signoffs:
        facts[school_id, program_id].signoff = status
    notices = (
        PublicNotice.objects.filter(school_id__in=school_ids, term=term, kind=NoticeKind.ORIGINAL)
        .values("school_id", "program_id")
        .annotate(
            closed=Count("pk", filter=Q(status=NoticeStatus.CLOSED)),
            open=Count("pk", filter=~Q(status=NoticeStatus.CLOSED)),
        )
        .order_by()
    )
    for row in notices:
        roster = facts[row["school_id"], row["program_id"]]
        roster.notices_closed, roster.notices_open = row["closed"], row["open"]
    reports = RosterReport.objects.filter(school_id__in=school_ids, term=term).values_list(
        "school_id", "program_id", "status"
    )
    for school_id, program_id, status in reports:
        facts[school_id, program_id].report = status
    lines = (
        PaymentLine.objects.filter(batch__school_id__in=school_ids, batch__term=term)
        .values("batch__school_id", "batch__program_id")
        .annotate(
            paid_awards=Count("application_id", distinct=True, filter=Q(status=LineStatus.PAID)),
            pending=Count("pk", filter=Q(status=LineStatus.PENDING)),
        )
        .order_by()
    )
    for row in lines:
        roster = facts[row["batch__school_id"], row["batch__program_id"]]
        roster.paid_awards, roster.pending_lines = row["paid_awards"], row["pending"]
    return facts


def progress_by(units, facts: dict[tuple[int, int], RosterFacts], key) -> list[Progress]:
    """One Progress per unit (a school, or a program), combining the rosters `key(school, program)` gives it."""
    grouped: dict[int, list[RosterFacts]] = defaultdict(list)
    for (school_id, program_id), roster in facts.items():
        grouped[key(school_id, program_id)].append(roster)
    rows = []
    for unit in units:
        stages = [roster.stages() for roster in grouped.get(unit.pk, [])]
        rows.append(
            Progress(
                unit=unit,
                rosters=len(stages),
                marks={name: combine([s[name] for s in stages]) for name, _label in STAGES},
            )
        )
    return rows


# ---------------------------------------------------------------------------------------------
# Coverage, funds, payments


@dataclass
class Coverage:
    unit: object
    on_roll: int
    aided: int

    @property
    def percent(self) -> Decimal:
        if not self.on_roll:
            return Decimal("0.0")
        return (Decimal(self.aided) * 100 / self.on_roll).quantize(Decimal("0.1"))


def coverage_by(units, *, term: Term, level: str) -> list[Coverage]:
    """Aided students (an approved award in the term) ÷ students on roll, per school or per class (`level`)."""
    ids = [unit.pk for unit in units]
    column = "school_id" if level == "school" else "school_class_id"
    on_roll = dict(
        Student.objects.filter(**{f"{column}__in": ids}, status__in=ON_ROLL)
        .values(column)
        .annotate(n=Count("pk"))
        .order_by()
        .values_list(column, "n")
    )
    aided = dict(
        Application.objects.filter(**{f"{column}__in": ids}, term=term, status=AppStatus.APPROVED)
        .values(column)
        .annotate(n=Count("student_id", distinct=True))
        .order_by()
        .values_list(column, "n")
    )
    return [Coverage(unit=unit, on_roll=on_roll.get(unit.pk, 0), aided=aided.get(unit.pk, 0)) for unit in units]


@dataclass
class SourceFunds:
    source: str
    received: Decimal = ZERO
    paid: Decimal = ZERO

    @property
    def label(self) -> str:
        return str(dict(FundingSource.choices).get(self.source, _("No funding split recorded")))


def funds_by_source(*, school_ids, term: Term) -> list[SourceFunds]:
    """Received (allocations not withdrawn) against paid, per funding source, for the term.

    Paid lines carry no source: each program's paid total is split by its funding shares of the
    school year, as the funds pages do (disbursements.selectors.funds).
    """
    figures: dict[str, SourceFunds] = {}

    def row(source: str) -> SourceFunds:
        return figures.setdefault(source, SourceFunds(source=source))

    received = (
        FundAllocation.objects.filter(school_id__in=school_ids, term=term, status=AllocationStatus.RECEIVED)
        .values("source")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    for item in received:
        row(item["source"]).received += item["amount"]
    paid_by_program = dict(
        PaymentLine.objects.filter(batch__school_id__in=school_ids, batch__term=term, status=LineStatus.PAID)
        .values("batch__program_id")
        .annotate(amount=Sum("amount"))
        .order_by()
        .values_list("batch__program_id", "amount")
    )
    shares: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for program_id, source, percent in FundingShare.objects.filter(
        program_id__in=list(paid_by_program), school_year_id=term.school_year_id
    ).values_list("program_id", "source", "percent"):
        shares[program_id][source] = percent
    for program_id, amount in paid_by_program.items():
        for source, part in split_by_shares(amount, shares.get(program_id, {})).items():
            row(source).paid += part
    order = [value for value, _label in FundingSource.choices]
    return sorted(figures.values(), key=lambda f: order.index(f.source) if f.source in order else len(order))


@dataclass
class MonthPayments:
    month: date
    lines: int
    amount: Decimal


def payments_by_month(*, term: Term, school_ids=None, class_id=None) -> list[MonthPayments]:
    """Lines paid in each month of the term's school year (September to August), their number and yuan."""
    lines = PaymentLine.objects.filter(batch__term__school_year_id=term.school_year_id, status=LineStatus.PAID)
    if school_ids is not None:
        lines = lines.filter(batch__school_id__in=school_ids)
    if class_id is not None:
        lines = lines.filter(application__school_class_id=class_id)
    paid = {
        (row["month"].year, row["month"].month): row
        for row in lines.annotate(month=TruncMonth("paid_on"))
        .values("month")
        .annotate(lines=Count("pk"), amount=Sum("amount"))
        .order_by()
    }
    start = term.school_year.start_year
    months = [date(start + (9 + n - 1) // 12, (9 + n - 1) % 12 + 1, 1) for n in range(12)]
    return [
        MonthPayments(
            month=month,
            lines=paid.get((month.year, month.month), {}).get("lines", 0),
            amount=paid.get((month.year, month.month), {}).get("amount") or ZERO,
        )
        for month in months
    ]


def alerts(*, school_ids, today: date | None = None) -> dict[str, int]:
    """Objections open past their answer deadline, and failed payment lines no follow-up line repays yet."""
    today = today or timezone.localdate()
    return {
        "overdue_objections": Objection.objects.filter(
            notice__school_id__in=school_ids, status=ObjectionStatus.OPEN, deadline__lt=today
        ).count(),
        "failed_payments": PaymentLine.objects.filter(
            batch__school_id__in=school_ids, status=LineStatus.FAILED, replaced_by__isnull=True
        ).count(),
    }


# ---------------------------------------------------------------------------------------------
# The three dashboards


def chosen_term(term_pk: str | None, default: Term | None = None) -> Term | None:
    """The term `?term=` names, else `default`, else today's."""
    terms = Term.objects.select_related("school_year")
    if term_pk and term_pk.isdigit():
        term = terms.filter(pk=int(term_pk)).first()
        if term is not None:
            return term
    if default is not None:
        return terms.get(pk=default.pk)
    return Term.current()


def county_dashboard(*, county, term: Term) -> dict:
    schools = list(School.objects.filter(county=county).order_by("code"))
    ids = [school.pk for school in schools]
    facts = roster_facts(school_ids=ids, term=term)
    return {
        "progress": progress_by(schools, facts, key=lambda school_id, _program_id: school_id),
        "coverage": coverage_by(schools, term=term, level="school"),
        "funds": funds_by_source(school_ids=ids, term=term),
        "months": payments_by_month(term=term, school_ids=ids),
        "alerts": alerts(school_ids=ids),
    }


def school_dashboard(*, school, term: Term) -> dict:
    facts = roster_facts(school_ids=[school.pk], term=term)
    programs = list(AidProgram.objects.filter(pk__in={program_id for _s, program_id in facts}).order_by("code"))
    classes = list(SchoolClass.objects.filter(school=school, school_year=term.school_year_id))
    return {
        "progress": progress_by(programs, facts, key=lambda _school_id, program_id: program_id),
        "coverage": coverage_by(classes, term=term, level="class"),
        "funds": funds_by_source(school_ids=[school.pk], term=term),
        "months": payments_by_month(term=term, school_ids=[school.pk]),
        "alerts": alerts(school_ids=[school.pk]),
    }


@dataclass
class Award:
    application: Application
    lines: dict = field(default_factory=dict)

    @property
    def payment_status(self) -> str:
        """Paid, failed, pending, or nothing yet (""), from the lines of the award in the term."""
        for status in (LineStatus.PAID, LineStatus.FAILED, LineStatus.PENDING):
            if self.lines.get(status):
                return status
        return ""


def class_dashboard(*, school_class, term: Term) -> dict:
    applications = Application.objects.filter(school_class=school_class, term=term)
    by_status = dict(applications.values("status").annotate(n=Count("pk")).order_by().values_list("status", "n"))
    awards = [
        Award(application=application)
        for application in applications.filter(status=AppStatus.APPROVED)
        .select_related("student", "program")
        .order_by("student__name_pinyin", "program__code")
    ]
    lines = PaymentLine.objects.filter(application__school_class=school_class, batch__term=term)
    per_award = lines.values("application_id", "status").annotate(n=Count("pk")).order_by()
    by_award = {award.application.pk: award for award in awards}
    for row in per_award:
        if row["application_id"] in by_award:
            by_award[row["application_id"]].lines[row["status"]] = row["n"]
    line_status = {
        row["status"]: row
        for row in lines.values("status").annotate(lines=Count("pk"), amount=Sum("amount")).order_by()
    }
    return {
        "coverage": coverage_by([school_class], term=term, level="class")[0],
        "applications": [(value, label, by_status.get(value, 0)) for value, label in AppStatus.choices],
        "awards": awards,
        "awarded_amount": sum((award.application.amount for award in awards), ZERO),
        "lines": [
            (
                value,
                label,
                line_status.get(value, {}).get("lines", 0),
                line_status.get(value, {}).get("amount") or ZERO,
            )
            for value, label in LineStatus.choices
        ],
        "months": payments_by_month(term=term, class_id=school_class.pk),
    }


def dashboards_for(user) -> list[tuple[str, str]]:
    """The dashboards a user may open: (name, url), the county's first, then schools', then classes'."""
    scope = scope_for(user)
    items = []
    counties = County.objects.all() if scope.is_admin else County.objects.filter(pk__in=scope.county_ids)
    for county in counties.order_by("code"):
        items.append((str(county), reverse("reports:dashboard_county", args=[county.pk])))
    if scope.school_ids:
        for school in School.objects.filter(pk__in=scope.school_ids).order_by("code"):
            items.append((str(school), reverse("reports:dashboard_school", args=[school.pk])))
    if scope.class_ids:
        classes = SchoolClass.objects.filter(pk__in=scope.class_ids).select_related("school", "school_year")
        for school_class in classes.order_by("-school_year__start_year", "school", "grade", "number"):
            label = f"{school_class.school} · {school_class.name} ({school_class.school_year})"
            items.append((label, reverse("reports:dashboard_class", args=[school_class.pk])))
    return items
