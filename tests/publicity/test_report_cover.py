"""The county reads the reported roster with its students' names, and prints the 上报名单 cover sheet that the
school and the county sign."""

import re

from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from aidsys.cn import mask_id_number
from aidsys.models import AuditEvent
from publicity.models import NoticeEntry
from publicity.services import notices, reports
from publicity.services.report_sheet import report_sheet_context
from publicity.services.supplementary import supplementary_notice_from_roster
from reviews.services import application_revoke, roster_sign, roster_submit
from tests.publicity.notice_data import move_period
from tests.publicity.test_reports import closed_report


def students_of(html: str) -> list[list[str]]:
    section = html.split('data-testid="reported-students"', 1)[1].split("</section>", 1)[0]
    body = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>.*?</td>", row, re.S)]
        for row in re.findall(r"<tr>.*?</tr>", body, re.S)
    ]


class TestReportPage:
    def test_the_county_sees_the_students_by_class_and_name_with_masked_id_numbers(self, cast, client_for):
        report = closed_report(cast)
        html = client_for(cast.zhao).get(reverse("publicity:report_detail", args=[report.pk])).content.decode()
        lines = NoticeEntry.objects.select_related("application__student")
        entries = {entry.name: entry.application.student for entry in lines}
        class_1, class_2 = cast.class_1.name, cast.class_2.name
        assert students_of(html) == [
            ["1", class_1, "艾米", mask_id_number(entries["艾米"].id_number), "困难", "625.00"],
            ["2", class_1, "王小明", mask_id_number(entries["王小明"].id_number), "特别困难", "625.00"],
            ["3", class_1, "曾小红", mask_id_number(entries["曾小红"].id_number), "一般困难", "500.00"],
            ["4", class_2, "赵小雨", mask_id_number(entries["赵小雨"].id_number), "困难", "625.00"],
        ]
        for student in entries.values():
            assert student.id_number not in html
        assert reverse("publicity:report_print", args=[report.pk]) in html

    def test_an_award_revoked_and_noticed_again_is_not_among_the_students_reported(self, cast, client_for):
        report = closed_report(cast)
        reports.report_return(actor=cast.zhao, report=report, comment="请复核。")
        aimi = report.notice.entries.get(name="艾米").application
        application_revoke(
            actor=cast.li, application=aimi, reason="improved", detail="家庭经济状况好转", effective_term=cast.term
        )
        signoff = roster_submit(actor=cast.li, school=cast.school, program=report.program, term=cast.term)
        roster_sign(actor=cast.zhang, signoff=signoff)
        supplementary = supplementary_notice_from_roster(actor=cast.li, original=report.notice)
        supplementary = notices.notice_publish(actor=cast.li, notice=supplementary)
        again = notices.notice_close(actor=cast.li, notice=move_period(supplementary, ended_days_ago=1))
        html = client_for(cast.zhao).get(reverse("publicity:report_detail", args=[again.pk])).content.decode()
        names = [row[2] for row in students_of(html)]
        assert names == ["王小明", "曾小红", "赵小雨"] and len(names) == again.summary["count"]

    def test_the_export_link_is_there_once_the_reports_offer_the_roster_export(self, cast, client_for):
        report = closed_report(cast)
        html = client_for(cast.zhao).get(reverse("publicity:report_detail", args=[report.pk])).content.decode()
        try:
            export = reverse("reports:export_start", args=["aided_students"])
        except NoReverseMatch:
            assert 'data-testid="export-roster"' not in html
        else:
            assert f"{export}?school={cast.school.pk}&amp;program={report.program_id}&amp;term={cast.term.pk}" in html


class TestCoverSheet:
    def test_it_has_the_unit_the_figures_in_figures_and_capitals_and_both_sides_signatures(self, cast):
        report = closed_report(cast)
        html = render_to_string("publicity/pdf/report_cover.html", report_sheet_context(report))
        assert "上报名单汇总单" in html
        for fact in (cast.school.name, report.program.name, str(cast.term)):
            assert fact in html
        assert '<td class="number" data-testid="count">4</td>' in html
        assert '<td class="number" data-testid="total">2375.00</td>' in html
        assert "人民币贰仟叁佰柒拾伍元整" in html
        signatures = html.split('data-testid="signatures"', 1)[1]
        for line in ("经办人", "校长", "学校盖章", "审核人", "县资助中心盖章"):
            assert line in signatures, line
        assert signatures.count("日期") == 2
        for entry in NoticeEntry.objects.select_related("application__student"):
            assert entry.name not in html  # a cover sheet: figures, no names

    def test_printing_gives_a_pdf_and_an_audit_event(self, cast, client_for):
        report = closed_report(cast)
        response = client_for(cast.zhao).post(reverse("publicity:report_print", args=[report.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        event = AuditEvent.objects.get(action=AuditEvent.Action.PRINT)
        assert (event.actor, event.object_id) == (cast.zhao, str(report.pk))

    def test_scope(self, cast, client_for):
        report = closed_report(cast)
        reports.report_approve(actor=cast.zhao, report=report)
        url = reverse("publicity:report_print", args=[report.pk])
        assert client_for(cast.li).post(url).status_code == 200
        assert client_for(cast.zhang).post(url).status_code == 200
        assert client_for(cast.wang).post(url).status_code == 403
        assert client_for(cast.outsider).post(url).status_code == 404
        assert client_for(cast.zhao).get(url).status_code == 405
        assert AuditEvent.objects.filter(action=AuditEvent.Action.PRINT).count() == 2
