"""Reads on a replica: with AIDSYS_REPLICA_URL, reports, exports and dashboards read from a PostgreSQL
streaming replica (the full suite starts one with pg_basebackup), every write and every read inside
a write stays on the primary, and sessions, users, the audit trail and jobs are read from the primary.

The replica's alias reads the replica server's copy of the test database, which streaming
replication brings over from the primary like every other change."""

import re
import time

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aidsys.models import AuditEvent, Job
from aidsys.replica import ReplicaRouter, reading_from_replica, reads_from_replica
from applications.models import Application
from reports.models import ReportExport
from students.models import Student
from tests.factories import StudentFactory
from tests.reports.aided_data import awards

replica_test = [
    pytest.mark.postgres,
    pytest.mark.replica,
    # One worker runs them one after the other: one of them pauses the replica's replay.
    pytest.mark.xdist_group("replica"),
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]

# Tables that a signed-in request reads from the primary whatever it shows.
_PRIMARY_TABLES = {"django_session", "aidsys_user", "aidsys_membership", "aidsys_job", "reports_reportexport"}
_TABLE = re.compile(r'(?:FROM|JOIN|INTO|UPDATE)\s+"(\w+)"')
_MAIN_TABLE = re.compile(r'(?:FROM|INTO|UPDATE)\s+"(\w+)"')


def tables(captured, pattern=_TABLE) -> set[str]:
    """The tables the captured queries name (pattern=_MAIN_TABLE: only those they read or write
    first, not those they join, such as the school a membership joins)."""
    return {table for query in captured.captured_queries for table in pattern.findall(query["sql"])}


def replica_caught_up(timeout_s: float = 15.0) -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        (position,) = cursor.fetchone()
    for _ in range(int(timeout_s / 0.05)):
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [position])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError(f"the replica did not replay up to {position} within {timeout_s} s")


def county_dashboard(client, cast):
    return client.get(reverse("reports:dashboard_county", args=[cast.county.pk]), {"term": cast.term.pk})


def aided_at_school(response, school) -> int:
    return next(row.aided for row in response.context["data"]["coverage"] if row.unit == school)


class TestTheReplica:
    pytestmark = replica_test

    def test_the_replica_alias_is_a_standby_server_holding_this_test_database(self):
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery(), current_database(), inet_server_port()")
            in_recovery, database, port = cursor.fetchone()
        assert in_recovery is True
        assert database == connections["default"].settings_dict["NAME"]
        assert port != int(connections["default"].settings_dict["PORT"])

    def test_the_county_dashboard_reads_its_figures_from_the_replica(self, cast, client_for):
        awards(cast)
        client = client_for(cast.zhao)
        replica_caught_up()
        with (
            CaptureQueriesContext(connections["default"]) as primary,
            CaptureQueriesContext(connections["replica"]) as replica,
        ):
            response = county_dashboard(client, cast)
        assert response.status_code == 200
        # 王小明 and 李小红 have approved awards at 实验小学; 赵未批 was rejected.
        assert aided_at_school(response, cast.school) == 2
        assert {"applications_application", "students_student"} <= tables(replica)
        # The session, the user and their roles come from the primary, and nothing of the report.
        assert tables(primary, _MAIN_TABLE) <= _PRIMARY_TABLES, tables(primary, _MAIN_TABLE)

    def test_the_dashboard_shows_what_the_replica_has_replayed_and_no_more(self, cast, client_for):
        given = awards(cast)
        client = client_for(cast.zhao)
        replica_caught_up()
        before = aided_at_school(county_dashboard(client, cast), cast.school)
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_pause()")
        try:
            Application.objects.filter(pk=given.rejected.pk).update(
                status="approved", approved_tier="difficult", amount="625.00"
            )
            # The primary has the new award; the replica, paused, has not: the dashboard shows the replica's.
            assert aided_at_school(county_dashboard(client, cast), cast.school) == before
        finally:
            with connections["replica"].cursor() as cursor:
                cursor.execute("SELECT pg_wal_replay_resume()")
        replica_caught_up()
        assert aided_at_school(county_dashboard(client, cast), cast.school) == before + 1

    def test_an_export_reads_its_rows_from_the_replica_and_writes_its_job_on_the_primary(self, cast, client_for):
        given = awards(cast)
        client = client_for(cast.zhao)
        replica_caught_up()
        data = {"county": cast.county.pk, "program": given.program.pk, "term": cast.term.pk}
        with (
            CaptureQueriesContext(connections["default"]) as primary,
            CaptureQueriesContext(connections["replica"]) as replica,
        ):
            response = client.post("/reports/aided_students/export/", data)
        assert response.status_code == 302
        # The job row the user just asked for is found at once, whatever the replica's lag.
        export = ReportExport.objects.select_related("job").get()
        assert export.job.status == Job.Status.DONE and export.rows == 3
        assert "applications_application" in tables(replica)
        assert "applications_application" not in tables(primary)
        writes = [q["sql"] for q in primary.captured_queries if q["sql"].startswith(("INSERT", "UPDATE"))]
        assert any('INTO "reports_reportexport"' in sql for sql in writes)
        assert any('UPDATE "aidsys_job"' in sql for sql in writes)
        assert not [q for q in replica.captured_queries if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))]
        assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, object_id=str(export.pk)).exists()

    def test_reads_inside_a_write_and_reads_of_jobs_stay_on_the_primary(self, cast):
        student = StudentFactory(school_class=cast.class_1, name="林小雨")
        replica_caught_up()
        with reading_from_replica():
            assert reads_from_replica(Student)
            with CaptureQueriesContext(connections["replica"]) as replica:
                with transaction.atomic():
                    assert not reads_from_replica(Student)
                    Student.objects.get(pk=student.pk)
                    Student.objects.filter(pk=student.pk).update(name="林小语")
                assert list(Job.objects.all()) == []
                assert ReportExport.objects.count() == 0
            assert replica.captured_queries == []
            assert ReplicaRouter().db_for_write(Student) == "default"
        assert not reads_from_replica(Student)
        assert Student.objects.get(pk=student.pk).name == "林小语"


def test_without_a_replica_reports_read_from_the_primary(db):
    with reading_from_replica():
        assert not reads_from_replica(Student)
        assert ReplicaRouter().db_for_read(Student) == "default"
