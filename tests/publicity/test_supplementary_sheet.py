"""A posted supplementary sheet words each group by what changed: 新增, 变更 (old → new), 移除 (with the reason)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from aidsys.pdf import render_pdf
from publicity.models import PublicNotice
from publicity.pdf import notice_sheet_context
from publicity.services.supplementary import supplementary_notice_from_roster
from reviews.services.award_change import application_award_change
from tests.publicity.objection_data import running_notice
from tests.publicity.test_notice_pdf import pdf_text, without_spaces
from tests.publicity.test_supplementary import application_of, replacement, revoke


def supplementary_of_three_changes(cast) -> PublicNotice:
    """赵小雨 revoked (transferred out), 钱小花 replaces her, 王小明 goes from 特别困难 to 困难: published today."""
    notice = running_notice(cast)
    revoked = application_of(notice, "赵小雨")
    revoke(cast, revoked)
    replacement(cast, notice, revoked)
    application_award_change(
        actor=cast.li, application=application_of(notice, "王小明"), tier="difficult", reason="经核实调整档次"
    )
    supplementary = supplementary_notice_from_roster(actor=cast.li, original=notice)
    # Set-up only: the publishing workflow (signature, period) is tested in test_supplementary.py.
    PublicNotice.objects.filter(pk=supplementary.pk).update(status="published", start_date=notice.start_date)
    supplementary.refresh_from_db()
    return supplementary


def only_removal(cast) -> PublicNotice:
    notice = running_notice(cast)
    revoke(cast, application_of(notice, "赵小雨"))
    supplementary = supplementary_notice_from_roster(actor=cast.li, original=notice)
    PublicNotice.objects.filter(pk=supplementary.pk).update(status="published", start_date=notice.start_date)
    supplementary.refresh_from_db()
    return supplementary


ADDED = "以下1名学生经评审新增为资助对象，现予公示。"
CHANGED = "以下1名学生的资助档次或金额有变更（原→现），现予公示。"
REMOVED = "以下1名学生的资助资格已取消。"


def assert_grouped(flat: str):
    """新增, then 变更, then 移除, each heading followed by its sentence and its line, never the original's wording."""
    added, changed, removed = flat.index("新增" + ADDED), flat.index("变更" + CHANGED), flat.index("移除" + REMOVED)
    assert added < flat.index("钱小花") < changed < flat.index("王小明") < removed < flat.index("赵小雨")
    assert "特别困难→困难" in flat
    assert "转出" in flat[removed:]
    assert "转学至外县" not in flat  # the revocation's details stay with the staff
    assert "获得资助资格" not in flat


@pytest.fixture
def sheet(cast):
    return supplementary_of_three_changes(cast)


class TestThePublicPage:
    def test_each_change_has_its_heading_and_its_wording(self, cast, client, sheet):
        response = client.get(reverse("publicity:public_notice", args=[sheet.token]))
        assert response.status_code == 200
        assert_grouped(without_spaces(response.content.decode()).replace("<p>", "").replace("</h2>", ""))

    def test_a_group_without_lines_is_not_shown(self, cast, client):
        supplementary = only_removal(cast)
        page = client.get(reverse("publicity:public_notice", args=[supplementary.token]))
        response_text = page.content.decode()
        assert 'data-change="removed"' in response_text
        assert 'data-change="added"' not in response_text and 'data-change="changed"' not in response_text


class TestThePrintedSheet:
    def test_each_change_has_its_heading_and_its_wording(self, cast, sheet, tmp_path):
        content = render_pdf(
            "publicity/pdf/notice.html", notice_sheet_context(notice=sheet, public_url="https://example.test/n/1")
        )
        assert_grouped(without_spaces(pdf_text(content, tmp_path)))

    def test_a_changed_amount_reads_old_to_new(self, cast, tmp_path):
        notice = running_notice(cast)
        application_award_change(
            actor=cast.li,
            application=application_of(notice, "艾米"),
            tier="difficult",
            amount=Decimal("700.00"),
            amount_reason="按实际困难程度调整",
            reason="核实后调整金额",
        )
        supplementary = supplementary_notice_from_roster(actor=cast.li, original=notice)
        context = notice_sheet_context(notice=supplementary, public_url="https://example.test/n/1")
        flat = without_spaces(pdf_text(render_pdf("publicity/pdf/notice.html", context), tmp_path))
        assert "625.00→700.00" in flat
        assert "变更" + CHANGED in flat
        assert "新增" not in flat and "移除" not in flat
