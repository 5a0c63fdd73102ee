"""A county-wide export as a job, watched, downloaded, and the county's dashboard, through the real pages.

赵科长 of the county starts the 受助学生名单 of every school; 我的导出 shows it waiting with its progress
bar and asks the server for its row every two seconds. Here Celery is set up as in production (a
broker, no task run inside the request), and the test takes the task's message from the broker and
runs it, as the worker would: the row turns to finished by itself, without a reload, and offers the
file. The downloaded workbook has the title, the headings and masked ID numbers. Then the county's
dashboard draws its charts with each chart's table beside it.
"""

import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from aidsys import cn
from aidsys.celery import app as celery_app
from aidsys.models import AuditEvent, Job
from reports.models import ReportExport
from reports.tasks import report_export
from tests.reports.aided_data import awards

DESKTOP = {"width": 1280, "height": 900}
HEADINGS = ["序号", "学校", "班级", "姓名", "性别", "民族", "身份证号", "特殊群体", "档次", "金额（元）"]


def sign_in(page: Page, live_server, username: str, password: str) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("dashboard-title")).to_be_visible()


@pytest.fixture
def broker():
    """Tasks go to the broker (memory, or Redis in the full run) instead of running in the request."""
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = saved


def work_one_task() -> tuple[str, list]:
    """What a worker does with the next message of the default queue: run its task. Its name and arguments."""
    with celery_app.connection_for_read() as connection:
        queue = connection.SimpleQueue(celery_app.conf.task_default_queue)
        try:
            message = queue.get(timeout=10)
            name = message.headers["task"]
            args, kwargs, _embed = message.payload
            celery_app.tasks[name](*args, **kwargs)
            message.ack()
        finally:
            queue.close()
    return name, args


def test_county_staff_export_the_county_list_watch_it_download_it_and_open_the_dashboard(
    cast, live_server, page, broker, tmp_path
):
    given = awards(cast)
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, "zhao", cast.password)

    # The county-wide list: the county is the only one of 赵科长's, every school (none chosen), masked.
    page.goto(live_server.url + reverse("reports:export_start", args=["aided_students"]))
    page.locator("select[name=program]").select_option(value=str(given.program.pk))
    page.locator("select[name=term]").select_option(value=str(cast.term.pk))
    expect(page.locator("select[name=schools] option:checked")).to_have_count(0)
    page.get_by_test_id("start-export").click()
    page.wait_for_url(live_server.url + reverse("reports:export_list"))

    # Waiting for a worker: the row shows its progress bar and polls for its state.
    export = ReportExport.objects.get()
    assert export.owner == cast.zhao and export.school is None and export.county == cast.county
    row = page.locator(f"#export-{export.pk}")
    expect(row).to_have_attribute("data-status", Job.Status.QUEUED)
    expect(row.get_by_role("progressbar")).to_be_visible()
    expect(row).to_have_attribute("hx-get", reverse("reports:export_status", args=[export.pk]))
    expect(row).to_have_attribute("hx-trigger", "every 2s")
    expect(row.get_by_test_id("download")).to_have_count(0)

    # The worker takes the task from the broker; the page, polling, turns the row to finished.
    assert work_one_task() == (report_export.name, [export.pk])
    expect(row).to_have_attribute("data-status", Job.Status.DONE, timeout=10_000)
    expect(row.get_by_role("progressbar")).to_have_count(0)
    expect(row).not_to_have_attribute("hx-get", re.compile(".*"))
    expect(row).to_contain_text("已完成")
    export.refresh_from_db()
    assert export.rows == 3 and export.job.done == export.job.total == 3

    # The download: the title, the note of the unit and the masking, the headings, masked ID numbers.
    with page.expect_download() as download_info:
        row.get_by_test_id("download").click()
    download = download_info.value
    assert download.suggested_filename == export.file_name
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    sheet = load_workbook(path).active
    assert sheet["A1"].value == "受助学生名单"
    assert "青山县" in sheet["A2"].value and "已脱敏" in sheet["A2"].value
    headings = [cell.value for cell in sheet[3]]
    assert headings[: len(HEADINGS)] == HEADINGS
    id_column = headings.index("身份证号")
    rows = [[cell.value for cell in line] for line in sheet.iter_rows(min_row=4, max_row=6)]
    assert [line[3] for line in rows] == ["王小明", "李小红", "孙二校"]
    students = (given.paid.student, given.unpaid.student, given.sibling.student)
    assert [line[id_column] for line in rows] == [cn.mask_id_number(student.id_number) for student in students]
    every_value = {cell.value for line in sheet.iter_rows() for cell in line}
    assert not {student.id_number for student in students} & every_value
    download_event = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, changes__has_key="download").get()
    assert download_event.actor == cast.zhao and download_event.changes["rows"] == [None, 3]

    # The county's dashboard: each chart drawn, its table beside it with the same schools.
    page.goto(live_server.url + reverse("reports:dashboard_county", args=[cast.county.pk]))
    expect(page.get_by_test_id("dashboard-heading")).to_contain_text("青山县")
    coverage = page.locator("canvas[data-chart=coverage-data]")
    expect(coverage).to_be_visible()
    drawn = page.evaluate("canvas => window.Chart.getChart(canvas) !== undefined", coverage.element_handle())
    assert drawn
    table = page.get_by_test_id("coverage-table")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr").filter(has_text=cast.school.name)).to_have_count(1)
    expect(table.locator("tbody tr").filter(has_text=cast.sibling_school.name)).to_have_count(1)
    for chart in ("funds-data", "months-data"):
        expect(page.locator(f"canvas[data-chart={chart}]")).to_be_visible()
