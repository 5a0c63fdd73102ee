"""Each role signs in through the real page in Chromium and finds its Chinese dashboard."""

import pytest

ROLE_EXPECTATIONS = [
    ("wang", "王老师", "一年级(1)班", None),
    ("li", "李老师", "青山县实验小学", "操作记录"),
    ("zhang", "张校长", "青山县实验小学", "操作记录"),
    ("zhao", "赵科长", "青山县第二小学", "节假日"),
    ("admin", "系统管理员", "白水县白水小学", "系统管理"),
]


@pytest.mark.parametrize(("username", "full_name", "sees", "menu_item"), ROLE_EXPECTATIONS)
def test_each_role_signs_in_and_finds_its_dashboard(cast, live_server, page, username, full_name, sees, menu_item):
    page.goto(live_server.url + "/")
    assert "/accounts/login/" in page.url
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(cast.password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_test_id("dashboard-title").inner_text() == f"您好，{full_name}"
    assert page.get_by_test_id("todo-empty").inner_text() == "暂无待办。"
    assert sees in page.content()
    if menu_item:
        assert page.get_by_role("link", name=menu_item).count() >= 1


def test_the_dashboard_fits_a_phone_screen(cast, live_server, page):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名").fill("wang")
    page.get_by_label("密码").fill(cast.password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(live_server.url + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("button", name="菜单").click()
    page.get_by_role("link", name="学校与班级").click()
    page.wait_for_url(live_server.url + "/schools/")
    assert "青山县实验小学" in page.content()
