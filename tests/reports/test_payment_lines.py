"""资金发放明细: every line of the approved batches of the schools asked for, masked unless full."""

from datetime import date
from decimal import Decimal

import pytest
from django.http import Http404

from reports.definitions import REPORTS, ReportRequest
from tests.reports.data import build_year
from tests.reports.workbook import TITLE_ROWS, reopened, sheet_rows


def build(cast, user, **kwargs):
    return REPORTS["payment_lines"].build(ReportRequest(user=user, **kwargs))


def rows_of(data):
    return list(data.rows)


def test_the_county_sees_every_line_of_its_schools_and_none_of_another_county(cast):
    year = build_year(cast)
    data = build(cast, cast.zhao, county_id=cast.county.pk)
    rows = rows_of(data)
    assert data.count == 5
    assert {row["name"] for row in rows} == {"赵小雨", "王小明", "艾米", "曾小红", year.sibling_line.student_name}
    assert year.other_county_line.student_name not in {row["name"] for row in rows}
    assert sum(row["amount"] for row in rows) == Decimal("3000.00")
    assert sum(row["paid_amount"] or 0 for row in rows) == Decimal("1875.00")


def test_a_line_names_its_batch_status_date_and_reason(cast):
    year = build_year(cast)
    rows = {row["name"]: row for row in rows_of(build(cast, cast.zhao, county_id=cast.county.pk))}
    assert rows["王小明"]["paid_on"] == date(2026, 11, 20)
    assert rows["王小明"]["status"] == "已发放"
    assert rows["王小明"]["batch"] == year.batch.number
    assert rows["王小明"]["batch_kind"] == "常规"
    assert rows["曾小红"]["status"] == "已作废"
    assert rows["曾小红"]["reason"] == "家长要求改为银行卡"
    assert rows["曾小红"]["paid_amount"] is None
    assert rows["艾米"]["class"] == str(cast.class_1)


def test_a_school_sees_its_own_lines_and_a_county_may_narrow_to_chosen_schools(cast):
    year = build_year(cast)
    assert {row["name"] for row in rows_of(build(cast, cast.li, school_id=cast.school.pk))} == {
        "赵小雨",
        "王小明",
        "艾米",
        "曾小红",
    }
    chosen = build(cast, cast.zhao, county_id=cast.county.pk, school_ids=(cast.sibling_school.pk,))
    assert [row["name"] for row in rows_of(chosen)] == [year.sibling_line.student_name]


@pytest.mark.parametrize(
    "who,unit",
    [("li", "county"), ("wang", "school"), ("outsider", "school"), ("zhao", "other_school"), ("outsider", "county")],
)
def test_a_unit_out_of_scope_is_not_found(cast, who, unit):
    build_year(cast)
    kwargs = {
        "county": {"county_id": cast.county.pk},
        "school": {"school_id": cast.school.pk},
        "other_school": {"school_id": cast.other_school.pk},
    }[unit]
    with pytest.raises(Http404):
        build(cast, getattr(cast, who), **kwargs)


def test_the_sheet_masks_id_and_account_numbers_unless_full(cast):
    year = build_year(cast)
    data = build(cast, cast.zhao, county_id=cast.county.pk, school_ids=(cast.sibling_school.pk,))
    rows = sheet_rows(reopened(data))
    headings = rows[TITLE_ROWS]
    assert headings[:4] == ("学校", "班级", "姓名", "身份证号")
    line = dict(zip(headings, rows[TITLE_ROWS + 1], strict=True))
    student = year.sibling_line.student
    assert line["身份证号"] == student.id_number[:4] + "*" * 10 + student.id_number[-4:]
    assert line["账号"] == "6228***********8901"
    assert rows[-1][0] == "合计"
    full = dict(
        zip(
            headings,
            sheet_rows(
                reopened(
                    build(cast, cast.zhao, county_id=cast.county.pk, school_ids=(cast.sibling_school.pk,)), full=True
                )
            )[TITLE_ROWS + 1],
            strict=True,
        )
    )
    assert full["身份证号"] == student.id_number
