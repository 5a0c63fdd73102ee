"""Each report written by the project's writer (reports/workbook.py), saved and opened again with
openpyxl, for the tests to read as a sheet: a title row, a row with the unit and period, the
headings, the rows, a totals row."""

from datetime import date
from io import BytesIO

from openpyxl import load_workbook

from reports.definitions import ReportData
from reports.workbook import write_workbook

TITLE_ROWS = 2


def reopened(data: ReportData, *, full: bool = False):
    """The report written, saved and opened again with openpyxl: its sheet."""
    buffer = BytesIO()
    write_workbook(data, buffer, full=full, exported_on=date(2026, 11, 23))
    buffer.seek(0)
    return load_workbook(buffer).active


def sheet_rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))
