"""Planning a roster import: what the file would write, checked against the registry, nothing written.

`roster_plan` returns the new students, the changed ones with their field changes (transfers among
them), how many are unchanged, and every error.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aidsys.models import School, SchoolClass, Term
from students.imports.reading import (
    HOUSEHOLD_FIELDS,
    RosterSheet,
    RowError,
    cell_error,
    no_progress,
    parse_rows,
    read_sheet,
    shown_value,
)
from students.models import ON_ROLL, EnrolmentStatus, Student
from students.resources import COLUMN_BY_KEY

# Lookups by 身份证号 go in chunks that every database accepts as query parameters.
LOOKUP_CHUNK = 500
# Fields an import may change on an existing student, and on its household (the address) below.
COMPARED_FIELDS = (
    "name",
    "gender",
    "student_number",
    "ethnicity",
    "school_class",
    "hukou",
    "boarder",
    "status",
    "guardian_name",
    "guardian_relation",
    "guardian_phone",
)
# The one refusal of an ID number that says nothing of where it is registered. An aid office may be
# told of 双重学籍 in its own county (it is the county's registry), but not whether an arbitrary
# 身份证号 is enrolled in another county: a message naming the other county (or one only it gives)
# would answer that for anyone who types a number into a file.
NOT_IMPORTABLE = gettext_lazy(
    "This ID number cannot be imported into this school. Check it against the household register (户口簿); "
    "if it is right, ask the county's student aid centre."
)


def async_rows() -> int:
    """Files with more data rows than this are written by a background task (500 take about two seconds)."""
    return getattr(settings, "AIDSYS_IMPORT_ASYNC_ROWS", 500)


# ---------------------------------------------------------------------------------------------
# The plan


@dataclass
class NewStudent:
    row: int
    fields: dict
    household: dict
    class_name: str = ""


@dataclass
class StudentChange:
    row: int
    student_id: int
    name: str
    changes: dict  # field → [before, after], model values (a class by its id)
    shown: list  # (column, before, after) as the page shows them
    from_school: str = ""  # a transfer (转入): the school the student leaves


@dataclass
class RosterPlan:
    school: School
    file_name: str
    school_year: object = None
    columns: dict = field(default_factory=dict)  # key → SheetColumn
    rows: int = 0
    new: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    unchanged: int = 0
    errors: list = field(default_factory=list)
    classes: dict = field(default_factory=dict)  # (grade, number) → SchoolClass

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def updates(self) -> list:
        return [row for row in self.changed if not row.from_school]

    @property
    def transfers(self) -> list:
        return [row for row in self.changed if row.from_school]

    def digest(self) -> str:
        """A fingerprint of what the plan would write: confirming applies exactly what was previewed."""
        payload = {
            "school": self.school.pk,
            "new": [[row.row, row.fields, row.household] for row in self.new],
            "changed": [[row.row, row.student_id, row.changes] for row in self.changed],
            "unchanged": self.unchanged,
            "errors": len(self.errors),
        }
        text = json.dumps(payload, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    def summary(self) -> str:
        return _("{file}: {rows} rows, {new} new, {changed} changed, {unchanged} unchanged, {errors} errors.").format(
            file=self.file_name,
            rows=self.rows,
            new=len(self.new),
            changed=len(self.changed),
            unchanged=self.unchanged,
            errors=len(self.errors),
        )


def roster_plan(*, school: School, content: bytes, file_name: str) -> RosterPlan:
    """Read and check a roster file for `school`; nothing is written."""
    return sheet_plan(school=school, sheet=read_sheet(content=content, file_name=file_name))


def sheet_plan(*, school: School, sheet: RosterSheet, progress: Callable[[int], None] = no_progress) -> RosterPlan:
    """Check a roster file already read (`read_sheet`) for `school`; nothing is written.

    `progress` is told how many of the sheet's rows have been checked so far.
    """
    plan = RosterPlan(school=school, file_name=sheet.file_name)
    if sheet.refused:
        plan.errors.append(RowError(None, reason=sheet.refused))
        return plan
    term = school.current_term or Term.current()
    if term is None:
        plan.errors.append(RowError(None, reason=_("The school has no current term, so its classes are unknown.")))
        return plan
    plan.school_year = term.school_year
    plan.classes = {
        (c.grade, c.number): c for c in SchoolClass.objects.filter(school=school, school_year=plan.school_year)
    }
    plan.columns = dict(sheet.columns)
    plan.errors.extend(sheet.errors)
    _classify(plan, parse_rows(plan, sheet, progress))
    plan.errors.sort(key=lambda e: (e.row or 0, _column_order(plan, e.column)))
    return plan


def _column_order(plan: RosterPlan, header: str) -> int:
    for column in plan.columns.values():
        if column.header == header:
            return column.index
    return -1


def _classify(plan: RosterPlan, parsed: list) -> None:
    """Sort the good rows into new, changed (transfers among them) and unchanged.

    A 身份证号 twice in the file, on roll at another school of the county (双重学籍) or registered in
    another county is an error; the last says only that the number cannot be imported (NOT_IMPORTABLE).
    A student who graduated from or transferred out of another school of the county is moved here
    (转入), on roll from today.
    """
    first_row, good = {}, []
    for number, values in parsed:
        if values is None:
            continue
        id_number = values["id_number"]
        if id_number in first_row:
            reason = _("The same ID number is in rows {first} and {second}.")
            plan.errors.append(
                cell_error(
                    plan, number, "id_number", id_number, reason.format(first=first_row[id_number], second=number)
                )
            )
            continue
        first_row[id_number] = number
        good.append((number, values))
    existing, ids = {}, list(first_row)
    for start in range(0, len(ids), LOOKUP_CHUNK):
        chunk = Student.objects.filter(id_number__in=ids[start : start + LOOKUP_CHUNK])
        existing.update((s.id_number, s) for s in chunk.select_related("school", "school_class", "household"))
    for number, values in good:
        student = existing.get(values["id_number"])
        if student is None:
            household = {key: values.pop(key) for key in HOUSEHOLD_FIELDS if key in values}
            school_class = values["school_class"]
            values["school_class"] = school_class.pk
            plan.new.append(NewStudent(number, values, household, str(school_class)))
        elif student.school_id == plan.school.pk:
            _compare(plan, number, student, values)
        elif student.school.county_id != plan.school.county_id:
            plan.errors.append(cell_error(plan, number, "id_number", values["id_number"], NOT_IMPORTABLE))
        elif student.on_roll:
            reason = _("Dual enrolment (双重学籍): this ID number is already registered at {school}.")
            plan.errors.append(
                cell_error(plan, number, "id_number", values["id_number"], reason.format(school=student.school.name))
            )
        else:
            # Graduated or transferred out of another school of the county: the student comes here (转入).
            _compare(plan, number, student, values, transfer=True)


def _compare(plan: RosterPlan, number: int, student: Student, values: dict, *, transfer: bool = False) -> None:
    changes, shown = {}, []
    if transfer:
        # On roll from today: as 转入 unless the file says 在读 or 休学.
        status = values.get("status")
        values = {**values, "status": status if status in ON_ROLL else EnrolmentStatus.TRANSFERRED_IN}
        changes["school"] = [student.school_id, plan.school.pk]
        changes["status_since"] = [student.status_since, timezone.localdate()]
    for name in COMPARED_FIELDS:
        if name not in values:
            continue
        before, after = getattr(student, name), values[name]
        if name == "school_class":
            if student.school_class_id == after.pk:
                continue
            changes[name] = [student.school_class_id, after.pk]
            shown.append((_header(plan, name), str(student.school_class or ""), str(after)))
            continue
        if before == after:
            continue
        changes[name] = [before, after]
        shown.append((_header(plan, name), shown_value(name, before), shown_value(name, after)))
    for name in HOUSEHOLD_FIELDS:
        before, after = getattr(student.household, name), values.get(name)
        if after and before != after:
            changes[name] = [before, after]
            shown.append((_header(plan, name), shown_value(name, before), shown_value(name, after)))
    if changes:
        from_school = student.school.name if transfer else ""
        plan.changed.append(StudentChange(number, student.pk, student.name, changes, shown, from_school))
    else:
        plan.unchanged += 1


def _header(plan: RosterPlan, key: str) -> str:
    """The column's header as the file writes it, or as the 学籍 export does when the file has no such column."""
    return plan.columns[key].header if key in plan.columns else COLUMN_BY_KEY[key].header
