"""The printed notice sheet: every line there, nothing private, the header and page counter on every page."""

import re
import subprocess

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from aidsys.models import AuditEvent
from aidsys.pdf import render_layout
from publicity.pdf import notice_sheet_context
from students.models import Student
from tests.publicity.notice_data import STUDENTS, make_notice, supplementary_removing_a_line


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True).stdout.decode()


def print_sheet(client, notice):
    return client.post(reverse("publicity:notice_pdf", args=[notice.pk]))


def without_spaces(text: str) -> str:
    return re.sub(r"\s+", "", text)


class TestNoticeSheet:
    def test_it_lists_every_entry_and_nothing_private(self, cast, client_for, tmp_path):
        notice = make_notice(cast)
        response = print_sheet(client_for(cast.li), notice)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        text = pdf_text(response.content, tmp_path)
        flat = without_spaces(text)
        for name, *_rest in STUDENTS:
            assert name in flat
        for student in Student.objects.filter(applications__program=notice.program):
            for private in (
                student.id_number,
                student.id_number[-4:] + student.id_number[:4],
                student.student_number,
                student.guardian_phone,
                student.account_number,
                student.household.address_detail,
                student.birth_date.isoformat(),
                student.birth_date.strftime("%Y%m%d"),
                f"{student.birth_date.year}年{student.birth_date.month}月{student.birth_date.day}日",
            ):
                assert private and private not in flat, private
        # No 身份证号 of anyone, whatever the student: 17 digits and a check character.
        assert not re.search(r"\d{17}[\dX]", flat)
        assert "0731-12345678" in flat
        assert "学校资助管理办公室" in flat
        assert notice.start_date.isoformat() in flat and notice.end_date.isoformat() in flat
        assert cast.school.name in flat and notice.program.name in flat

    def test_the_amount_is_printed_only_where_the_program_allows_it(self, cast, client_for, tmp_path):
        hidden = pdf_text(print_sheet(client_for(cast.li), make_notice(cast)).content, tmp_path)
        assert "625.00" not in hidden
        shown_notice = make_notice(cast, shows_amount=True, students=[STUDENTS[0]])
        shown = pdf_text(print_sheet(client_for(cast.li), shown_notice).content, tmp_path)
        assert "625.00" in shown

    def test_a_long_list_repeats_its_header_and_numbers_every_page(self, cast, client_for, tmp_path):
        many = [
            (f"学生{n:03d}", "class_1", "difficult", "625.00", *STUDENTS[0][4:7], f"62170033200{n:08d}")
            for n in range(120)
        ]
        notice = make_notice(cast, students=many)
        text = pdf_text(print_sheet(client_for(cast.li), notice).content, tmp_path)
        pages = [page for page in text.split("\f") if page.strip()]
        assert len(pages) >= 3
        header = gettext("Grade and class")
        for number, page in enumerate(pages, start=1):
            assert header in page, f"page {number} has no header row"
            counter = gettext("Page {page} of {pages}").format(page=number, pages=len(pages))
            assert without_spaces(counter) in without_spaces(page), f"page {number} has no counter"
        assert all(f"学生{n:03d}" in text for n in range(120))

    def test_printing_is_an_audit_event(self, cast, client_for):
        notice = make_notice(cast)
        print_sheet(client_for(cast.zhang), notice)
        event = AuditEvent.objects.for_object(notice).filter(action=AuditEvent.Action.PRINT).get()
        assert event.actor == cast.zhang
        assert event.school_id == cast.school.pk

    def test_a_draft_is_not_printed(self, cast, client_for):
        notice = make_notice(cast, publish=False)
        response = print_sheet(client_for(cast.li), notice)
        assert response.status_code == 302
        assert not AuditEvent.objects.for_object(notice).filter(action=AuditEvent.Action.PRINT).exists()

    @pytest.mark.parametrize(("role", "status"), [("class_teacher", 403), ("county_staff", 403), ("outsider", 404)])
    def test_only_the_aid_office_and_the_principal_print(self, cast, client_for, role, status):
        notice = make_notice(cast)
        assert print_sheet(client_for(cast.by_role()[role]), notice).status_code == status
        assert not AuditEvent.objects.filter(action=AuditEvent.Action.PRINT).exists()

    def test_a_get_prints_nothing(self, cast, client_for):
        notice = make_notice(cast)
        assert client_for(cast.li).get(reverse("publicity:notice_pdf", args=[notice.pk])).status_code == 405


def test_the_sheet_shows_the_supplementary_changes(cast, client_for, tmp_path):
    supplementary = supplementary_removing_a_line(cast)
    entry = supplementary.entries.get()
    text = pdf_text(print_sheet(client_for(cast.li), supplementary).content, tmp_path)
    assert entry.name in without_spaces(text)
    assert gettext("Removed") in text


def boxes_of_class(document, name):
    """The boxes of the elements with that class across the laid-out pages: each element's own box,
    not the anonymous boxes (lines, text) that it wraps."""

    def walk(box):
        if box.element is not None and name in (box.element.get("class") or "").split():
            yield box
            return
        for child in getattr(box, "children", ()):
            yield from walk(child)

    return [box for page in document.pages for box in walk(page._page_box)]


MM = 96 / 25.4  # WeasyPrint lays out in CSS pixels


class TestTheSheetIsSigned:
    """The principal signs on a drawn line and the school's seal goes in a drawn box, not beside bare words."""

    @pytest.fixture
    def document(self, cast):
        notice = make_notice(cast)
        return render_layout(
            "publicity/pdf/notice.html", notice_sheet_context(notice=notice, public_url="https://example.test/n/1")
        )

    def test_the_principal_signs_on_a_line(self, document):
        (line,) = boxes_of_class(document, "line")
        assert line.style["border_bottom_style"] == "solid"
        assert line.border_bottom_width > 0
        assert line.width >= 40 * MM

    def test_the_seal_has_a_dashed_box_of_four_centimetres(self, document):
        (seal,) = boxes_of_class(document, "seal")
        for side in ("top", "right", "bottom", "left"):
            assert seal.style[f"border_{side}_style"] == "dashed", side
            assert getattr(seal, f"border_{side}_width") > 0, side
        assert seal.border_width() == pytest.approx(40 * MM, abs=2 * MM)
        assert seal.border_height() == pytest.approx(40 * MM, abs=2 * MM)


def test_the_sheets_columns_are_headed_as_the_rules_name_them(cast, client_for, tmp_path):
    """DESIGN.md §4: a notice shows 序号, 姓名, 年级班级, 档次, 项目: a person's name, not a thing's 名称."""
    text = pdf_text(print_sheet(client_for(cast.li), make_notice(cast)).content, tmp_path)
    (header,) = [line.split() for line in text.splitlines() if gettext("Grade and class") in line]
    assert header[:3] == ["序号", "姓名", gettext("Grade and class")]
