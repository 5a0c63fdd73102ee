"""The staff's page of a notice: its lines under the notice's own headings, and what each role reads there."""

from django.urls import reverse

from tests.publicity.notice_data import make_notice, supplementary_removing_a_line
from tests.publicity.test_public_page import column_headings
from tests.publicity.test_reports import closed_report

REASON = "经核实，该户已在县城购置商品房，家庭经济状况明显好转。"


def test_the_notice_page_heads_its_lines_as_the_notice_does(cast, client_for):
    """The staff's page shows the lines under the notice's own headings: 序号 and 姓名 (DESIGN.md §4)."""
    notice = make_notice(cast)
    page = client_for(cast.li).get(notice.get_absolute_url()).content.decode()
    assert column_headings(page, "notice-entries")[:2] == ["序号", "姓名"]


class TestWhatEachRoleReads:
    def test_the_reason_for_a_change_is_read_only_by_those_who_read_objections(self, cast, client_for):
        """The reason is what an upheld objection or a revocation found about a family: a class teacher,
        who reads no objections, sees that a line was removed, not why."""
        notice = supplementary_removing_a_line(cast, reason=REASON)
        teacher_page = client_for(cast.wang).get(notice.get_absolute_url())
        assert teacher_page.status_code == 200
        assert 'data-change="removed"' in teacher_page.content.decode()
        assert REASON not in teacher_page.content.decode()
        for reader in (cast.li, cast.zhang, cast.zhao):
            assert REASON in client_for(reader).get(notice.get_absolute_url()).content.decode()

    def test_the_report_to_the_county_is_read_by_the_school_office_the_principal_and_the_county(self, cast, client_for):
        report = closed_report(cast)
        url = reverse("publicity:report_detail", args=[report.pk])
        for reader in (cast.li, cast.zhang, cast.zhao, cast.admin):
            assert client_for(reader).get(url).status_code == 200
        assert client_for(cast.wang).get(url).status_code == 403
        assert client_for(cast.outsider).get(url).status_code == 404

    def test_the_notice_page_links_the_report_only_for_its_readers(self, cast, client_for):
        report = closed_report(cast)
        url = reverse("publicity:report_detail", args=[report.pk])
        teacher_page = client_for(cast.wang).get(report.notice.get_absolute_url()).content.decode()
        assert url not in teacher_page
        assert str(report.get_status_display()) in teacher_page
        assert url in client_for(cast.li).get(report.notice.get_absolute_url()).content.decode()
