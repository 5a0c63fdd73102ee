"""补充公示: the changes to a roster after its notice was published, and only those, noticed again."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from aidsys import calendar
from aidsys.models import AuditEvent
from aidsys.todo import todo_for
from applications.models import Application
from publicity.models import PublicNotice
from publicity.selectors import notices as selectors
from publicity.services import notices as notice_services
from publicity.services.objections import objection_decide
from publicity.services.supplementary import (
    roster_changes,
    supplementary_notice_create,
    supplementary_notice_from_roster,
)
from reviews.models import RosterSignoff
from reviews.services import application_approve, application_revoke, roster_sign
from reviews.services.award_change import application_award_change
from tests.factories import ApplicationFactory, StudentFactory
from tests.publicity.notice_data import approved_application, make_notice, signed_roster
from tests.publicity.objection_data import aid_program, entry_named, lodge, running_notice


def application_of(notice, name) -> Application:
    return Application.objects.get(pk=entry_named(notice, name).application_id)


def revoke(cast, application, detail="2026年11月转学至外县"):
    return application_revoke(
        actor=cast.li, application=application, reason="transferred_out", detail=detail, effective_term=cast.term
    )


def replacement(cast, notice, revoked):
    """递补: a recommended application approved in the revoked award's place."""
    student = StudentFactory(name="钱小花", school_class=cast.class_2)
    candidate = ApplicationFactory(
        student=student,
        program=notice.program,
        term=cast.term,
        status="recommended",
        recommended_tier="difficult",
        filed_by=cast.wang,
    )
    return application_approve(actor=cast.li, application=candidate, tier="difficult", replaces=revoked)


def lines(notice) -> dict[str, tuple[str, str]]:
    return {entry.name: (entry.change, entry.tier) for entry in notice.entries.all()}


def uphold_tier_change(cast, notice, name="王小明", tier="difficult"):
    objection = lodge(notice, entry=entry_named(notice, name))
    return objection_decide(
        actor=cast.li,
        objection=objection,
        outcome="upheld",
        decision="核实后调整档次。",
        reply="异议成立，档次已调整。",
        action="change",
        tier=tier,
    )


def sign_again(cast) -> RosterSignoff:
    return roster_sign(actor=cast.zhang, signoff=RosterSignoff.objects.get())


class TestChanges:
    def test_added_changed_and_removed_lines_only(self, cast):
        notice = running_notice(cast)
        revoked = application_of(notice, "赵小雨")
        revoke(cast, revoked)
        replacement(cast, notice, revoked)
        application_award_change(
            actor=cast.li, application=application_of(notice, "王小明"), tier="difficult", reason="经核实调整档次"
        )
        changes = {change.application.student.name: change for change in roster_changes(original=notice)}
        assert {name: change.change for name, change in changes.items()} == {
            "赵小雨": "removed",
            "钱小花": "added",
            "王小明": "changed",
        }
        assert changes["赵小雨"].reason.endswith("：2026年11月转学至外县")
        assert "赵小雨" in changes["钱小花"].reason
        assert changes["王小明"].reason == "经核实调整档次"
        assert changes["赵小雨"].noticed == entry_named(notice, "赵小雨")

    def test_a_changed_amount_counts_only_where_the_notice_shows_amounts(self, cast):
        hidden = running_notice(cast, shows_amount=False)
        application_award_change(
            actor=cast.li,
            application=application_of(hidden, "艾米"),
            tier="difficult",
            amount=Decimal("700.00"),
            amount_reason="按实际困难程度调整",
            reason="核实后调整金额",
        )
        assert roster_changes(original=hidden) == []

    def test_nothing_changed_nothing_to_notice(self, cast):
        notice = running_notice(cast)
        assert roster_changes(original=notice) == []
        assert supplementary_notice_from_roster(actor=cast.li, original=notice) is None
        with pytest.raises(ValidationError) as refused:
            supplementary_notice_create(actor=cast.li, original=notice, changes=[])
        assert refused.value.code == "no_changes"


class TestSupplementaryNotice:
    def test_it_has_its_own_period_from_the_next_working_day_and_the_originals_posting(self, cast):
        notice = running_notice(cast)
        revoke(cast, application_of(notice, "赵小雨"))
        supplementary = supplementary_notice_from_roster(actor=cast.li, original=notice)
        start = calendar.working_period(timezone.localdate() + timedelta(days=1), 1).end
        assert (supplementary.kind, supplementary.supplements, supplementary.status) == (
            "supplementary",
            notice,
            "draft",
        )
        assert (supplementary.start_date, supplementary.working_days) == (start, cast.county.notice_working_days)
        assert supplementary.end_date == calendar.last_working_day(start, cast.county.notice_working_days)
        assert (supplementary.places, supplementary.contact_phone, supplementary.show_amounts) == (
            notice.places,
            notice.contact_phone,
            notice.show_amounts,
        )
        line = supplementary.entries.get()
        assert (line.position, line.name, line.class_name, line.tier, line.change) == (
            1,
            "赵小雨",
            entry_named(notice, "赵小雨").class_name,
            "difficult",
            "removed",
        )
        assert AuditEvent.objects.for_object(supplementary).get().action == "create"

    def test_the_draft_is_brought_up_to_date_and_dropped_when_nothing_is_left(self, cast):
        notice = running_notice(cast)
        ming = application_of(notice, "王小明")
        application_award_change(actor=cast.li, application=ming, tier="difficult", reason="调整")
        draft = supplementary_notice_from_roster(actor=cast.li, original=notice)
        revoke(cast, application_of(notice, "曾小红"))
        again = supplementary_notice_from_roster(actor=cast.li, original=notice)
        assert again.pk == draft.pk
        assert lines(again) == {"王小明": ("changed", "difficult"), "曾小红": ("removed", "generally_difficult")}
        application_award_change(actor=cast.li, application=ming, tier="especially_difficult", reason="改回")
        assert lines(supplementary_notice_from_roster(actor=cast.li, original=notice)) == {
            "曾小红": ("removed", "generally_difficult")
        }
        PublicNotice.objects.filter(pk=draft.pk).delete()

    def test_a_published_supplementary_notice_counts_as_noticed(self, cast):
        notice = running_notice(cast)
        revoke(cast, application_of(notice, "赵小雨"))
        first = supplementary_notice_from_roster(actor=cast.li, original=notice)
        sign_again(cast)
        notice_services.notice_publish(actor=cast.li, notice=first)
        assert supplementary_notice_from_roster(actor=cast.li, original=notice) is None
        revoke(cast, application_of(notice, "艾米"), detail="家庭经济状况好转")
        second = supplementary_notice_from_roster(actor=cast.li, original=notice)
        assert second.pk != first.pk
        assert lines(second) == {"艾米": ("removed", "difficult")}

    def test_its_public_page_shows_the_changes_and_takes_objections(self, cast, client):
        notice = running_notice(cast)
        revoked = application_of(notice, "赵小雨")
        revoke(cast, revoked)
        replacement(cast, notice, revoked)
        supplementary = supplementary_notice_from_roster(actor=cast.li, original=notice)
        PublicNotice.objects.filter(pk=supplementary.pk).update(start_date=timezone.localdate())
        sign_again(cast)
        supplementary = notice_services.notice_publish(actor=cast.li, notice=supplementary)
        page = client.get(supplementary.get_public_url()).content.decode()
        assert "钱小花" in page and "赵小雨" in page and "王小明" not in page
        form = client.get(reverse("publicity:objection_lodge", args=[supplementary.token])).content.decode()
        assert "钱小花" in form and "赵小雨" not in form

    def test_the_aid_office_asks_for_it_from_the_notices_objection_page(self, cast, client_for):
        notice = running_notice(cast)
        url = reverse("publicity:supplementary_from_roster", args=[notice.pk])
        nothing = client_for(cast.li).post(url)
        assert nothing.status_code == 302 and not PublicNotice.objects.filter(kind="supplementary").exists()
        revoke(cast, application_of(notice, "赵小雨"))
        assert client_for(cast.wang).post(url).status_code == 403
        assert client_for(cast.zhang).post(url).status_code == 403
        response = client_for(cast.li).post(url)
        supplementary = PublicNotice.objects.get(kind="supplementary")
        assert response["Location"] == supplementary.get_absolute_url()
        page = client_for(cast.zhang).get(reverse("publicity:objection_notice", args=[notice.pk])).content.decode()
        assert supplementary.get_absolute_url() in page
        with pytest.raises(PermissionDenied):
            supplementary_notice_from_roster(actor=cast.zhang, original=notice)

    def test_an_upheld_objection_to_a_supplementary_line_supplements_the_original(self, cast):
        notice = running_notice(cast)
        revoked = application_of(notice, "赵小雨")
        revoke(cast, revoked)
        added = replacement(cast, notice, revoked)
        first = supplementary_notice_from_roster(actor=cast.li, original=notice)
        PublicNotice.objects.filter(pk=first.pk).update(start_date=timezone.localdate())
        sign_again(cast)
        first = notice_services.notice_publish(actor=cast.li, notice=first)
        objection = lodge(first, entry=first.entries.get(name="钱小花"))
        objection_decide(
            actor=cast.li,
            objection=objection,
            outcome="upheld",
            decision="递补学生已转学。",
            reply="异议成立。",
            action="remove",
            revocation_reason="other",
        )
        second = PublicNotice.objects.get(kind="supplementary", status="draft")
        assert second.supplements == notice
        assert lines(second) == {"钱小花": ("removed", "difficult")}
        added.refresh_from_db()
        assert added.status == "revoked"

    def test_a_supplementary_notice_for_a_closed_notice_of_a_later_revocation(self, cast):
        notice = running_notice(cast)
        PublicNotice.objects.filter(pk=notice.pk).update(status="closed", closed_at=timezone.now(), closed_by=cast.li)
        notice.refresh_from_db()
        signoff = RosterSignoff.objects.get()
        revoke(cast, application_of(notice, "艾米"), detail="2027年1月转学")
        roster_sign(actor=cast.zhang, signoff=signoff)
        supplementary = supplementary_notice_from_roster(actor=cast.li, original=notice)
        assert supplementary.signoff_version == 2
        assert lines(supplementary) == {"艾米": ("removed", "difficult")}

    def test_a_draft_original_has_no_supplementary_notice(self, cast):
        draft = make_notice(cast, signed_roster(cast, program=aid_program(cast)), publish=False)
        approved_application(cast, draft.program, name="新同学", school_class=cast.class_1)
        with pytest.raises(ValidationError) as refused:
            supplementary_notice_from_roster(actor=cast.li, original=draft)
        assert refused.value.code == "not_published"


class TestNoSecondOriginal:
    def test_a_roster_re_signed_after_its_notice_is_not_offered_a_new_notice(self, cast, client_for):
        notice = running_notice(cast)
        uphold_tier_change(cast, notice)
        signoff = roster_sign(actor=cast.zhang, signoff=RosterSignoff.objects.get())
        assert (signoff.status, signoff.version) == ("signed", 2)
        page = client_for(cast.li).get(reverse("publicity:notice_index"))
        assert list(page.context["awaiting"]) == []
        index = reverse("publicity:notice_index")
        assert [item for item in todo_for(cast.li) if item.url == index] == []
        with pytest.raises(ValidationError) as refused:
            notice_services.notice_create(
                actor=cast.li,
                signoff=signoff,
                start_date=timezone.localdate(),
                working_days=5,
                places=["school_board"],
                contact_office="资助办",
                contact_phone="0731-12345678",
            )
        assert refused.value.code == "already_published"
        form = {
            "start_date": timezone.localdate().isoformat(),
            "working_days": 5,
            "places": ["school_board"],
            "contact_office": "资助办",
            "contact_phone": "0731-12345678",
        }
        response = client_for(cast.li).post(reverse("publicity:notice_create", args=[signoff.pk]), form)
        assert response.status_code == 400
        assert [error.code for error in response.context["form"].non_field_errors().as_data()] == ["already_published"]
        assert PublicNotice.objects.filter(kind="original").count() == 1

    def test_a_closed_notice_is_not_made_again_either(self, cast):
        notice = running_notice(cast)
        PublicNotice.objects.filter(pk=notice.pk).update(status="closed", closed_at=timezone.now(), closed_by=cast.li)
        revoke(cast, application_of(notice, "艾米"))
        signoff = roster_sign(actor=cast.zhang, signoff=RosterSignoff.objects.get())
        assert list(selectors.rosters_awaiting_notice(user=cast.li)) == []
        assert supplementary_notice_from_roster(actor=cast.li, original=notice).signoff_version == signoff.version

    def test_a_draft_of_an_earlier_signature_is_replaced_by_a_notice_of_the_new_one(self, cast):
        signoff = signed_roster(cast, program=aid_program(cast))
        make_notice(cast, signoff, publish=False)
        assert list(selectors.rosters_awaiting_notice(user=cast.li)) == []
        RosterSignoff.objects.filter(pk=signoff.pk).update(version=2)
        signoff.refresh_from_db()
        assert list(selectors.rosters_awaiting_notice(user=cast.li)) == [signoff]
        assert make_notice(cast, signoff).signoff_version == 2


class TestPublishingAfterTheNewSignature:
    def test_it_waits_for_the_principals_signature_of_the_changed_roster(self, cast, client_for):
        notice = running_notice(cast)
        uphold_tier_change(cast, notice)
        draft = PublicNotice.objects.get(kind="supplementary")
        assert RosterSignoff.objects.get().status == "pending"
        with pytest.raises(ValidationError) as refused:
            notice_services.notice_publish(actor=cast.li, notice=draft)
        assert refused.value.code == "roster_not_signed"
        response = client_for(cast.li).post(reverse("publicity:notice_publish", args=[draft.pk]), follow=True)
        assert [m.message for m in response.context["messages"]] == refused.value.messages
        draft.refresh_from_db()
        assert draft.status == "draft"
        page = client_for(cast.li).get(draft.get_absolute_url())
        assert page.context["awaiting_signature"]
        assert 'data-testid="awaiting-signature"' in page.content.decode()

        sign_again(cast)
        assert not client_for(cast.li).get(draft.get_absolute_url()).context["awaiting_signature"]
        published = notice_services.notice_publish(actor=cast.li, notice=draft)
        assert (published.status, published.signoff_version) == ("published", 2)
        assert AuditEvent.objects.for_object(published).filter(action="transition").count() == 1

    def test_signed_after_its_first_day_it_runs_its_whole_period_from_the_day_it_is_published(
        self, cast, client_for, today_is
    ):
        today_is(date(2026, 11, 23))
        notice = running_notice(cast)
        uphold_tier_change(cast, notice)
        draft = PublicNotice.objects.get(kind="supplementary")
        assert (draft.start_date, draft.end_date) == (date(2026, 11, 24), date(2026, 11, 30))
        # The principal signs nine days later; the drafted period has all but run.
        today_is(date(2026, 12, 2))
        sign_again(cast)
        response = client_for(cast.li).post(reverse("publicity:notice_publish", args=[draft.pk]), follow=True)
        draft.refresh_from_db()
        assert (draft.status, draft.start_date, draft.working_days, draft.end_date) == (
            "published",
            date(2026, 12, 2),
            cast.county.notice_working_days,
            calendar.last_working_day(date(2026, 12, 2), cast.county.notice_working_days),
        )
        assert draft.end_date == date(2026, 12, 8)
        assert any("2026-12-08" in str(m) for m in response.context["messages"])
        event = AuditEvent.objects.for_object(draft).get(action="transition")
        assert event.changes["start_date"] == ["2026-11-24", "2026-12-02"]
        assert event.changes["end_date"] == ["2026-11-30", "2026-12-08"]

    def test_a_returned_roster_is_not_signed(self, cast):
        notice = running_notice(cast)
        uphold_tier_change(cast, notice)
        draft = PublicNotice.objects.get(kind="supplementary")
        RosterSignoff.objects.filter(pk=notice.signoff_id).update(status="returned", comment="请复核")
        with pytest.raises(ValidationError) as refused:
            notice_services.notice_publish(actor=cast.li, notice=draft)
        assert refused.value.code == "roster_not_signed"

    def test_a_second_supplementary_notice_waits_for_a_signature_after_the_first(self, cast):
        notice = running_notice(cast)
        revoke(cast, application_of(notice, "赵小雨"))
        sign_again(cast)
        first = supplementary_notice_from_roster(actor=cast.li, original=notice)
        notice_services.notice_publish(actor=cast.li, notice=first)
        revoke(cast, application_of(notice, "艾米"), detail="家庭经济状况好转")
        second = supplementary_notice_from_roster(actor=cast.li, original=notice)
        # Signed at version 2, which the first supplementary notice showed: not a signature of this change.
        RosterSignoff.objects.filter(pk=notice.signoff_id).update(status="signed")
        with pytest.raises(ValidationError) as refused:
            notice_services.notice_publish(actor=cast.li, notice=second)
        assert refused.value.code == "roster_not_signed"

    def test_lines_that_no_longer_match_the_signed_roster_are_refused_and_brought_up_to_date(self, cast, client_for):
        notice = running_notice(cast)
        uphold_tier_change(cast, notice)
        draft = PublicNotice.objects.get(kind="supplementary")
        sign_again(cast)
        # A revocation after the draft, signed too: the draft does not know it.
        revoke(cast, application_of(notice, "艾米"), detail="家庭经济状况好转")
        assert sign_again(cast).version == 3
        with pytest.raises(ValidationError) as refused:
            notice_services.notice_publish(actor=cast.li, notice=draft)
        assert refused.value.code == "supplementary_outdated"
        response = client_for(cast.li).post(reverse("publicity:notice_publish", args=[draft.pk]))
        assert response.status_code == 302 and response["Location"] == draft.get_absolute_url()
        draft.refresh_from_db()
        assert draft.status == "draft"
        assert lines(draft) == {"王小明": ("changed", "difficult"), "艾米": ("removed", "difficult")}
        published = notice_services.notice_publish(actor=cast.li, notice=draft)
        assert (published.status, published.signoff_version) == ("published", 3)


class TestOnTheNoticePage:
    def test_the_original_notice_lists_its_supplementary_notices(self, cast, client_for):
        notice = running_notice(cast)
        revoked = application_of(notice, "赵小雨")
        revoke(cast, revoked)
        replacement(cast, notice, revoked)
        draft = supplementary_notice_from_roster(actor=cast.li, original=notice)
        for user in (cast.li, cast.zhang, cast.zhao):
            page = client_for(user).get(notice.get_absolute_url())
            listed = page.context["supplementary_notices"]
            assert [(s.pk, s.entry_count, s.phase) for s in listed] == [(draft.pk, 2, "draft")]
        html = page.content.decode()
        section = html[html.index('data-testid="supplementary-notices"') :]
        start = section.index('data-testid="supplementary-notice"')
        row = section[start : section.index("</tr>", start)]
        assert f'href="{draft.get_absolute_url()}"' in row
        assert draft.start_date.isoformat() in row and draft.end_date.isoformat() in row
        assert 'data-testid="supplementary-lines">2<' in row
        assert 'data-status="draft"' in row

    def test_a_supplementary_notice_links_its_original_and_lists_nothing_itself(self, cast, client_for):
        notice = running_notice(cast)
        revoke(cast, application_of(notice, "赵小雨"))
        draft = supplementary_notice_from_roster(actor=cast.li, original=notice)
        page = client_for(cast.li).get(draft.get_absolute_url())
        assert page.context["supplementary_notices"] == []
        html = page.content.decode()
        assert 'data-testid="supplementary-notices"' not in html
        assert f'href="{notice.get_absolute_url()}" data-testid="supplements-link"' in html

    def test_an_original_without_supplementary_notices_says_so(self, cast, client_for):
        notice = running_notice(cast)
        page = client_for(cast.li).get(notice.get_absolute_url())
        assert list(page.context["supplementary_notices"]) == []
        assert 'data-testid="no-supplementary-notices"' in page.content.decode()
