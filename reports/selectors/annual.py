"""年度统计: a school year's figures per school stage and program, and the same figures summed for a
year-end summary (the printed 年度学生资助工作统计).

到位率 (funds in place): the funds never say what was allocated apart from what was received (a
FundAllocation is money received, withdrawn only when recorded in error), so the rate weighs the
yuan received against the yuan the year's approved awards need. 发放率: paid ÷ received.

A school's allocation counts under the stage its program serves there (the first, where a program
serves several of the school's stages). Students on roll are those on roll in the year's classes
at its end (or today, for the running year).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aidsys.models import SchoolYear, Stage
from applications.models import AidProgram, Application, FundingShare
from applications.models import Status as ApplicationStatus
from disbursements.models import AllocationStatus, BatchStatus, FundAllocation, LineStatus, PaymentLine
from disbursements.selectors.funds import split_by_shares
from publicity.models import Objection, ObjectionStatus
from reports.definitions import INTEGER, MONEY, PERCENT, TEXT, Column, Report, ReportData, ReportRequest
from reports.selectors.progress import on_roll_by_stage
from reports.selectors.units import (
    SOURCE_ORDER,
    STAGE_ORDER,
    ZERO,
    Units,
    ratio,
    school_year_of,
    source_key,
    source_label,
    stage_of_grade,
    units_for,
)
from students.gaps import aid_gaps

# The stages a year-end summary reports (学前 is aided locally and has its own statistics).
REPORTED_STAGES = [Stage.PRIMARY, Stage.JUNIOR, Stage.SENIOR, Stage.VOCATIONAL]


@dataclass
class Line:
    stage: str
    program: AidProgram
    schools: int = 0
    on_roll: int = 0
    aided: int = 0
    needed: Decimal = ZERO
    received: Decimal = ZERO
    paid: Decimal = ZERO
    paid_by_source: dict[str, Decimal] = field(default_factory=dict)

    @property
    def coverage(self):
        return ratio(self.aided, self.on_roll)

    @property
    def arrival_rate(self):
        return ratio(self.received, self.needed)

    @property
    def payout_rate(self):
        return ratio(self.paid, self.received)


@dataclass
class AnnualFigures:
    units: Units
    school_year: SchoolYear
    lines: list[Line]
    sources: list[str]
    schools: int
    on_roll: int
    aided: int  # distinct students, whatever their programs

    def total(self, name: str):
        return sum((getattr(line, name) for line in self.lines), ZERO if name != "aided" else 0)

    @property
    def coverage(self):
        return ratio(self.aided, self.on_roll)


def annual_figures(units: Units, school_year: SchoolYear) -> AnnualFigures:
    school_ids = units.school_ids
    _first, last = school_year.days()
    as_of = min(last, timezone.localdate())
    on_roll = on_roll_by_stage(school_ids=school_ids, school_year_id=school_year.pk, as_of=as_of)
    stage_of_school = {school.pk: set(school.stages) for school in units.schools}
    programs = {program.pk: program for program in AidProgram.objects.filter(county=units.county)}

    awards = Application.objects.filter(
        school__in=school_ids, term__school_year=school_year, status=ApplicationStatus.APPROVED
    )
    aided: dict[tuple[str, int], set[int]] = defaultdict(set)
    needed: dict[tuple[str, int], Decimal] = defaultdict(lambda: ZERO)
    for program, grade, student, amount in awards.values_list(
        "program", "school_class__grade", "student", "amount"
    ).iterator(chunk_size=5000):
        aided[stage_of_grade(grade), program].add(student)
        needed[stage_of_grade(grade), program] += amount or ZERO

    paid: dict[tuple[str, int], Decimal] = defaultdict(lambda: ZERO)
    for program, grade, amount in (
        PaymentLine.objects.filter(
            batch__school__in=school_ids,
            batch__term__school_year=school_year,
            batch__status=BatchStatus.APPROVED,
            status=LineStatus.PAID,
        )
        .values_list("batch__program", "application__school_class__grade")
        .annotate(amount=Sum("amount"))
        .order_by()
    ):
        paid[stage_of_grade(grade), program] += amount

    received: dict[tuple[str, int], Decimal] = defaultdict(lambda: ZERO)
    for school, program, amount in (
        FundAllocation.objects.filter(
            school__in=school_ids, term__school_year=school_year, status=AllocationStatus.RECEIVED
        )
        .values_list("school", "program")
        .annotate(amount=Sum("amount"))
        .order_by()
    ):
        served = [stage for stage in STAGE_ORDER if stage in stage_of_school[school]]
        common = [stage for stage in served if stage in programs[program].stages]
        received[(common or served or [""])[0], program] += amount

    shares: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for program, source, percent in FundingShare.objects.filter(
        program__in=programs, school_year=school_year
    ).values_list("program", "source", "percent"):
        shares[program][source] = percent

    keys = set(aided) | set(paid) | set(received)
    lines = []
    for stage, program in sorted(keys, key=lambda k: (_stage_position(k[0]), programs[k[1]].code)):
        line = Line(
            stage=stage,
            program=programs[program],
            schools=sum(1 for stages in stage_of_school.values() if stage in stages),
            on_roll=sum(n for (_school, s), n in on_roll.items() if s == stage),
            aided=len(aided.get((stage, program), ())),
            needed=needed.get((stage, program), ZERO),
            received=received.get((stage, program), ZERO),
            paid=paid.get((stage, program), ZERO),
        )
        line.paid_by_source = split_by_shares(line.paid, shares.get(program, {})) if line.paid else {}
        lines.append(line)
    sources = sorted(
        {source for line in lines for source in line.paid_by_source},
        key=lambda s: SOURCE_ORDER.index(s) if s in SOURCE_ORDER else len(SOURCE_ORDER),
    )
    return AnnualFigures(
        units=units,
        school_year=school_year,
        lines=lines,
        sources=sources,
        schools=len(units.schools),
        on_roll=sum(on_roll.values()),
        aided=awards.values("student").distinct().count(),
    )


def _stage_position(stage: str) -> int:
    return STAGE_ORDER.index(stage) if stage in STAGE_ORDER else len(STAGE_ORDER)


def stage_label(stage: str) -> str:
    return str(dict(Stage.choices).get(stage, "")) or _("Stage not known")


class AnnualReport:
    key = "annual"
    parameters = ("school_year",)

    @property
    def title(self) -> str:
        return _("Annual student aid statistics")

    def columns(self, sources) -> list[Column]:
        return [
            Column("stage", _("School stage"), TEXT),
            Column("program", _("Aid program")),
            Column("schools", _("Schools"), INTEGER),
            Column("on_roll", _("Students on roll"), INTEGER),
            Column("aided", _("Students aided"), INTEGER, total=True),
            Column("coverage", _("Aided ÷ on roll"), PERCENT),
            *[
                Column(source_key(s), _("Paid: {source}").format(source=source_label(s)), MONEY, total=True)
                for s in sources
            ],
            Column("paid", _("Paid in all (yuan)"), MONEY, total=True),
            Column("received", _("Received (yuan)"), MONEY, total=True),
            Column("needed", _("Needed by the approved awards (yuan)"), MONEY, total=True),
            Column("arrival_rate", _("Funds in place (received ÷ needed)"), PERCENT),
            Column("payout_rate", _("Paid ÷ received"), PERCENT),
        ]

    def build(self, request: ReportRequest) -> ReportData:
        units = units_for(request)
        year = school_year_of(request) or SchoolYear.objects.order_by("-start_year").first()
        figures = annual_figures(units, year)
        return ReportData(
            title=self.title,
            unit=units.name,
            period=str(year.label),
            columns=self.columns(figures.sources),
            rows=[_row(line, figures.sources) for line in figures.lines],
            count=len(figures.lines),
            notes=[
                _(
                    "Funds in place weighs the yuan received against the yuan the year's approved awards need: "
                    "the funds recorded are the money received, with no separate allocated amount."
                ),
                _("Students on roll are per stage: a stage's programs each show the same number."),
            ],
        )


def _row(line: Line, sources) -> dict:
    return {
        "stage": stage_label(line.stage),
        "program": line.program.name,
        "schools": line.schools,
        "on_roll": line.on_roll,
        "aided": line.aided,
        "coverage": line.coverage,
        **{source_key(s): line.paid_by_source.get(s, ZERO) for s in sources},
        "paid": line.paid,
        "received": line.received,
        "needed": line.needed,
        "arrival_rate": line.arrival_rate,
        "payout_rate": line.payout_rate,
    }


@dataclass
class ObjectionFigures:
    lodged: int
    upheld: int
    dismissed: int
    open: int
    late: int  # decided after their deadline, or still open past it


def objection_figures(units: Units, school_year: SchoolYear) -> ObjectionFigures:
    today = timezone.localdate()
    objections = Objection.objects.filter(
        notice__school__in=units.school_ids, notice__term__school_year=school_year
    ).order_by()
    counts = objections.aggregate(
        lodged=Count("pk"),
        upheld=Count("pk", filter=Q(status=ObjectionStatus.UPHELD)),
        dismissed=Count("pk", filter=Q(status=ObjectionStatus.DISMISSED)),
        open=Count("pk", filter=Q(status=ObjectionStatus.OPEN)),
    )
    late = 0
    for status, deadline, decided_at in objections.values_list("status", "deadline", "decided_at"):
        if status == ObjectionStatus.OPEN:
            late += deadline < today
        elif decided_at is not None:
            late += timezone.localtime(decided_at).date() > deadline
    return ObjectionFigures(late=late, **counts)


def gap_count(*, user, units: Units, school_year: SchoolYear) -> int:
    gaps = aid_gaps(user=user, school_year=school_year, county=units.county).filter(school__in=units.school_ids)
    return gaps.count()


report: Report = AnnualReport()
