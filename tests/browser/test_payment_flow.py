"""A cash batch from the approved roster to the lines paid, through the real pages in Chromium.

李老师 of the aid office makes a cash batch of the roster the county approved and submits it; 张校长
approves it; 李老师 prints the receipt roster (领款清册, a PDF), records two lines of 一年级(1)班 paid
with both signatures ticked and the date, and the third as collected by someone else (代领) with the
guardian's power of attorney (委托书) attached. The steps find buttons by their data-testid and form
fields by their names, not by their words.
"""

import io
import re
from datetime import date

from django.urls import reverse
from PIL import Image
from playwright.sync_api import Page, expect

from aidsys.models import AuditEvent
from disbursements.models import BatchStatus, LineStatus, PaymentBatch, PaymentLine
from tests.disbursements.batch_data import approved_roster, funds

DESKTOP = {"width": 1280, "height": 900}
PAID_ON = date(2026, 11, 23)  # the suite's today: not before the approval, not in the future


def sign_in(page: Page, live_server, username: str, password: str) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("dashboard-title")).to_be_visible()


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def statuses(target) -> list:
    return [event.changes.get("status") for event in AuditEvent.objects.for_object(target).order_by("pk")]


def test_the_aid_office_pays_a_cash_batch_the_principal_approved(cast, live_server, new_context):
    program = approved_roster(cast, payment_methods=["cash"])
    funds(cast, program)

    # 李老师: a new cash batch of the approved roster, then submitted to the principal.
    aid_office = new_context(viewport=DESKTOP).new_page()
    sign_in(aid_office, live_server, "li", cast.password)
    aid_office.goto(live_server.url + reverse("disbursements:batch_list"))
    aid_office.get_by_test_id("batch-new").click()
    aid_office.wait_for_url(live_server.url + reverse("disbursements:batch_create", args=[cast.school.pk]))
    aid_office.locator("select[name=program]").select_option(value=str(program.pk))
    aid_office.locator("select[name=term]").select_option(value=str(cast.term.pk))
    aid_office.locator("select[name=method]").select_option(value="cash")
    aid_office.get_by_test_id("batch-create").click()
    aid_office.wait_for_url(re.compile(r"/batches/\d+/$"))
    batch = PaymentBatch.objects.get()
    assert batch.method == "cash" and batch.status == BatchStatus.DRAFT
    expect(aid_office.get_by_test_id("batch-lines")).to_contain_text("王小明")
    assert batch.lines.filter(status=LineStatus.PENDING).count() == 4
    aid_office.get_by_test_id("batch-submit").click()
    expect(aid_office.get_by_test_id("batch-submit")).to_have_count(0)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.SUBMITTED

    # 张校长: approves it from the batch's page; the preparer could not.
    principal = new_context(viewport=DESKTOP).new_page()
    sign_in(principal, live_server, "zhang", cast.password)
    principal.goto(live_server.url + batch.get_absolute_url())
    principal.get_by_test_id("batch-approve").click()
    expect(principal.get_by_test_id("batch-cash-page")).to_be_visible()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPROVED and batch.approved_by == cast.zhang

    # 李老师: the cash page; the receipt roster of the class prints as a PDF.
    aid_office.goto(live_server.url + batch.get_absolute_url())
    aid_office.get_by_test_id("batch-cash-page").click()
    aid_office.wait_for_url(re.compile(r"/batches/\d+/cash/"))
    pdf = aid_office.request.post(
        live_server.url + reverse("disbursements:cash_roster_pdf", args=[batch.pk]),
        form={
            "csrfmiddlewaretoken": aid_office.locator("input[name=csrfmiddlewaretoken]").first.input_value(),
            "class": "",
        },
        headers={"Referer": aid_office.url},
    )
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    assert AuditEvent.objects.for_object(batch).filter(action=AuditEvent.Action.PRINT).exists()

    # Two lines of 一年级(1)班 with both signatures and the date, recorded together.
    class_lines = batch.lines.filter(application__student__school_class=cast.class_1)
    ming, mi, hong = (class_lines.get(student_name=name) for name in ("王小明", "艾米", "曾小红"))
    roster_url = reverse("disbursements:cash_roster", args=[batch.pk])
    aid_office.goto(f"{live_server.url}{roster_url}?class={ming.class_label}")
    for line in (ming, mi):
        aid_office.locator(f"input[name=student_{line.pk}]").check()
        aid_office.locator(f"input[name=guardian_{line.pk}]").check()
        aid_office.locator(f"input[name=date_{line.pk}]").fill(PAID_ON.isoformat())
    aid_office.get_by_test_id("record-class").click()
    aid_office.wait_for_load_state("load")
    expect(aid_office.locator(f"input[name=student_{ming.pk}]")).to_have_count(0)
    expect(aid_office.locator(f"input[name=student_{hong.pk}]")).to_have_count(1)

    # 曾小红's grandmother collects (代领) with the guardian's power of attorney.
    aid_office.locator(f"a[href='{reverse('disbursements:cash_agent', args=[hong.pk])}']").click()
    aid_office.wait_for_url(live_server.url + reverse("disbursements:cash_agent", args=[hong.pk]))
    form = aid_office.get_by_test_id("agent-form")
    form.locator("input[name=agent_name]").fill("曾奶奶")
    form.locator("input[name=agent_relation]").fill("祖母")
    form.locator("input[name=file]").set_input_files(
        files=[{"name": "weituoshu.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    form.locator("input[name=student_signed]").check()
    form.locator("input[name=agent_signed]").check()
    form.locator("input[name=paid_on]").fill(PAID_ON.isoformat())
    form.locator("button[type=submit]").click()
    aid_office.wait_for_url(re.compile(r"/batches/\d+/cash/"))
    expect(aid_office.locator("body")).to_contain_text("曾奶奶")
    scan_url = reverse("disbursements:cash_power_of_attorney", args=[hong.pk])
    expect(aid_office.locator(f"a[href='{scan_url}']")).to_be_visible()

    # In the database: the three lines paid, on the date, the 代领 line with its collector and scan.
    for line in (ming, mi):
        line.refresh_from_db()
        assert line.status == LineStatus.PAID and line.paid_on == PAID_ON
        assert line.student_signed and line.guardian_signed and not line.agent_name
        assert [LineStatus.PENDING, LineStatus.PAID] in statuses(line)
    hong.refresh_from_db()
    assert hong.status == LineStatus.PAID and hong.paid_on == PAID_ON
    assert (hong.agent_name, hong.agent_relation) == ("曾奶奶", "祖母")
    assert hong.power_of_attorney and hong.power_of_attorney.size > 0
    assert [LineStatus.PENDING, LineStatus.PAID] in statuses(hong)
    assert PaymentLine.objects.filter(batch=batch, status=LineStatus.PENDING).count() == 1
    assert [BatchStatus.SUBMITTED, BatchStatus.APPROVED] in statuses(batch)
