"""The one way an audit event is written. Services call `audit_record` inside their transaction.

Each event goes into the hash chain of its partition (aidsys/models/audit.py): its county, the
accounts, or the system. Appending locks that partition's head row until the caller's
transaction ends, so everything that can be done before is done before: the actor's roles, the
event's units and content, and the content's canonical text that the hash covers. Under the
lock there remain the head's read, the insert and the head's update: on PostgreSQL, for the
event of one write, one statement.

Events written before partitions form the partition "legacy", kept with their old hashes
(aidsys/migrations/0009_audit_partitions.py).
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, transaction
from django.utils import timezone, translation

from aidsys.context import current_request_context
from aidsys.models import (
    ACCOUNTS,
    SYSTEM,
    AuditChainHead,
    AuditEvent,
    Membership,
    Role,
    User,
    county_partition,
)
from aidsys.scope import resolve_unit, scope_for

Action = AuditEvent.Action

# Sign-ins, failed ones and sign-outs belong to the accounts' chain: a flood of failed sign-ins
# waits on that chain only, never on a county's writes.
ACCOUNT_ACTIONS = frozenset({Action.LOGIN, Action.LOGIN_FAILED, Action.LOGOUT})


def actor_role_label(actor) -> str:
    """The roles the actor holds at this moment, e.g. 班主任（实验小学）、资助专干（实验小学）.

    A signed-in actor's memberships were loaded with their scope in this request (or task), and
    are not loaded again: one query fewer for each audited write.
    """
    if actor is None:
        return ""
    if actor.is_authenticated and actor.is_active:
        memberships = scope_for(actor).memberships
    else:
        memberships = Membership.objects.active().filter(user=actor).select_related("school", "county")
    labels = [membership.label for membership in memberships]
    if actor.is_superuser and not labels:
        labels.append(str(Role.ADMIN.label))
    return "、".join(labels)


def _units_of(target, school=None, county=None) -> tuple[int | None, int | None]:
    """The school and county an event belongs to, so that the trail itself can be scoped."""
    if school is not None:
        return school.pk, school.county_id
    if county is not None:
        return None, county.pk
    if target is None:
        return None, None
    if hasattr(target, "audit_units"):
        return target.audit_units()
    paths = getattr(type(target), "scope_paths", {})
    school_id = resolve_unit(target, paths.get("school"))
    county_id = resolve_unit(target, paths.get("county"))
    if county_id is None and school_id is not None:
        from aidsys.models import School

        county_id = School.objects.filter(pk=school_id).values_list("county_id", flat=True).first()
    return school_id, county_id


def partition_of(action: str, target, county_id: int | None) -> str:
    """The chain an event goes into: its county's; else the accounts' for sign-ins, users and
    memberships of no county; else the system's."""
    if county_id is not None:
        return county_partition(county_id)
    if action in ACCOUNT_ACTIONS or isinstance(target, User | Membership):
        return ACCOUNTS
    return SYSTEM


MASK = "****"


def masked_changes(model, changes: dict) -> dict:
    """Sensitive values never enter the append-only trail in full: the model names them and their mask."""
    maskers = getattr(model, "audit_masked_fields", {}) if model is not None else {}
    if not maskers:
        return changes
    masked = {}
    for name, pair in changes.items():
        if name in maskers:
            mask = maskers[name] or (lambda value: MASK)
            pair = [mask(value) if value not in (None, "") else value for value in pair]
        masked[name] = pair
    return masked


_ENCODER = DjangoJSONEncoder()


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value):
    """A field's value as JSON would give it back (a date as text, a Decimal as text), without a round trip."""
    # Exact types first: a roster import passes some fifty values per row through here.
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is list or kind is tuple:
        return [item if type(item) in _SCALARS else _plain(item) for item in value]
    if isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return _ENCODER.default(value)


def snapshot(instance: models.Model, fields=None) -> dict:
    """The instance's concrete field values as JSON-safe data, keyed by field name."""
    with translation.override(settings.LANGUAGE_CODE):
        return _snapshot(instance, fields)


def _snapshot(instance: models.Model, fields=None) -> dict:
    excluded = set(getattr(type(instance), "audit_excluded_fields", ()))
    data = {}
    for field in instance._meta.concrete_fields:
        if field.primary_key or field.name in excluded or (fields is not None and field.name not in fields):
            continue
        value = field.value_from_object(instance)
        if isinstance(field, models.FileField):
            value = value.name or None
        elif field.is_relation and value is not None:
            # Keep the related row's name too: the trail must read well after that row is gone.
            value = {"id": value, "label": str(getattr(instance, field.name))}
        data[field.name] = _plain(value)
    return data


def diff(before: dict, after: dict) -> dict:
    """{field: [before, after]} for every field whose value changed."""
    changed = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            changed[name] = [old, new]
    return changed


@dataclass(frozen=True)
class PendingEvent:
    """One event of a batch (`audit_record_many`): what happened to which row."""

    action: str
    target: models.Model | None = None
    changes: dict | None = None
    reason: str = ""
    school: object = None
    object_repr: str | None = None
    county: object = None


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    changes: dict | None = None,
    reason: str = "",
    actor_name: str | None = None,
    object_repr: str | None = None,
    school=None,
    county=None,
) -> AuditEvent:
    """Append one event to its partition's chain, in the caller's transaction."""
    pending = PendingEvent(action, target, changes, reason, school, object_repr, county)
    return audit_record_many(actor=actor, events=[pending], actor_name=actor_name)[0]


def audit_record_many(*, actor, events: list[PendingEvent], actor_name: str | None = None) -> list[AuditEvent]:
    """Append several events of one actor with one lock of each chain head and one insert.

    Each event is still a link of its own, hashed after the one before it: a batch (a roster
    import of thousands of rows) is as traceable as the same writes made one by one.
    """
    # What the trail stores is data, not interface: role names and labels are kept in the
    # project's language whatever language the actor's screen is in.
    with translation.override(settings.LANGUAGE_CODE):
        return _audit_record_many(actor=actor, events=events, actor_name=actor_name)


# Without a savepoint of its own: inside a service's transaction (nearly always) two round trips
# fewer, and a failure here fails the caller's transaction anyway.
@transaction.atomic(savepoint=False)
def _audit_record_many(*, actor, events: list[PendingEvent], actor_name: str | None) -> list[AuditEvent]:
    context = current_request_context()
    name = actor_name or (actor.get_full_name() if actor else "")
    role = actor_role_label(actor)
    now = timezone.now()
    rows, contents = [], []
    for pending in events:
        target = pending.target
        school_id, county_id = _units_of(target, pending.school, pending.county)
        object_repr = pending.object_repr
        if object_repr is None:
            object_repr = "" if target is None else str(target)
        event = AuditEvent(
            actor=actor,
            actor_name=name,
            actor_role=role,
            created_at=now,
            request_id=context.request_id,
            ip=context.ip,
            action=pending.action,
            content_type=ContentType.objects.get_for_model(target, for_concrete_model=False) if target else None,
            object_id=str(target.pk) if target is not None else "",
            object_repr=object_repr[:200],
            school_id=school_id,
            county_id=county_id,
            changes=_plain(masked_changes(type(target) if target is not None else None, pending.changes or {})),
            reason=pending.reason,
            partition=partition_of(pending.action, target, county_id),
        )
        rows.append(event)
        contents.append(event.canonical_content())
    connection = connections[AuditEvent.objects.db]
    if len(rows) == 1 and connection.vendor == "postgresql":
        # The common case, the event of one write: its head locked, moved and the event inserted
        # in one statement.
        return [_append_one(connection, rows[0], contents[0])]
    # From here to the end of the caller's transaction, these partitions' appends wait on this one.
    heads = _locked_heads(sorted({event.partition for event in rows}))
    for event, content in zip(rows, contents, strict=True):
        head = heads[event.partition]
        event.seq = head.seq + 1
        event.prev_hash = head.last_hash
        event.hash = event.compute_hash(content)
        head.seq, head.last_hash = event.seq, event.hash
    created = _insert_events(rows)
    for head in heads.values():
        AuditChainHead.objects.filter(pk=head.pk).update(seq=head.seq, last_hash=head.last_hash)
    return created


# Lock the partition's head, move it and insert the event, in one statement: the head's lock is
# taken by the last statement of the audit record. The link's hash is AuditEvent.compute_hash's,
# made by PostgreSQL: sha256 of "partition\nseq\nprevious hash\n" and the content's canonical text.
# The head is read FOR UPDATE, so a writer that waited for it goes on from the head as the other
# left it. A partition without a head yet inserts nothing; its head is made and the statement
# runs again.
_APPEND_ONE = """
WITH head AS (
    SELECT id, seq, last_hash FROM {heads} WHERE partition = %s FOR UPDATE
), moved AS (
    UPDATE {heads} AS moving SET seq = head.seq + 1, last_hash = encode(sha256(convert_to(
        moving.partition || E'\\n' || (head.seq + 1) || E'\\n' || head.last_hash || E'\\n' || %s, 'UTF8')), 'hex')
    FROM head WHERE moving.id = head.id
    RETURNING moving.seq, head.last_hash AS prev_hash, moving.last_hash AS hash
)
INSERT INTO {events} ({columns}, seq, prev_hash, hash)
SELECT {values}, moved.seq, moved.prev_hash, moved.hash FROM moved
RETURNING id, seq, prev_hash, hash
"""
_LINK_FIELDS = frozenset({"seq", "prev_hash", "hash"})


def _append_one(connection, event: AuditEvent, content: str) -> AuditEvent:
    quote = connection.ops.quote_name
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key and f.name not in _LINK_FIELDS]
    # The table, column and type names come from the models; the values are parameters.
    sql = _APPEND_ONE.format(
        heads=quote(AuditChainHead._meta.db_table),
        events=quote(AuditEvent._meta.db_table),
        columns=", ".join(quote(field.column) for field in fields),
        values=", ".join(f"CAST(%s AS {field.db_type(connection)})" for field in fields),
    )
    values = [field.get_db_prep_save(getattr(event, field.attname), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [event.partition, content, *values])
        inserted = cursor.fetchone()
        if inserted is None:
            AuditChainHead.objects.bulk_create([AuditChainHead(partition=event.partition)], ignore_conflicts=True)
            cursor.execute(sql, [event.partition, content, *values])
            inserted = cursor.fetchone()
    event.pk, event.seq, event.prev_hash, event.hash = inserted
    event._state.adding = False
    event._state.db = connection.alias
    return event


def _locked_heads(partitions: list[str]) -> dict[str, AuditChainHead]:
    """The partitions' head rows, locked in the order of their names (two batches that span the
    same partitions cannot wait on each other crosswise); a partition's first event makes its head."""

    def lock():
        locked = AuditChainHead.objects.select_for_update().filter(partition__in=partitions).order_by("partition")
        return {head.partition: head for head in locked}

    heads = lock()
    if len(heads) < len(partitions):
        missing = [AuditChainHead(partition=name) for name in partitions if name not in heads]
        AuditChainHead.objects.bulk_create(missing, ignore_conflicts=True)
        heads = lock()
    return heads


def _insert_events(rows: list[AuditEvent]) -> list[AuditEvent]:
    """Insert the events with primary keys in the list's order (the order of their chain's links).

    A batch bypasses Django's bulk insert, whose per-value compilation cost more than the rest
    of a roster import's audit trail together (bench/import_roster.py): on PostgreSQL it goes
    through COPY with keys drawn from the table's sequence, on SQLite through executemany with
    the keys that follow the last one (on SQLite inside the one write transaction the database
    allows). Verification walks each chain by its numbers, not by keys.
    """
    connection = connections[AuditEvent.objects.db]
    if connection.vendor not in ("postgresql", "sqlite") or len(rows) < 2:
        return AuditEvent.objects.bulk_create(rows, batch_size=500)
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    fields = [field for field in AuditEvent._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(name) for name in ["id", *(field.column for field in fields)])

    def values(key, event):
        return [key, *(field.get_db_prep_save(getattr(event, field.attname), connection) for field in fields)]

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [AuditEvent._meta.db_table, len(rows)],
            )
            keys = sorted(key for (key,) in cursor.fetchall())
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for key, event in zip(keys, rows, strict=True):
                    copy.write_row(values(key, event))
        else:
            # The table and column names come from the model, quoted; the values are parameters.
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
            first = cursor.fetchone()[0] + 1
            keys = range(first, first + len(rows))
            placeholders = ", ".join(["%s"] * (len(fields) + 1))
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",  # noqa: S608
                [values(key, event) for key, event in zip(keys, rows, strict=True)],
            )
    for key, event in zip(keys, rows, strict=True):
        event.pk = key
        event._state.adding = False
        event._state.db = connection.alias
    return rows
