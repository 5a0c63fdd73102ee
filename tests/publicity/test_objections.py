"""Objections: lodged on the public page (limits, rate, tracking), recorded by the aid office, investigated,
decided with a reply; deadlines of 3 working days; scope."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aidsys.models import AuditEvent
from applications.models import Application, Quota
from applications.services.quota_limits import QuotaExceeded
from publicity.models import Objection, ObjectionNote, PublicNotice
from publicity.selectors.objections import open_objections
from publicity.services import objections as services
from reviews.models import RosterSignoff
from tests.publicity.notice_data import make_notice, move_period
from tests.publicity.objection_data import (
    OBJECTION_TEXT,
    aid_office_of,
    entry_named,
    lodge,
    lodge_url,
    move_lodged,
    running_notice,
    set_deadline,
    visitor,
)

TRACKING = re.compile(r"^YY\d{8}[A-Z2-9]{6}$")


def post_objection(client, notice, **fields):
    data = {"entry": "", "text": OBJECTION_TEXT, "name": "", "contact": ""} | fields
    return client.post(lodge_url(notice), data)


class TestLodge:
    def test_the_form_offers_the_notices_lines_by_number_and_name(self, cast):
        notice = running_notice(cast)
        response = visitor().get(lodge_url(notice))
        assert response.status_code == 200
        page = response.content.decode()
        for entry in notice.entries.all():
            assert f"{entry.position}. {entry.name}" in page
        assert 'type="file"' not in page
        assert response["Cache-Control"] == "no-store"

    def test_the_public_pages_let_the_browser_send_their_origin_with_the_form(self, cast):
        # "no-referrer" made Chromium send "Origin: null" with the form, which the CSRF check refuses;
        # "same-origin" still keeps the notice's address from other sites.
        notice = running_notice(cast)
        client = Client(enforce_csrf_checks=True, REMOTE_ADDR="203.0.113.7")
        for url in (notice.get_public_url(), lodge_url(notice), reverse("publicity:objection_track")):
            response = client.get(url)
            assert response["Referrer-Policy"] == "same-origin", url
            assert '<meta name="referrer" content="same-origin">' in response.content.decode(), url
        data = {"entry": "", "text": OBJECTION_TEXT, "csrfmiddlewaretoken": client.cookies["csrftoken"].value}
        response = client.post(lodge_url(notice), data, HTTP_ORIGIN="http://testserver")
        assert response.status_code == 302 and Objection.objects.count() == 1

    def test_a_visitor_lodges_and_sees_the_tracking_number_and_deadline_once(self, cast):
        notice = running_notice(cast)
        client = visitor("203.0.113.7")
        ming = entry_named(notice, "王小明")
        response = post_objection(client, notice, entry=ming.pk, name="匿名家长", contact="13700000000")
        thanks_url = reverse("publicity:objection_thanks", args=[notice.token])
        assert response.status_code == 302 and response["Location"] == thanks_url
        objection = Objection.objects.get()
        assert TRACKING.match(objection.tracking_number)
        assert objection.tracking_number[2:10] == timezone.localdate().strftime("%Y%m%d")
        assert (objection.entry, objection.channel, objection.status) == (ming, "online", "open")
        assert objection.deadline == services.objection_deadline(timezone.localdate())
        page = client.get(thanks_url).content.decode()
        assert objection.tracking_number in page
        assert objection.deadline.isoformat() in page
        assert client.get(thanks_url).status_code == 404

    def test_the_address_is_kept_only_as_a_keyed_hash_and_the_event_names_the_public(self, cast):
        notice = running_notice(cast)
        post_objection(visitor("203.0.113.7"), notice, name="匿名家长", contact="13700000000")
        objection = Objection.objects.get()
        assert objection.address_hash == services.address_hash("203.0.113.7") != services.address_hash("203.0.113.8")
        assert len(objection.address_hash) == 64
        stored = {field.name: str(getattr(objection, field.attname)) for field in Objection._meta.concrete_fields}
        assert not any("203.0.113.7" in value for value in stored.values())
        event = AuditEvent.objects.for_object(objection).get()
        assert (event.action, event.actor, event.actor_name) == ("create", None, "公众")
        assert "address_hash" not in event.changes
        assert event.changes["contact"][1] == "****" and event.changes["name"][1] == "****"
        assert event.school_id == cast.school.pk

    def test_the_audit_event_of_the_public_stores_no_address(self, cast, client_for):
        notice = running_notice(cast)
        post_objection(visitor("203.0.113.7"), notice, name="匿名家长", contact="13700000000")
        event = AuditEvent.objects.for_object(Objection.objects.get()).get()
        assert event.ip is None
        trail = client_for(cast.li).get(reverse("publicity:objection_detail", args=[event.object_id]))
        assert trail.status_code == 200 and "203.0.113.7" not in trail.content.decode()

    @pytest.mark.parametrize(("length", "accepted"), [(9, False), (10, True), (1000, True), (1001, False)])
    def test_the_text_has_10_to_1000_characters(self, cast, length, accepted):
        notice = running_notice(cast)
        response = post_objection(visitor(), notice, text="异" * length)
        assert (response.status_code == 302) is accepted
        assert Objection.objects.exists() is accepted
        if not accepted:
            assert response.status_code == 400
            assert 'id="id_text_error_1"' in response.content.decode()

    def test_blank_text_is_refused_with_a_message(self, cast):
        notice = running_notice(cast)
        response = post_objection(visitor(), notice, text="          ")
        assert response.status_code == 400 and 'id="id_text_error_1"' in response.content.decode()

    def test_the_service_refuses_short_text_itself(self, cast):
        notice = running_notice(cast)
        with pytest.raises(ValidationError) as refused:
            lodge(notice, text="太短了")
        assert refused.value.error_dict["text"][0].code == "text_length"

    def test_a_line_of_another_notice_is_refused(self, cast):
        notice = running_notice(cast)
        other = make_notice(cast)
        response = post_objection(visitor(), notice, entry=other.entries.first().pk)
        assert response.status_code == 400 and not Objection.objects.exists()

    def test_the_form_is_csrf_protected(self, cast):
        notice = running_notice(cast)
        client = Client(enforce_csrf_checks=True)
        assert client.post(lodge_url(notice), {"text": OBJECTION_TEXT}).status_code == 403
        assert not Objection.objects.exists()

    def test_before_the_period_not_found_after_it_gone_a_draft_not_found(self, cast):
        notice = running_notice(cast)
        move_period(notice, starts_in=3)
        assert visitor().get(lodge_url(notice)).status_code == 404
        assert post_objection(visitor(), notice).status_code == 404
        move_period(notice, ended_days_ago=1)
        assert visitor().get(lodge_url(notice)).status_code == 410
        assert post_objection(visitor(), notice).status_code == 410
        draft = make_notice(cast, publish=False)
        assert visitor().get(lodge_url(draft)).status_code == 404
        assert visitor().get(reverse("publicity:objection_lodge", args=["no-such-token"])).status_code == 404
        assert not Objection.objects.exists()

    def test_the_service_refuses_a_notice_that_is_not_running(self, cast):
        notice = running_notice(cast)
        move_period(notice, ended_days_ago=1)
        with pytest.raises(ValidationError) as refused:
            lodge(notice)
        assert refused.value.code == "notice_not_running"


class TestRateLimit:
    def test_three_an_hour_per_notice_then_429_then_again_after_the_hour(self, cast):
        notice = running_notice(cast)
        client = visitor("203.0.113.7")
        for _ in range(3):
            assert post_objection(client, notice).status_code == 302
        refused = post_objection(client, notice)
        assert refused.status_code == 429
        assert Objection.objects.count() == 3
        first = Objection.objects.order_by("lodged_at").first()
        retry_at = timezone.localtime(first.lodged_at + timedelta(hours=1))
        assert retry_at.strftime("%Y-%m-%d %H:%M") in refused.content.decode()
        assert 0 < int(refused["Retry-After"]) <= 3600
        # Another address is counted apart.
        assert post_objection(visitor("198.51.100.20"), notice).status_code == 302
        move_lodged(
            Objection.objects.filter(address_hash=services.address_hash("203.0.113.7")), by=timedelta(minutes=61)
        )
        assert post_objection(client, notice).status_code == 302

    def test_ten_a_day_across_notices(self, cast, settings):
        settings.AIDSYS_OBJECTION_RATE_PER_NOTICE_HOUR = 100
        settings.AIDSYS_OBJECTION_RATE_PER_DAY = 4
        notice = running_notice(cast)
        other = make_notice(cast)
        for target in (notice, notice, other, other):
            lodge(target)
        with pytest.raises(services.RateLimited) as limited:
            lodge(other)
        first = Objection.objects.order_by("lodged_at").first()
        assert limited.value.retry_at == first.lodged_at + timedelta(days=1)
        move_lodged(Objection.objects.all(), by=timedelta(hours=23))
        with pytest.raises(services.RateLimited):
            lodge(notice)
        move_lodged(Objection.objects.all(), by=timedelta(hours=1, minutes=1))
        lodge(notice)
        assert Objection.objects.count() == 5

    def test_objections_recorded_by_staff_do_not_count(self, cast):
        notice = running_notice(cast)
        for _ in range(3):
            services.objection_record(actor=cast.li, notice=notice, channel="phone", text=OBJECTION_TEXT)
        lodge(notice, address="127.0.0.1")


class TestTracking:
    def track(self, client, number):
        return client.post(reverse("publicity:objection_track"), {"number": number})

    def test_anyone_sees_the_status_deadline_and_reply_and_nothing_else(self, cast):
        notice = running_notice(cast)
        objection = lodge(notice, entry=entry_named(notice, "王小明"), name="刘大妈", contact="13711112222")
        services.objection_note_add(actor=cast.li, objection=objection, text="电话核实：新房为亲戚所建。")
        page = self.track(visitor(), objection.tracking_number.lower()).content.decode()
        assert objection.get_status_display() in page and objection.deadline.isoformat() in page
        for hidden in ("刘大妈", "13711112222", "王小明", "新房为亲戚所建", OBJECTION_TEXT):
            assert hidden not in page
        services.objection_decide(
            actor=cast.li,
            objection=objection,
            outcome="dismissed",
            decision="经入户核实，新房为亲戚所建，家庭困难属实。",
            reply="经核实，该生家庭情况属实，维持原评定。",
        )
        page = self.track(visitor(), objection.tracking_number).content.decode()
        assert "经核实，该生家庭情况属实，维持原评定。" in page
        assert "经入户核实" not in page

    def test_an_unknown_number_says_so(self, cast):
        response = self.track(visitor(), "YY20261123AAAAAA")
        assert response.status_code == 400
        assert 'id="id_number_error_1"' in response.content.decode()

    def test_lookups_are_limited_per_address_then_allowed_after_the_hour(self, cast, settings):
        from publicity.models import TrackingLookup

        settings.AIDSYS_OBJECTION_TRACK_RATE_PER_HOUR = 3
        client = visitor("203.0.113.7")
        for _ in range(3):
            assert self.track(client, "YY20261123AAAAAA").status_code == 400
        assert self.track(client, "YY20261123AAAAAA").status_code == 429
        assert self.track(visitor("198.51.100.20"), "YY20261123AAAAAA").status_code == 400
        TrackingLookup.objects.update(looked_up_at=timezone.now() - timedelta(minutes=61))
        assert self.track(client, "YY20261123AAAAAA").status_code == 400


class TestRecord:
    def test_the_aid_office_records_a_call_with_the_day_it_came(self, cast, client_for):
        notice = running_notice(cast)
        yesterday = timezone.localdate() - timedelta(days=1)
        PublicNotice.objects.filter(pk=notice.pk).update(published_at=timezone.now() - timedelta(days=2))
        ming = entry_named(notice, "王小明")
        response = client_for(cast.li).post(
            reverse("publicity:objection_record", args=[notice.pk]),
            {"channel": "phone", "received_on": yesterday.isoformat(), "entry": ming.pk, "text": OBJECTION_TEXT},
        )
        objection = Objection.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("publicity:objection_detail", args=[objection.pk])
        assert (objection.channel, objection.recorded_by, objection.entry, objection.address_hash) == (
            "phone",
            cast.li,
            ming,
            "",
        )
        assert timezone.localdate(objection.lodged_at) == yesterday
        assert objection.deadline == services.objection_deadline(yesterday)
        event = AuditEvent.objects.for_object(objection).get()
        assert (event.action, event.actor) == ("create", cast.li)

    def test_a_day_in_the_future_or_an_online_channel_is_refused_beside_the_field(self, cast, client_for):
        notice = running_notice(cast)
        response = client_for(cast.li).post(
            reverse("publicity:objection_record", args=[notice.pk]),
            {
                "channel": "online",
                "received_on": (timezone.localdate() + timedelta(days=1)).isoformat(),
                "text": OBJECTION_TEXT,
            },
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert 'id="id_channel_error_1"' in page
        with pytest.raises(ValidationError) as refused:
            services.objection_record(
                actor=cast.li,
                notice=notice,
                channel="letter",
                text=OBJECTION_TEXT,
                received_on=timezone.localdate() + timedelta(days=1),
            )
        assert refused.value.error_dict["received_on"][0].code == "received_on"
        assert not Objection.objects.exists()

    def test_a_draft_notice_takes_no_objection(self, cast):
        draft = make_notice(cast, publish=False)
        with pytest.raises(ValidationError) as refused:
            services.objection_record(actor=cast.li, notice=draft, channel="visit", text=OBJECTION_TEXT)
        assert refused.value.code == "notice_not_published"

    def test_only_the_aid_office_records(self, cast, client_for):
        notice = running_notice(cast)
        url = reverse("publicity:objection_record", args=[notice.pk])
        data = {"channel": "phone", "received_on": timezone.localdate().isoformat(), "text": OBJECTION_TEXT}
        assert client_for(cast.wang).post(url, data).status_code == 403
        assert client_for(cast.zhang).post(url, data).status_code == 403
        assert client_for(cast.zhao).post(url, data).status_code == 403
        assert client_for(cast.outsider).post(url, data).status_code == 404
        assert client_for(aid_office_of(cast.sibling_school)).post(url, data).status_code == 404
        for who in (cast.wang, cast.zhang):
            with pytest.raises(PermissionDenied):
                services.objection_record(actor=who, notice=notice, channel="phone", text=OBJECTION_TEXT)
        assert not Objection.objects.exists()


class TestDeadline:
    @pytest.mark.parametrize(
        ("lodged", "deadline"),
        [
            # Friday: Saturday and Sunday do not count.
            (date(2026, 11, 20), date(2026, 11, 25)),
            # Wednesday: Thursday, Friday, Monday.
            (date(2026, 11, 25), date(2026, 11, 30)),
            # Before National Day 2026 (1–7 October off): 30 September, then 8 and 9 October.
            (date(2026, 9, 29), date(2026, 10, 9)),
            # On its eve: 8 and 9 October, and Saturday 10 October, an adjusted working day.
            (date(2026, 9, 30), date(2026, 10, 10)),
            # During the holiday: the first three working days after it.
            (date(2026, 10, 3), date(2026, 10, 10)),
        ],
    )
    def test_three_working_days_from_the_day_after(self, lodged, deadline):
        assert services.objection_deadline(lodged) == deadline

    def test_the_number_of_days_is_a_setting(self, settings):
        settings.AIDSYS_OBJECTION_WORKING_DAYS = 5
        assert services.objection_deadline(date(2026, 11, 20)) == date(2026, 11, 27)

    def test_an_open_objection_past_its_deadline_is_marked_overdue(self, cast, client_for):
        notice = running_notice(cast)
        late = set_deadline(lodge(notice, address="198.51.100.1"), -1)
        due_today = set_deadline(lodge(notice, address="198.51.100.2"), 0)
        decided = set_deadline(lodge(notice, address="198.51.100.3"), -2)
        services.objection_decide(
            actor=cast.li, objection=decided, outcome="dismissed", decision="不属实。", reply="经核实不属实。"
        )
        page = client_for(cast.li).get(reverse("publicity:objection_list")).content.decode()
        rows = {
            number: 'data-testid="overdue"' in row
            for row in page.split('data-testid="objection-row"')[1:]
            for number in (late.tracking_number, due_today.tracking_number, decided.tracking_number)
            if number in row
        }
        assert rows == {late.tracking_number: True, due_today.tracking_number: False, decided.tracking_number: False}
        overdue_only = client_for(cast.li).get(reverse("publicity:objection_list"), {"status": "overdue"})
        assert late.tracking_number in overdue_only.content.decode()
        assert due_today.tracking_number not in overdue_only.content.decode()


class TestInvestigateAndDecide:
    def test_notes_are_added_by_the_aid_office_also_through_htmx(self, cast, client_for):
        notice = running_notice(cast)
        objection = lodge(notice)
        url = reverse("publicity:objection_note_add", args=[objection.pk])
        response = client_for(cast.li).post(url, {"text": "已电话联系班主任核实。"}, headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert "已电话联系班主任核实。" in response.content.decode()
        assert 'id="objection-notes"' in response.content.decode()
        assert client_for(cast.li).post(url, {"text": "已入户走访。"}).status_code == 302
        note = ObjectionNote.objects.get(text="已入户走访。")
        assert (note.author, note.objection) == (cast.li, objection)
        assert AuditEvent.objects.for_object(note).get().actor == cast.li
        assert client_for(cast.wang).post(url, {"text": "班主任的看法。"}).status_code == 403
        assert ObjectionNote.objects.count() == 2

    def test_dismissed_with_the_reason_and_the_reply_once(self, cast, client_for):
        notice = running_notice(cast)
        objection = lodge(notice, entry=entry_named(notice, "王小明"))
        response = client_for(cast.li).post(
            reverse("publicity:objection_decide", args=[objection.pk]),
            {"outcome": "dismissed", "decision": "入户核实，情况属实。", "reply": "经核实，维持原评定。"},
        )
        assert response.status_code == 302
        objection.refresh_from_db()
        assert (objection.status, objection.reply, objection.decided_by) == (
            "dismissed",
            "经核实，维持原评定。",
            cast.li,
        )
        assert Application.objects.filter(status="approved").count() == 4
        assert not PublicNotice.objects.filter(kind="supplementary").exists()
        event = AuditEvent.objects.for_object(objection).filter(action="transition").get()
        assert event.changes["status"] == ["open", "dismissed"] and event.reason == "入户核实，情况属实。"
        with pytest.raises(services.InvalidTransition):
            services.objection_decide(
                actor=cast.li, objection=objection, outcome="upheld", decision="再议", reply="再议", action="remove"
            )

    def test_the_reason_and_the_reply_are_required(self, cast, client_for):
        notice = running_notice(cast)
        objection = lodge(notice)
        response = client_for(cast.li).post(
            reverse("publicity:objection_decide", args=[objection.pk]),
            {"outcome": "dismissed", "decision": "", "reply": ""},
        )
        assert response.status_code == 400
        with pytest.raises(ValidationError) as refused:
            services.objection_decide(actor=cast.li, objection=objection, outcome="dismissed", decision="x", reply=" ")
        assert set(refused.value.error_dict) == {"reply"}
        objection.refresh_from_db()
        assert objection.status == "open"

    def test_upheld_removal_revokes_the_award_and_drafts_the_supplementary_notice(self, cast, client_for):
        notice = running_notice(cast)
        ming = entry_named(notice, "王小明")
        objection = lodge(notice, entry=ming)
        response = client_for(cast.li).post(
            reverse("publicity:objection_decide", args=[objection.pk]),
            {
                "outcome": "upheld",
                "decision": "入户核实：家庭已建新房，收入稳定，不符合条件。",
                "reply": "经核实，异议成立，已取消该生资助资格。",
                "action": "remove",
                "revocation_reason": "false_materials",
            },
        )
        assert response.status_code == 302
        objection.refresh_from_db()
        assert objection.status == "upheld"
        application = ming.application
        application.refresh_from_db()
        assert application.status == "revoked"
        assert (application.revocation.reason, application.revocation.detail) == (
            "false_materials",
            "入户核实：家庭已建新房，收入稳定，不符合条件。",
        )
        assert RosterSignoff.objects.get().status == "pending"
        supplementary = PublicNotice.objects.get(kind="supplementary")
        assert (supplementary.supplements, supplementary.status) == (notice, "draft")
        line = supplementary.entries.get()
        assert (line.name, line.change, line.application) == ("王小明", "removed", application)
        assert "入户核实" in line.change_reason

    def test_upheld_change_of_tier_changes_the_award_within_quota(self, cast):
        notice = running_notice(cast)
        ming = entry_named(notice, "王小明")
        objection = lodge(notice, entry=ming)
        services.objection_decide(
            actor=cast.li,
            objection=objection,
            outcome="upheld",
            decision="核实后家庭困难程度为一般困难。",
            reply="经核实，异议部分成立，档次调整为一般困难。",
            action="change",
            tier="generally_difficult",
        )
        application = Application.objects.get(pk=ming.application_id)
        assert (application.status, application.approved_tier, str(application.amount)) == (
            "approved",
            "generally_difficult",
            "625.00",
        )
        event = AuditEvent.objects.for_object(application).filter(action="update").get()
        assert event.changes["approved_tier"] == ["especially_difficult", "generally_difficult"]
        line = PublicNotice.objects.get(kind="supplementary").entries.get()
        assert (line.change, line.tier, line.change_reason) == (
            "changed",
            "generally_difficult",
            "核实后家庭困难程度为一般困难。",
        )

    def test_an_upheld_objection_needs_a_line_and_what_happens_to_it(self, cast):
        notice = running_notice(cast)
        objection = lodge(notice)
        with pytest.raises(ValidationError) as refused:
            services.objection_decide(
                actor=cast.li, objection=objection, outcome="upheld", decision="成立", reply="成立"
            )
        assert set(refused.value.error_dict) == {"entry", "action"}
        with pytest.raises(ValidationError) as refused:
            services.objection_decide(
                actor=cast.li,
                objection=objection,
                outcome="upheld",
                decision="成立",
                reply="成立",
                entry=entry_named(notice, "艾米"),
                action="already_changed",
            )
        assert refused.value.error_dict["action"][0].code == "not_changed"

    def test_a_quota_refusal_leaves_everything_as_it_was(self, cast):
        notice = running_notice(cast)
        objection = lodge(notice, entry=entry_named(notice, "王小明"))
        # The four awards use 2,375 of 2,600 yuan: 625 more for one of them is over.
        Quota.objects.update(amount=Decimal("2600.00"))
        with pytest.raises(QuotaExceeded) as refused:
            services.objection_decide(
                actor=cast.li,
                objection=objection,
                outcome="upheld",
                decision="成立",
                reply="成立",
                action="change",
                tier="especially_difficult",
                amount=Decimal("1250.00"),
                amount_reason="特别困难，按全年标准一次发放",
            )
        assert "3000.00" in refused.value.messages[0]
        objection.refresh_from_db()
        assert objection.status == "open"
        assert Application.objects.get(pk=objection.entry.application_id).approved_tier == "especially_difficult"

    def test_a_second_objection_to_a_removed_line_is_upheld_without_a_second_change(self, cast):
        notice = running_notice(cast)
        ming = entry_named(notice, "王小明")
        first, second = lodge(notice, entry=ming), lodge(notice, entry=ming)
        decide = {"outcome": "upheld", "decision": "不符合条件。", "reply": "异议成立。"}
        services.objection_decide(actor=cast.li, objection=first, action="remove", **decide)
        services.objection_decide(actor=cast.li, objection=second, action="already_changed", **decide)
        second.refresh_from_db()
        assert second.status == "upheld"
        assert PublicNotice.objects.get(kind="supplementary").entries.count() == 1

    def test_only_the_aid_office_decides(self, cast, client_for):
        notice = running_notice(cast)
        objection = lodge(notice)
        url = reverse("publicity:objection_decide", args=[objection.pk])
        data = {"outcome": "dismissed", "decision": "不属实", "reply": "不属实"}
        assert client_for(cast.wang).post(url, data).status_code == 403
        assert client_for(cast.zhang).post(url, data).status_code == 403
        assert client_for(cast.zhao).post(url, data).status_code == 403
        assert client_for(cast.outsider).post(url, data).status_code == 404
        assert client_for(aid_office_of(cast.sibling_school)).post(url, data).status_code == 404
        objection.refresh_from_db()
        assert objection.status == "open"


class TestScope:
    def test_readers_see_the_objection_a_class_teacher_and_neighbours_do_not(self, cast, client_for):
        notice = running_notice(cast)
        objection = lodge(notice, name="刘大妈")
        url = reverse("publicity:objection_detail", args=[objection.pk])
        for reader in (cast.li, cast.zhang, cast.zhao, cast.admin):
            assert client_for(reader).get(url).status_code == 200
        assert client_for(cast.wang).get(url).status_code == 403
        assert client_for(cast.outsider).get(url).status_code == 404
        assert client_for(aid_office_of(cast.sibling_school)).get(url).status_code == 404
        assert Client().get(url).status_code == 302

    def test_the_lists_show_only_the_users_schools(self, cast, client_for):
        notice = running_notice(cast)
        objection = lodge(notice)
        neighbour = aid_office_of(cast.sibling_school)
        list_url = reverse("publicity:objection_list")
        assert objection.tracking_number in client_for(cast.zhao).get(list_url).content.decode()
        assert objection.tracking_number not in client_for(neighbour).get(list_url).content.decode()
        assert client_for(cast.wang).get(list_url).status_code == 403
        assert client_for(cast.outsider).get(list_url).status_code == 403
        notice_url = reverse("publicity:objection_notice", args=[notice.pk])
        assert client_for(neighbour).get(notice_url).status_code == 404
        assert client_for(cast.wang).get(notice_url).status_code == 403

    def test_open_objections_of_a_notice_include_its_supplementary_notices(self, cast):
        notice = running_notice(cast)
        first = lodge(notice, entry=entry_named(notice, "王小明"))
        services.objection_decide(
            actor=cast.li, objection=first, outcome="upheld", decision="不符合。", reply="成立。", action="remove"
        )
        supplementary = PublicNotice.objects.get(kind="supplementary")
        PublicNotice.objects.filter(pk=supplementary.pk).update(
            status="published", published_at=timezone.now(), start_date=timezone.localdate()
        )
        assert open_objections(notice) == []
        later = lodge(supplementary, address="198.51.100.9")
        assert open_objections(notice) == [later]
