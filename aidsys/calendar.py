"""Working days: the official calendar (the chinese_calendar package) and, for the years it does not
know, the `Holiday` rows that county staff keep; Monday to Friday where neither has the year."""

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
from django.utils.translation import gettext, pgettext

from aidsys.cn import CALENDAR, TABLE, WEEKDAYS, calendar_package_years, in_calendar_package
from aidsys.models import Holiday


class _HolidayTable:
    """Holiday rows for the years the package does not know, read in one query when first needed."""

    def __init__(self, first_year: int, last_year: int | None = None) -> None:
        self._first_year = first_year
        self._last_year = last_year
        self._worked: dict[date, bool] | None = None

    def worked(self) -> dict[date, bool]:
        """Whether each day with a row is worked: False for a holiday, True for an adjusted workday."""
        if self._worked is None:
            package_first, package_last = calendar_package_years()
            rows = Holiday.objects.filter(date__gte=date(self._first_year, 1, 1)).exclude(
                date__range=(date(package_first, 1, 1), date(package_last, 12, 31))
            )
            if self._last_year is not None:
                rows = rows.filter(date__lte=date(self._last_year, 12, 31))
            self._worked = {day: kind == Holiday.Kind.WORKDAY for day, kind in rows.values_list("date", "kind")}
        return self._worked

    def is_working_day(self, day: date) -> bool:
        if in_calendar_package(day.year):
            return chinese_calendar.is_workday(day)
        return self.worked().get(day, day.weekday() < 5)

    def source(self, year: int) -> str:
        if in_calendar_package(year):
            return CALENDAR
        return TABLE if any(day.year == year for day in self.worked()) else WEEKDAYS


@dataclass(frozen=True)
class WorkingPeriod:
    """A period of working days, and the years in it that were counted Monday to Friday."""

    start: date
    end: date
    fallback_years: tuple[int, ...]

    @property
    def fallback_warning(self) -> str:
        """A sentence for the page when some year had no holiday data, else ""."""
        if not self.fallback_years:
            return ""
        separator = pgettext("between the years of a list", ", ")
        return gettext("No holiday data for {years}: working days were counted Monday to Friday.").format(
            years=separator.join(str(year) for year in self.fallback_years)
        )


def working_period(start: date, days: int) -> WorkingPeriod:
    """The period of `days` working days beginning on `start` (which counts if it is one)."""
    if days < 1:
        raise ValueError(f"a period has at least one working day, not {days}")
    table = _HolidayTable(start.year)
    day = start - timedelta(days=1)
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if table.is_working_day(day):
            remaining -= 1
    fallback_years = tuple(year for year in range(start.year, day.year + 1) if table.source(year) == WEEKDAYS)
    return WorkingPeriod(start=start, end=day, fallback_years=fallback_years)


def last_working_day(start: date, days: int) -> date:
    """The last day of a period of `days` working days beginning on `start`."""
    return working_period(start, days).end


def working_day_sources(start: date, end: date) -> dict[int, str]:
    """For each year from start to end: "calendar" (package), "table" (Holiday rows) or "weekdays"."""
    if end < start:
        raise ValueError(f"the end {end} is before the start {start}")
    table = _HolidayTable(start.year, end.year)
    return {year: table.source(year) for year in range(start.year, end.year + 1)}
