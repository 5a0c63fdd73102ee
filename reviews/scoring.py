"""The hardship score: a transparent suggestion for ranking applications (DESIGN.md §4).

Every point names the fact that gave it, so that a reviewer can check it against the registry
and disagree. People decide; the score only suggests, and the screens say so.

The weights are in one table, `WEIGHTS`, below:

- ``special_group``: each special group the household is flagged for, once. The groups the state
  names as the first to be helped (低保, 特困, 孤儿, 事实无人抚养) weigh most, then the monitored
  households (防返贫监测), the households lifted out of poverty and disability; the flag's source
  (an official list with its date, the home visit, the family's declaration) is named in the fact.
- ``income_below_half_line`` / ``income_below_line``: the household's per-capita annual income
  (from its members' recorded incomes) under half the county's hardship line, or under the line.
  Only one of the two is given; a household with no income recorded gets neither.
- ``housing``, ``income_source``, ``big_expense``, ``visit_health``, ``suggested_tier``: the
  latest home visit of the application's school year. Each listed income source and big expense
  counts once; health counts when the teacher recorded an illness or disability (the text itself
  is sensitive and is not repeated here).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from students.models import BigExpense, HomeVisit, Housing, IncomeSource, SpecialGroup, SpecialGroupFlag, Tier

WEIGHTS: dict = {
    "special_group": {
        SpecialGroup.MINIMUM_LIVING: 30,
        SpecialGroup.EXTREME_POVERTY: 30,
        SpecialGroup.ORPHAN: 30,
        SpecialGroup.UNSUPPORTED_CHILD: 30,
        SpecialGroup.UNSTABLE_ALLEVIATED: 25,
        SpecialGroup.MARGINAL_AT_RISK: 25,
        SpecialGroup.SUDDEN_SEVERE_HARDSHIP: 25,
        SpecialGroup.POVERTY_ALLEVIATED: 20,
        SpecialGroup.DISABLED_STUDENT: 20,
        SpecialGroup.MARTYR_CHILD: 20,
        SpecialGroup.NEAR_MINIMUM_LIVING: 15,
        SpecialGroup.CHILD_OF_DISABLED: 15,
        SpecialGroup.SERIOUS_ILLNESS: 15,
        SpecialGroup.SUDDEN_MISFORTUNE: 15,
        SpecialGroup.ENTITLED_GROUP_CHILD: 10,
        SpecialGroup.SINGLE_PARENT: 10,
        SpecialGroup.OTHER: 5,
    },
    "income_below_half_line": 30,
    "income_below_line": 20,
    "housing": {Housing.DANGEROUS: 10, Housing.NONE: 10, Housing.POOR: 5},
    "income_source": {IncomeSource.NONE: 10, IncomeSource.ALLOWANCE: 5},
    "big_expense": {
        BigExpense.MEDICAL: 5,
        BigExpense.DISASTER: 5,
        BigExpense.DEBT: 3,
        BigExpense.EDUCATION: 3,
        BigExpense.HOUSING: 3,
    },
    "visit_health": 5,
    "suggested_tier": {Tier.ESPECIALLY_DIFFICULT: 15, Tier.DIFFICULT: 10, Tier.GENERALLY_DIFFICULT: 5},
}


@dataclass(frozen=True)
class Point:
    points: int
    fact: str

    def __str__(self):
        return f"{self.fact} +{self.points}"


@dataclass(frozen=True)
class Score:
    total: int
    points: list[Point] = field(default_factory=list)


def with_score_inputs(applications: QuerySet) -> QuerySet:
    """The applications with everything `hardship_score` reads, in a fixed number of queries."""
    return applications.select_related("student__household", "school__county", "term").prefetch_related(
        Prefetch("student__household__special_groups", queryset=SpecialGroupFlag.objects.order_by("group")),
        "student__household__members",
        Prefetch(
            "student__visits", queryset=HomeVisit.objects.order_by("-visited_on", "-pk"), to_attr="visits_for_score"
        ),
    )


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.0f}"


def _group_points(household) -> list[Point]:
    points = []
    for flag in household.special_groups.all():
        weight = WEIGHTS["special_group"].get(flag.group, 0)
        if not weight:
            continue
        if flag.from_official_list:
            source = _("{list} {date}").format(list=flag.list_name, date=flag.list_date.isoformat())
        else:
            source = flag.get_source_display()
        points.append(Point(weight, _("{group} ({source})").format(group=flag.get_group_display(), source=source)))
    return points


def _income_points(household, line: Decimal) -> list[Point]:
    members = list(household.members.all())
    if not any(member.annual_income is not None for member in members):
        return []
    income = household.per_capita_income(members)
    if income < line / 2:
        return [
            Point(
                WEIGHTS["income_below_half_line"],
                _(
                    "Per-capita annual household income {income} yuan, under half the county's hardship line "
                    "of {line} yuan"
                ).format(income=_yuan(income), line=_yuan(line)),
            )
        ]
    if income < line:
        return [
            Point(
                WEIGHTS["income_below_line"],
                _(
                    "Per-capita annual household income {income} yuan, under the county's hardship line of {line} yuan"
                ).format(income=_yuan(income), line=_yuan(line)),
            )
        ]
    return []


def latest_visit(application) -> HomeVisit | None:
    """The student's latest home visit in the application's school year."""
    student = application.student
    school_year_id = application.term.school_year_id
    visits = getattr(student, "visits_for_score", None)
    if visits is None:
        return student.visits.filter(school_year_id=school_year_id).order_by("-visited_on", "-pk").first()
    return next((visit for visit in visits if visit.school_year_id == school_year_id), None)


def _visit_points(visit: HomeVisit) -> list[Point]:
    points = []
    weight = WEIGHTS["housing"].get(visit.housing, 0)
    if weight:
        points.append(Point(weight, _("Home visit: housing is {housing}").format(housing=visit.get_housing_display())))
    sources = dict(IncomeSource.choices)
    for source in visit.income_sources:
        weight = WEIGHTS["income_source"].get(source, 0)
        if weight:
            points.append(Point(weight, _("Home visit: income source {source}").format(source=sources[source])))
    expenses = dict(BigExpense.choices)
    for expense in visit.big_expenses:
        weight = WEIGHTS["big_expense"].get(expense, 0)
        if weight:
            points.append(Point(weight, _("Home visit: big expense for {expense}").format(expense=expenses[expense])))
    if visit.health_disability.strip():
        points.append(Point(WEIGHTS["visit_health"], _("Home visit: illness or disability in the family")))
    weight = WEIGHTS["suggested_tier"].get(visit.suggested_tier, 0)
    if weight:
        points.append(
            Point(weight, _("Home visit: suggested tier {tier}").format(tier=visit.get_suggested_tier_display()))
        )
    return points


def hardship_score(application) -> Score:
    """The application's score with its points, each naming its fact. Prefetch with `with_score_inputs`."""
    household = application.student.household
    points = _group_points(household)
    points += _income_points(household, application.school.county.income_threshold)
    visit = latest_visit(application)
    if visit is not None:
        points += _visit_points(visit)
    return Score(total=sum(point.points for point in points), points=points)
