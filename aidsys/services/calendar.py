"""The holiday table that county staff keep for years the calendar package does not know."""

from datetime import date

from aidsys.models import Holiday
from aidsys.services.writes import instance_create, instance_delete, instance_update


def holiday_create(*, actor, day: date, kind: str, name: str) -> Holiday:
    return instance_create(actor=actor, instance=Holiday(date=day, kind=kind, name=name))


def holiday_update(*, actor, holiday: Holiday, day: date, kind: str, name: str) -> dict:
    return instance_update(actor=actor, instance=holiday, data={"date": day, "kind": kind, "name": name})


def holiday_delete(*, actor, holiday: Holiday, reason: str = "") -> None:
    instance_delete(actor=actor, instance=holiday, reason=reason)
