import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aidsys.models import AuditEvent
from reviews.services import InvalidTransition, application_recommend, application_return
from tests.reviews.conftest import approved, submitted, visit

Action = AuditEvent.Action


class TestRecommend:
    def test_it_recommends_with_a_tier_when_a_home_visit_of_this_year_is_on_file(self, cast, program):
        application = submitted(cast, program)
        visit(cast, application.student)
        application_recommend(actor=cast.wang, application=application, tier="especially_difficult", note="情况属实")
        application.refresh_from_db()
        assert application.status == "recommended"
        assert application.recommended_tier == "especially_difficult"
        assert application.first_reviewed_by == cast.wang and application.first_reviewed_at is not None
        event = AuditEvent.objects.for_object(application).get()
        assert event.action == Action.TRANSITION
        assert event.changes["status"] == ["submitted", "recommended"]
        assert event.changes["recommended_tier"] == ["", "especially_difficult"]

    def test_without_a_visit_it_is_refused_unless_a_reason_is_recorded(self, cast, program):
        application = submitted(cast, program)
        with pytest.raises(ValidationError) as refused:
            application_recommend(actor=cast.wang, application=application, tier="difficult")
        assert refused.value.error_dict["no_visit_reason"][0].code == "no_home_visit"
        assert application.student.name in refused.value.messages[0]
        application.refresh_from_db()
        assert application.status == "submitted"
        application_recommend(
            actor=cast.wang, application=application, tier="difficult", no_visit_reason="家长外出务工，已电话联系未接通"
        )
        application.refresh_from_db()
        assert application.status == "recommended" and application.no_visit_reason.startswith("家长外出")

    def test_a_visit_of_another_school_year_does_not_count(self, cast, program):
        from aidsys.models import SchoolYear

        application = submitted(cast, program)
        visit(cast, application.student, school_year=SchoolYear.objects.create(start_year=2025))
        with pytest.raises(ValidationError):
            application_recommend(actor=cast.wang, application=application, tier="difficult")

    def test_not_difficult_is_no_tier_to_recommend(self, cast, program):
        application = submitted(cast, program)
        visit(cast, application.student)
        with pytest.raises(ValidationError):
            application_recommend(actor=cast.wang, application=application, tier="not_difficult")

    def test_a_second_click_is_refused_with_a_clear_message(self, cast, program):
        application = submitted(cast, program)
        visit(cast, application.student)
        application_recommend(actor=cast.wang, application=application, tier="difficult")
        stale = type(application).objects.get(pk=application.pk)
        stale.status = "submitted"
        with pytest.raises(InvalidTransition) as refused:
            application_recommend(actor=cast.wang, application=stale, tier="difficult")
        assert refused.value.code == "already_dealt_with"
        assert application.student.name in refused.value.messages[0]
        assert AuditEvent.objects.for_object(application).count() == 1

    def test_a_sent_back_application_comes_back_to_first_review(self, cast, program):
        application = submitted(cast, program, status="sent_back", return_comment="请核实家庭收入")
        visit(cast, application.student)
        application_recommend(actor=cast.wang, application=application, tier="generally_difficult")
        application.refresh_from_db()
        assert application.status == "recommended" and application.return_comment == ""

    @pytest.mark.parametrize("status", ["draft", "returned", "recommended", "rejected", "withdrawn"])
    def test_only_submitted_or_sent_back_applications_are_first_reviewed(self, cast, program, status):
        application = submitted(cast, program, status=status)
        visit(cast, application.student)
        with pytest.raises(InvalidTransition):
            application_recommend(actor=cast.wang, application=application, tier="difficult")

    @pytest.mark.parametrize("who", ["li", "zhang", "zhao", "outsider"])
    def test_only_the_class_teacher_first_reviews(self, cast, program, who):
        application = submitted(cast, program)
        visit(cast, application.student)
        with pytest.raises(PermissionDenied):
            application_recommend(actor=getattr(cast, who), application=application, tier="difficult")


class TestReturn:
    def test_it_returns_the_application_to_the_filer_with_a_comment(self, cast, program):
        application = submitted(cast, program, filed_by=cast.li)
        application_return(actor=cast.wang, application=application, comment="缺少户口簿复印件")
        application.refresh_from_db()
        assert application.status == "returned" and application.return_comment == "缺少户口簿复印件"
        assert AuditEvent.objects.for_object(application).get().reason == "缺少户口簿复印件"

    def test_a_return_needs_a_comment(self, cast, program):
        application = submitted(cast, program)
        with pytest.raises(ValidationError) as refused:
            application_return(actor=cast.wang, application=application, comment="  ")
        assert "comment" in refused.value.error_dict


class TestFirstReviewPages:
    def test_the_class_list_groups_what_waits_and_shows_the_score(self, cast, program, client_for):
        waiting = submitted(cast, program)
        sent_back = submitted(cast, program, status="sent_back", return_comment="请补充家访记录")
        other_class = submitted(cast, program, school_class=cast.class_2)
        html = client_for(cast.wang).get(f"/reviews/classes/{cast.class_1.pk}/first-review/").content.decode()
        assert waiting.student.name in html and sent_back.student.name in html and "请补充家访记录" in html
        assert other_class.student.name not in html

    def test_the_review_page_shows_the_visits_and_the_score_and_recommends(self, cast, program, client_for):
        application = submitted(cast, program)
        visit(cast, application.student, housing="dangerous")
        client = client_for(cast.wang)
        html = client.get(f"/reviews/applications/{application.pk}/first-review/").content.decode()
        assert 'data-testid="score"' in html and "+10" in html
        response = client.post(f"/reviews/applications/{application.pk}/recommend/", {"tier": "difficult"})
        assert response.status_code == 302
        assert response.headers["Location"] == f"/reviews/classes/{cast.class_1.pk}/first-review/"

    def test_the_review_page_shows_the_schools_and_the_classs_quota_allocated_used_and_remaining(
        self, cast, program, quota, client_for
    ):
        from applications.models import ClassQuota

        ClassQuota.objects.create(quota=quota, school_class=cast.class_1, awards=3)
        ClassQuota.objects.create(quota=quota, school_class=cast.class_2, awards=7)
        approved(cast, program)
        application = submitted(cast, program)
        response = client_for(cast.wang).get(f"/reviews/applications/{application.pk}/first-review/")
        rows = [(q.label(), q.awards, q.awards_used, q.awards_remaining) for q in response.context["quotas"]]
        assert rows == [
            ("学校名额（所有档次）", 10, 1, 9),
            (f"{cast.class_1}的名额（所有档次）", 3, 1, 2),
        ]
        html = response.content.decode()
        assert html.count('data-testid="quota-row"') == 2
        assert 'data-testid="quota-remaining">2<' in html

    def test_a_refusal_shows_beside_the_field(self, cast, program, client_for):
        application = submitted(cast, program)
        response = client_for(cast.wang).post(
            f"/reviews/applications/{application.pk}/recommend/", {"tier": "difficult"}
        )
        assert response.status_code == 400
        assert 'id="id_no_visit_reason_error_1"' in response.content.decode()

    def test_a_second_click_on_return_shows_what_happened(self, cast, program, client_for):
        application = submitted(cast, program)
        client = client_for(cast.wang)
        url = f"/reviews/applications/{application.pk}/return/"
        assert client.post(url, {"comment": "缺材料"}).status_code == 302
        response = client.post(url, {"comment": "缺材料"})
        assert response.status_code == 400
        assert application.student.name in response.content.decode()

    def test_another_class_teacher_finds_nothing_and_the_aid_office_may_not_first_review(
        self, cast, program, client_for
    ):
        application = submitted(cast, program)
        url = f"/reviews/applications/{application.pk}/first-review/"
        assert client_for(cast.outsider).get(url).status_code == 404
        assert client_for(cast.li).get(url).status_code == 403
        assert client_for(cast.li).post(f"/reviews/applications/{application.pk}/recommend/").status_code == 403

    def test_the_filer_sees_what_was_returned_to_them(self, cast, program, client_for):
        application = submitted(cast, program, status="returned", return_comment="缺少村委会证明")
        html = client_for(cast.wang).get("/reviews/returned/").content.decode()
        assert application.student.name in html and "缺少村委会证明" in html
        assert application.student.name not in client_for(cast.li).get("/reviews/returned/").content.decode()
