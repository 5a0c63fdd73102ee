"""Any report as a styled Excel workbook, streamed: openpyxl's write-only mode, so that memory does
not grow with the rows (a county's 100,000 lines).

The sheet: the report's title, a line with the unit, the period, the day of export and whether the
file is masked; the headings, frozen and filtered; the rows; a totals row (合计) for the columns that
sum. A4 landscape, fit to the page's width, the title and heading rows repeated on every page and the
page numbers in the footer. Column widths are estimated from the headings and the first rows, which
are held back until the widths are known (a write-only sheet writes its columns before its rows).

A column's mask is applied unless the export is for full data. A text that starts like a formula is
written as quote-prefixed text (aidsys.spreadsheets' rule); numbers stay numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange

from aidsys.spreadsheets import looks_like_formula
from reports.definitions import DATE, INTEGER, MONEY, PERCENT, Column, ReportData

TITLE_ROW, NOTE_ROW, HEADING_ROW = 1, 2, 3
FIRST_DATA_ROW = HEADING_ROW + 1
# Widths are estimated from so many rows; the others are written as they come.
WIDTH_SAMPLE_ROWS = 300
MIN_WIDTH, MAX_WIDTH = 6, 40
FORMATS = {MONEY: "#,##0.00", INTEGER: "#,##0", DATE: "yyyy-mm-dd", PERCENT: "0.0%"}
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADING_FILL = PatternFill("solid", fgColor="D9E1F2")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
_CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
# Characters Excel refuses in a sheet's name.
_UNSAFE_SHEET = str.maketrans(dict.fromkeys('\\/:*?"<>|[]', "_"))

Progress = Callable[[int], None]


def display_width(value) -> float:
    """Excel's width units: a Chinese (or full-width) character takes about two."""
    if value is None:
        return 0
    if isinstance(value, Decimal | float):
        text = f"{value:,.2f}"
    elif isinstance(value, date | datetime):
        text = "2026-11-23"
    else:
        text = str(value)
    return sum(2.1 if ord(character) > 0x2E7F else 1.1 for character in text)


class _Cells:
    """Turns a row's values into what the write-only sheet takes, cell objects reused column by column.

    A plain value costs the sheet nothing; a formatted one (money, dates) needs a cell with its style,
    and a write-only sheet writes each cell as it is appended, so one cell object per column serves
    every row."""

    def __init__(self, sheet, columns: list[Column], *, full: bool):
        self.sheet = sheet
        self.keys = [column.key for column in columns]
        self.masks = [None if full else column.mask for column in columns]
        self.any_mask = any(self.masks)
        self.styled = {}
        for index, column in enumerate(columns):
            if column.kind in FORMATS:
                cell = WriteOnlyCell(sheet)
                cell.number_format = FORMATS[column.kind]
                self.styled[index] = cell

    def values(self, row: Mapping[str, Any]) -> list:
        values = [row.get(key) for key in self.keys]
        if self.any_mask:
            values = [
                mask(value) if mask is not None and value not in (None, "") else value
                for mask, value in zip(self.masks, values, strict=True)
            ]
        return values

    def cells(self, values: list) -> list:
        styled = self.styled
        out = []
        for index, value in enumerate(values):
            if value is None or value == "":
                out.append(None)
            elif type(value) is str:
                out.append(_text_cell(self.sheet, value) if looks_like_formula(value) else value)
            elif index in styled:
                cell = styled[index]
                cell.value = value
                out.append(cell)
            else:
                out.append(value)
        return out


def _text_cell(sheet, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _styled(sheet, value, *, font=None, fill=None, border=None, alignment=None, number_format=None):
    cell = _text_cell(sheet, value) if looks_like_formula(value) else WriteOnlyCell(sheet, value=value)
    for name, setting in (("font", font), ("fill", fill), ("border", border), ("alignment", alignment)):
        if setting is not None:
            setattr(cell, name, setting)
    if number_format:
        cell.number_format = number_format
    return cell


def export_note(*, full: bool) -> str:
    return _("Contains full information") if full else _("Masked")


def write_workbook(
    data: ReportData,
    target,
    *,
    full: bool,
    exported_on: date,
    progress: Progress | None = None,
    every: int = 1000,
) -> int:
    """Write `data` to `target` (a path or a binary file) and return the number of data rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=data.title.translate(_UNSAFE_SHEET)[:31] or "Sheet1")
    columns = list(data.columns)
    width = len(columns)
    last_letter = get_column_letter(width)
    converter = _Cells(sheet, columns, full=full)

    rows = iter(data.rows)
    sample = [converter.values(row) for row in islice(rows, WIDTH_SAMPLE_ROWS)]
    widths = [display_width(column.heading) for column in columns]
    for values in sample:
        widths = [max(known, display_width(value)) for known, value in zip(widths, values, strict=True)]
    for index, estimate in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, max(MIN_WIDTH, estimate + 2))

    _set_up_page(sheet, last_letter)
    sheet.append([_styled(sheet, data.title, font=Font(size=14, bold=True), alignment=_CENTRE)])
    note = _("{unit}  {period}  exported on {date}  ({masking})").format(
        unit=data.unit, period=data.period, date=exported_on.isoformat(), masking=export_note(full=full)
    )
    note_font = Font(size=9, italic=True, color="C00000" if full else "595959")
    sheet.append([_styled(sheet, note, font=note_font)])
    sheet.append(
        [
            _styled(sheet, column.heading, font=Font(bold=True), fill=_HEADING_FILL, border=_BORDER, alignment=_CENTRE)
            for column in columns
        ]
    )
    for merged_row in (TITLE_ROW, NOTE_ROW):
        sheet.merged_cells.add(CellRange(f"A{merged_row}:{last_letter}{merged_row}"))

    totals = {index: Decimal(0) for index, column in enumerate(columns) if column.total}
    count = 0

    def write(values: list) -> None:
        nonlocal count
        for index in totals:
            value = values[index]
            if value not in (None, "") and not isinstance(value, str):
                totals[index] += value
        sheet.append(converter.cells(values))
        count += 1
        if progress is not None and count % every == 0:
            progress(count)

    for values in sample:
        write(values)
    sample.clear()
    for row in rows:
        write(converter.values(row))

    last_data_row = HEADING_ROW + count
    if totals:
        sheet.append(_totals_row(sheet, columns, totals))
    sheet.auto_filter.ref = f"A{HEADING_ROW}:{last_letter}{max(last_data_row, HEADING_ROW)}"
    if progress is not None:
        progress(count)
    workbook.save(target)
    return count


def _totals_row(sheet, columns: list[Column], totals: dict[int, Decimal]) -> list:
    bold = Font(bold=True)
    cells = []
    for index, column in enumerate(columns):
        if index in totals:
            total = totals[index]
            value = int(total) if column.kind == INTEGER else total
            cells.append(_styled(sheet, value, font=bold, fill=_TOTAL_FILL, number_format=FORMATS.get(column.kind)))
        elif index == 0:
            cells.append(_styled(sheet, _("Total"), font=bold, fill=_TOTAL_FILL))
        else:
            cells.append(_styled(sheet, None, fill=_TOTAL_FILL))
    return cells


def _set_up_page(sheet, last_letter: str) -> None:
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"
    sheet.print_title_rows = f"{TITLE_ROW}:{HEADING_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = 9  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.center.text = _("Page &P of &N")
