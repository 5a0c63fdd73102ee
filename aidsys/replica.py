"""Reads on a PostgreSQL streaming replica, for reports, exports and dashboards only.

With AIDSYS_REPLICA_URL set, settings add a database alias "replica" and this router. A read goes
to the replica only where the code says so, inside `reading_from_replica()` (the report selectors,
an export's query phase, the dashboard views), and even there not:

- inside a transaction on the primary: what a write reads must be what it writes against;
- for sessions, users, roles, the audit trail and jobs (with the exports they run): these decide
  who may do what, prove what was done, or were written a moment ago by the same user (an export
  just requested must find its job row, whatever the replica's lag).

Every write goes to the primary. Without the variable there is no alias and nothing changes.
"""

from __future__ import annotations

from contextlib import ContextDecorator
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

# Apps and models whose rows are always read from the primary (lower-case labels).
PRIMARY_ONLY_APPS = frozenset({"admin", "auth", "axes", "contenttypes", "sessions"})
PRIMARY_ONLY_MODELS = frozenset(
    {
        "aidsys.user",
        "aidsys.membership",
        "aidsys.auditevent",
        "aidsys.auditchainhead",
        "aidsys.auditanchor",
        "aidsys.auditcheckpoint",
        "aidsys.job",
        "reports.reportexport",
    }
)

_on_replica: ContextVar[bool] = ContextVar("aidsys_reading_from_replica", default=False)


class reading_from_replica(ContextDecorator):  # a lower-case name: it reads as a statement in `with`
    """Within it (a `with` block or a decorated function), reads may go to the replica."""

    def _recreate_cm(self):
        # A decorated view runs in many threads at once: each call holds its own token.
        return type(self)()

    def __enter__(self):
        self._token = _on_replica.set(True)
        return self

    def __exit__(self, *exc):
        _on_replica.reset(self._token)
        return False


def replica_configured() -> bool:
    return settings.AIDSYS_REPLICA_READS and REPLICA in connections.settings


def reads_from_replica(model) -> bool:
    """Would a read of `model` here and now go to the replica?"""
    if not _on_replica.get() or not replica_configured():
        return False
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return False
    meta = model._meta
    return meta.app_label not in PRIMARY_ONLY_APPS and meta.label_lower not in PRIMARY_ONLY_MODELS


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return REPLICA if reads_from_replica(model) else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: an object read from one may point at one from the other.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
