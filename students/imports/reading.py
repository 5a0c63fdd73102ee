"""Reading a roster file: the header found, each data row parsed and checked, errors by row and column.

A row's cells become the values of a Student and its household; what is wrong becomes a RowError
naming the row as the spreadsheet numbers it, the column as the file writes it, the value (masked
where it is sensitive) and the reason in Chinese.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from itertools import chain
from typing import Protocol

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils import get_column_letter

from aidsys import cn
from aidsys.models import Grade, School, grade_stage
from aidsys.spreadsheets import XLSX, FileUnreadable, cell_text, check_file, file_rows, find_header, read_header
from students import privacy
from students.models import Household, Student
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


class RowChecks(Protocol):
    """What checking a row needs of the plan (`planning.RosterPlan`): the school, its classes of the
    year, the file's columns, and the list the errors go to; the count of rows read goes up."""

    school: School
    school_year: object
    classes: dict
    columns: dict
    errors: list
    rows: int


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
class RosterSheet:
    """What a roster file holds, read once: its header's columns, the errors of the file as a whole
    or of its header, and the cells of each data row by column.

    Reading a file is the slow part of a plan (a workbook is unzipped and its XML walked); checking
    the rows against the registry is not. So a sheet is read once per upload and kept as JSON beside
    the file (`students.imports.job.Upload.sheet`); each preview, the confirmation and the job plan
    from it.
    """

    file_name: str
    refused: str = ""  # the file is no spreadsheet (or too large): nothing else is checked
    columns: dict = field(default_factory=dict)  # key → SheetColumn
    errors: list = field(default_factory=list)  # RowError of the whole file or of the header
    rows: list = field(default_factory=list)  # (row number, {key: cell}) of each row with data

    def to_json(self) -> bytes:
        payload = {
            "file_name": self.file_name,
            "refused": self.refused,
            "columns": [asdict(column) for column in self.columns.values()],
            "errors": [asdict(error) for error in self.errors],
            "rows": [
                [number, {key: _cell_to_json(value) for key, value in cells.items()}] for number, cells in self.rows
            ],
        }
        return json.dumps(payload, ensure_ascii=False).encode()

    @classmethod
    def from_json(cls, data: bytes) -> RosterSheet:
        payload = json.loads(data)
        return cls(
            file_name=payload["file_name"],
            refused=payload["refused"],
            columns={column["key"]: SheetColumn(**column) for column in payload["columns"]},
            errors=[RowError(**error) for error in payload["errors"]],
            rows=[
                (number, {key: _cell_from_json(value) for key, value in cells.items()})
                for number, cells in payload["rows"]
            ],
        )


# A cell keeps its type through JSON: the checks tell a date cell and a number cell from text.
def _cell_to_json(value):
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return cell_text(value)  # a time or a duration: only its text is read


def _cell_from_json(value):
    if isinstance(value, dict):
        if "datetime" in value:
            return datetime.fromisoformat(value["datetime"])
        return date.fromisoformat(value["date"])
    return value


def no_progress(done: int) -> None:
    """Work that nobody watches reports its progress nowhere."""


def read_sheet(*, content: bytes, file_name: str, progress: Callable[[int], None] = no_progress) -> RosterSheet:
    """Read a roster file: check that it is a spreadsheet, find its header, keep its data rows' cells.

    `progress` is told how many data rows have been read so far, as they are read.
    """
    sheet = RosterSheet(file_name=file_name)
    try:
        kind = check_file(file_name, content)
    except ValidationError as error:
        sheet.refused = error.messages[0]
        return sheet
    rows = file_rows(kind, content)
    try:
        _read_rows(sheet, rows, letters=kind == XLSX, progress=progress)
    except FileUnreadable:
        sheet.errors = [RowError(None, reason=_("The file cannot be read: it may be damaged."))]
        sheet.rows = []
    except ValidationError as error:  # SheetTooLarge
        sheet.errors = [RowError(None, reason=error.messages[0])]
        sheet.rows = []
    finally:
        rows.close()
    return sheet


def _read_rows(sheet: RosterSheet, rows, *, letters: bool, progress: Callable[[int], None]) -> None:
    """Find the header, then keep the cells of every data row."""
    first = next(rows, None)
    if first is None:
        sheet.errors.append(RowError(None, reason=_("The file is empty.")))
        return
    # Without a header naming 身份证号 and 姓名, the first row is taken for one: its missing columns are the errors.
    header = find_header(chain([first], rows), HEADER_ALIASES, required=("id_number", "name"))
    header = header or read_header(*first, HEADER_ALIASES)
    header_row = header.row
    for key, indexes in header.columns.items():
        columns = [
            SheetColumn(key, header.texts[index], index, get_column_letter(index + 1) if letters else "")
            for index in indexes
        ]
        sheet.columns[key] = columns[0]
        if len(columns) > 1:
            reason = _("The columns “{first}” and “{second}” both hold {column}; keep one of them.")
            reason = reason.format(first=columns[0].header, second=columns[1].header, column=COLUMN_BY_KEY[key].header)
            sheet.errors.append(RowError(header_row, columns[1].header, columns[1].letter, reason=reason))
    for column in COLUMNS:
        if column.required and column.key not in sheet.columns:
            reason = _("The file has no column {column}, which is required.").format(column=column.header)
            sheet.errors.append(RowError(header_row, column.header, reason=reason))
    if sheet.errors:
        return
    for number, values in rows:
        cells = {key: (values[c.index] if c.index < len(values) else None) for key, c in sheet.columns.items()}
        if all(cell_text(value) == "" for value in cells.values()):
            continue
        sheet.rows.append((number, cells))
        progress(len(sheet.rows))


def parse_rows(plan: RowChecks, sheet: RosterSheet, progress: Callable[[int], None] = no_progress) -> list:
    """Check every data row of the sheet for the plan's school; returns [(row number, values or None)].

    `progress` is told how many rows have been checked so far.
    """
    parsed = []
    for number, cells in sheet.rows:
        plan.rows += 1
        parsed.append((number, _parse_row(plan, number, cells)))
        progress(plan.rows)
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
}


def cell_error(plan, number, key, value, reason) -> RowError:
    column = plan.columns[key]
    mask = SENSITIVE_COLUMNS.get(key)
    shown = cell_text(value)
    return RowError(number, column.header, column.letter, mask(shown) if mask and shown else shown, str(reason))


class _Row:
    """One data row while it is read: its cells, their text, the values found, the errors."""

    def __init__(self, plan: RowChecks, number: int, cells: dict):
        self.plan, self.number, self.cells = plan, number, cells
        self.texts = {key: cell_text(value) for key, value in cells.items()}
        self.values = {}
        self.failed = False

    def reject(self, key: str, reason) -> None:
        self.failed = True
        self.plan.errors.append(cell_error(self.plan, self.number, key, self.cells[key], reason))


def _parse_row(plan: RowChecks, number: int, cells: dict) -> dict | None:
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
        row.reject(
            "gender", _("The ID number is that of a {gender} student.").format(gender=shown_value("gender", gender))
        )
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
    except (ValueError, OverflowError):  # 2026-2-30; a year of eleven digits overflows a C long
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


def shown_value(name: str, value) -> str:
    if value in (None, ""):
        return ""
    if name in _WORDS:
        return _WORDS[name].render(value)
    if name == "guardian_relation":
        return WordsWidget(RELATION_WORDS).render(value)
    if name in SENSITIVE_COLUMNS:
        return SENSITIVE_COLUMNS[name](value)
    return str(value)
