"""The bank's return file (回盘文件) tried by a machine (hypothesis): odd amounts, dates, results and lines.

Through the aid office's page: no 500; a refused file changes no line and keeps no import, and says
why in Chinese, naming the row; an applied file settles exactly the lines its rows name, each as its
row says.
"""

import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from aidsys.services.people import user_grant_permission
from disbursements.models import LineStatus, PaymentLine, ReturnFileImport
from tests.disbursements.bank_data import approved_batch, return_csv, return_workbook, upload
from tests.properties import DATES, FEW, NUMBERS, encoded, hostile_text, is_chinese

PAID, FAILED = "成功", "失败"


@pytest.fixture
def batch(cast):
    user_grant_permission(actor=None, user=cast.li, permission="students.reveal_sensitive", reason="资助专干")
    return approved_batch(cast)


references = st.one_of(st.sampled_from([0, 1, 2]), hostile_text)  # a line's own reference, or anything
amounts = st.one_of(st.sampled_from(["625.00", "625", "６２５.００", "¥625.00", "625.0000"]), st.sampled_from(NUMBERS))
results = st.one_of(st.sampled_from([PAID, FAILED, "SUCCESS", "00", "01", "交易成功"]), hostile_text)
days = st.one_of(st.sampled_from(["2026-11-20", "2026/11/20", "2026年11月20日", "20261120"]), st.sampled_from(DATES))
rows = st.lists(st.tuples(references, amounts, results, days, hostile_text), min_size=1, max_size=4)


def _settled() -> list[tuple]:
    return list(PaymentLine.objects.order_by("pk").values_list("status", "paid_on", "failure_reason", "settled_by"))


@FEW
@given(data=rows, as_csv=st.booleans(), encoding=st.sampled_from(["utf-8-sig", "gb18030", "utf-16"]))
@example(data=[(0, "625.00", PAID, "99999999999-1-1", "")], as_csv=False, encoding="utf-8-sig")  # a year no date holds
@example(data=[(0, "NaN", PAID, "2026-11-20", "")], as_csv=False, encoding="utf-8-sig")
@example(data=[(0, "1e999", PAID, "2026-11-20", "")], as_csv=False, encoding="utf-8-sig")
@example(data=[(1, "625.00", FAILED, "", "=cmd|' /C calc'!A0")], as_csv=True, encoding="gb18030")
def test_a_return_file_settles_exactly_its_rows_or_changes_nothing(cast, batch, data, as_csv, encoding):
    lines = list(batch.lines.order_by("pk"))
    table = [
        (lines[reference].reference if isinstance(reference, int) else reference, amount, result, day, reason)
        for reference, amount, result, day, reason in data
    ]
    if as_csv:
        header = ("业务参考号", "金额", "处理结果", "交易日期", "失败原因")
        content = encoded(return_csv(table, header).decode("utf-8-sig"), encoding)
        name = "回盘.csv"
    else:
        try:
            content = return_workbook(table)
        except IllegalCharacterError:
            return
        name = "回盘.xlsx"
    client = Client()  # a client of its own: the messages of one example are not left for the next
    client.force_login(cast.li, backend="django.contrib.auth.backends.ModelBackend")
    with transaction.atomic(), translation.override("zh-hans"):
        before, imports = _settled(), ReturnFileImport.objects.count()
        response = client.post(
            reverse("disbursements:bank_return_file", args=[batch.pk]), {"file": upload(content, name)}
        )
        assert response.status_code == 302
        said = [str(message) for message in get_messages(response.wsgi_request)]
        assert said and all(is_chinese(message) for message in said), said
        if ReturnFileImport.objects.count() == imports:
            assert _settled() == before
            # A row's refusal names its row: the data starts below the header (and the workbook's title).
            first = 2 if as_csv else 3
            named_rows = [int(number) for message in said for number in re.findall(r"第(\d+)行", message)]
            assert all(first <= number < first + len(table) for number in named_rows), said
        else:
            assert ReturnFileImport.objects.count() == imports + 1
            settled = PaymentLine.objects.exclude(status=LineStatus.PENDING)
            named = {row[0] for row in table}
            assert {line.reference for line in settled} == named
            assert settled.count() == len(table)
            for line in settled:
                if line.status == LineStatus.PAID:
                    assert line.paid_on is not None and line.amount == Decimal("625.00")
        transaction.set_rollback(True)
