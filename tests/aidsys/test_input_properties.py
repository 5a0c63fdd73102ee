"""Bad input tried by a machine (hypothesis): files, 身份证号, mobile numbers, dates and money.

Each property: the input is accepted with a correct result, or refused with a ValidationError in
Chinese, never an exception of another kind; a refused form saves nothing.
"""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from aidsys import cn, spreadsheets
from aidsys.forms import PlausibleDateField
from applications.forms.quotas import QuotaForm
from disbursements.forms.funds import AllocationForm
from disbursements.models import FundAllocation
from publicity.forms.objections import DecideForm
from reviews.forms import ApproveForm
from students.forms import MemberForm
from tests.factories import AidProgramFactory
from tests.properties import (
    DATES,
    ENCODINGS,
    FEW,
    NUMBERS,
    PROPERTIES,
    cell_values,
    encoded,
    hostile_text,
    id_numbers_mangled,
    is_chinese,
    valid_id_number,
)

pytestmark = pytest.mark.usefixtures("chinese")


@pytest.fixture
def chinese():
    with translation.override("zh-hans"):
        yield


def _read_all(name: str, content: bytes) -> list:
    kind = spreadsheets.check_file(name, content)
    rows = spreadsheets.file_rows(kind, content)
    try:
        return list(rows)
    finally:
        rows.close()


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def _xlsx(rows: list[list], merge: bool) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if merge and len(rows) > 1:
        sheet.merge_cells(start_row=1, start_column=1, end_row=2, end_column=2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Files


@PROPERTIES
@given(content=st.binary(max_size=400))
@example(content=b"PK\x03\x04" + b"\x00" * 40)
@example(content="\ufeff姓名,身份证号\n".encode("utf-16"))
@example(content=b"\xef\xbb\xbf")
def test_any_bytes_are_read_as_rows_or_refused_with_a_chinese_reason(content):
    try:
        rows = _read_all("名单.csv", content)
    except ValidationError as error:
        assert is_chinese(error.messages[0]), error.messages
    else:
        assert all(isinstance(number, int) and number >= 1 for number, _values in rows)


@PROPERTIES
@given(
    rows=st.lists(st.lists(hostile_text, max_size=6), min_size=1, max_size=6),
    encoding=st.sampled_from(ENCODINGS),
)
def test_a_csv_in_any_encoding_is_read_or_refused_in_chinese(rows, encoding):
    text = _csv(rows)
    try:
        read = _read_all("名单.csv", encoded(text, encoding))
    except ValidationError as error:
        assert is_chinese(error.messages[0]), error.messages
        return
    assert all(isinstance(number, int) for number, _values in read)


plain_cells = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=";\t'\u2028\u2029\x85"),
    max_size=12,
)


@PROPERTIES
@given(
    rows=st.lists(st.lists(plain_cells, min_size=2, max_size=5), min_size=1, max_size=6),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
)
@example(rows=[["", ""], ["", "0"]], encoding="utf-8")  # an empty row before data keeps its place
def test_a_csv_as_a_chinese_excel_saves_it_is_read_cell_for_cell(rows, encoding):
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    read = _read_all("名单.csv", _csv(rows).encode(encoding))
    expected = [[spreadsheets.cell_text(cell) for cell in row] for row in rows]
    # Empty rows at the end are formatting, not data; an empty row before data keeps its place (and so the
    # row numbers that messages name).
    while expected and not any(expected[-1]):
        expected.pop()
    assert [[spreadsheets.cell_text(cell) for cell in values] for _n, values in read] == expected


@PROPERTIES
@given(rows=st.lists(st.lists(cell_values, max_size=5), min_size=1, max_size=5), merge=st.booleans())
def test_a_workbook_with_any_cells_is_read_or_refused(rows, merge):
    try:
        content = _xlsx(rows, merge)
    except IllegalCharacterError:  # openpyxl writes no control characters: no workbook holds them
        return
    try:
        read = _read_all("名单.xlsx", content)
    except ValidationError as error:
        assert is_chinese(error.messages[0]), error.messages
        return
    for _number, values in read:
        for value in values:
            assert isinstance(spreadsheets.cell_text(value), str)


def test_a_utf16_csv_as_excel_saves_unicode_text_is_read():
    """Excel's "Unicode text" is UTF-16 with a byte-order mark and tabs between the cells."""
    content = "姓名\t身份证号\r\n王小明\t11010519491231002X\r\n".encode("utf-16")
    assert [values for _n, values in _read_all("名单.csv", content)] == [
        ["姓名", "身份证号"],
        ["王小明", "11010519491231002X"],
    ]


# ---------------------------------------------------------------------------------------------
# 身份证号 and mobile numbers


@PROPERTIES
@given(text=st.one_of(hostile_text, id_numbers_mangled.map(str)))
def test_an_id_number_is_normalized_to_a_valid_one_or_refused_in_chinese(text):
    try:
        number = cn.normalize_id_number(text)
    except ValidationError as error:
        assert is_chinese(error.messages[0])
        return
    assert len(number) == 18 and number[:17].isascii() and number[:17].isdigit()
    assert number[17] == cn.id_number_check_digit(number[:17])
    assert date(1900, 1, 1) <= cn.id_number_birth_date(number) <= date(2026, 11, 23)
    assert cn.mask_id_number(number).count("*") == 10


@PROPERTIES
@given(birth=st.dates(min_value=date(2005, 1, 1), max_value=date(2026, 11, 1)), sequence=st.integers(0, 999))
def test_an_id_number_typed_with_spaces_full_width_or_a_small_x_is_the_same_number(birth, sequence):
    number = valid_id_number(birth, sequence)
    typed = " ".join([number[:6], number[6:14], number[14:]]).replace("X", "x")
    assert cn.normalize_id_number(typed) == number
    assert cn.normalize_id_number("".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number)) == number


@PROPERTIES
@given(text=hostile_text)
@example(text="+86 138-1234-5678")
def test_a_mobile_or_telephone_number_is_normalized_or_refused_in_chinese(text):
    for normalize in (cn.normalize_mobile, cn.normalize_telephone):
        try:
            number = normalize(text)
        except ValidationError as error:
            assert is_chinese(error.messages[0])
            continue
        assert number.replace("-", "").isascii() and number.replace("-", "").isdigit()
    assert isinstance(cn.mask_mobile(text), str) and isinstance(cn.mask_contact(text), str)


# ---------------------------------------------------------------------------------------------
# Dates in forms


@pytest.mark.parametrize("typed", ["2026-11-23", "2026/11/23", "2026年11月23日"])
def test_a_date_field_takes_the_ways_a_chinese_date_is_written(typed):
    assert PlausibleDateField().clean(typed) == date(2026, 11, 23)


@PROPERTIES
@given(text=st.one_of(hostile_text, st.sampled_from(DATES)))
@example(text="2026年2月30日")
def test_a_date_field_takes_a_real_plausible_date_or_refuses_in_chinese(text):
    field = PlausibleDateField(label="日期")
    try:
        value = field.clean(text)
    except ValidationError as error:
        assert is_chinese(error.messages[0]), error.messages
        return
    assert date(2000, 1, 1) <= value <= date(2100, 12, 31)


# ---------------------------------------------------------------------------------------------
# Money in forms

money_text = st.one_of(
    st.sampled_from(NUMBERS),
    hostile_text,
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(repr),
)


def money_fields(cast):
    """Every money field a form offers, as the form builds it."""
    return [
        AllocationForm(user=cast.zhao).fields["amount"],
        QuotaForm.base_fields["amount"],
        ApproveForm.base_fields["amount"],
        MemberForm.base_fields["annual_income"],
        DecideForm.base_fields["amount"],
    ]


@PROPERTIES
@given(text=money_text)
@example(text="1e999")
@example(text="NaN")
@example(text="-Infinity")
def test_a_money_field_gives_a_decimal_in_fen_or_refuses_in_chinese(cast, text):
    for field in money_fields(cast):
        try:
            value = field.clean(text)
        except ValidationError as error:
            assert is_chinese(error.messages[0]), error.messages
            continue
        if value is None:
            assert not text.strip()
            continue
        assert isinstance(value, Decimal) and value.is_finite()
        assert field.min_value is None or value >= field.min_value
        assert value == value.quantize(Decimal("0.01"))


@FEW
@given(amount=money_text, day=st.one_of(st.sampled_from(DATES), hostile_text))
def test_an_allocation_with_any_amount_and_date_is_recorded_exactly_or_refused_saving_nothing(
    cast, client_for, amount, day
):
    program = AidProgramFactory(county=cast.county) if not hasattr(cast, "_program") else cast._program
    cast._program = program
    client = client_for(cast.zhao)
    before = FundAllocation.objects.count()
    response = client.post(
        "/funds/allocations/new/",
        {
            "school": cast.school.pk,
            "program": program.pk,
            "term": cast.term.pk,
            "source": "central",
            "amount": amount,
            "document_number": "青财教〔2026〕18号",
            "document_date": day,
        },
    )
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert FundAllocation.objects.count() == before
        assert is_chinese(response.content.decode())
        return
    allocation = FundAllocation.objects.latest("pk")
    assert FundAllocation.objects.count() == before + 1
    assert allocation.amount == Decimal(amount.strip()).quantize(Decimal("0.01")) > 0
