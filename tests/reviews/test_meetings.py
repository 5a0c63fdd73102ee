"""评议会议: the aid office records the panel's meetings; each prints as a 评议记录表 its members sign."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.urls import reverse

from aidsys.models import AuditEvent
from reviews.models import ReviewMeeting, ReviewPanel, ReviewPanelMember
from reviews.services import meeting_record, meeting_update, panel_member_add, panel_save
from reviews.services.meetings import meeting_sheet_context
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def panel(cast) -> ReviewPanel:
    panel = panel_save(actor=cast.li, school=cast.school, term=cast.term, formed_on=date(2026, 9, 20))
    for name, role, title in (
        ("张校长", "leader", "校长"),
        ("李老师", "aid_office", "资助专干"),
        ("王老师", "class_teacher", "一年级(1)班班主任"),
        ("刘建华", "parent", "家长委员会委员"),
    ):
        panel_member_add(actor=cast.li, panel=panel, name=name, role=role, title=title)
    return panel


def stranger(cast) -> ReviewPanelMember:
    """A member of another school's panel (set up directly: that school's aid office would record it)."""
    other = ReviewPanel.objects.create(school=cast.sibling_school, term=cast.term, formed_on=date(2026, 9, 20))
    return ReviewPanelMember.objects.create(panel=other, name="陈晓燕", role="teacher")


def members(panel, *names):
    return list(panel.members.filter(name__in=names).order_by("pk"))


def record(cast, panel, **fields) -> ReviewMeeting:
    values = {
        "date": date(2026, 9, 24),
        "place": "三楼会议室",
        "members_present": members(panel, "张校长", "李老师", "王老师"),
        "decisions": "同意复审通过名单报校长审定。",
        "dissent": "",
    }
    return meeting_record(actor=cast.li, panel=panel, **(values | fields))


def form_data(panel, **fields):
    values = {
        "date": "2026-09-24",
        "place": "三楼会议室",
        "members_present": [member.pk for member in members(panel, "张校长", "李老师")],
        "decisions": "同意复审通过名单报校长审定。",
        "dissent": "",
    }
    return values | fields


class TestRecord:
    def test_the_aid_office_records_a_meeting_with_one_audit_event_naming_who_came(self, cast, panel):
        meeting = record(cast, panel, dissent="家长代表认为二班一名学生应列为特别困难。")
        assert list(meeting.members_present.values_list("name", flat=True).order_by("pk")) == [
            "张校长",
            "李老师",
            "王老师",
        ]
        assert (meeting.recorded_by, meeting.place) == (cast.li, "三楼会议室")
        event = AuditEvent.objects.for_object(meeting).get()
        assert event.action == AuditEvent.Action.CREATE
        assert event.changes["members_present"] == [None, ["张校长", "李老师", "王老师"]]
        assert event.changes["dissent"] == [None, "家长代表认为二班一名学生应列为特别困难。"]

    def test_a_panel_meets_more_than_once(self, cast, panel):
        record(cast, panel)
        record(cast, panel, date=date(2026, 10, 15), decisions="递补一名学生。")
        assert panel.meetings.count() == 2

    def test_a_correction_records_what_changed_the_members_included(self, cast, panel):
        meeting = record(cast, panel)
        changes = meeting_update(
            actor=cast.li,
            meeting=meeting,
            date=meeting.date,
            place="校长室",
            members_present=members(panel, "张校长", "李老师", "王老师", "刘建华"),
            decisions=meeting.decisions,
            dissent="",
        )
        assert changes == {
            "place": ["三楼会议室", "校长室"],
            "members_present": [["张校长", "李老师", "王老师"], ["张校长", "李老师", "王老师", "刘建华"]],
        }
        assert meeting.members_present.count() == 4
        assert AuditEvent.objects.for_object(meeting).filter(action=AuditEvent.Action.UPDATE).get().changes == changes

    @pytest.mark.parametrize(
        ("day", "words"),
        [
            (date(2026, 8, 30), "学年"),  # before the school year
            (date(2026, 9, 19), "成立"),  # before the panel was formed on 2026-09-20
            (date(2026, 11, 24), "尚未"),  # tomorrow: a meeting is recorded once it has taken place
        ],
    )
    def test_a_date_outside_the_panels_time_is_refused(self, cast, panel, day, words):
        with pytest.raises(ValidationError) as refused:
            record(cast, panel, date=day)
        assert words in " ".join(refused.value.message_dict["date"])
        assert not ReviewMeeting.objects.exists()

    def test_a_member_of_another_panel_is_refused_by_name(self, cast, panel):
        with pytest.raises(ValidationError) as refused:
            record(cast, panel, members_present=[*members(panel, "张校长"), stranger(cast)])
        assert "陈晓燕不是本评议小组的成员" in " ".join(refused.value.message_dict["members_present"])
        assert not ReviewMeeting.objects.exists()

    @pytest.mark.parametrize("who", ["wang", "zhang", "zhao"])
    def test_only_the_aid_office_records(self, cast, panel, who):
        with pytest.raises(PermissionDenied):
            meeting_record(
                actor=getattr(cast, who),
                panel=panel,
                date=date(2026, 9, 24),
                place="会议室",
                members_present=members(panel, "张校长"),
                decisions="同意。",
            )


class TestForm:
    def test_the_page_records_a_meeting_and_the_panels_page_lists_it(self, cast, panel, client_for):
        client = client_for(cast.li)
        new = reverse("reviews:meeting_new", args=[panel.pk])
        assert "刘建华" in client.get(new).content.decode()
        response = client.post(new, form_data(panel))
        assert response.status_code == 302
        meeting = ReviewMeeting.objects.get()
        page = client_for(cast.zhang).get(reverse("reviews:panel", args=[cast.school.pk, cast.term.pk])).content
        page = page.decode()
        assert "2026-09-24" in page and "三楼会议室" in page
        assert reverse("reviews:meeting_print", args=[meeting.pk]) in page
        assert reverse("reviews:meeting_edit", args=[meeting.pk]) not in page  # the principal reads, never edits

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"date": "1900-01-01"}, "不是合理的日期"),
            ({"date": "2026-12-01"}, "尚未"),
            ({"place": ""}, "这个字段是必填项"),
            ({"decisions": " "}, "这个字段是必填项"),
            ({"members_present": []}, "请勾选出席的成员"),
        ],
    )
    def test_bad_input_is_refused_with_its_message_and_nothing_is_saved(self, cast, panel, client_for, fields, message):
        response = client_for(cast.li).post(reverse("reviews:meeting_new", args=[panel.pk]), form_data(panel, **fields))
        assert response.status_code == 400
        assert message in response.content.decode()
        assert not ReviewMeeting.objects.exists()
        assert not AuditEvent.objects.filter(content_type__model="reviewmeeting").exists()

    def test_a_member_of_another_panel_is_refused_with_a_clear_message(self, cast, panel, client_for):
        data = form_data(panel, members_present=[members(panel, "张校长")[0].pk, stranger(cast).pk])
        response = client_for(cast.li).post(reverse("reviews:meeting_new", args=[panel.pk]), data)
        assert response.status_code == 400
        assert "勾选的成员中有不属于本评议小组的人" in response.content.decode()
        assert not ReviewMeeting.objects.exists()

    def test_the_aid_office_corrects_a_meeting(self, cast, panel, client_for):
        meeting = record(cast, panel)
        client = client_for(cast.li)
        edit = reverse("reviews:meeting_edit", args=[meeting.pk])
        assert "三楼会议室" in client.get(edit).content.decode()
        assert client.post(edit, form_data(panel, place="校长室", date="2030-01-01")).status_code == 400
        meeting.refresh_from_db()
        assert meeting.place == "三楼会议室" and meeting.members_present.count() == 3
        assert client.post(edit, form_data(panel, place="校长室")).status_code == 302
        meeting.refresh_from_db()
        assert meeting.place == "校长室" and meeting.members_present.count() == 2


class TestPrint:
    def test_the_record_has_the_facts_and_a_signature_cell_for_each_member_present(self, cast, panel):
        meeting = record(cast, panel, dissent="刘建华未出席，会后书面表示同意。")
        html = render_to_string("reviews/pdf/meeting.html", meeting_sheet_context(meeting))
        assert "评议记录表" in html
        for fact in (
            "2026-09-24",
            "三楼会议室",
            "同意复审通过名单报校长审定。",
            "刘建华未出席，会后书面表示同意。",
            "李老师",
        ):
            assert fact in html
        assert "应到4人，实到3人" in html
        assert html.count('<td class="signature"></td>') == 3
        assert html.count('<td class="signature absent">缺席</td>') == 1
        assert "学校盖章" in html

    def test_printing_is_a_pdf_and_an_audit_event(self, cast, panel, client_for):
        meeting = record(cast, panel)
        response = client_for(cast.zhang).post(reverse("reviews:meeting_print", args=[meeting.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        event = AuditEvent.objects.get(action=AuditEvent.Action.PRINT)
        assert (event.actor, event.object_id) == (cast.zhang, str(meeting.pk))

    def test_scope(self, cast, panel, client_for):
        meeting = record(cast, panel)
        url = reverse("reviews:meeting_print", args=[meeting.pk])
        assert client_for(cast.zhao).post(url).status_code == 200
        assert client_for(cast.wang).post(url).status_code == 403
        assert client_for(cast.outsider).post(url).status_code == 404
        assert client_for(cast.li).get(url).status_code == 405
        assert client_for(cast.zhang).get(reverse("reviews:meeting_new", args=[panel.pk])).status_code == 403
        assert client_for(cast.outsider).get(reverse("reviews:meeting_edit", args=[meeting.pk])).status_code == 404
        assert AuditEvent.objects.filter(action=AuditEvent.Action.PRINT).count() == 1

    def test_another_schools_aid_office_finds_nothing(self, cast, panel, client_for):
        sibling_aid = UserFactory(username="sun", full_name="孙老师")
        MembershipFactory(user=sibling_aid, role="aid_office", school=cast.sibling_school)
        meeting = record(cast, panel)
        assert client_for(sibling_aid).get(reverse("reviews:meeting_new", args=[panel.pk])).status_code == 404
        assert client_for(sibling_aid).post(reverse("reviews:meeting_print", args=[meeting.pk])).status_code == 404
