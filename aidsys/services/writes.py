"""Generic audited writes that the named services build on: create, update, delete one row."""

from django.core.exceptions import ValidationError
from django.db import models, transaction

from aidsys.services.audit import Action, PendingEvent, audit_record, audit_record_many, diff, snapshot


def created_values(instance: models.Model) -> dict:
    """What a creation event records: the fields that were given a value (a blank field says nothing)."""
    return {name: [None, value] for name, value in snapshot(instance).items() if value not in (None, "", [], {})}


@transaction.atomic
def instance_create(*, actor, instance: models.Model, reason: str = "", school=None) -> models.Model:
    """Validate and insert. `school` names the event's school where the row cannot say it yet
    (a household created before its first student)."""
    instance.full_clean()
    instance.save()
    audit_record(
        actor=actor,
        action=Action.CREATE,
        target=instance,
        changes=created_values(instance),
        reason=reason,
        school=school,
    )
    return instance


class InvalidBatchRow(ValidationError):
    """A row of a batch that does not validate; `index` is its place in the batch."""

    def __init__(self, error: ValidationError, index: int):
        super().__init__(error.error_dict if hasattr(error, "error_dict") else error.error_list)
        self.index = index


@transaction.atomic
def instances_create(
    *, actor, instances: list[models.Model], school=None, reason: str = "", clean: bool = True
) -> list[models.Model]:
    """Validate and insert many rows of one model in one statement, each with its own audit event.

    For bulk work whose caller has already checked what needs the database: uniqueness within
    the batch and against stored rows, and that the related rows exist (they are in hand). The
    database's constraints still stand behind those checks. A model's `fill_derived()` (what its
    save() would compute) is called, since bulk inserts do not call save().

    `clean=False` skips each row's full_clean (a query for each check constraint of each row), for
    rows valid by construction: a generated county's (`manage.py seed_county`, whose test cleans them).
    """
    if not instances:
        return []
    model = type(instances[0])
    relations = [field.name for field in model._meta.concrete_fields if field.is_relation]
    for index, instance in enumerate(instances):
        if hasattr(instance, "fill_derived"):
            instance.fill_derived()
        if not clean:
            continue
        try:
            instance.full_clean(exclude=relations, validate_unique=False)
        except ValidationError as error:
            raise InvalidBatchRow(error, index) from error
    created = model._default_manager.bulk_create(instances, batch_size=500)
    events = [PendingEvent(Action.CREATE, row, created_values(row), reason, school) for row in created]
    audit_record_many(actor=actor, events=events)
    return created


@transaction.atomic
def instance_update(*, actor, instance: models.Model, data: dict, reason: str = "") -> dict:
    """Set `data` on the instance, validate, save the changed fields, record what changed.

    Returns the changes ({field: [before, after]}); nothing is saved or recorded when none.
    The stored row is locked and read afresh, so "before" is what the database held, even when
    a form already put new values on `instance` or another user changed the row meanwhile.
    """
    stored = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
    before = snapshot(stored)
    for name, value in data.items():
        setattr(instance, name, value)
    instance.full_clean()
    changes = diff(before, snapshot(instance))
    if changes:
        names = [instance._meta.get_field(name).attname for name in changes]
        instance.save(update_fields=names)
        audit_record(actor=actor, action=Action.UPDATE, target=instance, changes=changes, reason=reason)
    return changes


@transaction.atomic
def instance_delete(*, actor, instance: models.Model, reason: str = "") -> None:
    before = snapshot(instance)
    # The event names the object while it still exists; the row goes after.
    audit_record(actor=actor, action=Action.DELETE, target=instance, changes=diff(before, {}), reason=reason)
    instance.delete()
