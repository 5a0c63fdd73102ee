"""The one way an audit event is written. Services call `audit_record` inside their transaction."""

import json
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from aidsys.context import current_request_context
from aidsys.models import GENESIS_HASH, AuditChainHead, AuditEvent, Membership, Role

Action = AuditEvent.Action


def actor_role_label(actor) -> str:
    """The roles the actor holds at this moment, e.g. 班主任（实验小学）、资助专干（实验小学）."""
    if actor is None:
        return ""
    labels = [m.label for m in Membership.objects.active().filter(user=actor).select_related("school", "county")]
    if actor.is_superuser and not labels:
        labels.append(str(Role.ADMIN.label))
    return "、".join(labels)


def _unit_id(obj, path: str | None):
    """Follow a scope path such as 'school__county' from obj to the id at its end."""
    if not path:
        return None
    *steps, last = path.split("__")
    for step in steps:
        obj = getattr(obj, step, None)
        if obj is None:
            return None
    if last == "pk":
        return obj.pk
    field = obj._meta.get_field(last)
    if field.many_to_many or field.one_to_many:
        return None
    return getattr(obj, field.attname)


def _units_of(target) -> tuple[int | None, int | None]:
    if target is None:
        return None, None
    paths = getattr(type(target), "scope_paths", {})
    school_id = _unit_id(target, paths.get("school"))
    county_id = _unit_id(target, paths.get("county"))
    if county_id is None and school_id is not None:
        from aidsys.models import School

        county_id = School.objects.filter(pk=school_id).values_list("county_id", flat=True).first()
    return school_id, county_id


def _json_safe(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def snapshot(instance: models.Model, fields=None) -> dict:
    """The instance's concrete field values as JSON-safe data, keyed by field name."""
    masked = set(getattr(type(instance), "audit_masked_fields", ()))
    data = {}
    for field in instance._meta.concrete_fields:
        if field.primary_key or (fields is not None and field.name not in fields):
            continue
        value = field.value_from_object(instance)
        if field.name in masked and value:
            value = type(instance).mask_for_audit(field.name, value)
        data[field.name] = value
    return _json_safe(data)


def diff(before: dict, after: dict) -> dict:
    """{field: [before, after]} for every field whose value changed."""
    changed = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            changed[name] = [old, new]
    return changed


@transaction.atomic
def audit_record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    changes: dict | None = None,
    reason: str = "",
    actor_name: str | None = None,
    object_repr: str | None = None,
) -> AuditEvent:
    # Locking the chain head orders concurrent writers: each event links to the one before it.
    head = AuditChainHead.objects.select_for_update().get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})[0]
    context = current_request_context()
    school_id, county_id = _units_of(target)
    event = AuditEvent(
        actor=actor,
        actor_name=actor_name or (actor.get_full_name() if actor else ""),
        actor_role=actor_role_label(actor),
        created_at=timezone.now(),
        request_id=context.request_id,
        ip=context.ip,
        action=action,
        content_type=ContentType.objects.get_for_model(target, for_concrete_model=False) if target else None,
        object_id=str(target.pk) if target is not None else "",
        object_repr=(object_repr if object_repr is not None else str(target) if target is not None else "")[:200],
        school_id=school_id,
        county_id=county_id,
        changes=_json_safe(changes or {}),
        reason=reason,
        prev_hash=head.last_hash,
    )
    event.hash = event.compute_hash()
    event.save()
    AuditChainHead.objects.filter(pk=head.pk).update(last_hash=event.hash)
    return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_event_id: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_event_id is None and not self.problem


def audit_chain_verify() -> ChainReport:
    """Walk the chain from the first event; name the first link that does not hold."""
    previous = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("pk").iterator(chunk_size=2000):
        if event.prev_hash != previous:
            return ChainReport(checked, event.pk, "link")
        if event.compute_hash() != event.hash:
            return ChainReport(checked, event.pk, "content")
        previous = event.hash
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.last_hash != previous:
        return ChainReport(checked, None, "tail")
    return ChainReport(checked)
