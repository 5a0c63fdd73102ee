import itertools
import threading
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction

from aidsys.models import GENESIS_HASH, AuditChainHead, AuditEvent, AuditTrailIsAppendOnly
from aidsys.services.audit import Action, audit_record
from aidsys.services.audit_chain import audit_chain_verify
from aidsys.services.org import school_set_current_term
from aidsys.services.writes import instance_update
from tests.factories import StudentFactory, TermFactory


def _events(cast, n):
    return [audit_record(actor=cast.li, action=Action.PRINT, target=cast.school, reason=f"打印 {i}") for i in range(n)]


def _tamper(sql, params):
    """Change the trail behind the application's back, as a DBA with table rights could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The test's own inserts leave deferred foreign-key checks pending; ALTER TABLE wants none.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE aidsys_auditevent DISABLE TRIGGER aidsys_auditevent_append_only")
        cursor.execute(sql, params)


class TestTheChain:
    def test_each_event_links_to_the_one_before(self, cast):
        first, second, third = _events(cast, 3)
        assert second.prev_hash == first.hash
        assert third.prev_hash == second.hash
        head = AuditChainHead.objects.get(partition=f"c{cast.county.pk}")
        assert (head.seq, head.last_hash) == (3, third.hash)
        assert [first.seq, second.seq, third.seq] == [1, 2, 3]

    def test_the_first_event_of_an_empty_trail_links_to_the_genesis_hash(self, db):
        event = audit_record(actor=None, actor_name="系统", action=Action.CREATE)
        assert event.prev_hash == GENESIS_HASH

    def test_verify_reports_an_intact_chain(self, cast):
        _events(cast, 5)
        out = StringIO()
        call_command("verify_audit", stdout=out)
        assert f"audit chain intact: {AuditEvent.objects.count()} events verified" in out.getvalue()

    def test_verify_names_the_event_whose_content_was_altered(self, cast):
        events = _events(cast, 4)
        _tamper("UPDATE aidsys_auditevent SET reason = %s WHERE id = %s", ["改过了", events[2].pk])
        report = audit_chain_verify()
        assert (report.broken_event_id, report.problem) == (events[2].pk, "content")
        message = f"audit chain broken at event {events[2].pk} \\(chain c{cast.county.pk}, number 3\\): its content"
        with pytest.raises(CommandError, match=message):
            call_command("verify_audit")

    def test_verify_names_the_number_of_a_removed_event_and_the_event_after_it(self, cast):
        events = _events(cast, 4)
        _tamper("DELETE FROM aidsys_auditevent WHERE id = %s", [events[1].pk])
        report = audit_chain_verify()
        assert (report.broken_event_id, report.problem, report.seq) == (events[2].pk, "gap", 2)

    def test_verify_notices_events_removed_from_the_end(self, cast):
        events = _events(cast, 3)
        _tamper("DELETE FROM aidsys_auditevent WHERE id = %s", [events[-1].pk])
        assert audit_chain_verify().problem == "tail"

    def test_a_changed_hash_breaks_the_next_link(self, cast):
        events = _events(cast, 3)
        _tamper("UPDATE aidsys_auditevent SET hash = %s WHERE id = %s", ["f" * 64, events[0].pk])
        assert audit_chain_verify().broken_event_id == events[0].pk


class TestAppendOnly:
    def test_the_orm_refuses_to_change_or_delete_an_event(self, cast):
        event = _events(cast, 1)[0]
        event.reason = "改"
        with pytest.raises(AuditTrailIsAppendOnly):
            event.save()
        with pytest.raises(AuditTrailIsAppendOnly):
            event.delete()
        with pytest.raises(AuditTrailIsAppendOnly):
            AuditEvent.objects.filter(pk=event.pk).update(reason="改")
        with pytest.raises(AuditTrailIsAppendOnly):
            AuditEvent.objects.filter(pk=event.pk).delete()

    @pytest.mark.postgres
    def test_postgresql_refuses_raw_updates_and_deletes(self, cast):
        event = _events(cast, 1)[0]
        for sql in (
            "UPDATE aidsys_auditevent SET reason = 'x' WHERE id = %s",
            "DELETE FROM aidsys_auditevent WHERE id = %s",
        ):
            with (
                pytest.raises(Exception, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql, [event.pk])
        assert AuditEvent.objects.get(pk=event.pk).reason == "打印 0"

    def test_the_admin_offers_no_way_to_add_change_or_delete(self, cast, client_for):
        event = _events(cast, 1)[0]
        client = client_for(cast.admin)
        assert client.get("/admin/aidsys/auditevent/add/").status_code == 403
        assert client.post(f"/admin/aidsys/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
        client.post(f"/admin/aidsys/auditevent/{event.pk}/change/", {"reason": "改"})
        assert AuditEvent.objects.get(pk=event.pk).reason == "打印 0"


class TestWhatAnEventHolds:
    def test_an_update_records_the_fields_before_and_after(self, cast):
        spring = TermFactory(school_year=cast.school_year, kind="spring")
        school_set_current_term(actor=cast.li, school=cast.school, term=spring)
        event = AuditEvent.objects.for_object(cast.school).get()
        assert event.action == Action.UPDATE
        assert event.changes == {
            "current_term": [
                {"id": cast.term.pk, "label": str(cast.term)},
                {"id": spring.pk, "label": str(spring)},
            ]
        }
        assert (event.actor, event.actor_name) == (cast.li, "李老师")
        assert event.school == cast.school and event.county == cast.county

    def test_an_update_that_changes_nothing_leaves_no_event(self, cast):
        assert instance_update(actor=cast.li, instance=cast.school, data={"name": cast.school.name}) == {}
        assert not AuditEvent.objects.exists()

    def test_the_actors_role_at_that_moment_is_kept(self, cast):
        event = _events(cast, 1)[0]
        assert event.actor_role == "资助专干（青山县实验小学）"

    def test_a_request_leaves_its_id_and_the_client_address(self, cast, client_for):
        spring = TermFactory(school_year=cast.school_year, kind="spring")
        response = client_for(cast.li).post(
            f"/schools/{cast.school.pk}/current-term/", {"term": spring.pk}, REMOTE_ADDR="10.1.2.3"
        )
        assert response.status_code == 302
        event = AuditEvent.objects.for_object(cast.school).get()
        assert event.request_id == response.headers["X-Request-ID"]
        assert event.ip == "10.1.2.3"

    def test_a_clients_request_id_is_ignored_unless_the_proxy_is_trusted(self, cast, client_for, settings):
        spring = TermFactory(school_year=cast.school_year, kind="spring")
        url = f"/schools/{cast.school.pk}/current-term/"
        response = client_for(cast.li).post(url, {"term": spring.pk}, HTTP_X_REQUEST_ID="forged-by-the-client")
        event = AuditEvent.objects.for_object(cast.school).get()
        assert event.request_id != "forged-by-the-client" and event.request_id == response.headers["X-Request-ID"]
        settings.TRUST_X_FORWARDED_FOR = True
        client_for(cast.li).post(url, {"term": cast.term.pk}, HTTP_X_REQUEST_ID="set-by-the-proxy-42")
        assert AuditEvent.objects.for_object(cast.school).latest("pk").request_id == "set-by-the-proxy-42"

    def test_a_forwarded_address_is_ignored_unless_the_proxy_is_trusted(self, cast, client_for, settings):
        spring = TermFactory(school_year=cast.school_year, kind="spring")
        client_for(cast.li).post(
            f"/schools/{cast.school.pk}/current-term/",
            {"term": spring.pk},
            REMOTE_ADDR="10.1.2.3",
            HTTP_X_FORWARDED_FOR="6.6.6.6",
        )
        assert AuditEvent.objects.for_object(cast.school).get().ip == "10.1.2.3"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_still_form_one_chain(cast):
    errors = []

    def write(n):
        try:
            for i in range(5):
                audit_record(actor=cast.li, action=Action.PRINT, target=cast.school, reason=f"{n}-{i}")
        except Exception as error:  # the assertion below reports it
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    report = audit_chain_verify()
    assert report.ok and report.checked == AuditEvent.objects.count() >= 30


# Each column the hash covers, with a different value of the right type for that column.
TAMPERED_COLUMNS = {
    "actor_id": lambda cast: cast.zhao.pk,
    "actor_name": lambda cast: "别人",
    "actor_role": lambda cast: "校长",
    "created_at": lambda cast: "2020-01-01 00:00:00",
    "request_id": lambda cast: "forged-request",
    "ip": lambda cast: "10.9.9.9",
    "action": lambda cast: "delete",
    "content_type_id": lambda cast: ContentType.objects.get_for_model(cast.county).pk,
    "object_id": lambda cast: "999",
    "object_repr": lambda cast: "另一个对象",
    "school_id": lambda cast: cast.other_school.pk,
    "county_id": lambda cast: cast.other_county.pk,
    "changes": lambda cast: '{"name": ["a", "b"]}',
    "reason": lambda cast: "改过的理由",
}


@pytest.mark.parametrize("column", sorted(TAMPERED_COLUMNS))
def test_verify_catches_a_change_to_any_hashed_column(cast, column):
    events = _events(cast, 3)
    sql = f"UPDATE aidsys_auditevent SET {column} = %s WHERE id = %s"  # noqa: S608 (a column of this test's table)
    _tamper(sql, [TAMPERED_COLUMNS[column](cast), events[1].pk])
    report = audit_chain_verify()
    assert (report.broken_event_id, report.problem) == (events[1].pk, "content")


def test_a_full_walk_reports_a_missing_chain_head(cast):
    _events(cast, 1)
    AuditChainHead.objects.all().delete()
    assert audit_chain_verify(full=True).problem == "head"


class TestSensitiveValuesInTheTrail:
    def test_a_students_id_number_phone_and_account_are_kept_masked(self, cast):
        from students.models import Student

        student = StudentFactory(school_class=cast.class_1, guardian_phone="13812345678")
        from students.services import student_update

        student_update(
            actor=cast.li, student=student, data={"account_kind": "bank_card", "account_number": "6222021234567890128"}
        )
        student_update(actor=cast.li, student=student, data={"guardian_phone": "13987654321"})
        created = StudentFactory.build(school_class=cast.class_2)
        from students.services import household_create, student_create

        household = household_create(actor=cast.li, school=cast.school, village="枫树村", address_detail="3组12号")
        fields = {f: getattr(created, f) for f in ("name", "gender", "id_number", "birth_date", "hukou")}
        new = student_create(
            actor=cast.li, household=household, school=cast.school, school_class=cast.class_2, **fields
        )
        trail = " ".join(str(event.changes) for event in AuditEvent.objects.all())
        for secret in (
            new.id_number,
            "6222021234567890128",
            "13987654321",
            "13812345678",
            "3组12号",
            str(new.birth_date),
        ):
            assert secret not in trail
        assert AuditEvent.objects.for_object(new).get().changes["id_number"] == [
            None,
            new.id_number[:4] + "*" * 10 + new.id_number[-4:],
        ]
        assert Student.objects.get(pk=new.pk).id_number == new.id_number

    def test_a_changed_sensitive_value_is_still_recorded_as_a_change(self, cast):
        from students.services import student_update

        student = StudentFactory(school_class=cast.class_1, guardian_phone="13812345678")
        changes = student_update(actor=cast.li, student=student, data={"guardian_phone": "13812340078"})
        assert "guardian_phone" in changes
        event = AuditEvent.objects.for_object(student).get(action=Action.UPDATE)
        assert event.changes["guardian_phone"] == ["138****5678", "138****0078"]

    def test_a_creation_event_lists_the_given_values_not_the_blank_ones(self, cast):
        from students.services import household_create

        household = household_create(actor=cast.li, school=cast.school, township="青山镇")
        assert AuditEvent.objects.for_object(household).get().changes == {"township": [None, "青山镇"]}

    def test_a_household_created_before_its_student_belongs_to_the_school(self, cast):
        from students.services import household_create

        household = household_create(actor=cast.li, school=cast.school, township="青山镇")
        event = AuditEvent.objects.for_object(household).get()
        assert (event.school, event.county) == (cast.school, cast.county)


class TestClientAddress:
    def test_behind_a_trusted_proxy_the_last_forwarded_hop_counts(self, cast, client_for, settings):
        settings.TRUST_X_FORWARDED_FOR = True
        spring = TermFactory(school_year=cast.school_year, kind="spring")
        client_for(cast.li).post(
            f"/schools/{cast.school.pk}/current-term/",
            {"term": spring.pk},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9",
        )
        assert AuditEvent.objects.for_object(cast.school).get().ip == "203.0.113.9"

    def test_an_address_is_stored_in_canonical_form_and_rubbish_is_dropped(self, cast, client_for, settings):
        settings.TRUST_X_FORWARDED_FOR = True
        spring = TermFactory(school_year=cast.school_year, kind="spring")
        client = client_for(cast.li)
        client.post(
            f"/schools/{cast.school.pk}/current-term/", {"term": spring.pk}, HTTP_X_FORWARDED_FOR="2001:DB8:0:0::1"
        )
        client.post(f"/schools/{cast.school.pk}/current-term/", {"term": cast.term.pk}, HTTP_X_FORWARDED_FOR="<script>")
        ips = list(AuditEvent.objects.for_object(cast.school).order_by("pk").values_list("ip", flat=True))
        assert ips == ["2001:db8::1", None]
        assert audit_chain_verify().ok


class TestBatches:
    def test_a_batch_gives_every_row_its_own_linked_masked_event(self, cast, django_assert_max_num_queries):
        from aidsys.services.writes import instances_create
        from students.models import Household, Student

        households = instances_create(
            actor=cast.li, instances=[Household(village=f"{n}组") for n in range(30)], school=cast.school
        )
        built = [StudentFactory.build(school_class=cast.class_1) for _ in range(30)]
        students = [
            Student(
                name=s.name, gender=s.gender, id_number=s.id_number, birth_date=s.birth_date, hukou=s.hukou,
                school=cast.school, school_class=cast.class_1, household=h,
            )
            for s, h in zip(built, households, strict=True)
        ]  # fmt: skip
        with django_assert_max_num_queries(12):
            instances_create(actor=cast.li, instances=students, school=cast.school)
        events = list(AuditEvent.objects.filter(action=Action.CREATE, content_type__model="student").order_by("pk"))
        assert [e.object_id for e in events] == [str(s.pk) for s in students]
        assert all(e.school == cast.school and e.actor_role == "资助专干（青山县实验小学）" for e in events)
        assert students[0].id_number not in str(events[0].changes)
        assert Student.objects.get(pk=students[0].pk).name_initials == students[0].name_initials != ""
        report = audit_chain_verify()
        assert report.ok and report.checked == AuditEvent.objects.count() == 60

    def test_a_batch_returns_the_stored_events_in_chain_order(self, cast):
        from aidsys.context import RequestContext, reset_request_context, set_request_context
        from aidsys.services.audit import PendingEvent, audit_record_many

        pending = [
            PendingEvent(Action.UPDATE, cast.school, {"name": [f"旧{n}", f"新{n}"]}, f"第{n}次") for n in range(5)
        ]
        token = set_request_context(RequestContext(request_id="r-1", ip="192.0.2.7"))
        try:
            returned = audit_record_many(actor=cast.li, events=pending)
        finally:
            reset_request_context(token)
        stored = list(AuditEvent.objects.filter(pk__in=[e.pk for e in returned]).order_by("pk"))
        assert [e.pk for e in returned] == [e.pk for e in stored] == sorted(e.pk for e in returned)
        assert [e.reason for e in stored] == [f"第{n}次" for n in range(5)]
        assert [e.changes for e in stored] == [{"name": [f"旧{n}", f"新{n}"]} for n in range(5)]
        assert [e.hash for e in stored] == [e.hash for e in returned]
        assert stored[0].ip == "192.0.2.7" and stored[0].created_at == returned[0].created_at
        assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(stored))
        assert audit_chain_verify().ok

    def test_a_bad_row_stops_the_whole_batch(self, cast):
        from aidsys.services.writes import instances_create
        from students.models import Household

        with pytest.raises(ValidationError):
            instances_create(actor=cast.li, instances=[Household(village="1组"), Household(village="x" * 60)])
        assert not Household.objects.exists() and not AuditEvent.objects.exists()
