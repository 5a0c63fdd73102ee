"""The audit trail reads as words: "字段：旧值 → 新值" with Chinese labels and choice names, never Python's repr."""

import html
import re

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation

from aidsys.audit_display import change_rows
from aidsys.models import AuditEvent
from applications.models import Application
from disbursements.models import LeftoverReport, PaymentLine
from publicity.models import RosterReport
from reviews.services.award_change import application_award_change
from tests.publicity.objection_data import running_notice
from tests.publicity.test_reports import closed_report
from tests.publicity.test_supplementary import application_of, revoke

REPR = re.compile(r"\[\{|\{'|'\}|\['|'\]|: '|None|True|False")


def rows_of(model, changes):
    event = AuditEvent(content_type=ContentType.objects.get_for_model(model), changes=changes)
    with translation.override("zh-hans"):
        return [(str(row["label"]), str(row["before"]), str(row["after"])) for row in change_rows(event)]


def trail_text(response) -> str:
    """The page's text as read: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", response.content.decode()))


class TestAChangeReadsAsWords:
    def test_a_change_of_tier_names_the_field_and_both_tiers(self, db):
        assert rows_of(Application, {"approved_tier": ["generally_difficult", "especially_difficult"]}) == [
            ("核定档次", "一般困难", "特别困难")
        ]

    def test_money_dates_and_yes_no_are_written_out(self, db):
        rows = rows_of(Application, {"amount": ["625.00", "1250.00"], "pledge_signed": [False, True]})
        assert rows == [("金额（元）", "625.00 元", "1,250.00 元"), ("已签署承诺书", "否", "是")]

    def test_a_masked_value_stays_masked(self, db):
        assert rows_of(PaymentLine, {"account_number": [None, "****"], "account_kind": [None, "bank_card"]}) == [
            ("账号", "", "****"),
            ("收款账户", "", "银行卡"),
        ]

    def test_a_list_of_rows_is_one_readable_line_per_row(self, db):
        summary = {
            "lines": [
                {"class_name": "一(1)班", "tier": "difficult", "tier_label": "困难", "count": 2, "total": "1250.00"},
                {"class_name": "一(2)班", "tier": "generally_difficult", "tier_label": "一般困难", "count": 1,
                 "total": "500.00"},
            ],
            "count": 3,
            "total": "1750.00",
        }  # fmt: skip
        ((label, _before, after),) = rows_of(RosterReport, {"summary": [None, summary]})
        assert label == "汇总"
        assert "班级：一(1)班，档次：困难，人数：2，金额（元）：1250.00" in after.splitlines()[0]
        assert "班级：一(2)班，档次：一般困难，人数：1，金额（元）：500.00" in after
        assert not REPR.search(after)

    def test_a_rows_code_beside_its_label_is_not_shown(self, db):
        figures = {
            "sources": [{"source": "central", "label": "中央", "received": "1687.50", "unpaid": {"failed": "0.00"}}]
        }
        ((_label, _before, after),) = rows_of(LeftoverReport, {"figures": [None, figures]})
        assert "中央：到位（元）：1687.50" in after
        assert "central" not in after and "failed" not in after and not REPR.search(after)

    def test_an_unknown_key_shows_as_recorded_and_its_value_never_as_repr(self, db):
        rows = rows_of(Application, {"something_new": [None, {"a": 1, "b": [1, 2]}]})
        assert rows == [("something_new", "", "1 · 1、2")]


class TestTheTrailOfARealFlow:
    """A notice, an award change, a revocation and a report: the trail that staff read has no code in it."""

    def test_the_application_history_reads_the_tier_change(self, cast, client_for):
        notice = running_notice(cast)
        application = application_of(notice, "王小明")
        application_award_change(actor=cast.li, application=application, tier="difficult", reason="经核实调整档次")
        page = client_for(cast.li).get(reverse("applications:application_detail", args=[application.pk]))
        text = trail_text(page)
        assert "核定档次：特别困难 → 困难" in text

    def test_the_audit_list_has_no_python_repr(self, cast, client_for):
        notice = running_notice(cast)
        revoke(cast, application_of(notice, "赵小雨"))
        closed_report(cast)
        events = AuditEvent.objects.count()
        assert events > 10
        client = client_for(cast.zhao)
        text = "".join(trail_text(client.get("/audit/", {"page": page})) for page in range(1, events // 50 + 2))
        assert "汇总" in text and "班级：" in text
        assert not REPR.search(text), REPR.search(text)
        assert "'" not in text
