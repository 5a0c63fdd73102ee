"""A class teacher on a phone sends a home visit with parts missing: the page opens on what is wrong."""

from students.models import HomeVisit
from tests.factories import HouseholdFactory, StudentFactory

SCREEN = {"width": 375, "height": 812}


def test_a_refused_home_visit_opens_on_its_summary_with_the_cursor_in_the_first_field_in_error(cast, live_server, page):
    student = StudentFactory(school_class=cast.class_1, name="王小明", household=HouseholdFactory())
    page.set_viewport_size(SCREEN)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名").fill("wang")
    page.get_by_label("密码").fill(cast.password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + f"/students/{student.pk}/visits/new/")
    page.get_by_label("走访对象").fill("王大山（父亲）")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state("load")

    summary = page.get_by_test_id("error-summary")
    box = summary.bounding_box()
    assert 0 <= box["y"] < SCREEN["height"], box
    assert summary.get_by_role("link").count() >= 2
    assert page.evaluate(
        """() => {
            const first = document.querySelector("form [aria-invalid='true']");
            const active = document.activeElement;
            return first !== null && active === first;
        }"""
    )

    # A link of the summary puts the cursor in its field.
    link = summary.get_by_role("link").first
    target = link.get_attribute("href").lstrip("#")
    link.click()
    assert page.evaluate("document.activeElement.id") == target
    assert page.evaluate(f"document.getElementById('{target}').getAttribute('aria-invalid')") == "true"
    assert not HomeVisit.objects.exists()
