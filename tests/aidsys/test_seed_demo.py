from io import StringIO

import pytest
from django.core.management import call_command

from aidsys.models import AuditEvent, Membership, Role, School, SchoolClass, Stage, User
from aidsys.services.audit import audit_chain_verify
from students.models import Student


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        first, second = StringIO(), StringIO()
        call_command("seed_demo", stdout=first)
        counts = {model: model.objects.count() for model in (School, SchoolClass, Student, User, AuditEvent)}
        call_command("seed_demo", stdout=second)
        yield first.getvalue(), second.getvalue(), counts
        # Module-scoped data is outside the per-test transactions: remove it again for the other tests.
        from django.core.management import call_command as run

        run("flush", "--noinput", verbosity=0)


@pytest.mark.django_db
class TestSeedDemo:
    def test_it_makes_a_primary_a_junior_and_a_senior_school_with_their_classes(self, seeded):
        stages = sorted(stage for school in School.objects.all() for stage in school.stages)
        assert stages == sorted([Stage.PRIMARY, Stage.JUNIOR, Stage.SENIOR])
        assert SchoolClass.objects.count() == 24

    def test_it_makes_at_least_600_students_each_with_a_household_and_a_valid_id(self, seeded):
        from aidsys import cn

        students = Student.objects.all()
        assert students.count() >= 600
        assert not students.filter(household__isnull=True).exists()
        for student in students:
            assert cn.normalize_id_number(student.id_number) == student.id_number
            assert cn.id_number_birth_date(student.id_number) == student.birth_date

    def test_every_school_has_each_role_and_the_county_its_staff(self, seeded):
        for school in School.objects.all():
            roles = set(Membership.objects.active().filter(school=school).values_list("role", flat=True))
            assert roles == {Role.CLASS_TEACHER, Role.AID_OFFICE, Role.PRINCIPAL}
        assert Membership.objects.active().filter(role=Role.COUNTY_STAFF).count() == 1

    def test_it_prints_the_accounts_and_their_password(self, seeded):
        output, _, _ = seeded
        assert "Demo@2026" in output
        for username in ("admin", "county", "xx_teacher", "cz_aid", "gz_principal"):
            assert username in output

    def test_a_second_run_changes_nothing(self, seeded):
        _, second, counts = seeded
        assert {model: model.objects.count() for model in counts} == counts
        assert "(0 new this run)" in second

    def test_every_row_it_made_is_in_an_intact_audit_chain(self, seeded):
        report = audit_chain_verify()
        assert report.ok and report.checked == AuditEvent.objects.count() > 600
