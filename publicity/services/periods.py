"""The period of a notice, original or supplementary: its first day and its working days (DESIGN.md §4)."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from aidsys import calendar

# A notice runs at least the county's number of working days; this bounds a typing slip.
MAX_WORKING_DAYS = 30


def next_working_day(today: date | None = None) -> date:
    """The default first day of a notice: the working day after today."""
    today = today or timezone.localdate()
    return calendar.working_period(today + timedelta(days=1), 1).end


def notice_period(*, county, start_date: date, working_days: int) -> calendar.WorkingPeriod:
    """The period of a notice in `county`: at least the county's working days (DESIGN.md §4)."""
    if working_days < county.notice_working_days:
        message = _("A notice in {county} runs at least {days} working days; {given} is too few.")
        raise ValidationError(
            {
                "working_days": ValidationError(
                    message.format(county=county, days=county.notice_working_days, given=working_days),
                    code="period_too_short",
                )
            }
        )
    if working_days > MAX_WORKING_DAYS:
        message = _("A notice runs at most {days} working days; {given} is too many.")
        raise ValidationError(
            {
                "working_days": ValidationError(
                    message.format(days=MAX_WORKING_DAYS, given=working_days), code="period_too_long"
                )
            }
        )
    return calendar.working_period(start_date, working_days)


def check_first_day(start_date: date, today: date | None = None) -> None:
    """A notice runs its whole period once posted: its first day is today at the earliest (DESIGN.md §4)."""
    today = today or timezone.localdate()
    if start_date < today:
        message = _("The first day ({start}) is before today ({today}): choose today or a later day.")
        raise ValidationError(
            {
                "start_date": ValidationError(
                    message.format(start=start_date.isoformat(), today=today.isoformat()), code="first_day_past"
                )
            }
        )
