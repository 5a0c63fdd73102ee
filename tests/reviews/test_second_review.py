from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aidsys.models import AuditEvent, Role
from applications.models import Application, ClassQuota
from applications.services.quota_limits import QuotaExceeded, quota_states
from reviews.models import RosterSignoff
from reviews.services import (
    InvalidTransition,
    application_approve,
    application_reconsider,
    application_reject,
    application_send_back,
    applications_approve,
)
from students.models import SpecialGroupFlag
from tests.factories import MembershipFactory, ProgramStandardFactory, QuotaFactory, StudentFactory, UserFactory
from tests.reviews.conftest import approved, recommended, visit

Action = AuditEvent.Action


def second_aid_officer(cast):
    user = UserFactory(username="sun", full_name="孙老师")
    MembershipFactory(user=user, role=Role.AID_OFFICE, school=cast.school)
    return user


def lock(cast, program, status="pending", version=0):
    return RosterSignoff.objects.create(
        school=cast.school,
        program=program,
        term=cast.term,
        status=status,
        version=version,
        submitted_by=cast.li,
        submitted_at=timezone.now(),
    )


def class_page(cast, program, school_class=None):
    school_class = school_class or cast.class_1
    return f"/reviews/schools/{cast.school.pk}/{program.pk}/{cast.term.pk}/classes/{school_class.pk}/"


def messages_of(response):
    return [str(message) for message in response.wsgi_request._messages]


class TestApprove:
    def test_it_approves_with_the_tier_and_the_standard_amount_within_quota(self, cast, program, quota):
        application = recommended(cast, program, tier="difficult")
        application_approve(actor=cast.li, application=application, tier="difficult")
        application.refresh_from_db()
        assert (application.status, application.approved_tier, application.amount) == (
            "approved",
            "difficult",
            Decimal("625.00"),
        )
        assert application.decided_by == cast.li
        event = AuditEvent.objects.for_object(application).get()
        assert event.action == Action.TRANSITION and event.changes["status"] == ["recommended", "approved"]
        assert event.changes["amount"] == [None, "625.00"]
        assert quota_states(program=program, term=cast.term, school=cast.school)[0].awards_used == 1

    def test_the_tiers_own_standard_wins_over_the_standard_for_any_tier(self, cast, program, quota):
        ProgramStandardFactory(
            program=program, school_year=cast.school_year, tier="especially_difficult", amount_per_year=Decimal("1500")
        )
        application = recommended(cast, program, tier="especially_difficult")
        application_approve(actor=cast.li, application=application, tier="especially_difficult")
        assert application.amount == Decimal("750.00")

    def test_another_amount_needs_a_reason(self, cast, program, quota):
        application = recommended(cast, program)
        with pytest.raises(ValidationError) as refused:
            application_approve(actor=cast.li, application=application, tier="difficult", amount=Decimal("500"))
        assert refused.value.error_dict["amount_reason"][0].code == "amount_reason"
        assert "625.00" in refused.value.messages[0]
        application_approve(
            actor=cast.li, application=application, tier="difficult", amount=Decimal("500"), amount_reason="县里核减"
        )
        application.refresh_from_db()
        assert application.amount == Decimal("500.00") and application.amount_reason == "县里核减"

    def test_without_a_standard_the_amount_and_a_reason_are_needed(self, cast, quota):
        from tests.factories import AidProgramFactory

        bare = AidProgramFactory(county=cast.county, award_ceiling=Decimal("1000"))
        QuotaFactory(program=bare, term=cast.term, school=cast.school)
        application = recommended(cast, bare)
        with pytest.raises(ValidationError) as refused:
            application_approve(actor=cast.li, application=application, tier="difficult")
        assert refused.value.error_dict["amount"][0].code == "no_standard"
        application_approve(
            actor=cast.li, application=application, tier="difficult", amount=Decimal("400"), amount_reason="校级资助"
        )
        assert application.status == "approved"

    def test_an_amount_above_the_highest_standard_of_the_year_is_refused_naming_the_ceiling(self, cast, program, quota):
        ProgramStandardFactory(
            program=program, school_year=cast.school_year, tier="especially_difficult", amount_per_year=Decimal("1500")
        )
        application = recommended(cast, program)
        with pytest.raises(ValidationError) as refused:
            application_approve(
                actor=cast.li,
                application=application,
                tier="difficult",
                amount=Decimal("99999999.99"),
                amount_reason="x",
            )
        error = refused.value.error_dict["amount"][0]
        assert error.code == "above_ceiling" and "1500.00" in error.message and "县资助中心" in error.message
        application_approve(
            actor=cast.li,
            application=application,
            tier="difficult",
            amount=Decimal("750"),
            amount_reason="特别困难标准",
        )
        assert Application.objects.get(pk=application.pk).amount == Decimal("750.00")

    def test_the_county_may_set_a_higher_ceiling_on_the_program(self, cast, program, quota):
        program.award_ceiling = Decimal("2000")
        program.save()
        application = recommended(cast, program)
        with pytest.raises(ValidationError) as refused:
            application_approve(
                actor=cast.li, application=application, tier="difficult", amount=Decimal("2000.01"), amount_reason="x"
            )
        assert "2000.00" in refused.value.error_dict["amount"][0].message
        application_approve(
            actor=cast.li, application=application, tier="difficult", amount=Decimal("2000"), amount_reason="县里追加"
        )
        assert Application.objects.get(pk=application.pk).amount == Decimal("2000.00")

    def test_without_a_standard_or_a_ceiling_no_amount_is_accepted(self, cast):
        from tests.factories import AidProgramFactory

        bare = AidProgramFactory(county=cast.county)
        QuotaFactory(program=bare, term=cast.term, school=cast.school)
        application = recommended(cast, bare)
        with pytest.raises(ValidationError) as refused:
            application_approve(
                actor=cast.li,
                application=application,
                tier="difficult",
                amount=Decimal("400"),
                amount_reason="校级资助",
            )
        assert refused.value.error_dict["amount"][0].code == "no_ceiling"

    def test_an_approval_over_the_quota_is_refused_and_changes_nothing(self, cast, program):
        QuotaFactory(program=program, term=cast.term, school=cast.school, awards=1)
        approved(cast, program)
        application = recommended(cast, program)
        with pytest.raises(QuotaExceeded) as refused:
            application_approve(actor=cast.li, application=application, tier="difficult")
        assert "0" in refused.value.messages[0] and "1" in refused.value.messages[0]
        application.refresh_from_db()
        assert application.status == "recommended"
        assert not AuditEvent.objects.for_object(application).exists()

    def test_a_class_quota_limits_the_class(self, cast, program, quota):
        ClassQuota.objects.create(quota=quota, school_class=cast.class_1, awards=1)
        approved(cast, program)
        with pytest.raises(ValidationError):
            application_approve(actor=cast.li, application=recommended(cast, program), tier="difficult")

    def test_no_quota_no_approval(self, cast, program):
        with pytest.raises(ValidationError) as refused:
            application_approve(actor=cast.li, application=recommended(cast, program), tier="difficult")
        assert refused.value.code == "no_quota"

    def test_a_second_click_is_refused(self, cast, program, quota):
        application = recommended(cast, program)
        stale = Application.objects.get(pk=application.pk)
        application_approve(actor=cast.li, application=application, tier="difficult")
        with pytest.raises(InvalidTransition):
            application_approve(actor=cast.li, application=stale, tier="difficult")
        assert quota_states(program=program, term=cast.term, school=cast.school)[0].awards_used == 1

    @pytest.mark.parametrize("who", ["wang", "zhang", "zhao"])
    def test_only_the_aid_office_decides(self, cast, program, quota, who):
        with pytest.raises(PermissionDenied):
            application_approve(actor=getattr(cast, who), application=recommended(cast, program), tier="difficult")


class TestFourEyes:
    def test_the_filer_cannot_approve_where_the_school_has_two_aid_office_users(self, cast, program, quota):
        sun = second_aid_officer(cast)
        application = recommended(cast, program, filed_by=cast.li)
        with pytest.raises(ValidationError) as refused:
            application_approve(actor=cast.li, application=application, tier="difficult")
        assert refused.value.code == "four_eyes"
        assert application.student.name in refused.value.messages[0]
        application_approve(actor=sun, application=application, tier="difficult")
        assert application.status == "approved"

    def test_a_lone_aid_office_user_may_approve_what_they_filed(self, cast, program, quota):
        application = recommended(cast, program, filed_by=cast.li)
        application_approve(actor=cast.li, application=application, tier="difficult")
        assert application.status == "approved"

    def test_an_ended_membership_does_not_count_as_a_second_pair_of_eyes(self, cast, program, quota):
        from datetime import date

        MembershipFactory(role=Role.AID_OFFICE, school=cast.school, start=date(2020, 1, 1), end=date(2021, 1, 1))
        application = recommended(cast, program, filed_by=cast.li)
        application_approve(actor=cast.li, application=application, tier="difficult")

    def test_a_class_roster_with_an_own_application_is_refused_whole(self, cast, program, quota):
        second_aid_officer(cast)
        others = recommended(cast, program)
        own = recommended(cast, program, filed_by=cast.li)
        with pytest.raises(ValidationError) as refused:
            applications_approve(
                actor=cast.li, school=cast.school, program=program, term=cast.term, school_class=cast.class_1
            )
        assert refused.value.code == "four_eyes" and own.student.name in refused.value.messages[0]
        others.refresh_from_db()
        assert others.status == "recommended"


class TestClassRosterApproval:
    def test_it_approves_all_recommended_applications_of_the_class(self, cast, program, quota):
        chosen = [recommended(cast, program) for _ in range(3)]
        elsewhere = recommended(cast, program, school_class=cast.class_2)
        done = applications_approve(
            actor=cast.li, school=cast.school, program=program, term=cast.term, school_class=cast.class_1
        )
        assert sorted(a.pk for a in done) == sorted(a.pk for a in chosen)
        assert set(Application.objects.filter(pk__in=[a.pk for a in chosen]).values_list("status", flat=True)) == {
            "approved"
        }
        assert Application.objects.get(pk=elsewhere.pk).status == "recommended"
        assert AuditEvent.objects.filter(action=Action.TRANSITION).count() == 3

    def test_over_the_quota_none_is_approved(self, cast, program):
        QuotaFactory(program=program, term=cast.term, school=cast.school, awards=2)
        chosen = [recommended(cast, program) for _ in range(3)]
        with pytest.raises(QuotaExceeded) as refused:
            applications_approve(
                actor=cast.li, school=cast.school, program=program, term=cast.term, school_class=cast.class_1
            )
        assert "3" in refused.value.messages[0]
        assert not Application.objects.filter(pk__in=[a.pk for a in chosen], status="approved").exists()

    def test_the_chosen_ones_only_and_a_stale_choice_refuses_the_whole(self, cast, program, quota):
        first, second, third = (recommended(cast, program) for _ in range(3))
        applications_approve(
            actor=cast.li,
            school=cast.school,
            program=program,
            term=cast.term,
            school_class=cast.class_1,
            application_ids=[first.pk, second.pk],
        )
        assert Application.objects.get(pk=third.pk).status == "recommended"
        with pytest.raises(InvalidTransition):
            applications_approve(
                actor=cast.li,
                school=cast.school,
                program=program,
                term=cast.term,
                school_class=cast.class_1,
                application_ids=[second.pk, third.pk],
            )
        assert Application.objects.get(pk=third.pk).status == "recommended"

    def test_an_application_of_another_class_cannot_be_slipped_in(self, cast, program, quota):
        other = recommended(cast, program, school_class=cast.class_2)
        with pytest.raises(ValidationError) as refused:
            applications_approve(
                actor=cast.li,
                school=cast.school,
                program=program,
                term=cast.term,
                school_class=cast.class_1,
                application_ids=[other.pk],
            )
        assert refused.value.code == "not_in_class"

    def test_the_page_approves_the_ticked_ones_and_reports_a_refusal(self, cast, program, client_for):
        QuotaFactory(program=program, term=cast.term, school=cast.school, awards=1)
        first, second = recommended(cast, program), recommended(cast, program)
        client = client_for(cast.li)
        url = class_page(cast, program) + "approve/"
        response = client.post(url, {"applications": [first.pk, second.pk]})
        assert response.status_code == 302
        assert any("1" in message for message in messages_of(response))
        assert Application.objects.filter(status="approved").count() == 0
        client.post(url, {"applications": [second.pk]})
        assert Application.objects.get(pk=second.pk).status == "approved"

    def test_a_class_with_nothing_recommended_has_nothing_to_approve(self, cast, program, quota):
        approved(cast, program)
        with pytest.raises(ValidationError) as refused:
            applications_approve(
                actor=cast.li, school=cast.school, program=program, term=cast.term, school_class=cast.class_1
            )
        assert refused.value.code == "nothing_chosen"

    def test_a_recommended_tier_without_a_standard_refuses_the_whole_roster(self, cast, program):
        from tests.factories import AidProgramFactory

        bare = AidProgramFactory(county=cast.county)
        QuotaFactory(program=bare, term=cast.term, school=cast.school)
        first, second = recommended(cast, bare), recommended(cast, bare)
        with pytest.raises(ValidationError) as refused:
            applications_approve(
                actor=cast.li, school=cast.school, program=bare, term=cast.term, school_class=cast.class_1
            )
        assert refused.value.code == "no_standard"
        assert first.student.name in refused.value.messages[0] and second.student.name in refused.value.messages[0]
        assert not Application.objects.filter(status="approved").exists()


class TestRejectAndSendBack:
    def test_a_rejection_needs_a_reason(self, cast, program):
        application = recommended(cast, program)
        with pytest.raises(ValidationError):
            application_reject(actor=cast.li, application=application, reason=" ")
        application_reject(actor=cast.li, application=application, reason="家庭收入超过困难线")
        application.refresh_from_db()
        assert application.status == "rejected" and application.decision_reason == "家庭收入超过困难线"

    def test_a_send_back_goes_to_the_class_teachers_first_review_with_the_comment(self, cast, program, client_for):
        application = recommended(cast, program)
        with pytest.raises(ValidationError):
            application_send_back(actor=cast.li, application=application, comment="")
        application_send_back(actor=cast.li, application=application, comment="请补充家访")
        application.refresh_from_db()
        assert application.status == "sent_back"
        html = client_for(cast.wang).get(f"/reviews/classes/{cast.class_1.pk}/first-review/").content.decode()
        assert "请补充家访" in html

    @pytest.mark.parametrize("status", ["pending", "signed"])
    def test_a_locked_roster_refuses_every_decision(self, cast, program, quota, status):
        lock(cast, program, status=status)
        application = recommended(cast, program)
        for decide in (
            lambda: application_approve(actor=cast.li, application=application, tier="difficult"),
            lambda: application_reject(actor=cast.li, application=application, reason="不符合"),
            lambda: application_send_back(actor=cast.li, application=application, comment="再看看"),
            lambda: applications_approve(
                actor=cast.li, school=cast.school, program=program, term=cast.term, school_class=cast.class_1
            ),
        ):
            with pytest.raises(ValidationError) as refused:
                decide()
            assert refused.value.code == "roster_locked"
        application.refresh_from_db()
        assert application.status == "recommended"

    def test_a_returned_roster_may_be_decided_again(self, cast, program, quota):
        lock(cast, program, status="returned")
        application = recommended(cast, program)
        application_approve(actor=cast.li, application=application, tier="difficult")


class TestReconsider:
    def test_an_approval_is_taken_back_before_any_signature_and_frees_the_place(self, cast, program, quota):
        application = approved(cast, program)
        application_reconsider(actor=cast.li, application=application, reason="录错档次")
        application.refresh_from_db()
        assert application.status == "recommended" and application.amount is None
        assert quota_states(program=program, term=cast.term, school=cast.school)[0].awards_used == 0

    def test_a_rejection_is_taken_back_with_a_reason_only(self, cast, program):
        application = recommended(cast, program, status="rejected", decision_reason="名额已满")
        with pytest.raises(ValidationError):
            application_reconsider(actor=cast.li, application=application, reason="")
        application_reconsider(actor=cast.li, application=application, reason="追加名额")
        application.refresh_from_db()
        assert application.status == "recommended" and application.decision_reason == ""
        assert AuditEvent.objects.for_object(application).get().reason == "追加名额"

    def test_after_a_signature_it_is_revocation_not_taking_back(self, cast, program, quota):
        lock(cast, program, status="returned", version=1)
        application = approved(cast, program)
        with pytest.raises(ValidationError) as refused:
            application_reconsider(actor=cast.li, application=application, reason="录错档次")
        assert refused.value.code == "signed_before"


class TestClassReviewPage:
    def test_it_ranks_by_score_and_shows_the_points_and_the_quota(self, cast, program, quota, client_for):
        low = recommended(cast, program)
        high = recommended(cast, program)
        SpecialGroupFlag.objects.create(household=high.student.household, group="orphan", source="home_visit")
        visit(cast, low.student, housing="poor")
        html = client_for(cast.li).get(class_page(cast, program)).content.decode()
        assert html.index(high.student.name) < html.index(low.student.name)
        assert "+30" in html and "+5" in html
        assert 'data-testid="quotas"' in html and ">10<" in html
        assert f'name="a{high.pk}-tier"' in html

    def test_the_principal_and_the_county_read_it_without_the_decisions(self, cast, program, quota, client_for):
        application = recommended(cast, program)
        for user in (cast.zhang, cast.zhao):
            html = client_for(user).get(class_page(cast, program)).content.decode()
            assert application.student.name in html and f'name="a{application.pk}-tier"' not in html

    def test_a_class_teacher_may_not_and_an_outsider_finds_nothing(self, cast, program, client_for):
        assert client_for(cast.wang).get(class_page(cast, program)).status_code == 403
        assert client_for(cast.outsider).get(class_page(cast, program)).status_code == 404
        application = recommended(cast, program)
        assert client_for(cast.wang).post(f"/reviews/applications/{application.pk}/approve/").status_code == 403
        assert client_for(cast.outsider).post(f"/reviews/applications/{application.pk}/approve/").status_code == 404

    def test_a_class_of_another_school_is_not_found_through_this_school(self, cast, program, client_for):
        assert client_for(cast.li).get(class_page(cast, program, cast.other_class)).status_code == 404

    def test_the_approve_button_uses_the_standard_and_a_refusal_names_the_student(self, cast, program, client_for):
        QuotaFactory(program=program, term=cast.term, school=cast.school, awards=1)
        approved(cast, program)
        application = recommended(cast, program)
        client = client_for(cast.li)
        response = client.post(
            f"/reviews/applications/{application.pk}/approve/", {f"a{application.pk}-tier": "difficult"}
        )
        assert response.status_code == 302 and response.headers["Location"].endswith(f"#application-{application.pk}")
        assert any(application.student.name in message and "1" in message for message in messages_of(response))
        assert Application.objects.get(pk=application.pk).status == "recommended"

    def test_the_class_page_of_60_applications_costs_the_queries_of_6(self, cast, program, quota, client_for):
        client = client_for(cast.li)

        def add(n):
            for index in range(n):
                application = recommended(cast, program, student=StudentFactory(school_class=cast.class_1))
                SpecialGroupFlag.objects.create(
                    household=application.student.household, group="orphan", source="home_visit"
                )
                visit(cast, application.student, housing="poor")
                if index % 3 == 0:
                    approved(cast, program)

        def queries():
            with CaptureQueriesContext(connection) as captured:
                assert client.get(class_page(cast, program)).status_code == 200
            return len(captured)

        add(6)
        few = queries()
        add(54)
        assert Application.objects.filter(school_class=cast.class_1).count() == 80
        assert queries() == few
