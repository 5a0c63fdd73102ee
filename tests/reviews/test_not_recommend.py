"""不推荐: the class teacher's first review advises against an application with a reason; the aid office
sees it with the reason and decides (confirms it as not approved, or approves it with the school's reason)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from aidsys.models import AuditEvent, Role
from aidsys.todo import todo_for
from applications.models import Application
from reports.selectors.dashboards import roster_facts
from reviews import selectors
from reviews.services import (
    InvalidTransition,
    application_approve,
    application_not_recommend,
    application_reconsider,
    application_reject,
    application_send_back,
    roster_submit,
)
from tests.factories import MembershipFactory, StudentFactory, UserFactory
from tests.reviews.conftest import approved, recommended, submitted

REASON = "家访核实：父母均在县城务工，家庭收入稳定"


def not_recommended(cast, program, **fields):
    application = submitted(cast, program, **fields)
    return application_not_recommend(actor=cast.wang, application=application, reason=REASON)


def roster(cast, program) -> str:
    return f"/reviews/schools/{cast.school.pk}/{program.pk}/{cast.term.pk}/"


def class_review(cast, program) -> str:
    return roster(cast, program) + f"classes/{cast.class_1.pk}/"


class TestNotRecommend:
    def test_the_class_teacher_does_not_recommend_with_a_reason_and_it_is_audited(self, cast, program):
        application = submitted(cast, program)
        application_not_recommend(actor=cast.wang, application=application, reason=f"  {REASON} ")
        stored = Application.objects.get(pk=application.pk)
        assert stored.status == "not_recommended"
        assert (stored.first_review_note, stored.recommended_tier, stored.first_reviewed_by) == (REASON, "", cast.wang)
        event = AuditEvent.objects.for_object(stored).get()
        assert event.reason == REASON
        assert event.changes["status"] == ["submitted", "not_recommended"]

    def test_no_home_visit_is_needed_to_advise_against(self, cast, program):
        application = not_recommended(cast, program)
        assert application.status == "not_recommended" and application.no_visit_reason == ""

    def test_a_sent_back_application_may_be_not_recommended_and_loses_its_recommended_tier(self, cast, program):
        application = recommended(cast, program, status="sent_back", return_comment="请再核实")
        application_not_recommend(actor=cast.wang, application=application, reason=REASON)
        application.refresh_from_db()
        assert (application.status, application.recommended_tier, application.return_comment) == (
            "not_recommended",
            "",
            "",
        )

    def test_an_empty_reason_is_refused_beside_the_reason_field(self, cast, program):
        application = submitted(cast, program)
        with pytest.raises(ValidationError) as refused:
            application_not_recommend(actor=cast.wang, application=application, reason="   ")
        assert refused.value.error_dict["reason"][0].code == "reason"
        assert Application.objects.get(pk=application.pk).status == "submitted"
        assert not AuditEvent.objects.for_object(application).exists()

    @pytest.mark.parametrize("status", ["draft", "returned", "recommended", "not_recommended", "rejected"])
    def test_only_an_application_at_first_review_is_not_recommended(self, cast, program, status):
        application = submitted(cast, program, status=status)
        with pytest.raises(InvalidTransition):
            application_not_recommend(actor=cast.wang, application=application, reason=REASON)

    @pytest.mark.parametrize("who", ["li", "zhang", "zhao", "outsider"])
    def test_only_the_class_teacher_does_it(self, cast, program, who):
        application = submitted(cast, program)
        with pytest.raises(PermissionDenied):
            application_not_recommend(actor=getattr(cast, who), application=application, reason=REASON)


class TestTheSchoolDecides:
    def test_the_aid_office_confirms_it_as_not_approved(self, cast, program):
        application = not_recommended(cast, program)
        application_reject(actor=cast.li, application=application, reason="同意班主任意见")
        application.refresh_from_db()
        assert (application.status, application.decision_reason, application.decided_by) == (
            "rejected",
            "同意班主任意见",
            cast.li,
        )

    def test_approving_it_all_the_same_needs_the_schools_reason(self, cast, program, quota):
        application = not_recommended(cast, program)
        with pytest.raises(ValidationError) as refused:
            application_approve(actor=cast.li, application=application, tier="difficult")
        assert refused.value.error_dict["decision_reason"][0].code == "override_reason"
        assert Application.objects.get(pk=application.pk).status == "not_recommended"
        application_approve(
            actor=cast.li, application=application, tier="difficult", decision_reason="评议小组核实后认定困难"
        )
        stored = Application.objects.get(pk=application.pk)
        assert (stored.status, stored.approved_tier, stored.decision_reason) == (
            "approved",
            "difficult",
            "评议小组核实后认定困难",
        )
        assert AuditEvent.objects.for_object(stored).order_by("pk").last().reason == "评议小组核实后认定困难"

    def test_it_may_be_sent_back_to_the_class_teacher(self, cast, program):
        application = not_recommended(cast, program)
        application_send_back(actor=cast.li, application=application, comment="请再家访一次")
        assert Application.objects.get(pk=application.pk).status == "sent_back"

    def test_taking_back_the_decision_returns_it_to_not_recommended(self, cast, program):
        application = not_recommended(cast, program)
        application_reject(actor=cast.li, application=application, reason="同意班主任意见")
        application_reconsider(actor=cast.li, application=application, reason="再议")
        assert Application.objects.get(pk=application.pk).status == "not_recommended"
        other = approved(cast, program)
        application_reconsider(actor=cast.li, application=other, reason="再议")
        assert Application.objects.get(pk=other.pk).status == "recommended"

    def test_the_roster_is_not_submitted_while_the_school_has_not_decided(self, cast, program):
        approved(cast, program)
        application = not_recommended(cast, program, student=StudentFactory(school_class=cast.class_1, name="陈小明"))
        with pytest.raises(ValidationError) as refused:
            roster_submit(actor=cast.li, school=cast.school, program=program, term=cast.term)
        assert refused.value.code == "not_recommended_open"
        assert f"陈小明（{cast.class_1.name}，班主任不推荐）" in refused.value.messages[0]
        application_reject(actor=cast.li, application=application, reason="同意班主任意见")
        assert roster_submit(actor=cast.li, school=cast.school, program=program, term=cast.term).status == "pending"


class TestWhatTheAidOfficeSees:
    def test_the_class_review_lists_it_apart_with_the_reason_and_the_decisions(self, cast, program, client_for):
        application = not_recommended(cast, program)
        waiting = recommended(cast, program)
        page = client_for(cast.li).get(class_review(cast, program)).content.decode()
        section = page[page.index('data-testid="not-recommended"') : page.index('data-testid="decided"')]
        assert application.student.name in section and REASON in section and cast.wang.full_name in section
        assert waiting.student.name not in section
        assert f"/reviews/applications/{application.pk}/reject/" in section
        assert f"/reviews/applications/{application.pk}/approve/" in section
        assert f'name="a{application.pk}-decision_reason"' in section
        review = selectors.class_review(
            user=cast.li, school=cast.school, program=program, term=cast.term, school_class=cast.class_1
        )
        assert [row.application.pk for row in review.not_recommended] == [application.pk]
        assert [row.application.pk for row in review.recommended] == [waiting.pk]
        assert review.elsewhere == {}

    def test_the_aid_office_decides_through_the_page(self, cast, program, quota, client_for):
        application = not_recommended(cast, program)
        client = client_for(cast.li)
        refused = client.post(
            f"/reviews/applications/{application.pk}/approve/", {f"a{application.pk}-tier": "difficult"}, follow=True
        )
        assert "请填写学校同意资助的理由" in refused.content.decode()
        assert Application.objects.get(pk=application.pk).status == "not_recommended"
        client.post(
            f"/reviews/applications/{application.pk}/approve/",
            {f"a{application.pk}-tier": "difficult", f"a{application.pk}-decision_reason": "评议小组核实后认定困难"},
        )
        assert Application.objects.get(pk=application.pk).status == "approved"

    def test_counts_summaries_and_to_do_include_it(self, cast, program, client_for):
        not_recommended(cast, program, first_reviewed_at=timezone.now() - timedelta(days=9))
        Application.objects.filter(status="not_recommended").update(first_reviewed_at=timezone.now() - timedelta(9))
        client = client_for(cast.li)
        roster_page = client.get(roster(cast, program)).content.decode()
        assert 'data-testid="not-recommended-count"><strong class="text-warning-emphasis">1</strong>' in roster_page
        assert 'data-testid="submission-blocker"' in roster_page
        assert "1 份申请班主任不推荐" in client.get(roster(cast, program) + "signoff/").content.decode()
        assert "其中不推荐 1 份" in client.get(f"/reviews/schools/{cast.school.pk}/").content.decode()
        summary = selectors.signoff_summary(school=cast.school, program=program, term=cast.term)
        assert (summary.not_recommended, summary.at_first_review, summary.waiting) == (1, 0, 0)
        todo = [item for item in todo_for(cast.li) if "/reviews/schools/" in item.url]
        assert len(todo) == 1 and todo[0].count == 1 and todo[0].age_days == 9
        facts = roster_facts(school_ids=[cast.school.pk], term=cast.term)[cast.school.pk, program.pk]
        assert (facts.first_reviewed, facts.awaiting) == (1, 1)

    def test_the_applications_page_shows_the_reason_and_its_history(self, cast, program, client_for):
        application = not_recommended(cast, program)
        page = client_for(cast.li).get(f"/applications/{application.pk}/").content.decode()
        assert 'data-testid="not-recommended-reason"' in page and REASON in page
        history = page[page.index('id="history-heading"') :]
        assert REASON in history and "班主任不推荐" in history

    def test_another_schools_aid_office_finds_nothing(self, cast, program, client_for):
        application = not_recommended(cast, program)
        other = UserFactory(username="sun")
        MembershipFactory(user=other, role=Role.AID_OFFICE, school=cast.sibling_school)
        client = client_for(other)
        assert client.get(class_review(cast, program)).status_code == 404
        assert client.get(f"/applications/{application.pk}/").status_code == 404
        assert client.post(f"/reviews/applications/{application.pk}/reject/", {"reason": "x"}).status_code == 404
        assert Application.objects.get(pk=application.pk).status == "not_recommended"


class TestFirstReviewPage:
    def test_the_class_teacher_does_not_recommend_from_the_review_page(self, cast, program, client_for):
        application = submitted(cast, program)
        client = client_for(cast.wang)
        page = client.get(f"/reviews/applications/{application.pk}/first-review/").content.decode()
        assert f'action="/reviews/applications/{application.pk}/not-recommend/"' in page
        response = client.post(f"/reviews/applications/{application.pk}/not-recommend/", {"reason": REASON})
        assert response.status_code == 302
        assert response.headers["Location"] == f"/reviews/classes/{cast.class_1.pk}/first-review/"
        assert Application.objects.get(pk=application.pk).status == "not_recommended"

    def test_an_empty_reason_is_refused_in_chinese_beside_the_field(self, cast, program, client_for):
        application = submitted(cast, program)
        response = client_for(cast.wang).post(f"/reviews/applications/{application.pk}/not-recommend/", {"reason": ""})
        assert response.status_code == 400
        page = response.content.decode()
        form = page[page.index('data-testid="not-recommend-form"') :]
        form = form[: form.index("</form>")]
        assert "请填写不推荐的理由。" in form
        assert 'name="reason"' in form and 'aria-invalid="true"' in form
        assert Application.objects.get(pk=application.pk).status == "submitted"

    def test_a_blank_reason_is_refused_by_the_service_beside_the_field(self, cast, program, client_for):
        application = submitted(cast, program)
        response = client_for(cast.wang).post(
            f"/reviews/applications/{application.pk}/not-recommend/", {"reason": "   "}
        )
        assert response.status_code == 400
        page = response.content.decode()
        form = page[page.index('data-testid="not-recommend-form"') :]
        assert "请填写不推荐的理由。" in form[: form.index("</form>")]

    def test_another_schools_aid_office_and_another_class_teacher_get_404(self, cast, program, client_for):
        application = submitted(cast, program)
        other = UserFactory(username="sun")
        MembershipFactory(user=other, role=Role.AID_OFFICE, school=cast.sibling_school)
        for user in (other, cast.outsider):
            response = client_for(user).post(f"/reviews/applications/{application.pk}/not-recommend/", {"reason": "x"})
            assert response.status_code == 404
        assert Application.objects.get(pk=application.pk).status == "submitted"
