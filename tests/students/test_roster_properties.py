"""The roster import tried by a machine (hypothesis): hostile cells, headers and encodings.

Whatever the file, the plan reads it or names each error by row, column and reason in Chinese; a
plan with errors writes nothing; a plan without errors writes exactly its new students. Through
the aid office's pages: no 500, and nothing saved unless the whole file is good.
"""

import csv
import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import translation
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from aidsys import cn
from aidsys.models import AuditEvent
from students.imports import RosterNotApplied, roster_apply, roster_plan
from students.models import Household, Student
from tests.properties import FEW, PROPERTIES, cell_values, encoded, hostile_text, id_numbers_mangled, is_chinese
from tests.students.test_import import HEADERS, student_row

pytestmark = pytest.mark.usefixtures("chinese")


@pytest.fixture
def chinese():
    with translation.override("zh-hans"):
        yield


def _counts() -> tuple[int, int, int]:
    return Student.objects.count(), Household.objects.count(), AuditEvent.objects.count()


def _rows(sequence: int, changes: dict) -> list[dict]:
    """Two good rows of 一年级(1)班, the second changed by `changes` (header → cell)."""
    first = student_row("王小明", id_number=None)
    second = student_row("李小红", male=False)
    second.update(changes)
    return [first, second]


# Cells of the second row: any column may hold anything.
changed_cells = st.dictionaries(
    st.sampled_from(HEADERS),
    st.one_of(hostile_text, id_numbers_mangled.map(str)),
    max_size=4,
)
headers = st.one_of(
    st.just(HEADERS),
    st.permutations(HEADERS),
    # A column missing, or one given twice.
    st.integers(0, len(HEADERS) - 1).map(lambda i: HEADERS[:i] + HEADERS[i + 1 :]),
    st.integers(0, len(HEADERS) - 1).map(lambda i: [*HEADERS, HEADERS[i]]),
)


def _csv(header: list, rows: list[dict], ragged: bool) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for number, row in enumerate(rows):
        cells = [row.get(name, "") for name in header]
        writer.writerow(cells[: len(cells) - number] if ragged else cells)
    return buffer.getvalue()


def _xlsx(header: list, rows: list[dict], merged: bool) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(name, "") for name in header])
    if merged:
        sheet.merge_cells("F2:F3")  # 年级 written once for two rows, as a class teacher formats it
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _check_plan(cast, content: bytes, name: str, expected_rows: int | None = None) -> None:
    """The property: a plan or its errors, a write of exactly the plan or nothing."""
    before = _counts()
    plan = roster_plan(school=cast.school, content=content, file_name=name)
    for error in plan.errors:
        assert is_chinese(error.reason), error
        assert error.row is None or error.column, error  # a row's error names its column
    with transaction.atomic():
        if plan.errors:
            with pytest.raises(RosterNotApplied):
                roster_apply(plan=plan, actor=cast.li)
            assert _counts() == before
        else:
            result = roster_apply(plan=plan, actor=cast.li)
            assert result.created == len(plan.new) == Student.objects.count() - before[0]
            if expected_rows is not None:
                assert plan.rows == expected_rows
            for student in Student.objects.filter(school=cast.school):
                assert cn.normalize_id_number(student.id_number) == student.id_number
                assert student.name and len(student.name) <= Student._meta.get_field("name").max_length
        transaction.set_rollback(True)


@PROPERTIES
@given(
    changes=changed_cells,
    header=headers,
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "big5"]),
    ragged=st.booleans(),
)
@example(changes={"出生日期": "99999999999-1-1"}, header=[*HEADERS, "出生日期"], encoding="utf-8", ragged=False)
@example(changes={"身份证号": "110105491231002"}, header=HEADERS, encoding="gbk", ragged=False)
def test_a_csv_roster_is_planned_or_refused_row_by_row_and_written_all_or_nothing(
    cast, changes, header, encoding, ragged
):
    rows = _rows(0, changes)
    _check_plan(cast, encoded(_csv(header, rows, ragged), encoding), "花名册.csv")


@PROPERTIES
@given(
    cells=st.dictionaries(st.sampled_from([*HEADERS, "出生日期"]), cell_values, max_size=4),
    merged=st.booleans(),
)
@example(cells={"出生日期": 43746}, merged=False)  # an Excel serial date
@example(cells={"身份证号": "=1+1"}, merged=True)
def test_a_workbook_roster_with_any_cells_is_planned_or_refused(cast, cells, merged):
    header = [*HEADERS, "出生日期"]
    rows = _rows(0, cells)
    try:
        content = _xlsx(header, rows, merged)
    except IllegalCharacterError:
        return
    _check_plan(cast, content, "花名册.xlsx")


# ---------------------------------------------------------------------------------------------
# Through the aid office's pages


@FEW
@given(changes=changed_cells, encoding=st.sampled_from(["utf-8-sig", "gb18030", "utf-16"]))
@example(changes={"身份证号": "=cmd|' /C calc'!A0"}, encoding="utf-8-sig")
def test_the_import_pages_never_fail_and_save_all_or_nothing(cast, client_for, changes, encoding):
    client = client_for(cast.li)
    with transaction.atomic():
        before = _counts()[:2]
        content = encoded(_csv(HEADERS, _rows(0, changes), ragged=False), encoding)
        url = f"/schools/{cast.school.pk}/students/import/"
        response = client.post(url, {"file": SimpleUploadedFile("花名册.csv", content)})
        assert response.status_code in (200, 302)
        if response.status_code == 200:
            assert is_chinese(response.content.decode()) and _counts()[:2] == before
            transaction.set_rollback(True)
            return
        preview = client.get(response["Location"])
        assert preview.status_code == 200
        digest = re.search(r'name="digest" value="([^"]*)"', preview.content.decode())
        confirmed = client.post(response["Location"], {"digest": digest[1] if digest else ""})
        assert confirmed.status_code in (200, 302)
        if confirmed.status_code == 302:
            assert Student.objects.count() == before[0] + 2
        else:
            assert _counts()[:2] == before
        transaction.set_rollback(True)
