"""The roster template (花名册导入模板): a workbook with exactly the columns the import reads, under their
Chinese headers, and one example row for the school, marked as such.

The headers are `students.resources.COLUMNS`, the ones the import looks for; the example row is valid
for the school (one of its classes this school year), so that it reads back without an error, and
is marked on its own row, in grey, with a note beside it saying to delete it. The columns that hold
long numbers (身份证号, 学籍号, phone) are formatted as text, so that Excel keeps every digit.
"""

import io
from datetime import date

import openpyxl
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from aidsys import cn
from aidsys.models import School, SchoolClass, Term
from aidsys.spreadsheets import append_row
from students.resources import COLUMNS, GRADE_WORDS

TITLE_ROW, NOTE_ROW, HEADER_ROW, EXAMPLE_ROW = 1, 2, 3, 4
# So many rows below the example are formatted as text in the columns of long numbers.
TEXT_ROWS = 500
TEXT_COLUMNS = ("id_number", "student_number", "guardian_phone")
EXAMPLE_NAME = "示例学生"
# A stage's first year begins at about this age (kindergarten, primary, junior, senior, vocational).
_AGE_AT_ENTRY = {1: 3, 2: 6, 3: 12, 4: 15, 5: 15}
_EXAMPLE_FILL = PatternFill("solid", fgColor="EDEDED")
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")


def _example_class(school: School) -> SchoolClass | None:
    term = school.current_term or Term.current()
    if term is None:
        return None
    return SchoolClass.objects.filter(school=school, school_year=term.school_year).order_by("grade", "number").first()


def _example_id_number(school: School, birth: date) -> str:
    # The county's own area code, so that it reads as local; 001 makes it a boy's.
    first17 = f"{school.county.code[:6]:0<6}{birth:%Y%m%d}001"
    return first17 + cn.id_number_check_digit(first17)


def example_row(school: School) -> dict[str, str]:
    """The example's cell of each column, by column key: a valid row for this school."""
    school_class = _example_class(school)
    grade = school_class.grade if school_class else 21
    birth = date(timezone.localdate().year - _AGE_AT_ENTRY[grade // 10] - grade % 10, 9, 1)
    id_number = _example_id_number(school, birth)
    return {
        "name": EXAMPLE_NAME,
        "gender": "男",
        "id_number": id_number,
        "student_number": "G" + id_number,
        "ethnicity": "汉族",
        "grade": GRADE_WORDS.get(grade, "一年级"),
        "school_class": str(school_class.number if school_class else 1),
        "hukou": "农村",
        "boarder": "否",
        "guardian_name": "示例家长",
        "guardian_relation": "父亲",
        "guardian_phone": "13800000000",
        "status": "在读",
        "birth_date": birth.isoformat(),
        "township": "示例镇",
        "village": "示例村",
        "address_detail": "1组1号",
    }


def roster_template(school: School) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = _("Roster")
    last = len(COLUMNS)
    append_row(sheet, [_("Student roster import template: {school}").format(school=school.name)])
    append_row(
        sheet,
        [
            _(
                "Row {example} is an example: replace it with a real student or delete it before importing. "
                "The headers in red must be filled in; keep the headers as they are."
            ).format(example=EXAMPLE_ROW)
        ],
    )
    append_row(sheet, [column.header for column in COLUMNS])
    example = example_row(school)
    append_row(sheet, [example[column.key] for column in COLUMNS] + [_("← Example: delete this row")])
    sheet["A1"].font = Font(size=14, bold=True)
    sheet["A2"].font = Font(italic=True, color="C00000")
    for merged in (TITLE_ROW, NOTE_ROW):
        sheet.merge_cells(start_row=merged, start_column=1, end_row=merged, end_column=last)
    for index, column in enumerate(COLUMNS, start=1):
        header = sheet.cell(HEADER_ROW, index)
        header.font = Font(bold=True, color="C00000" if column.required else "000000")
        header.fill = _HEADER_FILL
        sheet.cell(EXAMPLE_ROW, index).fill = _EXAMPLE_FILL
        sheet.cell(EXAMPLE_ROW, index).font = Font(italic=True, color="595959")
        width = 22 if column.key in TEXT_COLUMNS else max(8, len(column.header) * 2 + 2)
        sheet.column_dimensions[get_column_letter(index)].width = width
        if column.key in TEXT_COLUMNS:
            for row in range(EXAMPLE_ROW, EXAMPLE_ROW + TEXT_ROWS):
                sheet.cell(row, index).number_format = "@"
    sheet.cell(EXAMPLE_ROW, last + 1).font = Font(bold=True, color="C00000")
    sheet.column_dimensions[get_column_letter(last + 1)].width = 24
    sheet.freeze_panes = sheet.cell(EXAMPLE_ROW, 1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
