"""No query per row: a report's queries do not grow with its rows."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.definitions import REPORTS, ReportRequest
from tests.factories import PaymentLineFactory
from tests.reports.data import build_year

KEYS = ["payment_lines", "progress", "annual", "aid_gaps", "checks"]


def queries(cast, key) -> int:
    request = ReportRequest(
        user=cast.zhao,
        county_id=cast.county.pk,
        term_id=cast.term.pk if key in ("payment_lines", "checks", "progress") else None,
        school_year_id=cast.school_year.pk if key in ("annual", "aid_gaps") else None,
        as_of=date(2026, 11, 23),
    )
    with CaptureQueriesContext(connection) as captured:
        data = REPORTS[key].build(request)
        list(data.rows)
    return len(captured)


@pytest.mark.parametrize("key", KEYS)
def test_ten_more_lines_cost_no_more_queries(cast, key):
    year = build_year(cast)
    before = queries(cast, key)
    for _n in range(10):
        PaymentLineFactory(batch=year.sibling_line.batch, status="paid", paid_on=date(2026, 11, 21))
    assert queries(cast, key) == before
