"""Reads of aid programs, their standards and the quotas. Each starts from the user's scope.

The applications' own reads are in `applications.selectors.applications`.

Quota pages count what approved applications use with one grouped query for all the rows on
the page (`quota_usage`), so that a county page of 100 schools costs what one of 3 does.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aidsys.models import School, SchoolClass, SchoolYear, Term
from aidsys.scope import scope_for
from applications.models import (
    AidProgram,
    Application,
    ApplicationWindow,
    Boarding,
    ClassQuota,
    FundingShare,
    FundingSource,
    PayPeriod,
    ProgramStandard,
    Quota,
    default_window,
)
from applications.services.quota_limits import USING_STATUSES
from students.models import Tier

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# ---------------------------------------------------------------------------------------------
# Programs


def programs_for(*, user):
    """The programs the user sees: their county's (everyone working there reads them)."""
    return AidProgram.objects.visible_to(user).select_related("county").order_by("county__code", "-active", "code")


def program_for_page(*, user, pk: int) -> AidProgram:
    return AidProgram.objects.select_related("county").get_visible_or_404(user, pk=pk)


def program_counties(user):
    """The counties whose programs the user may create (county staff: theirs; the administrator: all)."""
    from aidsys.models import County

    scope = scope_for(user)
    counties = County.objects.order_by("code")
    return counties if scope.is_admin else counties.filter(pk__in=scope.county_ids)


def school_years():
    return SchoolYear.objects.order_by("-start_year")


def current_school_year() -> SchoolYear | None:
    """The school year of today's term, else the latest one."""
    term = Term.current()
    return term.school_year if term else SchoolYear.objects.order_by("-start_year").first()


@dataclass
class WindowRow:
    term: Term
    opens: object
    closes: object
    is_default: bool


@dataclass
class ProgramYear:
    """What a program page shows for one school year."""

    school_year: SchoolYear
    standards: list[ProgramStandard]
    shares: list[FundingShare]
    windows: list[WindowRow]

    @property
    def shares_total(self) -> Decimal:
        return sum((share.percent for share in self.shares), ZERO)


def program_year(*, program: AidProgram, school_year: SchoolYear) -> ProgramYear:
    standards = list(ProgramStandard.objects.filter(program=program, school_year=school_year))
    shares = list(FundingShare.objects.filter(program=program, school_year=school_year))
    terms = list(school_year.terms.order_by("start"))
    set_windows = {w.term_id: w for w in ApplicationWindow.objects.filter(program=program, term__in=terms)}
    windows = []
    for term in terms:
        window = set_windows.get(term.pk)
        if window is not None:
            windows.append(WindowRow(term, window.opens, window.closes, is_default=False))
        else:
            opens, closes = default_window(term)
            windows.append(WindowRow(term, opens, closes, is_default=True))
    sources = list(FundingSource.values)
    shares.sort(key=lambda share: sources.index(share.source))
    return ProgramYear(school_year, sorted(standards, key=_standard_order), shares, windows)


def _standard_order(standard: ProgramStandard):
    tiers = ["", *Tier.values]
    boardings = list(Boarding.values)
    return tiers.index(standard.tier), boardings.index(standard.boarding)


# ---------------------------------------------------------------------------------------------
# Standards


class StandardMissing(ValidationError):
    pass


def _specificity(standard: ProgramStandard) -> int:
    """Tier and boarding status > tier > boarding status > any."""
    return (2 if standard.tier else 0) + (1 if standard.boarding != Boarding.ANY else 0)


def standard_for(program: AidProgram, school_year, tier: str, boarder: bool) -> ProgramStandard:
    """The standard that applies to a student of this tier and boarding status: the most specific row.

    Uses `program.standards` as prefetched where the caller prefetched it (a roster of many
    students), so that looking up many students costs no query each.
    """
    school_year_id = getattr(school_year, "pk", school_year)
    candidates = [
        standard
        for standard in program.standards.all()
        if standard.school_year_id == school_year_id and standard.matches(tier=tier, boarder=boarder)
    ]
    if not candidates:
        raise StandardMissing(
            gettext(
                "{program} has no standard for {school_year} that applies to a {boarding} student of the tier "
                "“{tier}”; county staff set it on the program's page."
            ).format(
                program=program,
                school_year=school_year if isinstance(school_year, SchoolYear) else school_year_id,
                boarding=gettext("boarding") if boarder else gettext("day"),
                tier=Tier(tier).label if tier in Tier.values else (tier or gettext("any")),
            ),
            code="no_standard",
        )
    return max(candidates, key=_specificity)


def standard_amount(program: AidProgram, school_year, tier: str, boarder: bool, pay_period_share: bool = True):
    """The standard amount in yuan for a student of this tier and boarding status.

    With `pay_period_share` (the default) it is the amount of one award, that is one term's:
    half the year's standard when the program is paid per term (rounded half up to the fen),
    the whole year's when it is paid per school year. Without it, the year's standard.
    """
    per_year = standard_for(program, school_year, tier, boarder).amount_per_year
    if pay_period_share and program.pay_period == PayPeriod.TERM:
        return (per_year / 2).quantize(CENT, rounding=ROUND_HALF_UP)
    return per_year.quantize(CENT, rounding=ROUND_HALF_UP)


def award_ceiling(program: AidProgram, school_year) -> Decimal | None:
    """The most one award of the program may be in the school year: the highest standard of that year
    (a whole year's, which a school may pay at once), or the county's ceiling on the program where that
    is higher; None when the program has neither."""
    school_year_id = getattr(school_year, "pk", school_year)
    per_year = [
        standard.amount_per_year for standard in program.standards.all() if standard.school_year_id == school_year_id
    ]
    limits = [max(per_year).quantize(CENT)] if per_year else []
    if program.award_ceiling is not None:
        limits.append(program.award_ceiling.quantize(CENT))
    return max(limits, default=None)


def with_standards(programs):
    """Programs with their standards prefetched, for many `standard_amount` look-ups."""
    return programs.prefetch_related(Prefetch("standards", queryset=ProgramStandard.objects.all()))


# ---------------------------------------------------------------------------------------------
# Quotas


@dataclass
class Usage:
    awards: int = 0
    amount: Decimal = ZERO

    def add(self, awards: int, amount) -> None:
        self.awards += awards
        self.amount += amount or ZERO


def quota_usage(*, program, term, schools=None, school_class_level: bool = False) -> dict[tuple, Usage]:
    """What approved applications use, grouped by (school id, approved tier), or by (class id, approved
    tier) with `school_class_level`; one query for all the schools given (all of the program's if None)."""
    group = "school_class_id" if school_class_level else "school_id"
    applications = Application.objects.filter(program=program, term=term, status__in=USING_STATUSES)
    if schools is not None:
        applications = applications.filter(school__in=schools)
    rows = applications.order_by().values(group, "approved_tier").annotate(awards=Count("pk"), amount=Sum("amount"))
    usage: dict[tuple, Usage] = defaultdict(Usage)
    for row in rows:
        usage[(row[group], row["approved_tier"])].add(row["awards"], row["amount"])
    return usage


def used_under(usage: dict[tuple, Usage], unit_id: int, tier: str) -> Usage:
    """What a quota row for `tier` ("" for all tiers) of one school or class has used."""
    total = Usage()
    for (unit, used_tier), used in usage.items():
        if unit == unit_id and (not tier or used_tier == tier):
            total.add(used.awards, used.amount)
    return total


@dataclass
class Allocation:
    """One quota row (a school's, or a class's part) with what it has used and what is left."""

    tier: str
    awards: int | None
    amount: Decimal | None
    used: Usage
    row: Quota | ClassQuota | None = None
    given_awards: int = 0  # a school row: what its classes have been given
    given_amount: Decimal = ZERO
    divided: bool = False

    @property
    def tier_label(self) -> str:
        return str(Tier(self.tier).label) if self.tier else str(_("All tiers"))

    @property
    def awards_remaining(self) -> int | None:
        return None if self.awards is None else self.awards - self.used.awards

    @property
    def amount_remaining(self) -> Decimal | None:
        return None if self.amount is None else self.amount - self.used.amount

    @property
    def awards_undivided(self) -> int | None:
        return None if self.awards is None else self.awards - self.given_awards

    @property
    def amount_undivided(self) -> Decimal | None:
        return None if self.amount is None else self.amount - self.given_amount


def _class_totals(quotas) -> dict[int, tuple[int, Decimal, int]]:
    rows = (
        ClassQuota.objects.filter(quota__in=quotas)
        .order_by()
        .values("quota_id")
        .annotate(awards=Sum("awards"), amount=Sum("amount"), parts=Count("pk"))
    )
    return {row["quota_id"]: (row["awards"] or 0, row["amount"] or ZERO, row["parts"]) for row in rows}


def _allocation(quota: Quota, usage, unit_id, class_totals) -> Allocation:
    given_awards, given_amount, parts = class_totals.get(quota.pk, (0, ZERO, 0))
    return Allocation(
        tier=quota.tier,
        awards=quota.awards,
        amount=quota.amount,
        used=used_under(usage, unit_id, quota.tier),
        row=quota,
        given_awards=given_awards,
        given_amount=given_amount,
        divided=parts > 0,
    )


@dataclass
class SchoolQuotas:
    school: School
    allocations: list[Allocation] = field(default_factory=list)
    used: Usage = field(default_factory=Usage)  # everything the school has used, whatever its quotas

    def allocation(self, tier: str) -> Allocation | None:
        return next((a for a in self.allocations if a.tier == tier), None)


def schools_served(*, program: AidProgram):
    """The schools of the program's county with a stage the program serves (one query)."""
    schools = School.objects.filter(county_id=program.county_id).order_by("code")
    return [school for school in schools if set(school.stages or []) & set(program.stages)]


def county_quotas(*, program: AidProgram, term: Term, schools=None) -> list[SchoolQuotas]:
    """Every school the program serves (or those given) with its quota rows, used and remaining:
    four queries in all, whatever the number of schools."""
    schools = schools_served(program=program) if schools is None else list(schools)
    quotas = list(Quota.objects.filter(program=program, term=term, school__in=schools).order_by("tier"))
    usage = quota_usage(program=program, term=term, schools=schools)
    class_totals = _class_totals(quotas)
    by_school = defaultdict(list)
    for quota in quotas:
        by_school[quota.school_id].append(quota)
    rows = []
    for school in schools:
        row = SchoolQuotas(school=school, used=used_under(usage, school.pk, ""))
        row.allocations = [_allocation(quota, usage, school.pk, class_totals) for quota in by_school[school.pk]]
        rows.append(row)
    return rows


def county_totals(rows: list[SchoolQuotas]) -> dict:
    """Sums over the schools of the all-tier rows and of each tier's rows."""
    totals: dict[str, dict] = {}
    for row in rows:
        for allocation in row.allocations:
            total = totals.setdefault(
                allocation.tier, {"label": allocation.tier_label, "awards": None, "amount": None, "used": Usage()}
            )
            # A total is shown only for what some school's quota counts: awards, yuan, or both.
            if allocation.awards is not None:
                total["awards"] = (total["awards"] or 0) + allocation.awards
            if allocation.amount is not None:
                total["amount"] = (total["amount"] or ZERO) + allocation.amount
            total["used"].add(allocation.used.awards, allocation.used.amount)
    for total in totals.values():
        total["awards_remaining"] = None if total["awards"] is None else total["awards"] - total["used"].awards
        total["amount_remaining"] = None if total["amount"] is None else total["amount"] - total["used"].amount
    return totals


@dataclass
class ClassRow:
    school_class: SchoolClass
    # One per school quota row, in the same order: the class's part of it (None where it has none).
    parts: list[Allocation | None]
    used: list[Usage]


@dataclass
class SchoolDivision:
    """The aid office's page: the school's quota rows and each class's part of them."""

    allocations: list[Allocation]
    classes: list[ClassRow]


def school_classes(*, school: School, term: Term):
    return SchoolClass.objects.filter(school=school, school_year_id=term.school_year_id).order_by("grade", "number")


def school_division(*, program: AidProgram, term: Term, school: School) -> SchoolDivision:
    """Four queries whatever the number of classes: quotas, class parts, classes, use by class and tier."""
    quotas = list(Quota.objects.filter(program=program, term=term, school=school).order_by("tier"))
    parts = list(ClassQuota.objects.filter(quota__in=quotas))
    classes = list(school_classes(school=school, term=term))
    usage = quota_usage(program=program, term=term, schools=[school], school_class_level=True)
    part_of = {(part.quota_id, part.school_class_id): part for part in parts}
    allocations = []
    for quota in quotas:
        allocation = Allocation(quota.tier, quota.awards, quota.amount, Usage(), row=quota)
        quota_parts = [part for part in parts if part.quota_id == quota.pk]
        allocation.given_awards = sum(part.awards or 0 for part in quota_parts)
        allocation.given_amount = sum((part.amount or ZERO for part in quota_parts), ZERO)
        allocation.divided = bool(quota_parts)
        for school_class in classes:
            used = used_under(usage, school_class.pk, quota.tier)
            allocation.used.add(used.awards, used.amount)
        allocations.append(allocation)
    rows = []
    for school_class in classes:
        used = [used_under(usage, school_class.pk, quota.tier) for quota in quotas]
        row_parts = []
        for quota, class_used in zip(quotas, used, strict=True):
            part = part_of.get((quota.pk, school_class.pk))
            row_parts.append(
                None if part is None else Allocation(quota.tier, part.awards, part.amount, class_used, row=part)
            )
        rows.append(ClassRow(school_class, row_parts, used))
    return SchoolDivision(allocations, rows)


def quota_terms():
    """The terms a quota page may be opened for, newest first."""
    return Term.objects.select_related("school_year").order_by("-start")


def quota_readers_school_ids(user) -> set[int]:
    """Schools whose division the user may read: their aid office's and principal's school."""
    scope = scope_for(user)
    return set(scope.aid_office_school_ids) | set(scope.principal_school_ids)


def approved_aid(school_year: SchoolYear):
    """The applications that take a student off the 应助尽助 gaps (students.gaps.aid_gaps): approved, of any
    program, in a term of the school year."""
    return Application.objects.filter(term__school_year=school_year, status__in=USING_STATUSES)


def students_with_approved_aid(student_ids, school_year: SchoolYear, *, excluding=()) -> set[int]:
    """Of these students, those with an approved application of any program in a term of the
    school year (other than the applications `excluding` names): what keeps a student's identified
    tier. The 应助尽助 gaps ask `approved_aid` directly, as an anti-join."""
    approved = approved_aid(school_year).filter(student_id__in=student_ids).exclude(pk__in=list(excluding))
    return set(approved.values_list("student_id", flat=True))
