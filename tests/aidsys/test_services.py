"""The core's services and the rules its models hold."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from aidsys.models import AuditEvent, Holiday, Membership, Role, SchoolYear, Term
from aidsys.services.org import school_class_assign_teacher, school_class_create, school_year_create
from aidsys.services.people import membership_end, membership_grant, user_create, user_grant_permission
from tests.factories import MembershipFactory, SchoolFactory, StudentFactory, UserFactory


class TestMemberships:
    def test_granting_a_role_twice_for_the_same_period_is_refused(self, cast):
        with pytest.raises(ValidationError, match="担任此角色"):
            membership_grant(actor=cast.admin, user=cast.li, role=Role.AID_OFFICE, school=cast.school)

    def test_a_role_can_be_granted_again_after_it_ended(self, cast):
        membership = Membership.objects.get(user=cast.li)
        membership_end(actor=cast.admin, membership=membership, end=date(2026, 8, 31), reason="调岗")
        again = membership_grant(
            actor=cast.admin, user=cast.li, role=Role.AID_OFFICE, school=cast.school, start=date(2026, 9, 1)
        )
        assert again.pk != membership.pk
        assert AuditEvent.objects.for_object(membership).get().reason == "调岗"

    def test_a_school_role_needs_a_school_and_a_county_role_a_county(self, cast):
        with pytest.raises(ValidationError, match="请选择学校"):
            Membership(user=cast.wang, role=Role.PRINCIPAL, start=date(2026, 1, 1)).full_clean()
        with pytest.raises(ValidationError, match="请选择区县"):
            Membership(user=cast.wang, role=Role.COUNTY_STAFF, start=date(2026, 1, 1)).full_clean()

    def test_the_database_refuses_a_role_without_its_unit(self, cast):
        with pytest.raises(IntegrityError), transaction.atomic():
            Membership.objects.create(user=cast.wang, role=Role.AID_OFFICE, start=date(2026, 1, 1))

    def test_an_end_before_the_start_is_refused(self, cast):
        membership = Membership(user=cast.wang, role=Role.ADMIN, start=date(2026, 9, 1), end=date(2026, 8, 1))
        with pytest.raises(ValidationError, match="截止日期不能早于起始日期"):
            membership.full_clean()


class TestUsers:
    def test_a_new_users_event_holds_no_password(self, db):
        user = user_create(actor=None, username="newbie", full_name="新老师", password="Qingshan-2027!")
        event = AuditEvent.objects.for_object(user).get()
        assert "password" not in event.changes and user.check_password("Qingshan-2027!")

    def test_a_phone_must_be_a_mainland_mobile(self, db):
        with pytest.raises(ValidationError, match="11位"):
            user_create(actor=None, username="p", full_name="某", password="Qingshan-2027!", phone="12345")

    def test_granting_a_permission_is_recorded_once(self, cast):
        assert user_grant_permission(actor=cast.admin, user=cast.li, permission="students.reveal_sensitive")
        assert not user_grant_permission(actor=cast.admin, user=cast.li, permission="students.reveal_sensitive")
        assert AuditEvent.objects.for_object(cast.li).count() == 1


class TestSchoolYears:
    def test_a_year_comes_with_its_autumn_and_spring_terms(self, db):
        year = school_year_create(
            actor=None,
            start_year=2027,
            autumn=(date(2027, 9, 1), date(2028, 1, 21)),
            spring=(date(2028, 2, 21), date(2028, 7, 7)),
        )
        assert [(t.kind, t.start) for t in year.terms.order_by("start")] == [
            (Term.Kind.AUTUMN, date(2027, 9, 1)),
            (Term.Kind.SPRING, date(2028, 2, 21)),
        ]
        assert AuditEvent.objects.count() == 3

    def test_a_term_that_ends_before_it_starts_is_refused_and_nothing_is_kept(self, db):
        with pytest.raises(ValidationError, match="结束日期必须晚于开始日期"):
            school_year_create(
                actor=None,
                start_year=2027,
                autumn=(date(2027, 9, 1), date(2028, 1, 21)),
                spring=(date(2028, 7, 7), date(2028, 2, 21)),
            )
        assert not SchoolYear.objects.filter(start_year=2027).exists()

    def test_the_admin_creates_a_year_with_its_terms(self, cast, client_for):
        response = client_for(cast.admin).post(
            "/admin/aidsys/schoolyear/add/",
            {
                "start_year": 2028,
                "autumn_start": "2028-09-01",
                "autumn_end": "2029-01-19",
                "spring_start": "2029-02-19",
                "spring_end": "2029-07-06",
            },
        )
        assert response.status_code == 302
        assert SchoolYear.objects.get(start_year=2028).terms.count() == 2


class TestClasses:
    def test_a_class_teacher_must_teach_at_the_school(self, cast):
        with pytest.raises(ValidationError, match="不是青山县实验小学的班主任"):
            school_class_create(
                actor=cast.li, school=cast.school, school_year=cast.school_year, grade=22, number=1,
                class_teacher=cast.outsider,
            )  # fmt: skip

    def test_the_same_rule_holds_when_reassigning(self, cast):
        with pytest.raises(ValidationError):
            school_class_assign_teacher(actor=cast.li, school_class=cast.class_2, class_teacher=cast.outsider)
        teacher = UserFactory(username="sun")
        MembershipFactory(user=teacher, role=Role.CLASS_TEACHER, school=cast.school)
        school_class_assign_teacher(actor=cast.li, school_class=cast.class_2, class_teacher=teacher)
        cast.class_2.refresh_from_db()
        assert cast.class_2.class_teacher == teacher

    def test_a_grade_outside_the_schools_stages_is_refused(self, cast):
        with pytest.raises(ValidationError, match="本校没有该年级所属的学段"):
            school_class_create(actor=cast.li, school=cast.school, school_year=cast.school_year, grade=41, number=1)

    def test_class_names_read_as_on_the_door(self, cast):
        senior = SchoolFactory(county=cast.county, stages=["senior"])
        high = school_class_create(actor=None, school=senior, school_year=cast.school_year, grade=41, number=3)
        assert (str(cast.class_1), str(high)) == ("一年级(1)班", "高一(3)班")


class TestSchoolsAndHolidays:
    def test_a_school_needs_at_least_one_known_stage(self, cast):
        cast.school.stages = ["university"]
        with pytest.raises(ValidationError, match="请至少选择一个学段"):
            cast.school.full_clean()

    def test_a_holiday_in_a_year_the_calendar_package_knows_is_refused(self, db):
        with pytest.raises(ValidationError, match="2026年已在内置"):
            Holiday(date=date(2026, 3, 2), kind=Holiday.Kind.HOLIDAY, name="多余").full_clean()


class TestStudentRules:
    def test_the_birth_date_and_gender_must_match_the_id_number(self, cast):
        student = StudentFactory.build(school_class=cast.class_1, school=cast.school, household=None)
        student.birth_date = date(2019, 1, 1)
        student.gender = "female"
        with pytest.raises(ValidationError) as error:
            student.full_clean(exclude=["household"])
        assert set(error.value.message_dict) == {"birth_date", "gender"}

    def test_a_lower_case_x_and_full_width_digits_are_normalised(self, cast):
        from aidsys import cn

        first17 = "43990120190101123"
        number = first17 + cn.id_number_check_digit(first17)
        student = StudentFactory.build(school_class=cast.class_1, school=cast.school, household=None)
        student.id_number = number.translate(str.maketrans("0123456789X", "０１２３４５６７８９x"))
        student.birth_date, student.gender = date(2019, 1, 1), cn.id_number_gender(number)
        student.full_clean(exclude=["household"])
        assert student.id_number == number
