"""Roster import (花名册导入): the 学籍 system's export, checked row by row, written all or nothing.

Two steps. `roster_plan` reads and checks a file without writing anything: it returns the new
students, the changed ones with their field changes, how many are unchanged, and every error,
each naming its row (as the spreadsheet numbers it), column, value and reason. `roster_apply`
writes a plan without errors through the registry's services, in one transaction. The aid
office's page, the admin and `manage.py import_students` all use both.

The file is read by the project's spreadsheet reader (`aidsys.spreadsheets`), not through
django-import-export's import: that loop saves models itself and reports errors in its own terms,
where here every cell's error must say row, column and reason in Chinese, and every write must go
through the audited services. Columns, header synonyms and cell words come from
`students.resources` too, whose StudentResource exports the same columns.
"""

import hashlib
import json
import re
import secrets
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from itertools import chain
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils import get_column_letter

from aidsys import cn
from aidsys.context import current_request_context
from aidsys.models import Grade, Job, School, SchoolClass, Term, grade_stage
from aidsys.scope import scope_for
from aidsys.services.audit import Action, audit_record
from aidsys.services.jobs import JobProgress, job_create, job_fail, job_finish, job_set_total
from aidsys.services.writes import InvalidBatchRow
from aidsys.spreadsheets import XLSX, FileUnreadable, cell_text, check_file, file_rows, find_header, read_header
from students import privacy, services
from students.models import ON_ROLL, EnrolmentStatus, Household, Student
from students.resources import (
    BOARDER_WORDS,
    COLUMN_BY_KEY,
    COLUMNS,
    ETHNICITY_WORDS,
    GENDER_WORDS,
    HEADER_ALIASES,
    HUKOU_WORDS,
    RELATION_WORDS,
    STATUS_WORDS,
    WordsWidget,
    chinese_number,
    normalize_word,
    parse_grade,
)

ROSTER_JOB = "students.roster_import"
UPLOAD_FOLDER = "imports"
# Lookups by 身份证号 go in chunks that every database accepts as query parameters.
LOOKUP_CHUNK = 500
# A background import reports its progress every so many rows.
PROGRESS_EVERY = 100
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
HOUSEHOLD_FIELDS = ("township", "village", "address_detail")
TEXT_FIELDS = ("name", "student_number", "guardian_name", *HOUSEHOLD_FIELDS)
# How a sensitive column's value is shown in the preview, in errors and in a job's result (DESIGN.md §5):
# the preview offers no reveal, so these are masked for every user. The 学籍号 holds the 身份证号; the
# birth date is part of it.
SENSITIVE_COLUMNS = {
    "id_number": cn.mask_id_number,
    "student_number": privacy.mask_student_number,
    "guardian_phone": cn.mask_mobile,
    "birth_date": lambda value: privacy.MASK,
    "village": lambda value: privacy.MASK,
    "address_detail": lambda value: privacy.MASK,
}


def async_rows() -> int:
    """Files with more data rows than this are written by a background task."""
    return getattr(settings, "AIDSYS_IMPORT_ASYNC_ROWS", 2000)


def may_import(user, school: School) -> bool:
    """The school's aid office, the county's staff, an administrator."""
    scope = scope_for(user)
    return scope.manages_school(school.pk) or school.county_id in scope.county_ids


# ---------------------------------------------------------------------------------------------
# The plan


@dataclass(frozen=True)
class RowError:
    row: int | None  # as the spreadsheet numbers it (the header is usually row 1); None: the whole file
    column: str = ""  # the header as the file writes it
    letter: str = ""  # the column's letter in a workbook
    value: str = ""
    reason: str = ""


@dataclass(frozen=True)
class SheetColumn:
    key: str
    header: str
    index: int
    letter: str


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
    plan = RosterPlan(school=school, file_name=file_name)
    try:
        kind = check_file(file_name, content)
    except ValidationError as error:
        plan.errors.append(RowError(None, reason=error.messages[0]))
        return plan
    term = school.current_term or Term.current()
    if term is None:
        plan.errors.append(RowError(None, reason=_("The school has no current term, so its classes are unknown.")))
        return plan
    plan.school_year = term.school_year
    plan.classes = {
        (c.grade, c.number): c for c in SchoolClass.objects.filter(school=school, school_year=plan.school_year)
    }
    rows = file_rows(kind, content)
    try:
        parsed = _read(plan, rows, letters=kind == XLSX)
    except FileUnreadable:
        plan.errors.append(RowError(None, reason=_("The file cannot be read: it may be damaged.")))
        return plan
    _classify(plan, parsed)
    plan.errors.sort(key=lambda e: (e.row or 0, _column_order(plan, e.column)))
    return plan


def _column_order(plan: RosterPlan, header: str) -> int:
    for column in plan.columns.values():
        if column.header == header:
            return column.index
    return -1


def _read(plan: RosterPlan, rows, *, letters: bool) -> list:
    """Find the header, then parse every data row; returns [(row number, values by key)]."""
    first = next(rows, None)
    if first is None:
        plan.errors.append(RowError(None, reason=_("The file is empty.")))
        return []
    # Without a header naming 身份证号 and 姓名, the first row is taken for one: its missing columns are the errors.
    header = find_header(chain([first], rows), HEADER_ALIASES, required=("id_number", "name"))
    header = header or read_header(*first, HEADER_ALIASES)
    header_row = header.row
    for key, indexes in header.columns.items():
        columns = [
            SheetColumn(key, header.texts[index], index, get_column_letter(index + 1) if letters else "")
            for index in indexes
        ]
        plan.columns[key] = columns[0]
        if len(columns) > 1:
            reason = _("The columns “{first}” and “{second}” both hold {column}; keep one of them.")
            reason = reason.format(first=columns[0].header, second=columns[1].header, column=COLUMN_BY_KEY[key].header)
            plan.errors.append(RowError(header_row, columns[1].header, columns[1].letter, reason=reason))
    for column in COLUMNS:
        if column.required and column.key not in plan.columns:
            reason = _("The file has no column {column}, which is required.").format(column=column.header)
            plan.errors.append(RowError(header_row, column.header, reason=reason))
    if plan.errors:
        return []
    parsed = []
    for number, values in rows:
        cells = {key: (values[c.index] if c.index < len(values) else None) for key, c in plan.columns.items()}
        if all(cell_text(value) == "" for value in cells.values()):
            continue
        plan.rows += 1
        parsed.append((number, _parse_row(plan, number, cells)))
    return parsed


_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


def _clean_name(text: str) -> str:
    """Stray spaces go: all of them between Chinese characters, runs of them elsewhere."""
    return " ".join(_CJK_GAP.sub("", text).split())


_CLASS_PATTERN = re.compile(r"^(?P<grade>.*?)\(?(?P<number>\d{1,3}|[一二三四五六七八九十]{1,3})\)?班?$")
# 4.39901E+17: what a spreadsheet makes of an ID number typed into a number cell.
_SCIENTIFIC = re.compile(r"\d(\.\d+)?e\+?\d+")
_WORDS = {
    "gender": WordsWidget(GENDER_WORDS),
    "hukou": WordsWidget(HUKOU_WORDS),
    "boarder": WordsWidget(BOARDER_WORDS),
    "status": WordsWidget(STATUS_WORDS),
    "ethnicity": WordsWidget(ETHNICITY_WORDS),
}
_REASONS = {
    "gender": gettext_lazy("Write 男 or 女."),
    "hukou": gettext_lazy("Write 农村 or 城镇 (or 农业, 非农业)."),
    "boarder": gettext_lazy("Write 是 or 否."),
    "status": gettext_lazy("Write one of 在读, 转入, 转出, 休学, 毕业."),
    "ethnicity": gettext_lazy("This is not one of the 56 ethnic groups; write it like 汉族 or 汉."),
    "empty": gettext_lazy("This column must not be empty."),
    "number": gettext_lazy(
        "The ID number was stored as a number and has lost its last digits; format the column as text."
    ),
    "date": gettext_lazy("This is not a date."),
    "grade": gettext_lazy("This is not a grade; write it like 一年级, 初一 or 高一."),
    "stage": gettext_lazy("The school does not teach this grade."),
    "class": gettext_lazy("This is not a class; write it like 2, (2)班 or 三年级(2)班."),
    "elsewhere": gettext_lazy("This ID number is already registered at a school in another county."),
}


def _error(plan, number, key, value, reason) -> RowError:
    column = plan.columns[key]
    mask = SENSITIVE_COLUMNS.get(key)
    shown = cell_text(value)
    return RowError(number, column.header, column.letter, mask(shown) if mask and shown else shown, str(reason))


class _Row:
    """One data row while it is read: its cells, their text, the values found, the errors."""

    def __init__(self, plan: RosterPlan, number: int, cells: dict):
        self.plan, self.number, self.cells = plan, number, cells
        self.texts = {key: cell_text(value) for key, value in cells.items()}
        self.values = {}
        self.failed = False

    def reject(self, key: str, reason) -> None:
        self.failed = True
        self.plan.errors.append(_error(self.plan, self.number, key, self.cells[key], reason))


def _parse_row(plan: RosterPlan, number: int, cells: dict) -> dict | None:
    """The row's values for the Student model, or None when it has errors (added to the plan)."""
    row = _Row(plan, number, cells)
    texts, values = row.texts, row.values
    for column in COLUMNS:
        if column.required and column.key in texts and not texts[column.key]:
            row.reject(column.key, _REASONS["empty"])
    for key in ("name", "guardian_name", *HOUSEHOLD_FIELDS):
        if texts.get(key):
            values[key] = _clean_name(texts[key])
    if texts.get("student_number"):
        values["student_number"] = normalize_word(texts["student_number"]).upper()
    for key in TEXT_FIELDS:
        limit = (Household if key in HOUSEHOLD_FIELDS else Student)._meta.get_field(key).max_length
        if len(values.get(key, "")) > limit:
            row.reject(key, _("At most {limit} characters.").format(limit=limit))
    for key, widget in _WORDS.items():
        if texts.get(key):
            try:
                values[key] = widget.clean(texts[key])
            except ValueError:
                row.reject(key, _REASONS[key])
    if texts.get("guardian_relation"):
        # Any other relative (叔叔, 姑姑, 舅舅) who is the guardian is "other".
        values["guardian_relation"] = RELATION_WORDS.get(normalize_word(texts["guardian_relation"]), "other")
    if texts.get("guardian_phone"):
        try:
            values["guardian_phone"] = cn.normalize_mobile(texts["guardian_phone"])
        except ValidationError as error:
            row.reject("guardian_phone", error.messages[0])
    if texts.get("id_number"):
        _parse_id_number(row)
    if texts.get("grade"):
        _parse_class(row)
    return None if row.failed else values


def _parse_id_number(row: _Row) -> None:
    texts, values = row.texts, row.values
    if isinstance(row.cells["id_number"], float) or _SCIENTIFIC.fullmatch(normalize_word(texts["id_number"])):
        row.reject("id_number", _REASONS["number"])
        return
    try:
        id_number = values["id_number"] = cn.normalize_id_number(texts["id_number"])
    except ValidationError as error:
        row.reject("id_number", error.messages[0])
        return
    birth_date = values["birth_date"] = cn.id_number_birth_date(id_number)
    gender = cn.id_number_gender(id_number)
    if values.get("gender") and values["gender"] != gender:
        row.reject("gender", _("The ID number is that of a {gender} student.").format(gender=_shown("gender", gender)))
    if texts.get("birth_date"):
        given = _parse_date(row.cells["birth_date"], texts["birth_date"])
        if given is None:
            row.reject("birth_date", _REASONS["date"])
        elif given != birth_date:
            # Naming the date the ID number gives would show part of the ID number.
            row.reject("birth_date", _("The birth date does not match the ID number."))


def _parse_date(value, text: str) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    digits = re.findall(r"\d+", normalize_word(text))
    if len(digits) == 1 and len(digits[0]) == 8:
        digits = [digits[0][:4], digits[0][4:6], digits[0][6:]]
    try:
        return date(*(int(part) for part in digits)) if len(digits) == 3 else None
    except ValueError:
        return None


def _parse_class(row: _Row) -> None:
    plan, texts = row.plan, row.texts
    stages = plan.school.stages or []
    grade = parse_grade(texts["grade"], stages)
    if grade is None or grade_stage(grade) not in stages:
        row.reject("grade", _REASONS["grade" if grade is None else "stage"])
        return
    if not texts.get("school_class"):
        return
    match = _CLASS_PATTERN.match(normalize_word(texts["school_class"]))
    number = chinese_number(match["number"]) if match else None
    if not number:
        row.reject("school_class", _REASONS["class"])
    elif match["grade"] and parse_grade(match["grade"], stages) != grade:
        column = plan.columns["grade"].header
        row.reject("school_class", _("The class is not in the grade the column {column} gives.").format(column=column))
    elif (grade, number) not in plan.classes:
        reason = _("The school has no class {grade}({number}) in the {year} school year.")
        row.reject("school_class", reason.format(grade=Grade(grade).label, number=number, year=plan.school_year))
    else:
        row.values["school_class"] = plan.classes[(grade, number)]


def _classify(plan: RosterPlan, parsed: list) -> None:
    """Sort the good rows into new, changed (transfers among them) and unchanged.

    A 身份证号 twice in the file, on roll at another school of the county (双重学籍) or registered in
    another county is an error. A student who graduated from or transferred out of another school of
    the county is moved here (转入), on roll from today.
    """
    first_row, good = {}, []
    for number, values in parsed:
        if values is None:
            continue
        id_number = values["id_number"]
        if id_number in first_row:
            reason = _("The same ID number is in rows {first} and {second}.")
            plan.errors.append(
                _error(plan, number, "id_number", id_number, reason.format(first=first_row[id_number], second=number))
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
            plan.errors.append(_error(plan, number, "id_number", values["id_number"], _REASONS["elsewhere"]))
        elif student.on_roll:
            reason = _("Dual enrolment (双重学籍): this ID number is already registered at {school}.")
            plan.errors.append(
                _error(plan, number, "id_number", values["id_number"], reason.format(school=student.school.name))
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
        shown.append((_header(plan, name), _shown(name, before), _shown(name, after)))
    for name in HOUSEHOLD_FIELDS:
        before, after = getattr(student.household, name), values.get(name)
        if after and before != after:
            changes[name] = [before, after]
            shown.append((_header(plan, name), _shown(name, before), _shown(name, after)))
    if changes:
        from_school = student.school.name if transfer else ""
        plan.changed.append(StudentChange(number, student.pk, student.name, changes, shown, from_school))
    else:
        plan.unchanged += 1


def _header(plan: RosterPlan, key: str) -> str:
    """The column's header as the file writes it, or as the 学籍 export does when the file has no such column."""
    return plan.columns[key].header if key in plan.columns else COLUMN_BY_KEY[key].header


def _shown(name: str, value) -> str:
    if value in (None, ""):
        return ""
    if name in _WORDS:
        return _WORDS[name].render(value)
    if name == "guardian_relation":
        return WordsWidget(RELATION_WORDS).render(value)
    if name in SENSITIVE_COLUMNS:
        return SENSITIVE_COLUMNS[name](value)
    return str(value)


# ---------------------------------------------------------------------------------------------
# Writing a plan


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
        value = _shown(name, current.values.get(name))
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


# ---------------------------------------------------------------------------------------------
# Uploads kept between the preview and the confirmation, and the background job


@dataclass(frozen=True)
class Upload:
    path: str  # in the default storage
    name: str

    def read(self) -> bytes:
        with default_storage.open(self.path, "rb") as stored:
            return stored.read()

    def delete(self) -> None:
        default_storage.delete(self.path)


def _folder(school: School, user, token: str) -> str:
    return f"{UPLOAD_FOLDER}/{school.pk}-{user.pk}-{token}"


def upload_store(*, school: School, user, name: str, content: bytes) -> str:
    """Keep an uploaded file for its preview and confirmation; returns the token that finds it again."""
    token = secrets.token_hex(16)
    safe_name = get_valid_filename(PurePosixPath(name).name) or "roster"
    default_storage.save(f"{_folder(school, user, token)}/{safe_name}", ContentFile(content))
    return token


def upload_find(*, school: School, user, token: str) -> Upload | None:
    """The file this user uploaded for this school under this token, or None."""
    if not re.fullmatch(r"[0-9a-f]{32}", token):
        return None
    folder = _folder(school, user, token)
    try:
        _folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return None
    return Upload(f"{folder}/{files[0]}", files[0]) if files else None


def upload_purge(*, older_than: timedelta) -> int:
    """Delete uploads left behind (previews never confirmed); returns how many files went."""
    cutoff = timezone.now() - older_than
    try:
        folders, _files = default_storage.listdir(UPLOAD_FOLDER)
    except FileNotFoundError:
        return 0
    purged = 0
    for folder in folders:
        for name in default_storage.listdir(f"{UPLOAD_FOLDER}/{folder}")[1]:
            path = f"{UPLOAD_FOLDER}/{folder}/{name}"
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                purged += 1
    return purged


def roster_job_create(*, plan: RosterPlan, upload: Upload, owner) -> Job:
    """A background import of the previewed plan; the task checks the file again before writing."""
    context = current_request_context()
    return job_create(
        kind=ROSTER_JOB,
        owner=owner,
        school=plan.school,
        total=len(plan.new) + len(plan.changed),
        params={
            "upload": upload.path,
            "file_name": upload.name,
            "digest": plan.digest(),
            "request_id": context.request_id,
            "ip": context.ip,
        },
    )


def roster_job_run(*, job: Job) -> None:
    """Check the stored file again and write it, if it still gives the plan that was confirmed."""
    upload = Upload(job.params["upload"], job.params["file_name"])
    try:
        content = upload.read()
    except FileNotFoundError:
        job_fail(job=job, message=_("The uploaded file is gone; nothing was imported. Please upload it again."))
        return
    # The file holds students' data: it goes whatever the outcome; a new attempt starts from a new upload.
    try:
        _run(job, upload, content)
    finally:
        upload.delete()


def _run(job: Job, upload: Upload, content: bytes) -> None:
    plan = roster_plan(school=job.school, content=content, file_name=upload.name)
    if plan.errors:
        job_fail(job=job, message=_("The file has errors; nothing was imported."), result=_result(plan))
    elif plan.digest() != job.params["digest"]:
        job_fail(job=job, message=_("The registry changed after the preview; nothing was imported."))
    else:
        job_set_total(job=job, total=len(plan.new) + len(plan.changed))
        try:
            with JobProgress(job, every=PROGRESS_EVERY) as progress:
                roster_apply(plan=plan, actor=job.owner, progress=progress)
        except RosterNotApplied as failure:
            plan.errors = failure.errors
            job_fail(job=job, message=_("Nothing was imported."), result=_result(plan))
            return
        job_finish(job=job, result=_result(plan), message=_("The roster has been imported."))


def _result(plan: RosterPlan) -> dict:
    return {
        "rows": plan.rows,
        "new": len(plan.new),
        "changed": len(plan.changed),
        "unchanged": plan.unchanged,
        "errors": [asdict(error) for error in plan.errors],
    }
