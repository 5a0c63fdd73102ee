"""Each report opened with openpyxl: its headings, its totals row, and its masking."""

from datetime import date
from decimal import Decimal

import pytest

from reports.definitions import MONEY, REPORTS, ReportRequest
from tests.reports.data import build_year
from tests.reports.workbook import TITLE_ROWS, reopened, sheet_rows

PARAMETERS = {
    "aided_students": {"program_id": "program", "term_id": "term"},
    "payment_lines": {"term_id": "term"},
    "progress": {"as_of": date(2026, 11, 23)},
    "annual": {"school_year_id": "year"},
    "aid_gaps": {"school_year_id": "year"},
    "checks": {"term_id": "term"},
    "leftovers": {"term_id": "term"},
}


@pytest.mark.parametrize("key", sorted(PARAMETERS))
def test_each_report_opens_with_its_headings_totals_and_masks(cast, key):
    year = build_year(cast)
    values = {"term": cast.term.pk, "year": cast.school_year.pk, "program": year.program.pk}
    kwargs = {name: values.get(value, value) for name, value in PARAMETERS[key].items()}
    data = REPORTS[key].build(ReportRequest(user=cast.zhao, county_id=cast.county.pk, **kwargs))
    data_rows = list(data.rows)
    data.rows = data_rows
    sheet = sheet_rows(reopened(data))
    assert sheet[0] == (data.title,) + (None,) * (len(sheet[0]) - 1)
    assert cast.county.name in sheet[1][0]
    assert sheet[TITLE_ROWS] == tuple(column.heading for column in data.columns)
    body = sheet[TITLE_ROWS + 1 : TITLE_ROWS + 1 + len(data_rows)]
    assert len(body) == len(data_rows)
    totals = [column for column in data.columns if column.total]
    if totals and data_rows:
        last = dict(zip([c.key for c in data.columns], sheet[-1], strict=True))
        for column in totals:
            expected = sum((row[column.key] or 0 for row in data_rows), 0)
            assert Decimal(str(last[column.key])) == Decimal(str(expected))
    masked = [index for index, column in enumerate(data.columns) if column.mask]
    for row, original in zip(body, data_rows, strict=True):
        for index in masked:
            value = original[data.columns[index].key]
            if value:
                assert row[index] != value and "*" in row[index]


def test_the_payment_sheet_s_total_is_the_year_s_money(cast):
    build_year(cast)
    data = REPORTS["payment_lines"].build(ReportRequest(user=cast.zhao, county_id=cast.county.pk))
    sheet = sheet_rows(reopened(data))
    keys = [column.key for column in data.columns]
    total = dict(zip(keys, sheet[-1], strict=True))
    assert Decimal(str(total["amount"])) == Decimal("3000.00")
    assert Decimal(str(total["paid_amount"])) == Decimal("1875.00")
    assert all(column.kind != MONEY or column.total for column in data.columns)
