"""Writing a roster plan through the registry's audited services, all or nothing."""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from aidsys.services.audit import Action, audit_record
from aidsys.services.writes import InvalidBatchRow
from students import services
from students.imports.planning import RosterPlan
from students.imports.reading import HOUSEHOLD_FIELDS, RowError, shown_value
from students.models import Student


class RosterNotApplied(Exception):
    def __init__(self, errors: list):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class RosterResult:
    created: int
    updated: int
    unchanged: int


# Rows written per batch: large enough to amortise the statements, small enough for a progress bar.
IMPORT_BATCH = 500


def roster_apply(*, plan: RosterPlan, actor, actor_name: str | None = None, progress=None) -> RosterResult:
    """Write the plan through the registry's services, all or nothing, and record the import itself.

    Each new student gets a household of their own. `progress(done)` is called after each row.
    """
    if plan.errors:
        raise RosterNotApplied(plan.errors)
    current = _Writing()
    try:
        with transaction.atomic():
            _write(plan, actor, actor_name, progress, current)
    except ValidationError as error:
        # The plan checks what the models check; a row that still fails (a stored value that
        # is no longer valid) stops the import and is reported like the others.
        raise RosterNotApplied(_write_errors(plan, current, error)) from error
    except IntegrityError as error:
        reason = _("Someone changed the registry at the same moment; nothing was imported. Please try again.")
        raise RosterNotApplied([RowError(current.row, reason=reason)]) from error
    return RosterResult(len(plan.new), len(plan.changed), plan.unchanged)


@dataclass
class _Writing:
    """The row being written and the values given for it, for an error to name."""

    row: int | None = None
    values: dict = field(default_factory=dict)

    def at(self, row: int | None, values: dict | None = None) -> None:
        self.row, self.values = row, values or {}


def _write_errors(plan: RosterPlan, current: _Writing, error: ValidationError) -> list:
    """The row's errors, each with its column and (masked) value when the file has that column."""
    if not hasattr(error, "error_dict"):
        return [RowError(current.row, reason=" ".join(error.messages))]
    errors = []
    for name, messages in error.message_dict.items():
        column = plan.columns.get(name)
        if column is None:
            errors.append(RowError(current.row, reason=" ".join(messages)))
            continue
        value = shown_value(name, current.values.get(name))
        errors.append(RowError(current.row, column.header, column.letter, value, " ".join(messages)))
    return errors


def _write(plan: RosterPlan, actor, actor_name, progress, current: _Writing) -> None:
    school = plan.school
    classes = {c.pk: c for c in plan.classes.values()}
    done = 0
    # New rows go in batches: one insert and one chain-head lock per batch, each row still with
    # its own audit event. The plan has checked uniqueness and the classes; the database's
    # constraints stand behind it.
    for start in range(0, len(plan.new), IMPORT_BATCH):
        batch = plan.new[start : start + IMPORT_BATCH]
        current.at(batch[0].row)
        try:
            households = services.households_create(
                actor=actor, school=school, households=[row.household for row in batch]
            )
        except InvalidBatchRow as error:
            current.at(batch[error.index].row, batch[error.index].household)
            raise
        fields = [
            {**row.fields, "school_class": classes[row.fields["school_class"]], "household": household}
            for row, household in zip(batch, households, strict=True)
        ]
        try:
            services.students_create(actor=actor, school=school, students=fields)
        except InvalidBatchRow as error:
            current.at(batch[error.index].row, fields[error.index])
            raise
        done += len(batch)
        if progress:
            progress(done)
    students = Student.objects.select_related("school", "school_class", "household").in_bulk(
        [row.student_id for row in plan.changed]
    )
    for row in plan.changed:
        data = {name: after for name, (_before, after) in row.changes.items()}
        student = students[row.student_id]
        address = {name: data.pop(name) for name in HOUSEHOLD_FIELDS if name in data}
        if "school_class" in data:
            data["school_class"] = classes[data["school_class"]]
        reason = ""
        if row.from_school:
            data["school"] = school
            with translation.override(settings.LANGUAGE_CODE):
                reason = _("Transferred in from {school} by the roster import {file}.").format(
                    school=row.from_school, file=plan.file_name
                )
        current.at(row.row, {**data, **address})
        if address:
            services.household_update(actor=actor, household=student.household, data=address)
        if data:
            services.student_update(actor=actor, student=student, data=data, reason=reason)
        done += 1
        if progress:
            progress(done)
    current.at(None)
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("Roster import {file}: {new} new, {changed} changed, {unchanged} unchanged.").format(
            file=plan.file_name, new=len(plan.new), changed=len(plan.changed), unchanged=plan.unchanged
        )
    audit_record(actor=actor, actor_name=actor_name, action=Action.UPDATE, target=school, reason=reason)
