"""One way to change a row's state: a conditional update that records its audit diff.

A double click or two workers must not act twice (STYLE.md rule 5): the update names the status
(and any other value) the row must still have, and when no row matches, someone was first and
the action is refused with `InvalidTransition`. The event keeps the before and after of the
fields the caller names. `require` refuses an action the user may not take; who may act is
decided in `aidsys.scope`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models

from aidsys.services.audit import Action, PendingEvent, audit_record, diff, snapshot

M = TypeVar("M", bound=models.Model)


class InvalidTransition(ValidationError):
    """The row is no longer in the state the action starts from: someone (or a second click) was first."""


def require(allowed: bool) -> None:
    """403 where the user may not act. Views fetch the row in scope first, so out of scope is 404 before this."""
    if not allowed:
        raise PermissionDenied


def transition_event(
    *,
    instance: M,
    from_status: str | Iterable[str],
    changes: dict,
    refused: Callable[[], ValidationError],
    recorded: Iterable[str] = ("status",),
    unchanged: dict | None = None,
    action: str = Action.TRANSITION,
    reason: str = "",
    noted: dict | None = None,
) -> PendingEvent:
    """The conditional update of `transition`, without recording: the event is returned for the
    caller to record, alone or with others in one batch (`audit_record_many`)."""
    statuses = (from_status,) if isinstance(from_status, str) else tuple(from_status)
    names = list(recorded)
    before = snapshot(instance, fields=names)
    if "status" in before and len(statuses) == 1:
        # The update matched only a row in this status, whatever the caller's copy says.
        before["status"] = str(statuses[0])
    model = type(instance)
    rows = model._base_manager.filter(pk=instance.pk, status__in=statuses, **(unchanged or {}))
    if rows.update(**changes) != 1:
        raise refused()
    computed = [name for name, value in changes.items() if hasattr(value, "resolve_expression")]
    for name, value in changes.items():
        if name not in computed:
            setattr(instance, name, value)
    if computed:
        instance.refresh_from_db(fields=computed)
    changed = diff(before, snapshot(instance, fields=names)) | (noted or {})
    return PendingEvent(action, instance, changed, reason)


def transition(*, actor, **kwargs) -> M:
    """Move `instance` from `from_status` (one or several) by setting `changes` (status among them,
    values or expressions such as F("version") + 1), or raise `refused()` if the row has moved on.

    `unchanged` names further values the row must still have (an award not changed meanwhile).
    The audit event (`action`, a transition by default) keeps the before and after of the
    `recorded` fields, the status by default, and what `noted` adds ({name: [before, after]} of
    something that is no field). The instance comes back with the new values.
    """
    event = transition_event(**kwargs)
    audit_record(actor=actor, action=event.action, target=event.target, changes=event.changes, reason=event.reason)
    return event.target
