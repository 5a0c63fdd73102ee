"""Fixtures of the publicity tests."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone


@pytest.fixture
def today_is(monkeypatch):
    """today_is(day) makes `day` the project's today (10:00 in the project's time zone) for the rest of the test.

    The code reads the clock only through django.utils.timezone (`now`, `localdate`), so a test of a rule
    about today (a notice's first day) holds on whatever day it runs.
    """

    def set_today(day: date) -> date:
        moment = datetime.combine(day, time(10), tzinfo=ZoneInfo(settings.TIME_ZONE))
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return day

    return set_today
