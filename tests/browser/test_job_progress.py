"""The aid office checks a 2,000-row roster as `make run` runs it (no broker): the page answers at once with
the check's progress, which moves on to the preview by itself when the check is over."""

from playwright.sync_api import expect

from aidsys.models import Job
from students import imports
from tests.students.test_import_progress import large_roster


def test_a_large_roster_check_shows_its_progress_before_its_result(cast, live_server, page, settings, tmp_path):
    settings.AIDSYS_JOBS_INLINE = False
    settings.CELERY_TASK_ALWAYS_EAGER = True
    roster = tmp_path / "花名册.xlsx"
    roster.write_bytes(large_roster(2000))

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名").fill("li")
    page.get_by_label("密码").fill(cast.password)
    page.get_by_role("button", name="登录").click()
    page.goto(live_server.url + f"/schools/{cast.school.pk}/students/import/")
    page.get_by_label("花名册文件").set_input_files(str(roster))
    button = page.get_by_role("button", name="检查文件")
    button.click()

    progress = page.get_by_test_id("job-progress")
    expect(progress).to_be_visible()
    job = Job.objects.get(kind=imports.ROSTER_CHECK_JOB)
    assert page.url == live_server.url + f"/import-jobs/{job.pk}/"
    preview = live_server.url + f"/schools/{cast.school.pk}/students/import/{job.params['token']}/"
    page.wait_for_url(preview, timeout=60_000)
    expect(page.get_by_test_id("count-new")).to_have_text("2000")
    expect(page.get_by_test_id("confirm-import")).to_be_visible()


def test_a_form_marked_busy_shows_it_is_working_and_is_not_sent_twice(cast, live_server, page, tmp_path):
    roster = tmp_path / "花名册.csv"
    roster.write_bytes("姓名,身份证号\n".encode())
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名").fill("li")
    page.get_by_label("密码").fill(cast.password)
    page.get_by_role("button", name="登录").click()
    page.goto(live_server.url + f"/schools/{cast.school.pk}/students/import/")
    page.get_by_label("花名册文件").set_input_files(str(roster))
    # What the button looks like once the form is sent, and whether a second submit goes out, kept over the navigation.
    page.evaluate(
        """() => document.addEventListener("submit", () => setTimeout(() => {
            const button = document.querySelector("form[data-busy] [type=submit]");
            const again = new SubmitEvent("submit", {bubbles: true, cancelable: true});
            button.form.dispatchEvent(again);
            sessionStorage.setItem("sent", JSON.stringify(
                [button.textContent.trim(), button.disabled, button.getAttribute("aria-busy"), again.defaultPrevented]
            ));
        }, 0))"""
    )
    page.get_by_role("button", name="检查文件").click()
    page.wait_for_load_state("load")
    assert page.evaluate("JSON.parse(sessionStorage.getItem('sent'))") == ["正在检查，请稍候…", True, "true", True]
