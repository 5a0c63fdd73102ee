import threading
from datetime import date, timedelta

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from aidsys.models import AuditEvent, Role, Stage, Term
from applications.models import Application, Status
from applications.services.applications import (
    InvalidTransition,
    application_file,
    application_submit,
    application_update,
    application_withdraw,
)
from students.models import EnrolmentStatus, HomeVisit
from tests.applications.filing import STATEMENT, closed_window, make_ming, make_program, open_window
from tests.factories import (
    AidProgramFactory,
    ApplicationFactory,
    MembershipFactory,
    SchoolClassFactory,
    SchoolYearFactory,
    StudentFactory,
    TermFactory,
    UserFactory,
)

Action = AuditEvent.Action


@pytest.fixture
def program(cast):
    program = make_program(cast)
    open_window(program, cast.term)
    return program


@pytest.fixture
def ming(cast):
    return make_ming(cast)


def visit_to(student, cast, **fields):
    fields = {
        "visitor": cast.wang,
        "school_year": cast.school_year,
        "visited_on": date(2026, 9, 20),
        "method": "in_person",
        "people_met": "父亲",
        "housing": "poor",
        "suggested_tier": "difficult",
        **fields,
    }
    return HomeVisit.objects.create(student=student, **fields)


def file(cast, student, program, *, actor=None, **overrides):
    arguments = {
        "term": cast.term,
        "requested_tier": "difficult",
        "statement": STATEMENT,
        "pledge_signed": True,
        **overrides,
    }
    return application_file(actor=actor or cast.wang, student=student, program=program, **arguments)


def codes(error: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


def events(target, action):
    return list(AuditEvent.objects.for_object(target).filter(action=action).order_by("pk"))


class TestFiling:
    def test_the_class_teacher_files_a_draft_with_school_and_class_copied_from_the_student(self, cast, ming, program):
        visit = visit_to(ming, cast)
        application = file(cast, ming, program, home_visits=[visit])
        assert application.status == Status.DRAFT
        assert (application.school, application.school_class, application.filed_by) == (
            cast.school,
            cast.class_1,
            cast.wang,
        )
        assert list(application.home_visits.all()) == [visit]
        (event,) = events(application, Action.CREATE)
        assert event.actor == cast.wang and event.school_id == cast.school.pk
        assert event.changes["statement"] == [None, STATEMENT]
        assert event.changes["home_visits"] == [
            None,
            [{"id": visit.pk, "label": f"2026-09-20 {visit.get_method_display()}"}],
        ]

    def test_the_aid_office_files_for_any_class_of_its_school(self, cast, program):
        student = StudentFactory(school_class=cast.class_2)
        assert file(cast, student, program, actor=cast.li).filed_by == cast.li

    @pytest.mark.parametrize("who", ["principal", "county_staff", "outsider"])
    def test_nobody_else_may_file(self, cast, ming, program, who):
        with pytest.raises(PermissionDenied):
            file(cast, ming, program, actor=cast.by_role()[who])
        assert not Application.objects.exists()

    def test_a_class_teacher_may_not_file_for_a_student_of_another_class(self, cast, program):
        with pytest.raises(PermissionDenied):
            file(cast, StudentFactory(school_class=cast.class_2), program)

    def test_a_second_open_application_for_the_same_program_and_term_is_refused(self, cast, ming, program):
        first = file(cast, ming, program)
        with pytest.raises(ValidationError) as refused:
            file(cast, ming, program, actor=cast.li)
        assert codes(refused.value) == {NON_FIELD_ERRORS: ["duplicate"]}
        assert "王小明" in refused.value.messages[0] and program.name in refused.value.messages[0]
        assert list(Application.objects.all()) == [first]

    def test_open_applications_of_other_programs_or_terms_do_not_count(self, cast, ming, program):
        file(cast, ming, program)
        other = make_program(cast, name="营养改善计划")
        open_window(other, cast.term)
        file(cast, ming, other)
        spring = Term.objects.get(school_year=cast.school_year, kind=Term.Kind.SPRING)
        open_window(program, spring)
        file(cast, ming, program, term=spring)
        assert Application.objects.filter(student=ming).count() == 3

    def test_a_program_applied_for_once_a_school_year_takes_one_application_in_the_year(self, cast, ming):
        # 普通高中国家助学金: 按学年申请, paid per term from one award.
        program = make_program(cast, name="普通高中国家助学金", apply_period="year")
        open_window(program, cast.term)
        first = file(cast, ming, program)
        spring = Term.objects.get(school_year=cast.school_year, kind=Term.Kind.SPRING)
        open_window(program, spring)
        with pytest.raises(ValidationError) as refused:
            file(cast, ming, program, term=spring)
        assert codes(refused.value) == {NON_FIELD_ERRORS: ["duplicate"]}
        assert str(cast.term) in refused.value.messages[0]
        assert list(Application.objects.all()) == [first]

    @pytest.mark.parametrize("closed", [Status.WITHDRAWN, Status.REJECTED, Status.REVOKED])
    def test_a_closed_application_leaves_room_for_a_new_one(self, cast, ming, program, closed):
        ApplicationFactory(student=ming, program=program, term=cast.term, status=closed, filed_by=cast.wang)
        assert file(cast, ming, program).status == Status.DRAFT

    @pytest.mark.parametrize("status", [EnrolmentStatus.TRANSFERRED_OUT, EnrolmentStatus.GRADUATED])
    def test_a_student_who_has_left_the_school_cannot_apply(self, cast, ming, program, status):
        ming.status = status
        ming.save()
        with pytest.raises(ValidationError) as refused:
            file(cast, ming, program)
        assert refused.value.code == "left_school"
        assert str(EnrolmentStatus(status).label) in refused.value.messages[0]

    def test_a_suspended_student_may_still_apply(self, cast, ming, program):
        ming.status = EnrolmentStatus.SUSPENDED
        ming.save()
        assert file(cast, ming, program).pk

    def test_a_program_that_does_not_serve_the_students_stage_is_refused(self, cast, ming):
        senior = make_program(cast, name="普通高中国家助学金", stages=[Stage.SENIOR])
        open_window(senior, cast.term)
        with pytest.raises(ValidationError) as refused:
            file(cast, ming, senior)
        assert codes(refused.value) == {"program": ["stage_not_served"]}

    def test_an_inactive_program_is_refused(self, cast, ming, program):
        program.active = False
        program.save()
        with pytest.raises(ValidationError) as refused:
            file(cast, ming, program)
        assert codes(refused.value) == {"program": ["inactive_program"]}

    def test_a_program_of_another_county_is_refused(self, cast, ming):
        foreign = AidProgramFactory(county=cast.other_county, name="白水县助学金")
        open_window(foreign, cast.term)
        with pytest.raises(ValidationError) as refused:
            file(cast, ming, foreign)
        assert codes(refused.value) == {"program": ["other_county"]}

    def test_a_term_of_another_school_year_is_refused(self, cast, ming, program):
        later = TermFactory(school_year=SchoolYearFactory(start_year=2027))
        with pytest.raises(ValidationError) as refused:
            file(cast, ming, program, term=later)
        assert codes(refused.value) == {"term": ["term_of_another_year"]}

    def test_filing_after_the_window_closed_needs_a_reason_for_lateness(self, cast, ming):
        program = make_program(cast)
        closed_window(program, cast.term)
        with pytest.raises(ValidationError) as refused:
            file(cast, ming, program)
        assert codes(refused.value) == {"late_reason": ["outside_window"]}
        with pytest.raises(ValidationError):
            file(cast, ming, program, late_reason="   ")
        application = file(cast, ming, program, late_reason="  开学后家中突遭变故  ")
        assert application.late_reason == "开学后家中突遭变故"

    def test_filing_before_the_window_opens_needs_a_reason_too(self, cast, ming):
        program = make_program(cast)
        open_window(program, cast.term, days_ago=-5, days_left=20)
        with pytest.raises(ValidationError) as refused:
            file(cast, ming, program)
        assert codes(refused.value) == {"late_reason": ["outside_window"]}

    def test_without_a_window_of_its_own_the_terms_first_month_is_the_window(self, cast, ming):
        program = make_program(cast)
        today = timezone.localdate()
        Term.objects.filter(pk=cast.term.pk).update(start=today - timedelta(days=10), end=today + timedelta(days=100))
        cast.term.refresh_from_db()
        assert file(cast, ming, program).late_reason == ""
        Term.objects.filter(pk=cast.term.pk).update(start=today - timedelta(days=40))
        cast.term.refresh_from_db()
        with pytest.raises(ValidationError) as refused:
            file(cast, ming, make_program(cast, name="另一个项目"))
        assert codes(refused.value) == {"late_reason": ["outside_window"]}

    def test_linking_a_home_visit_of_another_student_is_refused(self, cast, ming, program):
        other_visit = visit_to(StudentFactory(school_class=cast.class_1), cast)
        with pytest.raises(ValidationError) as refused:
            file(cast, ming, program, home_visits=[visit_to(ming, cast), other_visit])
        assert codes(refused.value) == {"home_visits": ["visit_of_another_student"]}
        assert not Application.objects.exists()

    def test_several_problems_are_reported_together_beside_their_fields(self, cast, ming):
        program = make_program(cast, stages=[Stage.SENIOR], active=False)
        closed_window(program, cast.term)
        other_visit = visit_to(StudentFactory(school_class=cast.class_1), cast)
        with pytest.raises(ValidationError) as refused:
            file(cast, ming, program, home_visits=[other_visit])
        assert codes(refused.value) == {
            "program": ["inactive_program", "stage_not_served"],
            "late_reason": ["outside_window"],
            "home_visits": ["visit_of_another_student"],
        }

    def test_the_stage_is_that_of_the_students_class(self, cast, program):
        junior_class = SchoolClassFactory(school=cast.school, school_year=cast.school_year, grade=31)
        junior_only = make_program(cast, name="初中专项", stages=[Stage.JUNIOR])
        open_window(junior_only, cast.term)
        assert file(cast, StudentFactory(school_class=junior_class), junior_only, actor=cast.li).pk
        with pytest.raises(ValidationError):
            file(cast, StudentFactory(school_class=cast.class_1), junior_only, actor=cast.li)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestTheDatabaseHoldsTheLine:
    def test_a_filing_that_races_another_gets_the_same_clear_message(self, cast, ming, program):
        """Another transaction inserts an open application and has not committed when the
        service checks: the check sees nothing, the insert waits on the unique index, and the
        database's refusal is turned into the service's own message."""
        other = ApplicationFactory.build(
            student=ming, program=program, term=cast.term, filed_by=cast.li, school=cast.school,
            school_class=cast.class_1,
        )  # fmt: skip
        inserted, release = threading.Event(), threading.Event()

        def competing_filing():
            try:
                with transaction.atomic():
                    other.save()
                    inserted.set()
                    release.wait(10)
            finally:
                connection.close()

        competitor = threading.Thread(target=competing_filing)
        competitor.start()
        assert inserted.wait(10)
        threading.Timer(0.5, release.set).start()
        with pytest.raises(ValidationError) as refused:
            file(cast, ming, program)
        competitor.join(10)
        assert codes(refused.value) == {NON_FIELD_ERRORS: ["duplicate"]}
        assert list(Application.objects.values_list("filed_by", flat=True)) == [cast.li.pk]
        assert not AuditEvent.objects.filter(action=Action.CREATE, object_repr__contains="王小明").exists()


class TestEditing:
    def test_a_draft_is_changed_and_the_change_is_audited_with_the_linked_visits(self, cast, ming, program):
        first, second = visit_to(ming, cast), visit_to(ming, cast, visited_on=date(2026, 10, 5), method="phone")
        application = file(cast, ming, program, home_visits=[first])
        changes = application_update(
            actor=cast.wang,
            application=application,
            data={"requested_tier": "especially_difficult", "statement": STATEMENT + "新增"},
            home_visits=[first, second],
        )
        application.refresh_from_db()
        assert application.requested_tier == "especially_difficult"
        assert set(application.home_visits.all()) == {first, second}
        (event,) = events(application, Action.UPDATE)
        assert event.changes == changes
        assert event.changes["requested_tier"] == ["difficult", "especially_difficult"]
        assert [visit["id"] for visit in event.changes["home_visits"][1]] == [first.pk, second.pk]

    def test_saving_without_a_change_records_nothing(self, cast, ming, program):
        application = file(cast, ming, program)
        assert application_update(actor=cast.wang, application=application, data={"statement": STATEMENT}) == {}
        assert not events(application, Action.UPDATE)

    @pytest.mark.parametrize("status", [Status.SUBMITTED, Status.RECOMMENDED, Status.APPROVED, Status.WITHDRAWN])
    def test_an_application_past_the_draft_can_no_longer_be_changed(self, cast, ming, program, status):
        application = file(cast, ming, program)
        extra = {"approved_tier": "difficult", "amount": "625.00"} if status == Status.APPROVED else {}
        Application.objects.filter(pk=application.pk).update(status=status, **extra)
        with pytest.raises(InvalidTransition):
            application_update(actor=cast.wang, application=application, data={"statement": "改"})

    def test_a_returned_application_can_be_completed(self, cast, ming, program):
        application = file(cast, ming, program)
        Application.objects.filter(pk=application.pk).update(status=Status.RETURNED)
        application_update(actor=cast.wang, application=application, data={"statement": "补充了家庭情况"})
        application.refresh_from_db()
        assert (application.statement, application.status) == ("补充了家庭情况", Status.RETURNED)

    def test_linking_a_visit_of_another_student_is_refused_on_edit_too(self, cast, ming, program):
        application = file(cast, ming, program)
        with pytest.raises(ValidationError) as refused:
            application_update(
                actor=cast.wang,
                application=application,
                data={},
                home_visits=[visit_to(StudentFactory(school_class=cast.class_1), cast)],
            )
        assert codes(refused.value) == {"home_visits": ["visit_of_another_student"]}

    def test_the_principal_may_not_edit(self, cast, ming, program):
        application = file(cast, ming, program)
        with pytest.raises(PermissionDenied):
            application_update(actor=cast.zhang, application=application, data={"statement": "改"})


class TestSubmitting:
    def test_a_draft_with_the_signed_pledge_goes_to_the_first_review_and_is_audited(self, cast, ming, program):
        application = file(cast, ming, program)
        application_submit(actor=cast.wang, application=application)
        application.refresh_from_db()
        assert application.status == Status.SUBMITTED and application.submitted_at is not None
        (event,) = events(application, Action.TRANSITION)
        assert event.changes["status"] == [Status.DRAFT, Status.SUBMITTED]
        assert event.actor == cast.wang

    def test_submitting_without_the_signed_pledge_is_refused(self, cast, ming, program):
        application = file(cast, ming, program, pledge_signed=False)
        with pytest.raises(ValidationError) as refused:
            application_submit(actor=cast.wang, application=application)
        assert codes(refused.value) == {"pledge_signed": ["pledge_not_signed"]}
        application.refresh_from_db()
        assert application.status == Status.DRAFT
        assert not events(application, Action.TRANSITION)

    def test_a_second_click_is_refused_and_leaves_one_event(self, cast, ming, program):
        application = file(cast, ming, program)
        application_submit(actor=cast.wang, application=application)
        with pytest.raises(InvalidTransition):
            application_submit(actor=cast.li, application=application)
        assert len(events(application, Action.TRANSITION)) == 1

    def test_a_returned_application_is_submitted_again_even_after_the_window(self, cast, ming):
        program = make_program(cast)
        closed_window(program, cast.term)
        application = ApplicationFactory(
            student=ming, program=program, term=cast.term, status=Status.RETURNED, filed_by=cast.wang
        )
        application_submit(actor=cast.wang, application=application)
        application.refresh_from_db()
        assert application.status == Status.SUBMITTED

    def test_a_draft_submitted_after_the_window_closed_needs_a_reason(self, cast, ming):
        program = make_program(cast)
        closed_window(program, cast.term)
        application = ApplicationFactory(student=ming, program=program, term=cast.term, filed_by=cast.wang)
        with pytest.raises(ValidationError) as refused:
            application_submit(actor=cast.wang, application=application)
        assert codes(refused.value) == {"late_reason": ["outside_window"]}
        application_update(actor=cast.wang, application=application, data={"late_reason": "家长外出务工刚返回"})
        application_submit(actor=cast.wang, application=application)

    def test_a_teacher_of_another_class_may_not_submit(self, cast, ming, program):
        application = file(cast, ming, program)
        teacher = UserFactory(username="zhou")
        MembershipFactory(user=teacher, role=Role.CLASS_TEACHER, school=cast.school)
        cast.class_2.class_teacher = teacher
        cast.class_2.save()
        with pytest.raises(PermissionDenied):
            application_submit(actor=teacher, application=application)


class TestWithdrawing:
    def test_withdrawing_needs_a_reason_and_is_audited_with_it(self, cast, ming, program):
        application = file(cast, ming, program)
        with pytest.raises(ValidationError):
            application_withdraw(actor=cast.wang, application=application, reason=" ")
        application_withdraw(actor=cast.wang, application=application, reason="家长表示不再申请")
        application.refresh_from_db()
        assert application.status == Status.WITHDRAWN
        (event,) = events(application, Action.TRANSITION)
        assert (event.changes, event.reason) == ({"status": [Status.DRAFT, Status.WITHDRAWN]}, "家长表示不再申请")

    @pytest.mark.parametrize("status", [Status.SUBMITTED, Status.RETURNED, Status.RECOMMENDED, Status.SENT_BACK])
    def test_an_undecided_application_can_be_withdrawn(self, cast, ming, program, status):
        application = ApplicationFactory(student=ming, program=program, term=cast.term, status=status)
        application_withdraw(actor=cast.li, application=application, reason="家庭情况好转")
        application.refresh_from_db()
        assert application.status == Status.WITHDRAWN

    @pytest.mark.parametrize("status", [Status.APPROVED, Status.REJECTED, Status.WITHDRAWN])
    def test_a_decided_or_closed_application_cannot_be_withdrawn(self, cast, ming, program, status):
        extra = {"approved_tier": "difficult", "amount": "625.00"} if status == Status.APPROVED else {}
        application = ApplicationFactory(student=ming, program=program, term=cast.term, status=status, **extra)
        with pytest.raises(InvalidTransition):
            application_withdraw(actor=cast.li, application=application, reason="不再申请")
        assert not events(application, Action.TRANSITION)

    def test_withdrawing_frees_the_place_for_a_new_application(self, cast, ming, program):
        application = file(cast, ming, program)
        application_withdraw(actor=cast.wang, application=application, reason="选错了项目")
        assert file(cast, ming, program).pk != application.pk


# ---------------------------------------------------------------------------------------------
# Screens


def url(name, *args):
    from django.urls import reverse

    return reverse(f"applications:{name}", args=args)


def form_data(cast, program, **overrides):
    return {
        "program": program.pk,
        "term": cast.term.pk,
        "requested_tier": "difficult",
        "statement": STATEMENT,
        "late_reason": "",
        "pledge_signed": "on",
        **overrides,
    }


class TestFilingScreen:
    def test_the_class_teacher_files_from_the_form_and_lands_on_the_application(self, cast, ming, program, client_for):
        visit = visit_to(ming, cast)
        response = client_for(cast.wang).post(
            url("application_new", ming.pk), form_data(cast, program, home_visits=[visit.pk])
        )
        application = Application.objects.get()
        assert response.status_code == 302 and response["Location"] == application.get_absolute_url()
        assert (application.student, application.filed_by, list(application.home_visits.all())) == (
            ming,
            cast.wang,
            [visit],
        )

    def test_the_form_offers_only_programs_serving_the_stage_and_only_this_students_visits(
        self, cast, ming, program, client_for
    ):
        senior = make_program(cast, name="普通高中国家助学金", stages=[Stage.SENIOR])
        make_program(cast, name="已停止的项目", active=False)
        AidProgramFactory(county=cast.other_county, name="白水县助学金")
        own = visit_to(ming, cast)
        other = visit_to(StudentFactory(school_class=cast.class_1), cast)
        response = client_for(cast.wang).get(url("application_new", ming.pk))
        page = response.content.decode()
        assert program.name in page
        for absent in (senior.name, "已停止的项目", "白水县助学金"):
            assert absent not in page
        visits = response.context["form"]["home_visits"]
        assert [choice.data["value"].value for choice in visits] == [own.pk]
        assert other.pk != own.pk

    def test_a_refusal_is_shown_beside_its_field_and_nothing_is_filed(self, cast, ming, client_for):
        program = make_program(cast)
        closed_window(program, cast.term)
        response = client_for(cast.wang).post(url("application_new", ming.pk), form_data(cast, program))
        assert response.status_code == 200
        assert "late_reason" in response.context["form"].errors
        assert 'id="id_late_reason_error_1"' in response.content.decode()
        assert not Application.objects.exists()

    def test_a_duplicate_is_refused_at_the_top_of_the_form(self, cast, ming, program, client_for):
        file(cast, ming, program)
        response = client_for(cast.li).post(url("application_new", ming.pk), form_data(cast, program))
        assert response.context["form"].non_field_errors() and Application.objects.count() == 1

    def test_a_student_who_has_left_gets_no_form(self, cast, ming, program, client_for):
        ming.status = EnrolmentStatus.GRADUATED
        ming.save()
        response = client_for(cast.wang).get(url("application_new", ming.pk))
        assert response.context["refusal"] and b'name="statement"' not in response.content

    def test_the_principal_may_read_but_not_file(self, cast, ming, program, client_for):
        client = client_for(cast.zhang)
        assert client.get(url("student_applications", ming.pk)).status_code == 200
        assert client.get(url("application_new", ming.pk)).status_code == 403
        assert client.post(url("application_new", ming.pk), form_data(cast, program)).status_code == 403
        assert not Application.objects.exists()

    def test_a_student_out_of_scope_is_not_found(self, cast, program, client_for):
        student = StudentFactory(school_class=cast.class_2)
        assert client_for(cast.wang).get(url("application_new", student.pk)).status_code == 404
        assert client_for(cast.outsider).get(url("application_new", student.pk)).status_code == 404

    def test_filing_answers_only_get_and_post(self, cast, ming, program, client_for):
        assert client_for(cast.wang).put(url("application_new", ming.pk)).status_code == 405


class TestApplicationPage:
    def test_it_shows_the_application_with_its_history_and_the_editors_buttons(self, cast, ming, program, client_for):
        application = file(cast, ming, program)
        response = client_for(cast.wang).get(application.get_absolute_url())
        page = response.content.decode()
        assert STATEMENT in page and program.name in page
        assert url("application_submit", application.pk) in page
        assert url("attachment_upload", application.pk) in page
        assert [event.action for event in response.context["history"]] == [Action.CREATE]

    def test_the_principal_sees_it_without_the_editors_buttons(self, cast, ming, program, client_for):
        application = file(cast, ming, program)
        page = client_for(cast.zhang).get(application.get_absolute_url()).content.decode()
        assert STATEMENT in page
        assert url("application_submit", application.pk) not in page
        assert url("application_pledge_pdf", application.pk) in page

    def test_a_submitted_application_leads_its_class_teacher_to_the_first_review(self, cast, ming, program, client_for):
        application = file(cast, ming, program)
        first_review = reverse("reviews:first_review", args=[application.pk])
        assert first_review not in client_for(cast.wang).get(application.get_absolute_url()).content.decode()
        application_submit(actor=cast.wang, application=application)
        assert first_review in client_for(cast.wang).get(application.get_absolute_url()).content.decode()
        # The aid office reviews second, class by class: the first review is not theirs.
        assert first_review not in client_for(cast.li).get(application.get_absolute_url()).content.decode()

    def test_another_class_or_county_gets_404(self, cast, program, client_for):
        application = ApplicationFactory(student=StudentFactory(school_class=cast.class_2), program=program)
        assert client_for(cast.wang).get(application.get_absolute_url()).status_code == 404
        assert client_for(cast.outsider).get(application.get_absolute_url()).status_code == 404
        assert client_for(cast.li).get(application.get_absolute_url()).status_code == 200

    def test_editing_saves_and_records_the_change(self, cast, ming, program, client_for):
        application = file(cast, ming, program)
        data = {"requested_tier": "especially_difficult", "statement": "母亲重病住院", "late_reason": ""}
        response = client_for(cast.wang).post(url("application_edit", application.pk), data)
        assert response.status_code == 302
        application.refresh_from_db()
        assert (application.requested_tier, application.statement, application.pledge_signed) == (
            "especially_difficult",
            "母亲重病住院",
            False,
        )
        assert events(application, Action.UPDATE)[0].changes["pledge_signed"] == [True, False]

    def test_a_submitted_application_is_not_edited(self, cast, ming, program, client_for):
        application = file(cast, ming, program)
        application_submit(actor=cast.wang, application=application)
        client = client_for(cast.wang)
        assert client.get(url("application_edit", application.pk)).status_code == 302
        client.post(url("application_edit", application.pk), {"requested_tier": "difficult", "statement": "改"})
        application.refresh_from_db()
        assert application.statement == STATEMENT

    def test_submit_and_withdraw_are_buttons_that_post(self, cast, ming, program, client_for):
        application = file(cast, ming, program)
        client = client_for(cast.wang)
        assert client.get(url("application_submit", application.pk)).status_code == 405
        assert client.get(url("application_withdraw", application.pk)).status_code == 405
        assert client.post(url("application_submit", application.pk)).status_code == 302
        application.refresh_from_db()
        assert application.status == Status.SUBMITTED
        client.post(url("application_withdraw", application.pk), {"reason": ""})
        application.refresh_from_db()
        assert application.status == Status.SUBMITTED
        client.post(url("application_withdraw", application.pk), {"reason": "家长决定不申请"})
        application.refresh_from_db()
        assert application.status == Status.WITHDRAWN
        assert [e.changes["status"][1] for e in events(application, Action.TRANSITION)] == ["submitted", "withdrawn"]

    def test_a_refused_submit_says_why_and_changes_nothing(self, cast, ming, program, client_for):
        application = file(cast, ming, program, pledge_signed=False)
        response = client_for(cast.wang).post(url("application_submit", application.pk), follow=True)
        assert len(list(response.context["messages"])) == 1
        application.refresh_from_db()
        assert application.status == Status.DRAFT

    def test_the_principal_may_not_submit(self, cast, ming, program, client_for):
        application = file(cast, ming, program)
        assert client_for(cast.zhang).post(url("application_submit", application.pk)).status_code == 403
        assert client_for(cast.outsider).post(url("application_submit", application.pk)).status_code == 404
        application.refresh_from_db()
        assert application.status == Status.DRAFT


class TestLists:
    def test_the_class_list_shows_the_classs_applications_and_a_file_button_per_student(
        self, cast, ming, program, client_for
    ):
        file(cast, ming, program)
        StudentFactory(school_class=cast.class_1, name="李小红")
        StudentFactory(school_class=cast.class_2, name="赵别班")
        response = client_for(cast.wang).get(url("class_applications", cast.class_1.pk))
        page = response.content.decode()
        assert [a.student for a in response.context["applications"]] == [ming]
        assert {s.name: s.open_applications for s in response.context["roster"]} == {"王小明": 1, "李小红": 0}
        assert "赵别班" not in page
        assert 'data-status="draft"' in page

    def test_the_class_list_filters_by_program_and_term(self, cast, ming, program, client_for):
        file(cast, ming, program)
        spring = Term.objects.get(school_year=cast.school_year, kind=Term.Kind.SPRING)
        client = client_for(cast.wang)
        listed = client.get(url("class_applications", cast.class_1.pk), {"term": spring.pk}).context["applications"]
        assert list(listed) == []
        other = make_program(cast, name="营养改善计划")
        listed = client.get(url("class_applications", cast.class_1.pk), {"program": other.pk}).context["applications"]
        assert list(listed) == []
        listed = client.get(url("class_applications", cast.class_1.pk), {"program": program.pk}).context["applications"]
        assert len(listed) == 1

    def test_the_principal_reads_the_class_list_without_file_buttons(self, cast, ming, program, client_for):
        response = client_for(cast.zhang).get(url("class_applications", cast.class_1.pk))
        assert response.status_code == 200 and not response.context["may_file"]
        assert url("application_new", ming.pk) not in response.content.decode()

    def test_the_school_list_filters_by_class_and_status(self, cast, ming, program, client_for):
        mine = file(cast, ming, program)
        other = file(cast, StudentFactory(school_class=cast.class_2, name="李小红"), program, actor=cast.li)
        application_submit(actor=cast.li, application=other)
        client = client_for(cast.li)

        def listed(**filters):
            response = client.get(url("school_applications", cast.school.pk), filters)
            return {a.pk for a in response.context["page"].object_list}

        assert listed() == {mine.pk, other.pk}
        assert listed(school_class=cast.class_1.pk) == {mine.pk}
        assert listed(status="submitted") == {other.pk}
        assert listed(program=program.pk, status="draft") == {mine.pk}

    def test_the_class_teacher_sees_only_the_own_class_in_the_school_list(self, cast, ming, program, client_for):
        mine = file(cast, ming, program)
        file(cast, StudentFactory(school_class=cast.class_2), program, actor=cast.li)
        response = client_for(cast.wang).get(url("school_applications", cast.school.pk))
        assert [a.pk for a in response.context["page"].object_list] == [mine.pk]

    def test_the_lists_are_out_of_reach_of_other_schools(self, cast, client_for):
        assert client_for(cast.li).get(url("school_applications", cast.sibling_school.pk)).status_code == 404
        assert client_for(cast.wang).get(url("class_applications", cast.class_2.pk)).status_code == 404
        assert client_for(cast.outsider).get(url("class_applications", cast.class_1.pk)).status_code == 404

    def test_the_menu_leads_a_class_teacher_to_the_class_and_the_aid_office_to_the_school(self, cast, client_for):
        assert client_for(cast.wang).get(url("application_index"))["Location"] == url(
            "class_applications", cast.class_1.pk
        )
        assert client_for(cast.li).get(url("application_index"))["Location"] == url(
            "school_applications", cast.school.pk
        )
        page = client_for(cast.zhao).get(url("application_index")).content.decode()
        assert url("school_applications", cast.school.pk) in page
        assert url("school_applications", cast.sibling_school.pk) in page

    def test_the_menu_entry_is_for_class_teachers_aid_office_and_principal(self, cast, client_for):
        for user, shown in ((cast.wang, True), (cast.li, True), (cast.zhang, True), (cast.zhao, False)):
            page = client_for(user).get("/").content.decode()
            assert (f'href="{url("application_index")}"' in page) is shown, user

    def test_the_student_page_links_the_students_applications(self, cast, ming, program, client_for):
        application = file(cast, ming, program)
        page = client_for(cast.zhang).get(ming.get_absolute_url()).content.decode()
        assert url("student_applications", ming.pk) in page
        listing = client_for(cast.zhang).get(url("student_applications", ming.pk)).content.decode()
        assert application.get_absolute_url() in listing
