"""受助学生名单: the right students, their split by source and whether the term's payment is made."""

import io
from datetime import date
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from reports.definitions import REPORTS, ReportRequest
from reports.workbook import write_workbook
from tests.factories import StudentFactory
from tests.reports.aided_data import approved, awards

LIST = REPORTS["aided_students"]


def rows_of(cast, given, **unit):
    request = ReportRequest(user=cast.zhao, program_id=given.program.pk, term_id=cast.term.pk, **unit)
    data = LIST.build(request)
    return data, list(data.rows)


def test_the_county_list_holds_the_approved_awards_of_its_schools(cast):
    given = awards(cast)
    data, rows = rows_of(cast, given, county_id=cast.county.pk)
    assert [row["name"] for row in rows] == ["王小明", "李小红", "孙二校"]  # by school, then class
    assert data.count == 3 and data.unit == "青山县" and data.period == "2026–2027学年秋季学期"
    assert "赵未批" not in {row["name"] for row in rows} and "钱外县" not in {row["name"] for row in rows}


def test_a_school_filter_and_a_school_list(cast):
    given = awards(cast)
    _data, chosen = rows_of(cast, given, county_id=cast.county.pk, school_ids=(cast.sibling_school.pk,))
    assert [row["name"] for row in chosen] == ["孙二校"]
    data, own = rows_of(cast, given, school_id=cast.school.pk)
    assert {row["name"] for row in own} == {"王小明", "李小红"} and data.unit == "青山县实验小学"


def test_each_row_says_who_what_how_much_from_where_and_whether_paid(cast):
    given = awards(cast)
    _data, rows = rows_of(cast, given, school_id=cast.school.pk)
    paid = next(row for row in rows if row["name"] == "王小明")
    unpaid = next(row for row in rows if row["name"] == "李小红")
    assert paid["school"] == "青山县实验小学" and paid["class"] == "一年级(1)班"
    assert paid["gender"] == "男" and paid["ethnicity"] == "汉族" and paid["tier"] == "困难"
    assert paid["id_number"] == given.paid.student.id_number
    assert paid["amount"] == Decimal("625.00")
    assert (paid["source_central"], paid["source_province"]) == (Decimal("500.00"), Decimal("125.00"))
    assert paid["method"] == "银行卡" and paid["paid"] == "已发放"
    assert (unpaid["source_central"], unpaid["source_province"]) == (Decimal("250.00"), Decimal("62.50"))
    assert unpaid["method"] == "" and unpaid["paid"] == "未发放"


def test_the_workbook_has_a_column_per_source_totals_and_masked_id_numbers(cast):
    given = awards(cast)
    data = LIST.build(
        ReportRequest(user=cast.zhao, county_id=cast.county.pk, program_id=given.program.pk, term_id=cast.term.pk)
    )
    stream = io.BytesIO()
    write_workbook(data, stream, full=False, exported_on=date(2026, 11, 23))
    sheet = load_workbook(io.BytesIO(stream.getvalue())).active
    headings = [cell.value for cell in sheet[3]]
    assert headings[:10] == [
        "序号",
        "学校",
        "班级",
        "姓名",
        "性别",
        "民族",
        "身份证号",
        "特殊群体",
        "档次",
        "金额（元）",
    ]
    assert headings[10:12] == ["其中：中央", "其中：省级"]
    assert headings[-2:] == ["发放方式", "是否发放"]
    totals = [cell.value for cell in sheet[7]]
    assert totals[0] == "合计" and totals[9] == Decimal("1562.5")
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert given.paid.student.id_number not in values


def test_the_queries_do_not_grow_with_the_students(cast):
    given = awards(cast)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            rows_of(cast, given, county_id=cast.county.pk)
        return len(queries)

    count()  # the first run fills Django's own caches
    before = count()
    for _index in range(10):
        approved(StudentFactory(school_class=cast.class_1), given.program, cast.term)
    assert count() == before
