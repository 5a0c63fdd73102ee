from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from aidsys import cn
from aidsys.models import AuditEvent, Membership, Role, School, SchoolClass, User
from aidsys.services.audit_chain import audit_chain_verify
from applications.models import Application, Status
from disbursements.models import LineStatus, PaymentBatch, PaymentLine
from publicity.models import NoticeStatus, Objection, ObjectionStatus, PublicNotice
from students.models import HomeVisit, Household, HouseholdMember, SpecialGroupFlag, Student
from tests.conftest import TODAY, ten_in_the_morning

COUNTED = (
    School,
    SchoolClass,
    User,
    Membership,
    Student,
    Household,
    HouseholdMember,
    SpecialGroupFlag,
    HomeVisit,
    Application,
    PublicNotice,
    Objection,
    PaymentBatch,
    PaymentLine,
    AuditEvent,
)


@pytest.fixture(scope="module")
def county(django_db_setup, django_db_blocker):
    # Three schools: one paid, one with its notice running, one still reviewing (SCHOOL_STATES).
    with django_db_blocker.unblock(), time_machine.travel(ten_in_the_morning(TODAY), tick=True):
        first = StringIO()
        call_command("seed_county", schools=3, students=200, county_code="439977", stdout=first)
        counts = {model: model.objects.count() for model in COUNTED}
        second = StringIO()
        call_command("seed_county", schools=3, students=200, county_code="439977", stdout=second)
        yield first.getvalue(), counts, {model: model.objects.count() for model in COUNTED}
        call_command("flush", "--noinput", verbosity=0)


@pytest.mark.django_db
class TestSeedCounty:
    def test_it_makes_the_schools_classes_and_students_asked_for(self, county):
        assert School.objects.filter(county__code="439977").count() == 3
        assert Student.objects.count() == 200
        assert SchoolClass.objects.filter(class_teacher__isnull=True).count() == 0
        assert {school.stages[0] for school in School.objects.all()} >= {"primary", "junior"}

    def test_every_id_number_is_valid_and_matches_the_birth_date_and_gender(self, county):
        for student in Student.objects.all():
            assert cn.normalize_id_number(student.id_number) == student.id_number
            assert cn.id_number_birth_date(student.id_number) == student.birth_date
            assert cn.id_number_gender(student.id_number) == student.gender

    def test_households_have_members_and_official_lists_flagged_some(self, county):
        assert HouseholdMember.objects.filter(relation="self").count() == 200
        official = SpecialGroupFlag.objects.filter(source=SpecialGroupFlag.Source.OFFICIAL_LIST)
        assert official.exists()
        assert not official.filter(list_name="").exists()
        assert HomeVisit.objects.exists()

    def test_applications_stand_at_every_stage(self, county):
        statuses = set(Application.objects.values_list("status", flat=True))
        assert statuses >= {
            Status.DRAFT,
            Status.SUBMITTED,
            Status.RETURNED,
            Status.SENT_BACK,
            Status.RECOMMENDED,
            Status.APPROVED,
            Status.REJECTED,
        }

    def test_a_notice_runs_with_an_open_objection_and_another_was_closed_and_paid(self, county):
        assert PublicNotice.objects.filter(status=NoticeStatus.PUBLISHED).exists()
        assert PublicNotice.objects.filter(status=NoticeStatus.CLOSED).exists()
        assert Objection.objects.filter(status=ObjectionStatus.OPEN).exists()
        assert Objection.objects.filter(status=ObjectionStatus.DISMISSED).exists()
        paid = PaymentLine.objects.filter(status=LineStatus.PAID)
        assert set(paid.values_list("batch__method", flat=True)) == {"cash", "bank_card"}

    def test_each_school_user_sees_only_their_school(self, county):
        for school in School.objects.all():
            for role in ("aid", "principal"):
                user = User.objects.get(username=f"{school.code}_{role}")
                assert set(Student.objects.visible_to(user).values_list("school_id", flat=True)) == {school.pk}
        teacher = SchoolClass.objects.order_by("pk").first().class_teacher
        visible = Student.objects.visible_to(teacher)
        assert set(visible.values_list("school_class__class_teacher", flat=True)) == {teacher.pk}
        staff = User.objects.get(username="439977_county1")
        assert Membership.objects.get(user=staff).role == Role.COUNTY_STAFF
        assert Student.objects.visible_to(staff).count() == 200

    def test_a_second_run_changes_no_count(self, county):
        _output, first, second = county
        assert first == second

    def test_the_audit_trail_verifies(self, county):
        output, _first, _second = county
        assert "audit events" in output
        assert audit_chain_verify(full=True).ok
