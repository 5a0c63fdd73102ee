"""A class teacher's work on a 375 px phone: every list reads as cards, nothing wider than the screen.

王老师 signs in on a phone and follows every entry of the menu and the links of those pages (the
class, its roster, a student, the applications, the first review and its page, the notice, the
payments), as he would; no page may be wider than the screen or scroll sideways inside, and no
heading, label or name may be squeezed into a column of one character per line. On a desktop the
same lists are still tables.
"""

import re
from datetime import date
from urllib.parse import urlsplit

from django.urls import reverse
from playwright.sync_api import Page, expect

from students.models import HomeVisit
from tests.disbursements.batch_data import approved_batch
from tests.factories import AidProgramFactory, ApplicationFactory, StudentFactory

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
LONG_PROGRAM = "义务教育家庭经济困难学生生活补助（初中寄宿生）青山县配套资金"

# (name, class attribute of the cast, tier, amount, birth date, guardian's phone, address, card number):
# the roster noticed, approved and paid in a batch.
PAID = [
    ("欧阳娜仁格日勒", "class_1", "especially_difficult", "625.00", date(2019, 4, 12),
     "13800138001", "青山镇枫树村三组12号", "6217003320001234567"),
    ("阿卜杜热合曼·买买提明", "class_1", "difficult", "625.00", date(2019, 9, 3),
     "13912345678", "青山镇桃源村五组8号", "6228480402564890018"),
    ("司马云", "class_1", "generally_difficult", "500.00", date(2020, 1, 21),
     "13700001111", "青山镇竹林村一组3号", "6212261202011234568"),
]  # fmt: skip

# Links a crawl must not follow: they leave the page, download a file, or reveal private data.
NOT_PAGES = re.compile(r"logout|export|pdf|print|download|photos|reveal|/static/|/media/|/n/|/admin/")

# Measured in the page: what is wider than the screen, what scrolls sideways inside it, which
# headings, labels and names are squeezed into a column (taller than two lines and narrower than
# three characters), and which card labels (data-label, drawn before the cell) take more than a line.
MEASURE = """() => {
  const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 1 && r.height > 1; };
  const lineHeight = (el) => {
    const style = getComputedStyle(el);
    return parseFloat(style.lineHeight) || 1.5 * parseFloat(style.fontSize);
  };
  const describe = (el) => el.tagName.toLowerCase() + ' "' + el.innerText.trim().slice(0, 24) + '"';
  const squeezed = [...document.querySelectorAll('th, td, label, dt, h1, h2, h3')].filter((el) => {
    if (!visible(el) || el.innerText.trim().length < 2) return false;
    const r = el.getBoundingClientRect(), font = parseFloat(getComputedStyle(el).fontSize);
    return r.height > 2.5 * lineHeight(el) && r.width < 3 * font;
  }).map(describe);
  const scrollers = [...document.querySelectorAll('body *')].filter((el) =>
    ['auto', 'scroll'].includes(getComputedStyle(el).overflowX) && el.scrollWidth > el.clientWidth + 1
  ).map((el) => el.className + ' ' + el.scrollWidth + '>' + el.clientWidth);
  const labels = [...document.querySelectorAll('[data-label]')].filter(visible).filter((el) => {
    const label = getComputedStyle(el, '::before');
    return label.content !== 'none' && parseFloat(label.height) > 1.5 * lineHeight(el);
  }).map((el) => el.dataset.label);
  return {width: document.documentElement.scrollWidth, squeezed, scrollers, labels};
}"""


def sign_in(page: Page, live_server, username: str, password: str) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("dashboard-title")).to_be_visible()


def a_class_teachers_year(cast):
    """A long program paid to three students with long names, and applications of the class in every
    state; the applications still open are returned, the first waiting for the first review."""
    program = AidProgramFactory(county=cast.county, name=LONG_PROGRAM, payment_methods=["cash", "bank_card"])
    approved_batch(cast, program=program, students=PAID)
    waiting = []
    for name, status in [
        ("上官婉儿玛依拉", "submitted"),
        ("诸葛明轩", "submitted"),
        ("慕容雪莲", "returned"),
        ("东方宇航", "sent_back"),
        ("皇甫嘉怡", "draft"),
    ]:
        student = StudentFactory(name=name, school_class=cast.class_1)
        waiting.append(
            ApplicationFactory(
                student=student,
                program=program,
                term=cast.term,
                status=status,
                filed_by=cast.wang,
                first_reviewed_by=cast.wang if status == "returned" else None,
                return_comment="请补充低保证复印件和家庭收入情况说明。" if status in ("returned", "sent_back") else "",
            )
        )
    HomeVisit.objects.create(
        student=waiting[0].student,
        visitor=cast.wang,
        school_year=cast.school_year,
        visited_on=date(2026, 9, 20),
        method="in_person",
        people_met="母亲",
        housing="ordinary",
        suggested_tier="difficult",
    )
    return waiting


def crawl(page: Page, live_server, start: str, limit: int = 60) -> dict[str, dict]:
    """Every page reachable from `start` by the links a class teacher sees, one of each kind (paths that
    differ only in their numbers are one kind), each measured at the page's viewport."""
    measured, kinds, queue = {}, set(), [start]
    while queue and len(measured) < limit:
        path = queue.pop(0)
        kind = re.sub(r"\d+", "N", path)
        if kind in kinds:
            continue
        kinds.add(kind)
        response = page.goto(live_server.url + path)
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        page.wait_for_load_state("load")
        measured[path] = page.evaluate(MEASURE)
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map((a) => a.getAttribute('href'))")
        for href in hrefs:
            parts = urlsplit(href)
            if parts.netloc or not parts.path.startswith("/") or NOT_PAGES.search(href):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return measured


def test_every_page_of_a_class_teachers_work_fits_a_375px_phone(cast, live_server, page):
    waiting = a_class_teachers_year(cast)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "wang", cast.password)
    menu = page.eval_on_selector_all(
        "#main-menu a.nav-link[href^='/']", "links => links.map((a) => a.getAttribute('href'))"
    )
    assert reverse("disbursements:class_payments") in menu and reverse("reviews:index") in menu

    measured = crawl(page, live_server, reverse("aidsys:dashboard"))

    student = waiting[0].student
    for path in [
        *menu,
        reverse("students:class_roster", args=[cast.class_1.pk]),
        reverse("reviews:first_review_list", args=[cast.class_1.pk]),
        reverse("reviews:first_review", args=[waiting[0].pk]),
        reverse("applications:class_applications", args=[cast.class_1.pk]),
        student.get_absolute_url(),
    ]:
        assert re.sub(r"\d+", "N", path) in {re.sub(r"\d+", "N", seen) for seen in measured}, path
    problems = {
        path: found
        for path, found in measured.items()
        if found["width"] > PHONE["width"] or found["squeezed"] or found["scrollers"] or found["labels"]
    }
    assert problems == {}, "\n".join(f"{path}: {found}" for path, found in problems.items())


def test_on_a_phone_a_list_is_cards_with_the_name_first_and_the_common_program_once_above(cast, live_server, page):
    a_class_teachers_year(cast)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "wang", cast.password)
    page.goto(live_server.url + reverse("reviews:first_review_list", args=[cast.class_1.pk]))

    section = page.locator("section").filter(has=page.get_by_test_id("count-submitted"))
    common = section.locator(".cards-common")
    expect(common).to_contain_text(LONG_PROGRAM)
    expect(section.get_by_text(LONG_PROGRAM).filter(visible=True)).to_have_count(1)
    cards = section.locator("tbody tr")
    expect(cards).to_have_count(2)
    first_card = cards.first.bounding_box()
    name = cards.first.locator(".cell-title").bounding_box()
    review = cards.first.locator(".cell-action a").bounding_box()
    assert name["y"] < review["y"], "the name heads the card, the action is at hand below"
    assert first_card["width"] <= PHONE["width"]
    headings = section.locator("thead th").all_inner_texts()
    labels = cards.first.locator("[data-label]").evaluate_all("cells => cells.map((cell) => cell.dataset.label)")
    assert len(labels) >= 3 and set(labels) <= set(headings)


def test_on_a_desktop_the_lists_are_still_tables(cast, live_server, page):
    a_class_teachers_year(cast)
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, "wang", cast.password)
    for path in [
        reverse("students:class_roster", args=[cast.class_1.pk]),
        reverse("reviews:first_review_list", args=[cast.class_1.pk]),
        reverse("disbursements:class_payments"),
    ]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        table = page.locator("table.table-cards").first
        displays = table.evaluate(
            "t => [t, t.tHead, t.tBodies[0].rows[0], t.tBodies[0].rows[0].cells[1]]"
            ".map((el) => getComputedStyle(el).display)"
        )
        assert displays == ["table", "table-header-group", "table-row", "table-cell"], path
        assert not page.locator(".cards-common").is_visible()
