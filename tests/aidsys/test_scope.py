from datetime import date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.utils import timezone

from aidsys.models import County, Role, School, SchoolClass, User
from aidsys.scope import (
    can_act_for_county,
    can_act_for_some_county,
    can_import_for_school,
    can_keep_records,
    can_manage_school,
    can_print_for_school,
    can_read_school_rosters,
    can_read_some_school_rosters,
    can_reveal,
    can_sign_for_school,
    can_teach_class,
    scope_for,
)
from students.models import Student
from tests.factories import MembershipFactory, SchoolClassFactory, StudentFactory, UserFactory


def names(queryset):
    return sorted(str(obj) for obj in queryset)


@pytest.fixture
def students(cast):
    return {
        "class_1": StudentFactory(school_class=cast.class_1, name="王小明"),
        "class_2": StudentFactory(school_class=cast.class_2, name="李小红"),
        "sibling": StudentFactory(school_class=SchoolClassFactory(school=cast.sibling_school), name="张伟"),
        "other": StudentFactory(school_class=cast.other_class, name="刘洋"),
    }


class TestWhoSeesWhichStudents:
    def test_a_class_teacher_sees_only_their_own_class(self, cast, students):
        assert names(Student.objects.visible_to(cast.wang)) == ["王小明"]

    def test_the_aid_office_and_the_principal_see_their_whole_school(self, cast, students):
        assert names(Student.objects.visible_to(cast.li)) == ["李小红", "王小明"]
        assert names(Student.objects.visible_to(cast.zhang)) == ["李小红", "王小明"]

    def test_county_staff_see_every_school_of_their_county_only(self, cast, students):
        assert names(Student.objects.visible_to(cast.zhao)) == ["张伟", "李小红", "王小明"]

    def test_the_admin_sees_everything(self, cast, students):
        assert Student.objects.visible_to(cast.admin).count() == 4

    def test_the_outsider_sees_nothing_of_this_county(self, cast, students):
        assert names(Student.objects.visible_to(cast.outsider)) == ["刘洋"]

    def test_an_anonymous_user_sees_nothing(self, cast, students):
        from django.contrib.auth.models import AnonymousUser

        assert not Student.objects.visible_to(AnonymousUser()).exists()


class TestOrganisationScope:
    def test_a_class_teacher_sees_their_school_but_not_its_other_classes(self, cast):
        assert names(School.objects.visible_to(cast.wang)) == ["青山县实验小学"]
        assert list(SchoolClass.objects.visible_to(cast.wang)) == [cast.class_1]

    def test_county_staff_see_their_county_and_its_schools(self, cast):
        assert list(County.objects.visible_to(cast.zhao)) == [cast.county]
        assert names(School.objects.visible_to(cast.zhao)) == ["青山县实验小学", "青山县第二小学"]

    def test_school_staff_see_their_own_county_row(self, cast):
        assert list(County.objects.visible_to(cast.li)) == [cast.county]


class TestMembershipDates:
    def test_an_ended_role_grants_nothing(self, cast):
        former = UserFactory(username="former")
        MembershipFactory(user=former, role=Role.AID_OFFICE, school=cast.school, end=date(2025, 12, 31))
        assert scope_for(former).is_empty
        assert not School.objects.visible_to(former).exists()

    def test_a_role_that_starts_tomorrow_grants_nothing_yet(self, cast):
        newcomer = UserFactory(username="newcomer")
        MembershipFactory(
            user=newcomer,
            role=Role.PRINCIPAL,
            school=cast.school,
            start=timezone.localdate() + timedelta(days=1),
        )
        assert scope_for(newcomer).is_empty

    def test_two_roles_add_up(self, cast, students):
        MembershipFactory(user=cast.wang, role=Role.AID_OFFICE, school=cast.sibling_school)
        assert names(Student.objects.visible_to(cast.wang)) == ["张伟", "王小明"]
        assert scope_for(cast.wang).roles == {Role.CLASS_TEACHER, Role.AID_OFFICE}

    def test_a_class_teacher_role_in_another_school_does_not_open_a_class_here(self, cast):
        cast.class_2.class_teacher = cast.outsider
        cast.class_2.save()
        assert cast.class_2 not in SchoolClass.objects.visible_to(cast.outsider)

    def test_the_scope_is_computed_once_per_user_object(self, cast, django_assert_num_queries):
        scope_for(cast.li)
        with django_assert_num_queries(0):
            scope_for(cast.li)


def test_a_principal_here_and_aid_office_elsewhere_does_not_manage_this_school(cast, client_for):
    MembershipFactory(user=cast.zhang, role=Role.AID_OFFICE, school=cast.sibling_school)
    scope = scope_for(cast.zhang)
    assert scope.manages_school(cast.sibling_school.pk)
    assert not scope.manages_school(cast.school.pk)
    spring = cast.school_year.terms.get(kind="spring")
    assert (
        client_for(cast.zhang).post(f"/schools/{cast.school.pk}/current-term/", {"term": spring.pk}).status_code == 403
    )


class TestWhoMayAct:
    """The cast against each named question of aidsys.scope: who may do what in their scope."""

    CAST = ("wang", "li", "zhang", "zhao", "admin", "outsider")

    def answers(self, cast, question, *units) -> set[str]:
        return {name for name in self.CAST if question(getattr(cast, name), *units)}

    def test_the_aid_office_manages_its_school(self, cast):
        assert self.answers(cast, can_manage_school, cast.school) == {"li", "admin"}
        assert self.answers(cast, can_manage_school, cast.school.pk) == {"li", "admin"}

    def test_the_class_teacher_teaches_their_class(self, cast):
        assert self.answers(cast, can_teach_class, cast.class_1) == {"wang", "admin"}
        assert self.answers(cast, can_teach_class, cast.class_2.pk) == {"admin"}
        assert self.answers(cast, can_teach_class, None) == {"admin"}

    def test_records_are_kept_by_the_aid_office_and_the_class_teacher(self, cast):
        assert self.answers(cast, can_keep_records, cast.school, cast.class_1) == {"wang", "li", "admin"}
        assert self.answers(cast, can_keep_records, cast.school.pk, None) == {"li", "admin"}

    def test_the_principal_signs_and_prints_with_the_aid_office(self, cast):
        assert self.answers(cast, can_sign_for_school, cast.school) == {"zhang", "admin"}
        assert self.answers(cast, can_print_for_school, cast.school.pk) == {"li", "zhang", "admin"}

    def test_the_whole_school_is_read_by_its_office_principal_and_county_not_a_class_teacher(self, cast):
        assert self.answers(cast, can_read_school_rosters, cast.school) == {"li", "zhang", "zhao", "admin"}
        assert self.answers(cast, can_read_school_rosters, cast.sibling_school) == {"zhao", "admin"}
        assert self.answers(cast, can_read_some_school_rosters) == {"li", "zhang", "zhao", "admin"}

    def test_rosters_are_imported_by_the_aid_office_and_the_county_not_the_principal(self, cast):
        assert self.answers(cast, can_import_for_school, cast.school) == {"li", "zhao", "admin"}
        assert self.answers(cast, can_import_for_school, cast.sibling_school) == {"zhao", "admin"}

    def test_county_staff_act_for_their_county(self, cast):
        assert self.answers(cast, can_act_for_county, cast.county) == {"zhao", "admin"}
        assert self.answers(cast, can_act_for_county, cast.other_county.pk) == {"admin"}
        assert self.answers(cast, can_act_for_some_county) == {"zhao", "admin"}

    def test_revealing_is_a_permission_of_its_own(self, cast):
        assert self.answers(cast, can_reveal) == {"admin"}
        cast.li.user_permissions.add(Permission.objects.get(codename="reveal_sensitive"))
        assert can_reveal(User.objects.get(pk=cast.li.pk))
        assert not can_reveal(AnonymousUser())
