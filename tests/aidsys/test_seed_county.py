from io import StringIO

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from aidsys import cn
from aidsys.models import AuditEvent, Membership, Role, School, SchoolClass, User
from aidsys.services.audit import masked_changes
from aidsys.services.audit_chain import audit_chain_verify
from aidsys.services.writes import created_values
from applications.models import Application, Status
from disbursements.models import BatchKind, LineStatus, PaymentBatch, PaymentLine
from publicity.models import NoticeKind, NoticeStatus, Objection, ObjectionStatus, PublicNotice
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
# The rows written in bulk, without a full_clean each: the test cleans every one.
BULK = (SchoolClass, Membership, Household, Student, HouseholdMember, SpecialGroupFlag, HomeVisit)


@pytest.fixture(scope="module")
def county(django_db_setup, django_db_blocker):
    # Three schools of 40 students: one paid, one with its notice running, one still reviewing (SCHOOL_STATES).
    with django_db_blocker.unblock(), time_machine.travel(ten_in_the_morning(TODAY), tick=True):
        first = StringIO()
        call_command("seed_county", schools=3, students=120, county_code="439977", stdout=first)
        counts = {model: model.objects.count() for model in COUNTED}
        second = StringIO()
        call_command("seed_county", schools=3, students=120, county_code="439977", stdout=second)
        verified = StringIO()
        call_command("verify_audit", "--full", stdout=verified)
        yield first.getvalue(), counts, {model: model.objects.count() for model in COUNTED}, verified.getvalue()
        call_command("flush", "--noinput", verbosity=0)


def _event(instance):
    return AuditEvent.objects.get(
        action=AuditEvent.Action.CREATE,
        content_type=ContentType.objects.get_for_model(instance),
        object_id=str(instance.pk),
    )


@pytest.mark.django_db
class TestSeedCounty:
    def test_it_makes_the_schools_classes_and_students_asked_for(self, county):
        assert School.objects.filter(county__code="439977").count() == 3
        assert Student.objects.count() == 120
        assert SchoolClass.objects.filter(class_teacher__isnull=True).count() == 0
        assert {school.stages[0] for school in School.objects.all()} >= {"primary", "junior"}

    def test_every_id_number_is_valid_and_matches_the_birth_date_and_gender(self, county):
        for student in Student.objects.all():
            assert cn.normalize_id_number(student.id_number) == student.id_number
            assert cn.id_number_birth_date(student.id_number) == student.birth_date
            assert cn.id_number_gender(student.id_number) == student.gender

    def test_every_row_written_in_bulk_is_valid(self, county):
        for model in BULK:
            rows = list(model.objects.all())
            assert rows, model
            for row in rows:
                row.full_clean()

    def test_bulk_rows_have_the_creation_event_their_services_write(self, county):
        for model in BULK:
            assert (
                AuditEvent.objects.filter(
                    action=AuditEvent.Action.CREATE, content_type=ContentType.objects.get_for_model(model)
                ).count()
                == model.objects.count()
            ), model
        student = Student.objects.exclude(account_number="").select_related("school").first()
        event = _event(student)
        assert event.changes == masked_changes(Student, created_values(student))
        assert student.id_number not in str(event.changes)
        assert (event.school_id, event.county_id) == (student.school_id, student.school.county_id)
        member = HouseholdMember.objects.filter(relation="self").select_related("student").first()
        assert _event(member).school_id == member.student.school_id
        visit = HomeVisit.objects.select_related("student__school_class").first()
        assert _event(visit).actor == visit.student.school_class.class_teacher == visit.visitor

    def test_households_have_members_and_official_lists_flagged_some(self, county):
        assert HouseholdMember.objects.filter(relation="self").count() == 120
        official = SpecialGroupFlag.objects.filter(source=SpecialGroupFlag.Source.OFFICIAL_LIST)
        assert official.exists()
        assert not official.filter(list_name="").exists()
        flag = official.select_related("household", "recorded_by").first()
        event = _event(flag)
        assert event.actor == flag.recorded_by
        assert event.school_id == flag.household.students.order_by("pk").first().school_id

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
            Status.REVOKED,
        }

    def test_a_notice_runs_with_objections_open_dismissed_and_upheld_and_another_was_closed(self, county):
        assert PublicNotice.objects.filter(kind=NoticeKind.ORIGINAL, status=NoticeStatus.PUBLISHED).exists()
        assert PublicNotice.objects.filter(kind=NoticeKind.ORIGINAL, status=NoticeStatus.CLOSED).exists()
        assert Objection.objects.filter(status=ObjectionStatus.OPEN).exists()
        assert Objection.objects.filter(status=ObjectionStatus.DISMISSED).exists()
        upheld = Objection.objects.select_related("entry__application", "notice").get(status=ObjectionStatus.UPHELD)
        assert upheld.entry.application.status == Status.REVOKED
        assert PublicNotice.objects.filter(supplements=upheld.notice, status=NoticeStatus.DRAFT).exists()

    def test_paid_by_bank_and_in_cash_with_a_failed_line_repaid_by_a_follow_up(self, county):
        paid = PaymentLine.objects.filter(status=LineStatus.PAID)
        assert set(paid.values_list("batch__method", flat=True)) == {"cash", "bank_card"}
        failed = PaymentLine.objects.get(status=LineStatus.FAILED)
        assert failed.replaced_by.status == LineStatus.PAID
        assert failed.replaced_by.batch.kind == BatchKind.FOLLOW_UP
        assert failed.replaced_by.account_number != failed.account_number

    def test_each_school_user_sees_only_their_school(self, county):
        for school in School.objects.all():
            for role in ("aid", "principal"):
                user = User.objects.get(username=f"{school.code}_{role}")
                assert set(Student.objects.visible_to(user).values_list("school_id", flat=True)) == {school.pk}
            assert User.objects.get(username=f"{school.code}_aid").has_perm("students.reveal_sensitive")
        teacher = SchoolClass.objects.order_by("pk").first().class_teacher
        assert not teacher.has_perm("students.reveal_sensitive")
        visible = Student.objects.visible_to(teacher)
        assert set(visible.values_list("school_class__class_teacher", flat=True)) == {teacher.pk}
        staff = User.objects.get(username="439977_county1")
        assert Membership.objects.get(user=staff).role == Role.COUNTY_STAFF
        assert Student.objects.visible_to(staff).count() == 120

    def test_a_second_run_changes_no_count(self, county):
        _output, first, second, _verified = county
        assert first == second

    def test_the_audit_trail_verifies(self, county):
        output, _first, _second, verified = county
        assert "audit events" in output
        assert "audit chain intact" in verified
        assert audit_chain_verify(full=True).ok
