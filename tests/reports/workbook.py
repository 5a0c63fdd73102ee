"""A plain writer of ReportData to an openpyxl workbook, for the tests to open each report as a sheet:
a title row, a row with the unit and period, the headings, the rows, a totals row. No styling; the
project's writer (reports/workbook.py) takes its place when it lands.
"""

from io import BytesIO

from openpyxl import Workbook, load_workbook

from reports.definitions import ReportData

TITLE_ROWS = 2


def write_workbook(data: ReportData, *, full: bool = False) -> Workbook:
    book = Workbook()
    sheet = book.active
    sheet.append([data.title])
    sheet.append([f"{data.unit} · {data.period}"])
    sheet.append([column.heading for column in data.columns])
    totals = {column.key: 0 for column in data.columns if column.total}
    for row in data.rows:
        values = []
        for column in data.columns:
            value = row.get(column.key)
            if column.key in totals and value is not None:
                totals[column.key] += value
            if column.mask and not full and value:
                value = column.mask(value)
            values.append(value)
        sheet.append(values)
    if totals:
        sheet.append(
            [
                totals.get(column.key) if column.total else ("合计" if i == 0 else None)
                for i, column in enumerate(data.columns)
            ]
        )
    return book


def reopened(data: ReportData, *, full: bool = False):
    """The report written, saved and opened again with openpyxl: its sheet."""
    buffer = BytesIO()
    write_workbook(data, full=full).save(buffer)
    buffer.seek(0)
    return load_workbook(buffer).active


def sheet_rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))
