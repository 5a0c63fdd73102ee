"""A class teacher records a home visit on a phone, with a photo from the camera."""

import io

from PIL import Image

from students.models import HomeVisit
from tests.factories import HouseholdFactory, StudentFactory


def test_a_class_teacher_enters_a_home_visit_on_a_375px_phone(cast, live_server, page, tmp_path):
    student = StudentFactory(school_class=cast.class_1, name="王小明", household=HouseholdFactory())
    photo = tmp_path / "IMG_2026.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (4000, 3000), "brown").save(buffer, format="JPEG")
    photo.write_bytes(buffer.getvalue())

    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名").fill("wang")
    page.get_by_label("密码").fill(cast.password)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="青山县实验小学 · 一年级(1)班").click()
    page.get_by_role("link", name="王小明").click()
    page.get_by_role("link", name="记录家访").click()
    page.wait_for_url(live_server.url + f"/students/{student.pk}/visits/new/")
    page.wait_for_load_state("load")  # measured with the stylesheets applied

    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_label("家访日期").fill("2026-10-12")
    page.get_by_label("入户走访").check()
    page.get_by_label("走访对象").fill("王大山（父亲）")
    page.get_by_label("较差").check()
    page.get_by_label("外出务工").check()
    page.get_by_label("医疗").check()
    page.get_by_label("走访情况记录").fill("父亲腰伤，不能干重活。")
    page.get_by_label("困难", exact=True).check()
    page.get_by_label("照片").set_input_files(str(photo))
    page.get_by_role("button", name="保存").click()

    page.wait_for_url(live_server.url + student.get_absolute_url())
    assert page.get_by_text("家访已记录。").is_visible()
    assert page.get_by_text("走访对象：王大山（父亲）").is_visible()
    assert page.get_by_role("img", name="家访照片").count() == 1
    visit = HomeVisit.objects.get(student=student)
    assert (visit.visitor, visit.suggested_tier, visit.photos.get().width) == (cast.wang, "difficult", 1600)
