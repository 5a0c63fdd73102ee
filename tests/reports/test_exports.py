"""Exports as jobs: started with scope and masking checks, run eagerly, listed, downloaded by their owner
alone (audited), purged after a week."""

import io
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import Http404
from openpyxl import load_workbook

from aidsys.models import AuditEvent, Job, User
from reports.layouts import NationalLayout
from reports.models import ReportExport
from reports.services.exports import export_purge, export_start
from reports.tasks import exports_purge
from tests.reports.aided_data import awards

Action = AuditEvent.Action


def with_reveal_permission(user) -> User:
    user.user_permissions.add(Permission.objects.get(codename="reveal_sensitive"))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def given(cast):
    return awards(cast)


_after_commit = {}


@pytest.fixture(autouse=True)
def tasks_after_commit(django_capture_on_commit_callbacks):
    """The task is enqueued after commit: the posts below run it then, as the embedded set-up does."""
    _after_commit["capture"] = django_capture_on_commit_callbacks
    yield
    _after_commit.clear()


def post(client, url, data):
    with _after_commit["capture"](execute=True):
        return client.post(url, data)


def start_url():
    return "/reports/aided_students/export/"


def county_export(client, cast, given, **extra):
    data = {"county": cast.county.pk, "program": given.program.pk, "term": cast.term.pk, **extra}
    return post(client, start_url(), data)


def workbook_of(response):
    content = b"".join(response.streaming_content)
    return load_workbook(io.BytesIO(content)).active


class TestStartingAnExport:
    def test_county_staff_start_the_county_list_and_it_is_written_at_once(self, cast, client_for, given):
        client = client_for(cast.zhao)
        response = county_export(client, cast, given)
        assert response.status_code == 302 and response["Location"] == "/exports/"
        export = ReportExport.objects.get()
        assert export.job.status == Job.Status.DONE and export.rows == 3
        assert export.job.done == export.job.total == 3
        assert export.file_name == "受助学生名单_青山县_2026–2027学年秋季学期_20261123.xlsx"
        assert export.expires_at - export.created_at == timedelta(days=7)
        assert default_storage.exists(export.file_path)
        page = client.get("/exports/").content.decode()
        assert export.file_name in page and f"/exports/{export.pk}/download/" in page

    def test_starting_is_an_audit_event_with_the_report_and_its_parameters(self, cast, client_for, given):
        county_export(client_for(cast.zhao), cast, given)
        event = AuditEvent.objects.get(action=Action.EXPORT)
        assert event.changes["report"] == [None, "受助学生名单"]
        assert event.changes["export"] == [None, "masked"]
        assert event.changes["parameters"][1]["program_id"] == given.program.pk
        assert event.county_id == cast.county.pk

    def test_a_running_export_refreshes_its_row_every_two_seconds(self, cast, client_for, given):
        county_export(client_for(cast.zhao), cast, given)
        export = ReportExport.objects.get()
        Job.objects.filter(pk=export.job_id).update(status=Job.Status.RUNNING, total=10, done=4)
        row = client_for(cast.zhao).get(f"/exports/{export.pk}/status/").content.decode()
        assert 'hx-trigger="every 2s"' in row and 'value="4"' in row and "4" in row and "10" in row

    def test_the_aid_office_exports_its_own_school_only(self, cast, client_for, given):
        client = client_for(cast.li)
        response = post(
            client, start_url(), {"school": cast.school.pk, "program": given.program.pk, "term": cast.term.pk}
        )
        assert response.status_code == 302
        export = ReportExport.objects.get()
        assert export.school == cast.school and export.rows == 2
        with pytest.raises(Http404):
            export_start(
                user=cast.li,
                report_key="aided_students",
                request_params={"school_id": cast.sibling_school.pk, "program_id": given.program.pk},
            )

    def test_county_staff_cannot_export_another_county_or_its_schools(self, cast, given):
        params = {"program_id": given.program.pk, "term_id": cast.term.pk}
        with pytest.raises(Http404):
            export_start(
                user=cast.zhao,
                report_key="aided_students",
                request_params={**params, "county_id": cast.other_county.pk},
            )
        with pytest.raises(Http404):
            export_start(
                user=cast.zhao,
                report_key="aided_students",
                request_params={**params, "county_id": cast.county.pk, "school_ids": [cast.other_school.pk]},
            )

    def test_a_class_teacher_may_not_export(self, cast, client_for, given):
        assert client_for(cast.wang).get(start_url()).status_code == 403
        with pytest.raises(PermissionDenied):
            export_start(user=cast.wang, report_key="aided_students", request_params={"school_id": cast.school.pk})

    def test_an_unknown_report_is_not_found(self, cast, client_for):
        assert client_for(cast.zhao).get("/reports/no_such_report/export/").status_code == 404


class TestFullData:
    def test_full_data_needs_the_permission(self, cast, client_for, given):
        response = county_export(client_for(cast.zhao), cast, given, full_data="on", reason="核对")
        assert response.status_code == 403
        assert not ReportExport.objects.exists()
        with pytest.raises(PermissionDenied):
            export_start(
                user=cast.zhao,
                report_key="aided_students",
                request_params={"county_id": cast.county.pk, "full": True, "reason": "核对"},
            )

    def test_full_data_needs_a_reason(self, cast, client_for, given):
        zhao = with_reveal_permission(cast.zhao)
        response = county_export(client_for(zhao), cast, given, full_data="on", reason=" ")
        assert response.status_code == 200 and "invalid-feedback" in response.content.decode()
        with pytest.raises(ValidationError):
            export_start(
                user=zhao,
                report_key="aided_students",
                request_params={"county_id": cast.county.pk, "program_id": given.program.pk, "full": True},
            )
        assert not ReportExport.objects.exists()

    def test_with_permission_and_reason_the_file_carries_full_id_numbers(self, cast, client_for, given):
        zhao = with_reveal_permission(cast.zhao)
        client = client_for(zhao)
        county_export(client, cast, given, full_data="on", reason="县资助中心核对")
        export = ReportExport.objects.get()
        assert export.full and export.reason == "县资助中心核对"
        values = [
            cell.value for row in workbook_of(client.get(f"/exports/{export.pk}/download/")).iter_rows() for cell in row
        ]
        assert given.paid.student.id_number in values
        event = AuditEvent.objects.filter(action=Action.EXPORT).first()
        assert event.reason == "县资助中心核对"


class TestDownload:
    def test_the_owner_downloads_and_each_download_is_audited(self, cast, client_for, given):
        client = client_for(cast.zhao)
        county_export(client, cast, given)
        export = ReportExport.objects.get()
        response = client.get(f"/exports/{export.pk}/download/")
        assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
        assert "filename*=utf-8''" in response["Content-Disposition"]
        sheet = workbook_of(response)
        assert sheet["A1"].value == "受助学生名单"
        assert given.paid.student.id_number not in [cell.value for row in sheet.iter_rows() for cell in row]
        client.get(f"/exports/{export.pk}/download/")
        downloads = AuditEvent.objects.filter(action=Action.EXPORT, changes__has_key="download")
        assert downloads.count() == 2
        assert downloads.first().changes["rows"] == [None, 3]

    def test_anybody_else_finds_nothing_not_even_in_the_same_county(self, cast, client_for, given):
        county_export(client_for(cast.zhao), cast, given)
        export = ReportExport.objects.get()
        for user in (cast.li, cast.zhang, cast.admin, cast.outsider):
            assert client_for(user).get(f"/exports/{export.pk}/download/").status_code == 404
            assert client_for(user).get(f"/exports/{export.pk}/status/").status_code == 404
            assert export.file_name not in client_for(user).get("/exports/").content.decode()

    def test_a_purged_export_is_gone(self, cast, client_for, given, today_is):
        client = client_for(cast.zhao)
        county_export(client, cast, given)
        export = ReportExport.objects.get()
        today_is(date(2026, 12, 1))
        assert exports_purge.delay().get() == 1
        export.refresh_from_db()
        assert export.purged_at is not None and export.file_path == ""
        response = client_for(cast.zhao).get(f"/exports/{export.pk}/download/")
        assert response.status_code == 410 and "不再保留" in response.content.decode()


class TestPurge:
    def test_only_files_older_than_seven_days_go_and_the_rows_stay(self, cast, client_for, given, today_is):
        client = client_for(cast.zhao)
        county_export(client, cast, given)
        old = ReportExport.objects.get()
        today_is(date(2026, 11, 27))
        county_export(client_for(cast.zhao), cast, given)
        young = ReportExport.objects.exclude(pk=old.pk).get()
        today_is(date(2026, 12, 1))
        assert export_purge() == 1
        assert not default_storage.exists(old.file_path) and default_storage.exists(young.file_path)
        assert ReportExport.objects.count() == 2
        assert export_purge() == 0

    def test_the_purge_is_in_the_beat_schedule(self, settings):
        tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
        assert "reports.tasks.exports_purge" in tasks


def test_a_failing_export_marks_its_job_failed_with_a_message(cast, client_for, given, monkeypatch):
    from reports import aided

    def broken(self, request):
        raise RuntimeError("database went away")

    monkeypatch.setattr(aided.AidedStudentList, "build", broken)
    county_export(client_for(cast.zhao), cast, given)
    export = ReportExport.objects.get()
    assert export.job.status == Job.Status.FAILED and "导出因意外错误中止" in export.job.message
    assert not export.downloadable


class TestTheCountysUploadLayout:
    def test_the_list_is_written_in_the_layouts_columns_order_and_headings(self, cast, client_for, given):
        layout = NationalLayout.objects.create(
            county=cast.county,
            name="全国系统上传",
            columns=[
                {"field": "id_number", "heading": "身份证件号"},
                {"field": "name", "heading": "学生姓名"},
                {"field": "amount", "heading": "资助金额"},
            ],
            created_by=cast.zhao,
        )
        client = client_for(cast.zhao)
        county_export(client, cast, given, layout=layout.pk)
        export = ReportExport.objects.get()
        assert export.params["layout_id"] == layout.pk
        sheet = workbook_of(client.get(f"/exports/{export.pk}/download/"))
        rows = list(sheet.iter_rows(values_only=True))
        headings = next(row for row in rows if row and row[0] == "身份证件号")
        assert list(headings) == ["身份证件号", "学生姓名", "资助金额"]
        data = rows[rows.index(headings) + 1]
        assert "*" in data[0]  # still masked

    def test_another_countys_layout_is_refused(self, cast, given):
        foreign = NationalLayout.objects.create(
            county=cast.other_county, name="外县", columns=[{"field": "name", "heading": "姓名"}], created_by=cast.zhao
        )
        with pytest.raises(ValidationError):
            export_start(
                user=cast.zhao,
                report_key="aided_students",
                request_params={"county_id": cast.county.pk, "program_id": given.program.pk, "layout_id": foreign.pk},
            )
        assert not ReportExport.objects.exists()

    def test_a_link_presets_the_school_program_and_term(self, cast, client_for, given):
        query = f"?school={cast.school.pk}&program={given.program.pk}&term={cast.term.pk}"
        form = client_for(cast.zhao).get(start_url() + query).context["form"]
        assert form["schools"].value() == [cast.school.pk]
        assert form["program"].value() == given.program.pk and form["term"].value() == cast.term.pk


def test_the_reports_page_leads_to_the_year_s_figures_and_to_the_layouts_for_county_staff(cast, client_for):
    county = client_for(cast.zhao).get("/reports/").content.decode()
    assert 'data-testid="annual-link"' in county and 'data-testid="layouts-link"' in county
    school = client_for(cast.li).get("/reports/").content.decode()
    assert 'data-testid="annual-link"' in school and 'data-testid="layouts-link"' not in school


def test_my_exports_offers_another_export_only_to_those_who_may_start_one(cast, client_for):
    assert "/reports/" in client_for(cast.li).get("/exports/").content.decode()
    assert 'href="/reports/"' not in client_for(cast.wang).get("/exports/").content.decode()
