"""What a report is, whatever writes it: its columns and its rows, for one unit and period.

A report (受助学生名单, 资金发放明细, 月报, 年度统计, 应助尽助, 重复资助, 结余) is registered here by
its key and builds a `ReportData` for a `ReportRequest`: the unit is the county (every school, or
the schools chosen) or one school (its classes). The rows carry full values; a column that holds
personal data names its mask, and the writer applies it unless the request is for full data
(the reveal permission and a reason, as the registry export asks). The workbook writer
(reports/workbook.py) and the job that runs long exports (reports/services/exports.py) know
nothing of any one report.

Data flows one way (DESIGN.md §6): reports reads every stage, nothing imports reports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

# Kinds of column: how the writer formats a value and whether it can be summed.
TEXT = "text"
MONEY = "money"  # yuan, Decimal, written with two decimals
INTEGER = "integer"
DATE = "date"
PERCENT = "percent"  # a Decimal ratio (0.26 for 26 %), written as a percentage with one decimal


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    kind: str = TEXT
    # Applied to the value unless the export is for full data (aidsys.cn.mask_id_number, say).
    mask: Callable[[Any], str] | None = None
    # Summed in the totals row (MONEY and INTEGER columns).
    total: bool = False


@dataclass(frozen=True)
class ReportRequest:
    """Who asks for what: the unit is a county or a school; the period is a term, a school year or
    a day (the 月报's 截至日期), as the report needs."""

    user: Any
    county_id: int | None = None
    school_id: int | None = None
    # A county's report may be narrowed to some of its schools.
    school_ids: tuple[int, ...] = ()
    # A school's report may be narrowed to one of its classes (a report with "class" in its parameters).
    class_id: int | None = None
    program_id: int | None = None
    term_id: int | None = None
    school_year_id: int | None = None
    as_of: date | None = None
    full: bool = False
    reason: str = ""
    # The county's saved column layout for the national system's upload (名单 only).
    layout_id: int | None = None


@dataclass
class ReportData:
    title: str  # 受助学生名单
    unit: str  # 青山县 or the school's name
    period: str  # 2026–2027学年秋季学期, or 截至2026年11月30日
    columns: list[Column]
    rows: Iterable[Mapping[str, Any]]
    # How many rows there will be, for the progress bar (None when unknown).
    count: int | None = None
    notes: list[str] = field(default_factory=list)


class Report(Protocol):
    key: str
    title: str
    # Which parameters the report asks for: a subset of {"program", "term", "school_year", "as_of", "layout"};
    # "class" when it may be exported for one class of a school (whoever sees the class, a class teacher too).
    parameters: tuple[str, ...]

    def build(self, request: ReportRequest) -> ReportData: ...


REPORTS: dict[str, Report] = {}


def register(report: Report) -> Report:
    REPORTS[report.key] = report
    return report
