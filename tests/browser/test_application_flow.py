"""One application from filing to the principal's signature, through the real pages in Chromium.

王老师 files an application for a student of 一年级(1)班 on a phone, submits it and recommends it
at first review; 李老师 of the aid office approves it within the class's quota and submits the
roster; 张校长 signs it. The UI strings are being translated, so the steps find buttons and values
by their data-testid and form fields by their names, not by their words.
"""

import re
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import Page, expect

from aidsys.models import AuditEvent
from applications.models import Application, Status
from applications.services.programs import application_window_set
from applications.services.quotas import quota_allocate
from reviews.models import RosterSignoff, SignoffStatus
from students.models import Housing, IncomeSource, Tier, VisitMethod
from students.services import home_visit_record
from tests.factories import AidProgramFactory, HouseholdFactory, ProgramStandardFactory, StudentFactory

Action = AuditEvent.Action
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def sign_in(page: Page, live_server, username: str, password: str) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("dashboard-title")).to_be_visible()


def fits(page: Page, width: int) -> None:
    """Nothing on the page is wider than the screen (tables scroll inside their own box)."""
    page.wait_for_load_state("load")
    too_wide = page.evaluate(
        """width => [...document.querySelectorAll("body *")]
            .filter(element => element.getBoundingClientRect().right > width)
            .map(element => `${element.tagName}.${element.className} ${element.getAttribute("name") || ""}`)""",
        width,
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width, (page.url, too_wide)


def expect_quota(page: Page, allocated: str, used: str, remaining: str) -> None:
    row = page.get_by_test_id("quota-row").first
    expect(row.get_by_test_id("quota-allocated")).to_have_text(allocated)
    expect(row.get_by_test_id("quota-used")).to_have_text(used)
    expect(row.get_by_test_id("quota-remaining")).to_have_text(remaining)


def events(target) -> list[tuple[str, str, dict]]:
    return [
        (event.action, event.actor.username, event.changes.get("status"))
        for event in AuditEvent.objects.for_object(target).select_related("actor").order_by("pk")
    ]


def test_a_class_teacher_files_the_aid_office_approves_within_quota_and_the_principal_signs(
    cast, live_server, new_context
):
    program = AidProgramFactory(county=cast.county, code="YWJY-XX", name="义务教育生活补助（小学）")
    ProgramStandardFactory(program=program, school_year=cast.school_year, amount_per_year=Decimal("1250.00"))
    # The county opens the window around today, whatever day the test runs; two awards for the school.
    today = timezone.localdate()
    application_window_set(
        actor=cast.zhao,
        program=program,
        term=cast.term,
        opens=today - timedelta(days=7),
        closes=today + timedelta(days=7),
    )
    quota_allocate(actor=cast.zhao, program=program, term=cast.term, school=cast.school, awards=2, amount=None)
    student = StudentFactory(school_class=cast.class_1, name="王小明", household=HouseholdFactory())
    visit = home_visit_record(
        actor=cast.wang,
        student=student,
        school_year=cast.school_year,
        visited_on=date(2026, 9, 20),
        method=VisitMethod.IN_PERSON,
        people_met="王大山（父亲）",
        housing=Housing.POOR,
        income_sources=[IncomeSource.WAGES],
        notes="父亲腰伤，不能干重活。",
        suggested_tier=Tier.DIFFICULT,
    )

    # 王老师, on a phone: files the application from the class's list, then submits it.
    teacher = new_context(viewport=PHONE).new_page()
    sign_in(teacher, live_server, "wang", cast.password)
    teacher.goto(live_server.url + "/applications/")
    teacher.wait_for_url(live_server.url + f"/classes/{cast.class_1.pk}/applications/")
    fits(teacher, PHONE["width"])
    teacher.get_by_test_id("roster-student").filter(has_text="王小明").get_by_test_id("file-application").click()
    teacher.wait_for_url(live_server.url + f"/students/{student.pk}/applications/new/")
    fits(teacher, PHONE["width"])
    teacher.locator("select[name=program]").select_option(label=program.name)
    expect(teacher.locator("select[name=term]")).to_have_value(str(cast.term.pk))
    teacher.locator("input[name=requested_tier][value=difficult]").check()
    teacher.locator("textarea[name=statement]").fill("父亲腰伤后不能外出务工，母亲在家照顾老人，家庭收入很少。")
    teacher.locator(f"input[name=home_visits][value='{visit.pk}']").check()
    teacher.locator("input[name=pledge_signed]").check()
    teacher.get_by_test_id("save-application").click()

    teacher.wait_for_url(re.compile(r"/applications/\d+/$"))
    application = Application.objects.get(student=student)
    assert teacher.url == live_server.url + application.get_absolute_url()
    status = teacher.get_by_test_id("application-status").locator("[data-status]")
    expect(status).to_have_attribute("data-status", Status.DRAFT)
    expect(teacher.get_by_test_id("pledge-signed").locator(".text-success")).to_be_visible()
    fits(teacher, PHONE["width"])
    teacher.get_by_test_id("submit-application").click()
    expect(status).to_have_attribute("data-status", Status.SUBMITTED)
    expect(teacher.get_by_test_id("submit-application")).to_have_count(0)

    # First review, straight from the application page: recommend with the visit's suggested tier.
    teacher.get_by_test_id("first-review").click()
    teacher.wait_for_url(live_server.url + f"/reviews/applications/{application.pk}/first-review/")
    fits(teacher, PHONE["width"])
    expect(teacher.get_by_test_id("no-visit")).to_have_count(0)
    expect(teacher.locator("input[name=tier][value=difficult]")).to_be_checked()
    teacher.locator("textarea[name=note]").fill("家访属实，建议认定为困难。")
    teacher.get_by_test_id("recommend").click()
    teacher.wait_for_url(live_server.url + f"/reviews/classes/{cast.class_1.pk}/first-review/")
    expect(teacher.get_by_test_id("count-submitted")).to_have_text("0")
    teacher.goto(live_server.url + application.get_absolute_url())
    expect(status).to_have_attribute("data-status", Status.RECOMMENDED)

    # 李老师: from the to-do to the class's second review; sees the quota, approves within it.
    aid_office = new_context(viewport=DESKTOP).new_page()
    sign_in(aid_office, live_server, "li", cast.password)
    roster_path = f"/reviews/schools/{cast.school.pk}/{program.pk}/{cast.term.pk}/"
    aid_office.locator(f"a[href='{roster_path}']").click()
    aid_office.wait_for_url(live_server.url + roster_path)
    expect_quota(aid_office, "2", "0", "2")
    aid_office.get_by_test_id("roster-classes").locator(f"a[href='{roster_path}classes/{cast.class_1.pk}/']").click()
    aid_office.wait_for_url(re.compile(re.escape(f"{roster_path}classes/{cast.class_1.pk}/")))
    expect_quota(aid_office, "2", "0", "2")
    row = aid_office.locator(f"#application-{application.pk}")
    expect(row.locator(f"select[name='a{application.pk}-tier']")).to_have_value(Tier.DIFFICULT)
    expect(row.locator(f"input[name='a{application.pk}-amount']")).to_have_attribute("placeholder", "625.00")
    row.get_by_test_id("approve").click()
    expect_quota(aid_office, "2", "1", "1")
    decided = aid_office.get_by_test_id("decided").locator(f"#application-{application.pk}")
    expect(decided.get_by_test_id("decided-status")).to_have_attribute("data-status", Status.APPROVED)
    expect(decided.get_by_test_id("decided-amount")).to_have_text("625.00")

    # The roster goes to the principal and is locked meanwhile.
    aid_office.goto(live_server.url + roster_path)
    expect_quota(aid_office, "2", "1", "1")
    expect(aid_office.get_by_test_id("signoff-box")).to_have_attribute("data-status", "")
    aid_office.get_by_test_id("submit-roster").click()
    expect(aid_office.get_by_test_id("signoff-box")).to_have_attribute("data-status", SignoffStatus.PENDING)
    expect(aid_office.get_by_test_id("submit-roster")).to_have_count(0)

    # 张校长, on a phone too: from the to-do to the summary by class and tier; signs.
    principal = new_context(viewport=PHONE).new_page()
    sign_in(principal, live_server, "zhang", cast.password)
    principal.locator(f"a[href='{roster_path}signoff/']").click()
    principal.wait_for_url(live_server.url + roster_path + "signoff/")
    fits(principal, PHONE["width"])
    expect(principal.get_by_test_id("signoff-status")).to_have_attribute("data-status", SignoffStatus.PENDING)
    expect(principal.get_by_test_id("total-count")).to_have_text("1")
    expect(principal.get_by_test_id("total-amount")).to_have_text("625.00")
    expect(principal.get_by_test_id("summary")).to_contain_text(cast.class_1.name)
    principal.get_by_test_id("sign-roster").click()
    expect(principal.get_by_test_id("signoff-status")).to_have_attribute("data-status", SignoffStatus.SIGNED)
    expect(principal.get_by_test_id("signoff-version")).to_have_attribute("data-version", "1")
    expect(principal.get_by_test_id("sign-roster")).to_have_count(0)
    # The aid office's roster shows it signed too.
    aid_office.reload()
    expect(aid_office.get_by_test_id("signoff-box")).to_have_attribute("data-status", SignoffStatus.SIGNED)

    application.refresh_from_db()
    assert (application.status, application.approved_tier, application.amount, application.decided_by) == (
        Status.APPROVED,
        Tier.DIFFICULT,
        Decimal("625.00"),
        cast.li,
    )
    assert (application.recommended_tier, application.first_reviewed_by) == (Tier.DIFFICULT, cast.wang)
    assert list(application.home_visits.all()) == [visit]
    signoff = RosterSignoff.objects.get(school=cast.school, program=program, term=cast.term)
    assert (signoff.status, signoff.version, signoff.submitted_by, signoff.decided_by) == (
        SignoffStatus.SIGNED,
        1,
        cast.li,
        cast.zhang,
    )
    assert events(application) == [
        (Action.CREATE, "wang", [None, Status.DRAFT]),
        (Action.TRANSITION, "wang", [Status.DRAFT, Status.SUBMITTED]),
        (Action.TRANSITION, "wang", [Status.SUBMITTED, Status.RECOMMENDED]),
        (Action.TRANSITION, "li", [Status.RECOMMENDED, Status.APPROVED]),
    ]
    assert events(signoff) == [
        (Action.CREATE, "li", [None, SignoffStatus.PENDING]),
        (Action.TRANSITION, "zhang", [SignoffStatus.PENDING, SignoffStatus.SIGNED]),
    ]
