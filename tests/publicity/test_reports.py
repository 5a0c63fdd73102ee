"""Reports to the county: the frozen summary, approval, return to review, re-reporting; the county's view."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aidsys.models import AuditEvent
from publicity.models import Objection, RosterReport
from publicity.services import notices, reports
from publicity.services.supplementary import supplementary_notice_from_roster
from reviews.models import RosterSignoff
from reviews.services import application_revoke, roster_sign, roster_submit
from tests.factories import AidProgramFactory, SchoolFactory
from tests.publicity.notice_data import STUDENTS, make_notice, move_period
from tests.refusals import assert_summary_before, summary_lines


def closed_report(cast, **kwargs) -> RosterReport:
    notice = move_period(make_notice(cast, **kwargs), ended_days_ago=1)
    return notices.notice_close(actor=cast.li, notice=notice)


class TestReport:
    def test_the_summary_counts_and_totals_by_class_and_tier(self, cast):
        report = closed_report(cast)
        assert report.status == "reported" and report.version == 1
        assert report.reported_by == cast.li
        lines = [(line["class_name"], line["tier"], line["count"], line["total"]) for line in report.summary["lines"]]
        class_1, class_2 = cast.class_1.name, cast.class_2.name
        assert lines == [
            (class_1, "especially_difficult", 1, "625.00"),
            (class_1, "difficult", 1, "625.00"),
            (class_1, "generally_difficult", 1, "500.00"),
            (class_2, "difficult", 1, "625.00"),
        ]
        assert (report.summary["count"], report.summary["total"]) == (4, "2375.00")
        assert AuditEvent.objects.for_object(report).get(action="create").actor == cast.li

    def test_the_county_approves(self, cast, client_for):
        report = closed_report(cast)
        response = client_for(cast.zhao).post(reverse("publicity:report_approve", args=[report.pk]))
        assert response.status_code == 302
        report.refresh_from_db()
        assert report.status == "approved" and report.decided_by == cast.zhao
        event = AuditEvent.objects.for_object(report).get(action="transition")
        assert event.changes["status"] == ["reported", "approved"]
        with pytest.raises(ValidationError):
            reports.report_approve(actor=cast.zhao, report=report)

    def test_the_county_returns_with_a_comment_and_the_roster_goes_back_to_review(self, cast, client_for):
        report = closed_report(cast)
        client = client_for(cast.zhao)
        refused = client.post(reverse("publicity:report_return", args=[report.pk]), {"comment": " "})
        assert refused.status_code == 400
        response = client.post(
            reverse("publicity:report_return", args=[report.pk]), {"comment": "二班名单有误，请复核。"}
        )
        assert response.status_code == 302
        report.refresh_from_db()
        assert (report.status, report.comment) == ("returned", "二班名单有误，请复核。")
        signoff = RosterSignoff.objects.get(pk=report.notice.signoff_id)
        assert (signoff.status, signoff.comment) == ("returned", "二班名单有误，请复核。")
        assert AuditEvent.objects.for_object(signoff).get(action="transition").changes["status"] == [
            "signed",
            "returned",
        ]

    def test_reporting_again_after_a_return_counts_the_version_up(self, cast):
        report = closed_report(cast)
        reports.report_return(actor=cast.zhao, report=report, comment="请复核。")
        # The school reviews again: one award is revoked, the roster is submitted and signed anew, and the
        # change is noticed in a supplementary notice; closing it reports the roster again.
        aimi = report.notice.entries.get(name="艾米").application
        application_revoke(
            actor=cast.li, application=aimi, reason="improved", detail="家庭经济状况好转", effective_term=cast.term
        )
        signoff = roster_submit(actor=cast.li, school=cast.school, program=report.program, term=cast.term)
        signoff = roster_sign(actor=cast.zhang, signoff=signoff)
        assert signoff.version == 2
        with pytest.raises(ValidationError) as refused:
            make_notice(cast, signoff)
        assert refused.value.code == "already_published"
        supplementary = supplementary_notice_from_roster(actor=cast.li, original=report.notice)
        supplementary = notices.notice_publish(actor=cast.li, notice=supplementary)
        again = notices.notice_close(actor=cast.li, notice=move_period(supplementary, ended_days_ago=1))
        assert again.pk == report.pk
        assert (again.status, again.version, again.notice_id, again.comment) == ("reported", 2, supplementary.pk, "")
        assert again.summary["count"] == 3
        assert RosterReport.objects.count() == 1

    def test_only_the_countys_staff_decide(self, cast, client_for):
        report = closed_report(cast)
        for user in (cast.li, cast.zhang, cast.wang):
            assert client_for(user).post(reverse("publicity:report_approve", args=[report.pk])).status_code == 403
        assert client_for(cast.outsider).post(reverse("publicity:report_approve", args=[report.pk])).status_code == 404
        with pytest.raises(PermissionDenied):
            reports.report_return(actor=cast.li, report=report, comment="x")
        report.refresh_from_db()
        assert report.status == "reported"

    def test_the_school_reads_its_report(self, cast, client_for):
        report = closed_report(cast)
        page = client_for(cast.li).get(reverse("publicity:report_detail", args=[report.pk]))
        assert page.status_code == 200 and not page.context["may_decide"]
        assert client_for(cast.zhao).get(reverse("publicity:report_detail", args=[report.pk])).context["may_decide"]


class TestReportAgain:
    """重新上报: a roster the county returned that needs no change is reported again once the principal signs it."""

    def returned(self, cast) -> RosterReport:
        report = closed_report(cast)
        return reports.report_return(actor=cast.zhao, report=report, comment="请核对后重新上报。")

    def sign_again(self, cast, report):
        signoff = roster_submit(actor=cast.li, school=cast.school, program=report.program, term=cast.term)
        return roster_sign(actor=cast.zhang, signoff=signoff)

    def test_signed_again_unchanged_it_is_reported_again_from_the_notice_page(self, cast, client_for):
        report = self.returned(cast)
        notice = report.notice
        self.sign_again(cast, report)
        # Nothing to notice: no new notice, no supplementary notice; before, the report stayed returned.
        assert supplementary_notice_from_roster(actor=cast.li, original=notice) is None
        client = client_for(cast.li)
        page = client.get(notice.get_absolute_url()).content.decode()
        assert 'data-testid="notice-report-again"' in page and "重新上报" in page
        for user in (cast.zhang, cast.wang, cast.zhao):
            assert (
                'data-testid="notice-report-again"'
                not in client_for(user).get(notice.get_absolute_url()).content.decode()
            )
        client = client_for(cast.li)
        response = client.post(reverse("publicity:notice_report_again", args=[notice.pk]), follow=True)
        assert "第 2 版" in "".join(str(m) for m in response.context["messages"])
        report.refresh_from_db()
        assert (report.status, report.version, report.notice_id, report.comment) == ("reported", 2, notice.pk, "")
        assert (report.reported_by, report.summary["count"]) == (cast.li, 4)
        event = AuditEvent.objects.for_object(report).filter(action="transition").latest("pk")
        assert event.changes["status"] == ["returned", "reported"] and event.actor == cast.li
        assert "重新上报" in event.reason
        assert 'data-testid="notice-report-again"' not in client.get(notice.get_absolute_url()).content.decode()
        with pytest.raises(ValidationError) as refused:
            notices.notice_report_again(actor=cast.li, notice=notice)
        assert refused.value.code == "report_not_returned"

    def test_not_before_the_principal_has_signed_it_again(self, cast, client_for):
        report = self.returned(cast)
        with pytest.raises(ValidationError) as refused:
            notices.notice_report_again(actor=cast.li, notice=report.notice)
        assert refused.value.code == "roster_not_signed_again"
        roster_submit(actor=cast.li, school=cast.school, program=report.program, term=cast.term)
        response = client_for(cast.li).post(
            reverse("publicity:notice_report_again", args=[report.notice_id]), follow=True
        )
        assert "校长" in "".join(str(m) for m in response.context["messages"])
        report.refresh_from_db()
        assert (report.status, report.version) == ("returned", 1)

    def test_a_change_goes_through_a_supplementary_notice_instead(self, cast):
        report = self.returned(cast)
        aimi = report.notice.entries.get(name="艾米").application
        application_revoke(
            actor=cast.li, application=aimi, reason="improved", detail="家庭经济状况好转", effective_term=cast.term
        )
        self.sign_again(cast, report)
        with pytest.raises(ValidationError) as refused:
            notices.notice_report_again(actor=cast.li, notice=report.notice)
        assert refused.value.code == "roster_changed_unnoticed"
        report.refresh_from_db()
        assert report.status == "returned"

    def test_only_the_aid_office_reports_again_and_only_a_returned_report(self, cast):
        report = closed_report(cast)
        with pytest.raises(ValidationError) as refused:
            notices.notice_report_again(actor=cast.li, notice=report.notice)
        assert refused.value.code == "report_not_returned"
        with pytest.raises(PermissionDenied):
            notices.notice_report_again(actor=cast.zhang, notice=report.notice)


class TestCountyLists:
    def test_the_county_lists_reports_with_filters(self, cast, client_for):
        report = closed_report(cast)
        other_program = AidProgramFactory(county=cast.county, name="营养改善计划")
        other = closed_report(cast, program=other_program, students=STUDENTS[:1])
        reports.report_approve(actor=cast.zhao, report=other)
        client = client_for(cast.zhao)
        listed = client.get(reverse("publicity:report_list")).context["page"].object_list
        assert {r.pk for r in listed} == {report.pk, other.pk}
        waiting = client.get(reverse("publicity:report_list"), {"status": "reported"}).context["page"].object_list
        assert [r.pk for r in waiting] == [report.pk]
        by_program = client.get(reverse("publicity:report_list"), {"program": other_program.pk})
        assert [r.pk for r in by_program.context["page"].object_list] == [other.pk]

    def test_schools_and_outsiders_do_not_open_the_county_lists(self, cast, client_for):
        for user in (cast.li, cast.wang, cast.outsider):
            assert client_for(user).get(reverse("publicity:report_list")).status_code == 403
            assert client_for(user).get(reverse("publicity:county_notices")).status_code == 403

    def test_the_county_view_counts_objections_open_closed_and_overdue(self, cast, client_for):
        notice = make_notice(cast)
        draft = make_notice(cast, students=STUDENTS[:1], publish=False)
        today = timezone.localdate()
        for number, status, deadline in [
            ("YY1", "open", today + timedelta(days=2)),
            ("YY2", "open", today - timedelta(days=1)),
            ("YY3", "dismissed", today - timedelta(days=3)),
        ]:
            Objection.objects.create(
                notice=notice,
                tracking_number=number,
                channel="online",
                text="有异议",
                lodged_at=timezone.now(),
                deadline=deadline,
                status=status,
                decision="" if status == "open" else "不属实",
            )
        page = client_for(cast.zhao).get(reverse("publicity:county_notices"))
        rows = {n.pk: n for n in page.context["page"]}
        counts = rows[notice.pk]
        assert (counts.objections_open, counts.objections_closed, counts.objections_overdue) == (2, 1, 1)
        assert counts.entry_count == 4 and counts.phase == "running"
        assert (rows[draft.pk].objections_open, rows[draft.pk].phase) == (0, "draft")
        running = client_for(cast.zhao).get(reverse("publicity:county_notices"), {"status": "running"})
        assert [n.pk for n in running.context["page"]] == [notice.pk]

    def test_the_county_view_costs_the_same_queries_for_more_schools(self, cast, client_for):
        make_notice(cast)
        client = client_for(cast.zhao)
        url = reverse("publicity:county_notices")
        client.get(url)
        with CaptureQueriesContext(connection) as one_school:
            client.get(url)
        for n in range(3):
            school = SchoolFactory(county=cast.county, current_term=cast.term)
            make_notice_for(cast, school, n)
        with CaptureQueriesContext(connection) as four_schools:
            page = client.get(url)
        assert len(page.context["page"].object_list) == 4
        assert len(four_schools) == len(one_school)

    def test_the_county_sees_only_its_own_countys_notices(self, cast, client_for):
        make_notice(cast)
        other = SchoolFactory(county=cast.other_county, current_term=cast.term)
        make_notice_for(cast, other, 9, county=cast.other_county)
        page = client_for(cast.zhao).get(reverse("publicity:county_notices"))
        assert {n.school_id for n in page.context["page"]} == {cast.school.pk}


def make_notice_for(cast, school, n, county=None):
    """A published notice of another school: its roster written directly, its notice made by the admin."""
    from tests.factories import SchoolClassFactory
    from tests.publicity.notice_data import approved_application

    program = AidProgramFactory(county=county or cast.county)
    school_class = SchoolClassFactory(school=school, school_year=cast.school_year, grade=21, number=1)
    approved_application(cast, program, name=f"学生甲{n}", school_class=school_class)
    now = timezone.now()
    signoff = RosterSignoff.objects.create(
        school=school,
        program=program,
        term=cast.term,
        status="signed",
        version=1,
        submitted_by=cast.admin,
        submitted_at=now,
        decided_by=cast.admin,
        decided_at=now,
    )
    notice = notices.notice_create(
        actor=cast.admin,
        signoff=signoff,
        start_date=timezone.localdate(),
        working_days=5,
        places=["school_board"],
        contact_office="资助办",
        contact_phone="0731-12345678",
    )
    return notices.notice_publish(actor=cast.admin, notice=notice)


class TestReturnAddress:
    def test_the_return_address_shows_the_report_and_a_refusal_its_summary(self, cast, client_for):
        report = closed_report(cast)
        url = reverse("publicity:report_return", args=[report.pk])
        client = client_for(cast.zhao)
        response = client.get(url)
        assert response.status_code == 200 and response.context["report"] == report
        refused = client.post(url, {"comment": " "})
        assert refused.status_code == 400
        html = refused.content.decode()
        assert_summary_before(html, f'action="{url}"')
        assert [target for _line, target in summary_lines(html)] == ["id_comment"]
        assert client_for(cast.outsider).get(url).status_code == 404
        report.refresh_from_db()
        assert report.status == "reported"
