"""The workbook writer: any report as a styled sheet, opened again with openpyxl."""

import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from aidsys.cn import mask_id_number
from reports.definitions import DATE, INTEGER, MONEY, PERCENT, Column, ReportData
from reports.workbook import write_workbook

ID_NUMBER = "439901201910080017"
COLUMNS = [
    Column("number", "序号", INTEGER),
    Column("name", "姓名"),
    Column("id_number", "身份证号", mask=mask_id_number),
    Column("amount", "金额（元）", MONEY, total=True),
    Column("people", "人数", INTEGER, total=True),
    Column("paid_on", "发放日期", DATE),
    Column("share", "占比", PERCENT),
]


def report(rows=None):
    rows = (
        rows
        if rows is not None
        else [
            {
                "number": index,
                "name": f"学生{index}号",
                "id_number": ID_NUMBER,
                "amount": Decimal("625.50"),
                "people": 1,
                "paid_on": date(2026, 11, 2),
                "share": Decimal("0.26"),
            }
            for index in range(1, 4)
        ]
    )
    return ReportData(title="受助学生名单", unit="青山县", period="2026–2027学年秋季学期", columns=COLUMNS, rows=rows)


def written(data=None, *, full=False, **kwargs):
    stream = io.BytesIO()
    count = write_workbook(data or report(), stream, full=full, exported_on=date(2026, 11, 23), **kwargs)
    stream.seek(0)
    return count, load_workbook(stream).active


def test_the_title_rows_name_the_report_unit_period_day_and_masking():
    _count, sheet = written()
    assert sheet["A1"].value == "受助学生名单" and sheet["A1"].font.b
    note = sheet["A2"].value
    assert "青山县" in note and "2026–2027学年秋季学期" in note and "2026-11-23" in note and "已脱敏" in note
    assert {str(merged) for merged in sheet.merged_cells.ranges} == {"A1:G1", "A2:G2"}
    assert [cell.value for cell in sheet[3]] == [column.heading for column in COLUMNS]


def test_headings_are_frozen_and_filtered_over_the_data():
    count, sheet = written()
    assert count == 3
    assert sheet.freeze_panes == "A4"
    assert sheet.auto_filter.ref == "A3:G6"


def test_yuan_integers_dates_and_percentages_are_formatted():
    _count, sheet = written()
    assert sheet["D4"].value == Decimal("625.5") and sheet["D4"].number_format == "#,##0.00"
    assert sheet["E4"].number_format == "#,##0"
    assert sheet["F4"].number_format == "yyyy-mm-dd" and sheet["F4"].value.date() == date(2026, 11, 2)
    assert sheet["G4"].number_format == "0.0%"


def test_the_totals_row_sums_the_columns_that_total():
    _count, sheet = written()
    totals = [cell.value for cell in sheet[7]]
    assert totals[0] == "合计"
    assert totals[3] == Decimal("1876.5") and sheet["D7"].number_format == "#,##0.00"
    assert totals[4] == 3
    assert totals[1] is None and totals[6] is None


def test_it_prints_a4_landscape_with_the_title_rows_on_every_page_and_page_numbers():
    _count, sheet = written()
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9
    assert sheet.print_title_rows == "$1:$3"
    assert int(sheet.page_setup.fitToWidth) == 1 and int(sheet.page_setup.fitToHeight) == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert "第 &P 页" in sheet.oddFooter.center.text and "共 &N 页" in sheet.oddFooter.center.text


def test_widths_fit_chinese_headings_and_the_id_numbers():
    _count, sheet = written()
    assert sheet.column_dimensions["C"].width >= 18
    assert sheet.column_dimensions["B"].width >= 4 * 2  # 学生1号: four characters, CJK counted double


def test_masks_apply_unless_the_export_is_for_full_data():
    _count, masked = written()
    assert masked["C4"].value == "4399**********0017"
    assert ID_NUMBER not in [cell.value for row in masked.iter_rows() for cell in row]
    _count, full = written(full=True)
    assert full["C4"].value == ID_NUMBER
    assert "含完整信息" in full["A2"].value


def test_a_text_that_starts_like_a_formula_is_written_as_text():
    rows = [{"number": 1, "name": '=HYPERLINK("http://evil.example","点击")', "amount": Decimal(1)}]
    rows.append({"number": 2, "name": "@SUM(1+1)", "amount": Decimal(2)})
    _count, sheet = written(report(rows))
    for cell in (sheet["B4"], sheet["B5"]):
        assert cell.data_type == "s" and cell.quotePrefix
    assert sheet["A4"].data_type == "n"


def test_progress_is_reported_every_n_rows_and_at_the_end():
    rows = [{"number": index, "name": "学生", "amount": Decimal(1)} for index in range(1, 26)]
    seen = []
    count, sheet = written(report(rows), progress=seen.append, every=10)
    assert count == 25 and seen == [10, 20, 25]
    assert sheet.max_row == 3 + 25 + 1
