"""The one way an audit event is written. Services call `audit_record` inside their transaction."""

import json
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone, translation

from aidsys.context import current_request_context
from aidsys.models import GENESIS_HASH, AuditChainHead, AuditEvent, Membership, Role
from aidsys.scope import path_is_to_many

Action = AuditEvent.Action


def actor_role_label(actor) -> str:
    """The roles the actor holds at this moment, e.g. 班主任（实验小学）、资助专干（实验小学）."""
    if actor is None:
        return ""
    memberships = Membership.objects.active().filter(user=actor).select_related("school", "county")
    labels = [membership.label for membership in memberships]
    if actor.is_superuser and not labels:
        labels.append(str(Role.ADMIN.label))
    return "、".join(labels)


def _unit_id(obj, path: str | None):
    """Follow a scope path such as 'school__county' from obj to the id at its end.

    A path through a to-many relation (a household's students) names no single unit: None.
    """
    if not path or path_is_to_many(type(obj), path):
        return None
    *steps, last = path.split("__")
    for step in steps:
        obj = getattr(obj, step, None)
        if obj is None:
            return None
    return obj.pk if last == "pk" else getattr(obj, obj._meta.get_field(last).attname)


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
    with translation.override(settings.LANGUAGE_CODE):
        return _snapshot(instance, fields)


def _snapshot(instance: models.Model, fields=None) -> dict:
    excluded = set(getattr(type(instance), "audit_excluded_fields", ()))
    data = {}
    for field in instance._meta.concrete_fields:
        if field.primary_key or field.name in excluded or (fields is not None and field.name not in fields):
            continue
        value = field.value_from_object(instance)
        if field.is_relation and value is not None:
            # Keep the related row's name too: the trail must read well after that row is gone.
            value = {"id": value, "label": str(getattr(instance, field.name))}
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


def audit_record(*, action: str, **kwargs) -> AuditEvent:
    # What the trail stores is data, not interface: role names and labels are kept in the
    # project's language whatever language the actor's screen is in.
    with translation.override(settings.LANGUAGE_CODE):
        return _audit_record(action=action, **kwargs)


@transaction.atomic
def _audit_record(
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
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})
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
        object_repr=(object_repr if object_repr is not None else "" if target is None else str(target))[:200],
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
