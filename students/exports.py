"""The registry as an Excel workbook, by class or by school, styled for printing on A4 landscape.

Sensitive values (身份证号, guardian's phone, village and address, income) are masked unless the
user holds `students.reveal_sensitive` and asks for full data with a reason. Every export,
masked or full, is an audit event.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from aidsys.models import School, SchoolClass
from aidsys.scope import can_reveal
from aidsys.services.audit import Action, audit_record
from aidsys.spreadsheets import append_row
from students import privacy
from students.models import ON_ROLL, Identification, SpecialGroupFlag, Student
from students.resources import StudentResource

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RegistryResource(StudentResource):
    """The roster's 学籍 columns, as the import reads them."""


# What the registry adds to the 学籍 columns, in the same (fixed, Chinese) wording as they.
NUMBER_HEADER = "序号"
EXTRA_HEADERS = ("特殊群体", "认定档次", "家庭人均年收入")


def column_headers() -> list[str]:
    return [NUMBER_HEADER, *RegistryResource().get_export_headers(), *EXTRA_HEADERS]


TITLE_ROW, NOTE_ROW, HEADER_ROW = 1, 2, 3
FIRST_DATA_ROW = HEADER_ROW + 1
MIN_WIDTH, MAX_WIDTH = 5, 36
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
# Characters Windows and Excel refuse in file and sheet names.
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\[\]]')


@dataclass(frozen=True)
class ExportFile:
    name: str
    ascii_name: str
    content: bytes
    rows: int


def export_students(*, user, school: School, school_class: SchoolClass | None = None):
    """The students on roll of a class or a school in the user's scope, with all the export shows, in fixed queries."""
    students = Student.objects.visible_to(user).filter(school=school, status__in=ON_ROLL)
    if school_class is not None:
        students = students.filter(school_class=school_class)
    return (
        students.select_related("school_class", "household")
        .prefetch_related(
            "household__members",
            Prefetch("household__special_groups", queryset=SpecialGroupFlag.objects.order_by("group")),
            Prefetch("identifications", queryset=Identification.objects.all(), to_attr="all_identifications"),
        )
        .order_by("school_class__grade", "school_class__number", "name_pinyin", "pk")
    )


def special_groups_text(flags) -> str:
    """低保（民政局低保名单 2026-10-01）；单亲（家访）"""
    parts = []
    for flag in flags:
        if flag.from_official_list:
            source = f"{flag.list_name} {flag.list_date.isoformat()}"
        else:
            source = flag.get_source_display()
        parts.append(_("{group} ({source})").format(group=flag.get_group_display(), source=source))
    return _("; ").join(parts)


def _tier(student: Student) -> str:
    if student.school_class is None:
        return ""
    for identification in student.all_identifications:
        if identification.school_year_id == student.school_class.school_year_id:
            return str(identification.get_tier_display())
    return ""


def _row(number: int, student: Student, resource: RegistryResource) -> list:
    if resource.masked:
        income = privacy.masked_value(student, "income")
    else:
        income = student.household.per_capita_income(list(student.household.members.all()))
    return [
        number,
        *resource.export_resource(student),
        special_groups_text(student.household.special_groups.all()),
        _tier(student),
        "" if income is None else income,
    ]


def _display_width(value) -> float:
    """Excel column width units: a Chinese character takes about two."""
    text = str(value) if value is not None else ""
    return sum(2.1 if ord(character) > 0x2E7F else 1.1 for character in text)


def _unit_name(school_class: SchoolClass | None) -> str:
    return str(school_class.name) if school_class is not None else _("Whole school")


def registry_workbook(*, students, school: School, school_class: SchoolClass | None, full: bool, on: date, by) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    unit = _unit_name(school_class)
    sheet.title = _UNSAFE_NAME.sub("_", unit)[:31]
    headers = column_headers()
    resource = RegistryResource(masked=not full)
    last_column = get_column_letter(len(headers))

    append_row(
        sheet,
        [
            _("{school} {unit}: student information as of {date}").format(
                school=school.name, unit=unit, date=on.isoformat()
            )
        ],
    )
    sheet.merge_cells(f"A{TITLE_ROW}:{last_column}{TITLE_ROW}")
    sheet[f"A{TITLE_ROW}"].font = Font(size=14, bold=True)
    sheet[f"A{TITLE_ROW}"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[TITLE_ROW].height = 26
    if full:
        note = _("Exported by {name} on {date}. Contains full sensitive data: keep it confidential.")
    else:
        note = _("Exported by {name} on {date}. ID numbers, phone numbers, addresses and incomes are masked.")
    append_row(sheet, [note.format(name=by.get_full_name(), date=on.isoformat())])
    sheet.merge_cells(f"A{NOTE_ROW}:{last_column}{NOTE_ROW}")
    sheet[f"A{NOTE_ROW}"].font = Font(size=9, italic=True, color="C00000" if full else "595959")

    append_row(sheet, headers)
    widths = [_display_width(header) for header in headers]
    for cell in sheet[HEADER_ROW]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    rows = 0
    for rows, student in enumerate(students, start=1):
        values = _row(rows, student, resource)
        append_row(sheet, values)
        widths = [max(width, _display_width(value)) for width, value in zip(widths, values, strict=True)]
    data_alignment = Alignment(vertical="center", wrap_text=True)
    for row in sheet.iter_rows(min_row=FIRST_DATA_ROW, max_row=HEADER_ROW + rows):
        for cell in row:
            cell.border = _BORDER
            cell.alignment = data_alignment
            if isinstance(cell.value, Decimal):
                cell.number_format = "#,##0.00"
            elif isinstance(cell.value, str):
                # Long digit strings (身份证号, 学籍号) must stay text, not become numbers.
                cell.number_format = "@"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, max(MIN_WIDTH, width + 2))

    sheet.freeze_panes = f"C{FIRST_DATA_ROW}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.center.text = _("Page &P of &N")
    workbook.properties.creator = by.get_full_name()
    workbook.properties.title = sheet[f"A{TITLE_ROW}"].value

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_file_name(*, school: School, school_class: SchoolClass | None, on: date) -> tuple[str, str]:
    """学生信息_青山县实验小学_一年级(1)班_20261123.xlsx, and an ASCII name for old clients."""
    parts = [_("Student information"), school.name, _unit_name(school_class), on.strftime("%Y%m%d")]
    name = "_".join(_UNSAFE_NAME.sub("_", str(part)) for part in parts) + ".xlsx"
    ascii_parts = ["students", school.code, f"class{school_class.pk}" if school_class else "school", f"{on:%Y%m%d}"]
    return name, "_".join(ascii_parts) + ".xlsx"


@transaction.atomic
def registry_export(
    *, actor, school: School, school_class: SchoolClass | None = None, full: bool = False, reason: str = ""
) -> ExportFile:
    """The workbook for a class or a school; full data needs the permission and a reason. Audited either way."""
    reason = reason.strip()
    if full and not can_reveal(actor):
        raise PermissionDenied
    if full and not reason:
        raise ValidationError(_("Say why the export needs full data."), code="reason")
    on = timezone.localdate()
    students = list(export_students(user=actor, school=school, school_class=school_class))
    content = registry_workbook(students=students, school=school, school_class=school_class, full=full, on=on, by=actor)
    name, ascii_name = export_file_name(school=school, school_class=school_class, on=on)
    audit_record(
        actor=actor,
        action=Action.EXPORT,
        target=school_class or school,
        changes={
            "export": [None, "full" if full else "masked"],
            "rows": [None, len(students)],
            "file": [None, name],
        },
        reason=reason,
    )
    return ExportFile(name=name, ascii_name=ascii_name, content=content, rows=len(students))
