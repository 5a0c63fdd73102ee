"""The roster import's template, its menu entry, and files refused by their content."""

import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from students.imports import roster_apply, roster_plan
from students.imports.template import EXAMPLE_NAME, EXAMPLE_ROW, HEADER_ROW
from students.models import Student
from students.resources import COLUMNS
from tests.applications.filing import PDF_BYTES, jpeg_bytes, png_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def template_url(school) -> str:
    return f"/schools/{school.pk}/students/import/template/"


def import_url(school) -> str:
    return f"/schools/{school.pk}/students/import/"


def download(client, school) -> bytes:
    response = client.get(template_url(school))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    return b"".join(response.streaming_content)


class TestTemplate:
    def test_its_headers_are_the_columns_the_import_reads_and_its_example_row_imports_back(self, cast, client_for):
        content = download(client_for(cast.li), cast.school)
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        headers = [cell.value for cell in sheet[HEADER_ROW] if cell.value is not None]
        assert headers == [column.header for column in COLUMNS]
        plan = roster_plan(school=cast.school, content=content, file_name="模板.xlsx")
        assert plan.errors == []
        assert set(plan.columns) == {column.key for column in COLUMNS}  # every header is read, none is left over
        assert len(plan.new) == 1 and plan.changed == []
        roster_apply(plan=plan, actor=cast.li)
        student = Student.objects.get()
        assert (student.name, student.school_class, student.guardian_phone) == (
            EXAMPLE_NAME,
            cast.class_1,
            "13800000000",
        )
        assert student.id_number.startswith(cast.county.code)

    def test_the_example_row_is_marked_and_long_numbers_are_kept_as_text(self, cast, client_for):
        sheet = openpyxl.load_workbook(io.BytesIO(download(client_for(cast.li), cast.school))).active
        example = [cell.value for cell in sheet[EXAMPLE_ROW]]
        assert example[0] == EXAMPLE_NAME and "示例" in example[len(COLUMNS)] and "删除" in example[len(COLUMNS)]
        assert "示例" in sheet.cell(2, 1).value and "删除" in sheet.cell(2, 1).value
        id_column = [column.key for column in COLUMNS].index("id_number") + 1
        assert sheet.cell(EXAMPLE_ROW, id_column).data_type == "s"
        assert sheet.cell(EXAMPLE_ROW + 10, id_column).number_format == "@"

    def test_the_upload_page_offers_it(self, cast, client_for):
        html = client_for(cast.li).get(import_url(cast.school)).content.decode()
        assert f'href="{template_url(cast.school)}"' in html and "下载导入模板" in html

    @pytest.mark.parametrize(("role", "status"), [("wang", 403), ("zhang", 403), ("outsider", 404), ("zhao", 200)])
    def test_it_is_for_those_who_import(self, cast, client_for, role, status):
        assert client_for(getattr(cast, role)).get(template_url(cast.school)).status_code == status


class TestMenuEntry:
    def test_the_aid_office_finds_the_import_in_its_menu_and_lands_on_its_school(self, cast, client_for):
        client = client_for(cast.li)
        assert 'href="/students/import/"' in client.get("/").content.decode()
        response = client.get("/students/import/")
        assert response.status_code == 302 and response.headers["Location"] == import_url(cast.school)

    def test_a_class_teacher_has_no_such_entry(self, cast, client_for):
        assert 'href="/students/import/"' not in client_for(cast.wang).get("/").content.decode()

    def test_county_staff_choose_among_their_schools(self, cast, client_for):
        html = client_for(cast.zhao).get("/students/import/").content.decode()
        assert import_url(cast.school) in html and import_url(cast.sibling_school) in html
        assert import_url(cast.other_school) not in html


def _zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


class TestRefusedByContent:
    @pytest.mark.parametrize(
        ("name", "content", "what"),
        [
            ("花名册.csv", PDF_BYTES, "是PDF 文档"),
            ("花名册.xlsx", png_bytes(), "是图片（PNG）"),
            ("花名册.csv", jpeg_bytes(), "是图片（JPEG）"),
            ("花名册.xlsx", _zip_without_workbook(), "是压缩包或 Word 文档"),
            ("花名册.csv", bytes(range(1, 32)) * 40, "只能导入 .xlsx 和 .csv 文件"),
        ],
    )
    def test_a_file_that_is_no_roster_is_refused_with_a_message_and_nothing_saved(
        self, cast, client_for, settings, name, content, what
    ):
        response = client_for(cast.li).post(import_url(cast.school), {"file": SimpleUploadedFile(name, content)})
        assert response.status_code == 200
        [message] = response.context["form"].errors["file"]
        assert what in message and name in message
        assert what in response.content.decode()
        assert not (settings.MEDIA_ROOT / "imports").exists()
        assert not Student.objects.exists()
