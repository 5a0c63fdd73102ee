"""The official-list upload tried by a machine (hypothesis): any cells, any form values, any encoding.

Through the aid office's page: no 500; a refused upload saves no list, entry or flag; an accepted one
records one list with an entry for each readable row, reports every other row with its row, column
and a Chinese reason, and flags the pupil exactly when a readable row gives his 身份证号.
"""

import csv
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import translation
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from aidsys import cn
from aidsys.spreadsheets import cell_text
from students.models import OfficialList, OfficialListEntry, SpecialGroupFlag
from tests.factories import StudentFactory
from tests.properties import (
    DATES,
    FEW,
    ID_MANGLERS,
    cell_values,
    encoded,
    hostile_text,
    is_chinese,
)

URL = "/official-lists/upload/"


@pytest.fixture
def pupil(cast):
    return StudentFactory(school_class=cast.class_1, name="王小明")


def _counts() -> tuple[int, int, int]:
    return OfficialList.objects.count(), OfficialListEntry.objects.count(), SpecialGroupFlag.objects.count()


def _readable(value) -> str | None:
    try:
        return cn.normalize_id_number(cell_text(value))
    except ValidationError:
        return None


ids = st.one_of(st.sampled_from(sorted(ID_MANGLERS)), cell_values)
rows = st.lists(st.tuples(ids, hostile_text), min_size=0, max_size=5)
headers = st.sampled_from(
    [
        ["身份证号", "姓名"],
        ["公民身份号码（必填）", "成员姓名"],
        ["姓名", "身份证号", "身份证号码"],  # the ID column twice
        ["姓名", "户主"],  # no ID column
        [],
    ]
)


def _cells(pupil, mangles_or_values: list) -> list:
    """The ID cells: a name from ID_MANGLERS is the pupil's ID number written that way; anything else stays."""
    return [
        ID_MANGLERS[value](pupil.id_number) if isinstance(value, str) and value in ID_MANGLERS else value
        for value in mangles_or_values
    ]


def _file(header: list, data: list, as_csv: bool, encoding: str) -> tuple[str, bytes]:
    table = [header, *data] if header else data
    if as_csv:
        buffer = io.StringIO()
        csv.writer(buffer).writerows([[cell_text(cell) for cell in row] for row in table])
        return "名单.csv", encoded(buffer.getvalue(), encoding)
    workbook = openpyxl.Workbook()
    for row in table:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return "名单.xlsx", buffer.getvalue()


@FEW
@given(
    data=rows,
    header=headers,
    as_csv=st.booleans(),
    encoding=st.sampled_from(["utf-8-sig", "gb18030", "utf-16"]),
    name=st.one_of(st.just("民政局低保名单"), hostile_text),
    list_date=st.one_of(st.just("2026-10-01"), st.sampled_from(DATES)),
)
@example(
    data=[("as is", "王小明"), ("wrong check digit", "李四"), (None, "=cmd|' /C calc'!A0")],
    header=["身份证号", "姓名"],
    as_csv=False,
    encoding="utf-8-sig",
    name="民政局低保名单",
    list_date="2026年10月1日",
)
def test_an_official_list_is_recorded_row_by_row_or_refused_saving_nothing(
    cast, client_for, pupil, data, header, as_csv, encoding, name, list_date
):
    ids_written = _cells(pupil, [id_cell for id_cell, _name in data])
    names_first = header[:1] == ["姓名"]
    people = [person for _id, person in data]
    table = [
        [person, id_cell] if names_first else [id_cell, person]
        for id_cell, person in zip(ids_written, people, strict=True)
    ]
    try:
        file_name, content = _file(header, table, as_csv, encoding)
    except IllegalCharacterError:
        return
    client = client_for(cast.li)
    with transaction.atomic(), translation.override("zh-hans"):
        before = _counts()
        response = client.post(
            URL,
            {
                "unit": f"school:{cast.school.pk}",
                "kind": OfficialList.Kind.MINIMUM_LIVING,
                "name": name,
                "list_date": list_date,
                "file": SimpleUploadedFile(file_name, content),
            },
        )
        assert response.status_code in (200, 302)
        if response.status_code == 200:
            assert _counts() == before
            assert is_chinese(response.content.decode())
        else:
            official_list = OfficialList.objects.latest("pk")
            readable = [value for value in map(_readable, ids_written) if value]
            assert OfficialList.objects.count() == before[0] + 1
            assert sorted(official_list.entries.values_list("id_number", flat=True)) == sorted(readable)
            flagged = SpecialGroupFlag.objects.filter(household=pupil.household_id).exists()
            assert flagged == (pupil.id_number in readable)
            detail = client.get(response["Location"])
            assert detail.status_code == 200
        transaction.set_rollback(True)
