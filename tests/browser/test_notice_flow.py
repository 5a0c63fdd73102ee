"""A public notice from publication to its supplementary notice, through the real pages in Chromium.

李老师 of the aid office makes the notice of a signed roster and publishes it from today; a visitor,
not signed in, opens its public page by its address, lodges an objection against one line and is
given a tracking number; 李老师 investigates, upholds the objection and changes the line's tier; the
supplementary notice of the change appears, drafted, on the notice's page; the visitor finds the
decision and the reply on the status page. The UI strings are being translated, so the steps find
buttons and values by their data-testid and form fields by their names, not by their words.
"""

import re

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from aidsys.models import AuditEvent
from applications.models import Application, Status
from publicity.models import NoticeEntry, NoticeKind, NoticeStatus, Objection, ObjectionNote, PublicNotice
from publicity.services.objections import PUBLIC_ACTOR_NAME
from reviews.models import RosterSignoff, SignoffStatus
from students.models import Student, Tier
from tests.publicity.notice_data import signed_roster
from tests.publicity.objection_data import aid_program

Action = AuditEvent.Action
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}

OBJECTION_TEXT = "王小明家里去年新盖了楼房，父母都在外地打工，不应评为特别困难。"
NOTE_TEXT = "电话联系班主任并入户核实：楼房属实，父母务工收入稳定。"
DECISION_TEXT = "经入户核实，家庭经济状况好于特别困难，调整为一般困难。"
REPLY_TEXT = "您的异议经核实部分成立，该生档次已调整，补充公示将另行张贴。"


def sign_in(page: Page, live_server, username: str, password: str) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("dashboard-title")).to_be_visible()


def fits(page: Page, width: int) -> None:
    """Nothing on the page is wider than the screen (tables scroll inside their own box)."""
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def events(target) -> list[tuple[str, str, dict | None]]:
    return [
        (event.action, event.actor_name if event.actor is None else event.actor.username, event.changes.get("status"))
        for event in AuditEvent.objects.for_object(target).select_related("actor").order_by("pk")
    ]


def test_the_aid_office_publishes_a_visitor_objects_and_the_upheld_objection_is_noticed_again(
    cast, live_server, new_context
):
    program = aid_program(cast, shows_amount=True)
    signoff = signed_roster(cast, program=program)
    today = timezone.localdate()

    # 李老师: from the list of signed rosters to the draft notice, starting today (whatever the weekday:
    # the period counts its working days from the first day, and the public page shows from it on).
    aid_office = new_context(viewport=DESKTOP).new_page()
    sign_in(aid_office, live_server, "li", cast.password)
    aid_office.goto(live_server.url + reverse("publicity:notice_index"))
    aid_office.locator(f"a[href='{reverse('publicity:notice_create', args=[signoff.pk])}']").click()
    aid_office.wait_for_url(live_server.url + reverse("publicity:notice_create", args=[signoff.pk]))
    expect(aid_office.locator("input[name=working_days]")).to_have_value("5")
    aid_office.locator("input[name=start_date]").fill(today.isoformat())
    aid_office.locator("input[name=contact_phone]").fill("0731-12345678")
    aid_office.get_by_test_id("notice-save").click()

    aid_office.wait_for_url(re.compile(r"/notices/\d+/$"))
    notice = PublicNotice.objects.get(kind=NoticeKind.ORIGINAL)
    assert aid_office.url == live_server.url + notice.get_absolute_url()
    expect(aid_office.get_by_test_id("notice-phase")).to_have_attribute("data-phase", "draft")
    entries = aid_office.get_by_test_id("notice-entry")
    expect(entries).to_have_count(4)
    expect(entries.nth(1)).to_contain_text("王小明")
    expect(entries.nth(1)).to_have_attribute("data-tier", Tier.ESPECIALLY_DIFFICULT)
    aid_office.get_by_test_id("notice-publish").click()
    expect(aid_office.get_by_test_id("notice-phase")).to_have_attribute("data-phase", "running")
    expect(aid_office.get_by_test_id("notice-publish")).to_have_count(0)
    public_url = aid_office.get_by_test_id("public-url").get_attribute("href")
    assert public_url == live_server.url + notice.get_public_url()

    # A visitor on a phone, not signed in: the public page by its address, with the lines and nothing private.
    visitor = new_context(viewport=PHONE).new_page()
    visitor.goto(public_url)
    lines = visitor.get_by_test_id("public-entry")
    expect(lines).to_have_count(4)
    for name in ("艾米", "王小明", "曾小红", "赵小雨"):
        expect(visitor.get_by_test_id("public-entries")).to_contain_text(name)
    expect(lines.filter(has_text="王小明")).to_contain_text("625.00")
    fits(visitor, PHONE["width"])
    page_text = visitor.content()
    for student in Student.objects.all():
        assert student.id_number not in page_text
        assert student.guardian_phone not in page_text
    visitor.get_by_test_id("objection-lodge").click()
    visitor.wait_for_url(live_server.url + reverse("publicity:objection_lodge", args=[notice.token]))
    fits(visitor, PHONE["width"])
    ming = NoticeEntry.objects.get(notice=notice, name="王小明")
    visitor.locator("select[name=entry]").select_option(value=str(ming.pk))
    visitor.locator("textarea[name=text]").fill(OBJECTION_TEXT)
    visitor.get_by_test_id("objection-send").click()
    visitor.wait_for_url(live_server.url + reverse("publicity:objection_thanks", args=[notice.token]))
    expect(visitor.get_by_test_id("tracking-number")).to_have_text(re.compile(r"^\s*YY\d{8}[A-Z2-9]{6}\s*$"))
    tracking_number = visitor.get_by_test_id("tracking-number").inner_text().strip()
    fits(visitor, PHONE["width"])

    # 李老师: from the notice's objection count to the objection; a note of the investigation (htmx),
    # then the decision: upheld, the line's tier changed, with the reason and the reply.
    aid_office.reload()
    aid_office.get_by_test_id("objection-counts").get_by_role("link").click()
    aid_office.wait_for_url(live_server.url + reverse("publicity:objection_notice", args=[notice.pk]))
    row = aid_office.get_by_test_id("objection-row").filter(has_text=tracking_number)
    expect(row).to_contain_text("王小明")
    row.get_by_role("link", name=tracking_number).click()
    objection = Objection.objects.get(tracking_number=tracking_number)
    aid_office.wait_for_url(live_server.url + reverse("publicity:objection_detail", args=[objection.pk]))
    expect(aid_office.get_by_test_id("objection-status")).to_have_attribute("data-status", "open")
    aid_office.get_by_test_id("objection-notes").locator("textarea[name=text]").fill(NOTE_TEXT)
    aid_office.get_by_test_id("note-add").click()
    expect(aid_office.get_by_test_id("objection-note")).to_have_text(re.compile(re.escape(NOTE_TEXT)))
    aid_office.get_by_test_id("objection-decide").click()
    aid_office.wait_for_url(live_server.url + reverse("publicity:objection_decide", args=[objection.pk]))
    aid_office.locator("input[name=outcome][value=upheld]").check()
    aid_office.locator("textarea[name=decision]").fill(DECISION_TEXT)
    aid_office.locator("textarea[name=reply]").fill(REPLY_TEXT)
    expect(aid_office.locator("select[name=entry]")).to_have_value(str(ming.pk))
    aid_office.locator("input[name=action][value=change]").check()
    aid_office.locator("select[name=tier]").select_option(Tier.GENERALLY_DIFFICULT)
    aid_office.get_by_test_id("decide-submit").click()
    aid_office.wait_for_url(live_server.url + reverse("publicity:objection_detail", args=[objection.pk]))
    expect(aid_office.get_by_test_id("objection-status")).to_have_attribute("data-status", "upheld")
    expect(aid_office.get_by_test_id("objection-reply")).to_have_text(REPLY_TEXT)
    expect(aid_office.get_by_test_id("objection-decide")).to_have_count(0)

    # The supplementary notice of the change is on the original's page, drafted, with the one changed line;
    # it waits for the principal to sign the changed roster.
    aid_office.goto(live_server.url + notice.get_absolute_url())
    listed = aid_office.get_by_test_id("supplementary-notice")
    expect(listed).to_have_count(1)
    expect(listed).to_have_attribute("data-status", NoticeStatus.DRAFT)
    expect(listed.get_by_test_id("supplementary-lines")).to_have_text("1")
    listed.get_by_test_id("supplementary-link").click()
    supplementary = PublicNotice.objects.get(kind=NoticeKind.SUPPLEMENTARY)
    aid_office.wait_for_url(live_server.url + supplementary.get_absolute_url())
    expect(aid_office.get_by_test_id("notice-phase")).to_have_attribute("data-phase", "draft")
    changed = aid_office.get_by_test_id("notice-entry")
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text("王小明")
    expect(changed).to_contain_text(DECISION_TEXT)
    expect(changed).to_have_attribute("data-change", "changed")
    expect(changed).to_have_attribute("data-tier", Tier.GENERALLY_DIFFICULT)
    expect(aid_office.get_by_test_id("awaiting-signature")).to_be_visible()
    expect(aid_office.get_by_test_id("notice-publish")).to_be_disabled()
    expect(aid_office.get_by_test_id("supplements-link")).to_have_attribute("href", notice.get_absolute_url())

    # The visitor, with the tracking number, on the status page: upheld, and the reply.
    visitor.goto(public_url)
    visitor.get_by_test_id("objection-track-link").click()
    visitor.wait_for_url(live_server.url + reverse("publicity:objection_track"))
    visitor.locator("input[name=number]").fill(tracking_number)
    visitor.get_by_test_id("track-submit").click()
    expect(visitor.get_by_test_id("objection-track-status")).to_have_attribute("data-status", "upheld")
    expect(visitor.get_by_test_id("objection-reply")).to_have_text(REPLY_TEXT)
    expect(visitor.get_by_test_id("objection-status")).not_to_contain_text(DECISION_TEXT)

    # What was stored, and the trail.
    notice.refresh_from_db()
    assert (notice.status, notice.start_date, notice.published_by, notice.signoff_version) == (
        NoticeStatus.PUBLISHED,
        today,
        cast.li,
        1,
    )
    objection.refresh_from_db()
    assert (objection.status, objection.entry, objection.channel, objection.decided_by) == (
        "upheld",
        ming,
        "online",
        cast.li,
    )
    assert (objection.decision, objection.reply, objection.recorded_by) == (DECISION_TEXT, REPLY_TEXT, None)
    note = ObjectionNote.objects.get(objection=objection)
    assert (note.text, note.author) == (NOTE_TEXT, cast.li)
    application = Application.objects.get(pk=ming.application_id)
    assert (application.status, application.approved_tier, application.decision_reason) == (
        Status.APPROVED,
        Tier.GENERALLY_DIFFICULT,
        DECISION_TEXT,
    )
    assert (supplementary.status, supplementary.supplements, supplementary.created_by) == (
        NoticeStatus.DRAFT,
        notice,
        cast.li,
    )
    line = supplementary.entries.get()
    assert (line.application, line.change, line.tier, line.change_reason) == (
        application,
        "changed",
        Tier.GENERALLY_DIFFICULT,
        DECISION_TEXT,
    )
    signoff.refresh_from_db()
    assert (signoff.status, signoff.version) == (SignoffStatus.PENDING, 1)

    assert events(notice) == [
        (Action.CREATE, "li", [None, NoticeStatus.DRAFT]),
        (Action.TRANSITION, "li", [NoticeStatus.DRAFT, NoticeStatus.PUBLISHED]),
    ]
    assert events(objection) == [
        (Action.CREATE, PUBLIC_ACTOR_NAME, [None, "open"]),
        (Action.TRANSITION, "li", ["open", "upheld"]),
    ]
    assert AuditEvent.objects.for_object(objection).get(action=Action.TRANSITION).reason == DECISION_TEXT
    assert [(action, actor) for action, actor, _status in events(note)] == [(Action.CREATE, "li")]
    award_change = AuditEvent.objects.for_object(application).filter(actor=cast.li).latest("pk")
    assert award_change.changes["approved_tier"] == [Tier.ESPECIALLY_DIFFICULT, Tier.GENERALLY_DIFFICULT]
    assert events(supplementary) == [(Action.CREATE, "li", [None, NoticeStatus.DRAFT])]
    assert events(signoff)[-1] == (Action.TRANSITION, "li", [SignoffStatus.SIGNED, SignoffStatus.PENDING])
    assert not RosterSignoff.objects.exclude(pk=signoff.pk).exists()
