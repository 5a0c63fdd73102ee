from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from aidsys.celery import app as celery_app
from aidsys.models import AuditEvent, Job, Membership, Role, School, SchoolClass, Stage, User
from aidsys.services.audit_chain import audit_chain_verify
from aidsys.todo import todo_for
from applications.models import Application, PaymentMethod, Quota, Status
from applications.services.quota_limits import quota_states
from disbursements.models import (
    BatchKind,
    BatchStatus,
    FundAllocation,
    LeftoverReport,
    LeftoverStatus,
    LineStatus,
    PaymentBatch,
    PaymentLine,
    ReturnFileImport,
)
from publicity.models import ReportStatus, RosterReport
from reports.layouts import NationalLayout
from reports.models import ReportExport
from reviews.models import ReviewMeeting, ReviewPanel, ReviewPanelMember, RosterSignoff, SignoffStatus
from reviews.selectors import standard_amount_for
from students.models import HomeVisit, Student
from tests.conftest import TODAY, ten_in_the_morning

SEEDED_MODELS = (
    School,
    SchoolClass,
    Student,
    User,
    AuditEvent,
    HomeVisit,
    Application,
    ReviewPanel,
    ReviewPanelMember,
    ReviewMeeting,
    RosterSignoff,
    PaymentBatch,
    PaymentLine,
    FundAllocation,
    ReturnFileImport,
    LeftoverReport,
    NationalLayout,
    ReportExport,
)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    # Made once for the module, so before the per-test clock: the demo is dated from the suite's today too.
    # Before the per-test Celery set-up too: its tasks (the demo's export) run in-process here as well.
    saved_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    with (
        django_db_blocker.unblock(),
        time_machine.travel(ten_in_the_morning(TODAY), tick=True),
        # Inline, and on the primary: a replica may not have replayed what the demo just wrote.
        override_settings(AIDSYS_JOBS_INLINE=True, AIDSYS_REPLICA_READS=False),
    ):
        first, second = StringIO(), StringIO()
        call_command("seed_demo", stdout=first)
        counts = {model: model.objects.count() for model in SEEDED_MODELS}
        call_command("seed_demo", stdout=second)
        yield first.getvalue(), second.getvalue(), counts
        # Module-scoped data is outside the per-test transactions: remove it again for the other tests.
        from django.core.management import call_command as run

        run("flush", "--noinput", verbosity=0)
    celery_app.conf.task_always_eager = saved_eager


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
        assert all("(0 new this run)" in line for line in second.splitlines() if "new this run" in line), second

    def test_every_row_it_made_is_in_an_intact_audit_chain(self, seeded):
        report = audit_chain_verify()
        assert report.ok and report.checked == AuditEvent.objects.count() > 600

    def test_it_makes_applications_at_every_stage_of_the_review(self, seeded):
        statuses = set(Application.objects.values_list("status", flat=True))
        assert statuses == {
            Status.DRAFT,
            Status.SUBMITTED,
            Status.RETURNED,
            Status.SENT_BACK,
            Status.RECOMMENDED,
            Status.APPROVED,
            Status.REJECTED,
        }
        assert Application.objects.values("school_class").distinct().count() == 3
        for rejected in Application.objects.filter(status=Status.REJECTED):
            assert rejected.decision_reason

    def test_every_application_past_first_review_has_a_home_visit_of_the_year_or_a_reason(self, seeded):
        reviewed = Application.objects.exclude(
            status__in=(Status.DRAFT, Status.SUBMITTED, Status.RETURNED)
        ).select_related("term")
        assert reviewed.count() >= 10
        for application in reviewed:
            visited = HomeVisit.objects.filter(
                student=application.student_id, school_year=application.term.school_year_id
            ).exists()
            assert visited or application.no_visit_reason, application

    def test_the_awards_are_within_quota_at_the_standard_amount(self, seeded):
        for quota in Quota.objects.select_related("program", "term", "school"):
            for state in quota_states(program=quota.program, term=quota.term, school=quota.school):
                assert state.awards_remaining is None or state.awards_remaining >= 0
        approved = Application.objects.filter(status=Status.APPROVED).select_related("program", "term", "student")
        # Six of the national programs, three of the county's grant.
        assert approved.filter(program__code="QS-LZ").count() == 3
        assert approved.count() == 9
        for application in approved:
            assert application.amount == standard_amount_for(application, application.approved_tier)
            assert not application.amount_reason

    def test_each_school_role_finds_something_waiting_for_it(self, seeded):
        # 周校长 signed the junior school's roster; the county approved it and it is being paid.
        for signed in RosterSignoff.objects.all():
            assert signed.status == SignoffStatus.SIGNED
            assert signed.school.code == "4399010002"
            report = RosterReport.objects.get(school=signed.school, program=signed.program)
            assert report.status == ReportStatus.APPROVED
        assert RosterSignoff.objects.count() == 2
        assert ReviewPanel.objects.count() == 2 and ReviewPanelMember.objects.count() == 10
        # Each panel has met once, so the demo prints a 评议记录表; one member was absent.
        for panel in ReviewPanel.objects.all():
            (meeting,) = panel.meetings.all()
            assert meeting.members_present.count() == panel.members.count() - 1
        review_items = {
            username: [item for item in todo_for(User.objects.get(username=username)) if "/reviews/" in item.url]
            for username in ("xx_teacher", "xx_aid", "gz_teacher", "gz_aid")
        }
        assert all(review_items.values()), review_items
        county_items = [item.url for item in todo_for(User.objects.get(username="county"))]
        assert reverse("disbursements:leftover_list") + "?status=reported" in county_items, county_items

    def test_the_money_work_is_on_the_aid_offices_and_the_principals_to_do(self, seeded):
        # The county's grant is still being paid: one card batch awaits its return file, one the principal.
        grant = PaymentBatch.objects.filter(program__code="QS-LZ")
        assert sorted(grant.values_list("status", flat=True)) == [BatchStatus.APPROVED, BatchStatus.SUBMITTED]
        aid_items = [item.url for item in todo_for(User.objects.get(username="cz_aid")) if item.count]
        assert reverse("disbursements:bank_index") in aid_items, aid_items
        principal_items = [item.url for item in todo_for(User.objects.get(username="cz_principal")) if item.count]
        assert reverse("disbursements:batch_list") + f"?status={BatchStatus.SUBMITTED}" in principal_items
        waiting = grant.get(status=BatchStatus.SUBMITTED).lines.get()
        assert waiting.account_number and waiting.status == LineStatus.PENDING
        assert grant.get(status=BatchStatus.APPROVED).lines.filter(status=LineStatus.PENDING).count() == 2

    def test_it_pays_in_cash_and_by_bank_with_a_failed_line_and_its_follow_up(self, seeded):
        cash = PaymentBatch.objects.get(method=PaymentMethod.CASH)
        national = PaymentBatch.objects.filter(program=cash.program)
        assert cash.status == BatchStatus.APPROVED
        paid = cash.lines.filter(status=LineStatus.PAID)
        assert paid.count() == 2
        assert all(line.student_signed and line.guardian_signed and line.paid_on for line in paid)
        assert cash.lines.filter(status=LineStatus.CANCELLED).count() == 2
        card = national.get(method=PaymentMethod.BANK_CARD, kind=BatchKind.REGULAR)
        assert card.status == BatchStatus.APPROVED
        assert ReturnFileImport.objects.filter(batch=card).count() == 1
        assert card.lines.filter(status=LineStatus.PAID).count() == 1
        failed = card.lines.get(status=LineStatus.FAILED)
        assert failed.failure_reason
        follow_up = PaymentBatch.objects.get(follows=card, kind=BatchKind.FOLLOW_UP)
        assert follow_up.status == BatchStatus.APPROVED
        repaid = follow_up.lines.get()
        assert repaid.replaces == failed and repaid.status == LineStatus.PAID
        assert repaid.account_number != failed.account_number
        assert FundAllocation.objects.filter(school=cash.school, program=cash.program).count() == 3

    def test_the_leftover_of_the_paid_roster_is_reported_to_the_county(self, seeded):
        report = LeftoverReport.objects.get()
        assert report.school.code == "4399010002"
        assert report.status == LeftoverStatus.REPORTED
        assert report.remainder == Decimal("750.00")

    def test_the_county_has_an_upload_layout_and_a_finished_export_to_download(self, seeded):
        layout = NationalLayout.objects.get()
        assert layout.county.name == "青山县" and layout.created_by.username == "county"
        assert [column["field"] for column in layout.columns][:3] == ["school", "class", "name"]
        export = ReportExport.objects.get()
        assert export.owner.username == "county" and export.report_key == "aided_students"
        assert export.job.status == Job.Status.DONE and export.rows == 4 and not export.full
        assert export.downloadable and export.file_name.startswith("受助学生名单_青山县_")
