"""The dashboard's 待办: later stages register what waits for a user; the core only lists it.

Data flows one way (DESIGN.md §6): the core never imports reviews or publicity, so each of
those registers a provider in its AppConfig.ready().
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone


@dataclass(frozen=True)
class TodoItem:
    role: str
    title: str
    count: int
    url: str
    oldest: datetime | None = None
    # Work with deadlines of its own (an objection's 3 working days) says whether it is late;
    # left None, the item is late once its oldest row has waited AIDSYS_OVERDUE_DAYS.
    late: bool | None = None

    @property
    def overdue(self) -> bool:
        if self.late is not None:
            return self.late
        limit = timedelta(days=settings.AIDSYS_OVERDUE_DAYS)
        return self.oldest is not None and timezone.now() - self.oldest > limit

    @property
    def age_days(self) -> int | None:
        return None if self.oldest is None else (timezone.now() - self.oldest).days


def waiting_items(rows, *, role: str, title: str, url: str, since: str) -> list[TodoItem]:
    """One item for the rows waiting (a queryset), counted and aged by their oldest `since` time; none when
    nothing waits. Most providers are this: which rows, for whom, what the item says, where it leads."""
    waiting = rows.aggregate(count=Count("pk", distinct=True), oldest=Min(since))
    if not waiting["count"]:
        return []
    return [TodoItem(role=role, title=title, count=waiting["count"], url=url, oldest=waiting["oldest"])]


TodoProvider = Callable[[object], list[TodoItem]]
_providers: list[TodoProvider] = []


def register_todo_provider(provider: TodoProvider) -> TodoProvider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def todo_for(user) -> list[TodoItem]:
    items = [item for provider in _providers for item in provider(user) if item.count]
    return sorted(items, key=lambda item: (not item.overdue, item.oldest or timezone.now()))
