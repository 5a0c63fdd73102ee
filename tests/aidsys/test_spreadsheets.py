"""The spreadsheet reader: kinds told by content, the size limit, encodings, cells, and finding the header."""

import csv
import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import openpyxl.worksheet._read_only
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl.styles import Font

from aidsys import spreadsheets
from aidsys.spreadsheets import CSV, XLSX, FileUnreadable, SheetTooLarge, cell_text, check_file, file_rows, find_header

ALIASES = {"id": ("身份证号", "身份证号码"), "name": ("姓名",), "township": ("乡镇", "乡(镇)")}


def workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read(name: str, content: bytes) -> list[tuple[int, list[str]]]:
    kind = check_file(name, content)
    return [(number, [cell_text(value) for value in values]) for number, values in file_rows(kind, content)]


class UnreadUpload:
    """An upload that fails the test if it is read."""

    def __init__(self, name: str, size: int):
        self.name, self.size = name, size

    def seek(self, offset: int) -> None:
        pytest.fail("the file must not be read")

    read = seek


def chinese_error(call) -> str:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        call()
    return caught.value.messages[0]


class TestReadingRows:
    def test_a_workbook_gives_its_rows_numbered_as_excel_numbers_them(self):
        content = workbook([["姓名", "年级"], ["王小明", 1.0], ["李小红", 2]])
        assert check_file("名单.xlsx", content) == XLSX
        assert read("名单.xlsx", content) == [(1, ["姓名", "年级"]), (2, ["王小明", "1"]), (3, ["李小红", "2"])]

    @pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
    def test_a_csv_is_read_in_utf8_with_or_without_bom_and_in_gb18030(self, encoding):
        content = "姓名,班级\n王小明,一年级(1)班\n".encode(encoding)
        assert check_file("名单.csv", content) == CSV
        assert read("名单.csv", content) == [(1, ["姓名", "班级"]), (2, ["王小明", "一年级(1)班"])]

    def test_a_tab_separated_file_is_read_too(self):
        assert read("名单.csv", "姓名\t班级\n王小明\t2\n".encode())[1] == (2, ["王小明", "2"])

    def test_a_renamed_file_is_recognised_by_its_content(self):
        book = workbook([["身份证号"], ["439901201910080013"]])
        assert check_file("低保名单.csv", book) == XLSX
        assert check_file("低保名单", book) == XLSX
        assert check_file("低保名单.xlsx", "身份证号\n439901201910080013\n".encode("gb18030")) == CSV
        assert read("低保名单.txt", book)[1] == (2, ["439901201910080013"])

    def test_files_that_are_no_spreadsheet_are_refused_in_chinese(self):
        assert "不是 Excel 工作簿" in chinese_error(lambda: check_file("名单.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"))
        assert "不是 Excel 工作簿" in chinese_error(lambda: check_file("名单.xlsx", b"PK\x03\x04 no workbook"))
        assert "“报告.pdf”是PDF 文档，不是 Excel 工作簿" in chinese_error(lambda: check_file("报告.pdf", b"%PDF-1.4"))
        assert "只能导入" in chinese_error(lambda: check_file("名单.csv", bytes(range(1, 32)) * 4))
        assert "只能导入" in chinese_error(lambda: check_file("名单.csv", b"\x01\x00\x02\x00"))
        # (\xff\xfe\x80\x81 is the UTF-16 of 膀 behind its byte-order mark: text.)
        assert "不是 UTF-8 或 GB18030" in chinese_error(lambda: check_file("名单.csv", b"\x80\x81\xff\xfe"))
        # A byte-order mark before what is no UTF-16 (a lone surrogate): binary data.
        assert "只能导入" in chinese_error(lambda: check_file("名单.csv", b"\xff\xfe\x00\xd8"))

    def test_an_oversize_file_is_refused_before_it_is_read(self, settings):
        settings.AIDSYS_IMPORT_MAX_MB = 0.001
        upload = UnreadUpload("名单.csv", size=2000)
        message = chinese_error(lambda: spreadsheets.read_upload(upload))
        assert message == "文件大小为 0.0 MB，最多只能导入 0.001 MB。"
        assert "最多只能导入" in chinese_error(lambda: check_file("名单.csv", b"x" * 2000))

    def test_an_upload_within_the_limit_gives_its_kind_and_content(self):
        content = "姓名\n王小明\n".encode()
        assert spreadsheets.read_upload(SimpleUploadedFile("名单.csv", content)) == (CSV, content)

    def test_a_damaged_workbook_is_unreadable_with_a_chinese_message(self):
        damaged = io.BytesIO()
        whole = io.BytesIO(workbook([["姓名"], ["王小明"]] * 50))
        with zipfile.ZipFile(whole) as source, zipfile.ZipFile(damaged, "w") as target:
            for item in source.infolist():
                data = source.read(item)
                target.writestr(item, data[: len(data) // 2] if item.filename.endswith("sheet1.xml") else data)
        kind = check_file("名单.xlsx", damaged.getvalue())
        with translation.override("zh-hans"), pytest.raises(FileUnreadable) as caught:
            list(file_rows(kind, damaged.getvalue()))
        assert caught.value.messages == ["无法读取该文件，文件可能已损坏。"]
        assert isinstance(caught.value, ValidationError)


def stating(content: bytes, dimension: str) -> bytes:
    """The workbook with its sheet's stated size (<dimension ref=...>) replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.endswith("sheet1.xml"):
                data = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"'.encode(), data)
                assert dimension.encode() in data
            target.writestr(item, data)
    return out.getvalue()


class TestSheetSize:
    def test_a_sheet_stating_two_million_rows_is_refused_before_any_row_is_read(self, monkeypatch):
        content = stating(workbook([["姓名"], ["王小明"]]), "A1:K2000000")
        monkeypatch.setattr(
            openpyxl.worksheet._read_only.ReadOnlyWorksheet,
            "_cells_by_row",
            lambda *args, **kwargs: pytest.fail("no row may be read"),
        )
        message = chinese_error(lambda: list(file_rows(XLSX, content)))
        assert "2000000" in message and "100000" in message and "行" in message

    def test_a_sheet_stating_more_columns_than_the_limit_is_refused(self):
        content = stating(workbook([["姓名"], ["王小明"]]), "A1:ZZ3")  # 702 columns
        with pytest.raises(SheetTooLarge):
            list(file_rows(XLSX, content))

    def test_a_sheet_stating_a_smaller_size_than_it_fills_is_read_whole(self):
        content = stating(workbook([["姓名"], ["王小明"], ["李小红"]]), "A1:A1")
        assert read("名单.xlsx", content) == [(1, ["姓名"]), (2, ["王小明"]), (3, ["李小红"])]

    def test_data_below_the_row_limit_is_refused_while_reading(self, monkeypatch):
        monkeypatch.setattr(spreadsheets, "MAX_ROWS", 3)
        with pytest.raises(SheetTooLarge):
            read("名单.csv", "姓名\n王小明\n李小红\n张伟\n".encode())

    def test_reading_stops_after_a_run_of_empty_rows_and_keeps_shorter_gaps(self, monkeypatch):
        monkeypatch.setattr(spreadsheets, "TRAILING_EMPTY_ROWS", 3)
        book = openpyxl.Workbook()
        sheet = book.active
        for row in (["姓名"], ["王小明"], [None], [None], ["李小红"]):
            sheet.append(row)
        # Formatting left on empty rows below the data: written as rows, read as rows of nothing.
        for number in range(6, 60):
            sheet.cell(row=number, column=1).font = Font(bold=True)
        sheet.cell(row=60, column=1, value="说明")
        buffer = io.BytesIO()
        book.save(buffer)
        rows = read("名单.xlsx", buffer.getvalue())
        assert rows == [(1, ["姓名"]), (2, ["王小明"]), (3, []), (4, []), (5, ["李小红"])]


class TestCellText:
    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (None, ""),
            (1.0, "1"),
            (2, "2"),
            (2.5, "2.5"),
            (True, "1"),
            # Excel keeps 15 digits of a number: the ID number's last digits are lost, and shown lost.
            (439901201910080013.0, "439901201910080000"),
            (datetime(2019, 10, 8, 0, 0), "2019-10-08"),
            (date(2019, 10, 8), "2019-10-08"),
            ("４３９９０１２０１９１００８００１３", "439901201910080013"),
            ("\u3000王小明\u3000", "王小明"),
            (" 青山镇\xa0", "青山镇"),
        ],
    )
    def test_a_cell_becomes_trimmed_text(self, value, text):
        assert cell_text(value) == text


class TestFindingTheHeader:
    def test_the_header_is_found_below_title_rows(self):
        rows = iter(
            [(1, ["2026年10月低保名单"]), (2, [None, None]), (3, ["序号", "身份证号", "姓名"]), (4, [1, "x", "王"])]
        )
        header = find_header(rows, ALIASES, required=("id",))
        assert (header.row, header.index("id"), header.index("name"), header.index("township")) == (3, 1, 2, None)
        assert header.texts == ["序号", "身份证号", "姓名"]
        assert next(rows) == (4, [1, "x", "王"])

    def test_headers_are_compared_without_spaces_stars_full_width_forms_or_notes(self):
        values = ["* 身 份 证 号 码（必填）", "\u3000姓名\u3000", "乡(镇)"]
        header = find_header(iter([(1, values)]), ALIASES, required=("id", "name"))
        assert header.columns == {"id": [0], "name": [1], "township": [2]}
        assert header.texts[1] == "姓名"

    def test_every_column_naming_a_key_is_kept_in_order(self):
        header = find_header(iter([(1, ["身份证号", "姓名", "身份证号码"])]), ALIASES, required=("id",))
        assert header.columns["id"] == [0, 2]

    def test_no_header_in_the_first_rows_is_none(self):
        rows = [(number, ["说明"]) for number in range(1, 4)] + [(4, ["身份证号"])]
        assert find_header(iter(rows), ALIASES, required=("id",), search_rows=3) is None
        assert find_header(iter(rows), ALIASES, required=("id",), search_rows=4).row == 4

    def test_every_required_key_must_be_in_the_same_row(self):
        rows = iter([(1, ["身份证号"]), (2, ["身份证号", "姓名"])])
        assert find_header(rows, ALIASES, required=("id", "name")).row == 2


class TestWritingRows:
    @pytest.mark.parametrize("write_only", [False, True])
    @pytest.mark.parametrize("text", ["=1+2", "+86 138", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
    def test_a_text_that_starts_like_a_formula_is_written_as_quoted_text(self, write_only, text):
        book = openpyxl.Workbook(write_only=write_only)
        sheet = book.create_sheet() if write_only else book.active
        spreadsheets.append_row(sheet, ["王小明", text, 12, None])
        buffer = io.BytesIO()
        book.save(buffer)
        with zipfile.ZipFile(buffer) as package:
            assert "<f>" not in package.read("xl/worksheets/sheet1.xml").decode()
        cell = openpyxl.load_workbook(buffer).worksheets[0]["B1"]
        # XML reads a carriage return back as a line feed.
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text.replace("\r", "\n"), "s", True)

    def test_numbers_and_plain_texts_are_left_as_they_are(self):
        book = openpyxl.Workbook()
        spreadsheets.append_row(book.active, ["王小明", -5, 2.5, date(2026, 9, 1)])
        name, number, fraction, day = book.active[1]
        assert (name.quotePrefix, number.value, number.data_type, fraction.value) == (False, -5, "n", 2.5)
        assert day.is_date


class TestWritingCsv:
    @pytest.mark.parametrize("text", ["=1+2", "+86 138", "-2+3", "@SUM(A1)", "\t=1"])
    def test_a_text_that_starts_like_a_formula_gets_an_apostrophe(self, text):
        buffer = io.StringIO(newline="")
        spreadsheets.write_csv(buffer, [["王小明", text, 12, None]])
        assert next(csv.reader(io.StringIO(buffer.getvalue()))) == ["王小明", "'" + text, "12", ""]

    def test_numbers_and_plain_texts_are_left_as_they_are(self):
        buffer = io.StringIO(newline="")
        spreadsheets.write_csv(buffer, [["6222021234567890128", Decimal("625.00"), -5]])
        assert buffer.getvalue() == "6222021234567890128,625.00,-5\r\n"
