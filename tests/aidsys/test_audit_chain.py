"""Chains per partition, their signed anchors, and what verification finds when the trail is tampered with.

Each tamper case is done as a database administrator with table rights could do it, behind the
application's back, and `verify_audit` must name the first bad event (or, where it is gone, its
chain and number).
"""

import json
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from aidsys.models import (
    GENESIS_HASH,
    LEGACY,
    AuditAnchor,
    AuditChainHead,
    AuditCheckpoint,
    AuditEvent,
    AuditTrailIsAppendOnly,
)
from aidsys.services.audit import Action, audit_record
from aidsys.services.audit_chain import anchor_signature_holds, audit_chain_verify, audit_key, audit_seal


def _events(cast, n, school=None):
    school = school or cast.school
    return [audit_record(actor=cast.li, action=Action.PRINT, target=school, reason=f"打印 {i}") for i in range(n)]


def _tamper(sql, params=()):
    """Change the trail behind the application's back, with the append-only triggers lifted."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE aidsys_auditevent DISABLE TRIGGER aidsys_auditevent_append_only")
            cursor.execute("ALTER TABLE aidsys_auditanchor DISABLE TRIGGER aidsys_auditanchor_append_only")
        cursor.execute(sql, params)


def _rewrite_from(partition, seq, reason):
    """Rewrite the events of a chain from `seq` on, with every hash recomputed, and move the head:
    a rewrite that leaves every link whole."""
    previous = AuditEvent.objects.get(partition=partition, seq=seq - 1).hash if seq > 1 else GENESIS_HASH
    for event in AuditEvent.objects.filter(partition=partition, seq__gte=seq).order_by("seq"):
        event.reason, event.prev_hash = reason, previous
        event.hash = event.compute_hash()
        _tamper(
            "UPDATE aidsys_auditevent SET reason = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [event.reason, event.prev_hash, event.hash, event.pk],
        )
        previous = event.hash
    _tamper("UPDATE aidsys_auditchainhead SET last_hash = %s WHERE partition = %s", [previous, partition])


def _verify_fails(match, *options):
    with pytest.raises(CommandError, match=match):
        call_command("verify_audit", *options)


class TestPartitions:
    def test_each_county_has_its_own_chain_numbered_from_one(self, cast):
        here = _events(cast, 2)
        there = _events(cast, 2, school=cast.other_school)
        assert [(e.partition, e.seq) for e in here] == [(f"c{cast.county.pk}", 1), (f"c{cast.county.pk}", 2)]
        assert [(e.partition, e.seq) for e in there] == [(f"c{cast.other_county.pk}", n) for n in (1, 2)]
        assert there[0].prev_hash == GENESIS_HASH and here[1].prev_hash == here[0].hash
        assert audit_chain_verify().checked == 4

    def test_sign_ins_failed_ones_and_sign_outs_go_to_the_accounts_chain(self, cast, client):
        client.post(reverse("login"), {"username": cast.li.username, "password": "wrong"})
        client.post(reverse("login"), {"username": cast.li.username, "password": cast.password})
        client.post(reverse("logout"))
        events = AuditEvent.objects.order_by("pk")
        assert [(e.action, e.partition, e.seq) for e in events] == [
            (Action.LOGIN_FAILED, "accounts", 1),
            (Action.LOGIN, "accounts", 2),
            (Action.LOGOUT, "accounts", 3),
        ]

    def test_events_of_no_unit_go_to_the_system_chain(self, db):
        event = audit_record(actor=None, actor_name="系统", action=Action.CREATE)
        assert (event.partition, event.seq) == ("system", 1)

    def test_an_objects_history_is_the_same_whatever_its_chain(self, cast):
        _events(cast, 2)
        assert [e.reason for e in AuditEvent.objects.for_object(cast.school)] == ["打印 1", "打印 0"]

    def test_the_trail_from_before_partitions_verifies_with_its_old_hashes(self, cast):
        """Migration 0009 keeps the single chain's events as the legacy partition, hashed as they were."""
        from django.utils import timezone

        previous = GENESIS_HASH
        for seq in (1, 2):
            event = AuditEvent(
                actor_name="系统", created_at=timezone.now(), action=Action.CREATE, partition=LEGACY, seq=seq,
                prev_hash=previous,
            )  # fmt: skip
            event.hash = event.legacy_hash()
            event.save()
            previous = event.hash
        AuditChainHead.objects.create(partition=LEGACY, seq=2, last_hash=previous)
        assert audit_chain_verify(full=True).ok
        _tamper("UPDATE aidsys_auditevent SET actor_name = %s WHERE seq = 1", ["别人"])
        assert audit_chain_verify(full=True).problem == "content"


class TestTamperCases:
    def test_an_edited_row_is_named(self, cast):
        events = _events(cast, 4)
        _tamper("UPDATE aidsys_auditevent SET reason = %s WHERE id = %s", ["改过了", events[1].pk])
        report = audit_chain_verify()
        assert (report.problem, report.broken_event_id, report.seq) == ("content", events[1].pk, 2)
        _verify_fails(f"event {events[1].pk} .*number 2.*content does not match")

    def test_a_deleted_row_is_named_by_its_number(self, cast):
        events = _events(cast, 4)
        _tamper("DELETE FROM aidsys_auditevent WHERE id = %s", [events[1].pk])
        report = audit_chain_verify()
        assert (report.problem, report.seq, report.broken_event_id) == ("gap", 2, events[2].pk)
        _verify_fails("number 2.*missing")

    def test_a_deleted_first_row_is_named(self, cast):
        events = _events(cast, 3)
        _tamper("DELETE FROM aidsys_auditevent WHERE id = %s", [events[0].pk])
        assert (audit_chain_verify().problem, audit_chain_verify().seq) == ("gap", 1)

    def test_a_deleted_head_event_is_named(self, cast):
        events = _events(cast, 3)
        _tamper("DELETE FROM aidsys_auditevent WHERE id = %s", [events[-1].pk])
        report = audit_chain_verify()
        assert (report.problem, report.seq, report.broken_event_id) == ("tail", 3, None)
        _verify_fails(f"chain c{cast.county.pk}, number 3 \\(no such event\\).*removed from the end")

    def test_a_deleted_tail_is_named_from_its_first_event(self, cast):
        events = _events(cast, 5)
        _tamper("DELETE FROM aidsys_auditevent WHERE id >= %s", [events[2].pk])
        assert (audit_chain_verify().problem, audit_chain_verify().seq) == ("tail", 3)

    def test_a_row_appended_after_the_head_is_named(self, cast):
        events = _events(cast, 2)
        head = AuditChainHead.objects.get(partition=events[0].partition)
        extra = audit_record(actor=cast.li, action=Action.PRINT, target=cast.school, reason="补记")
        # The forger links the row properly but cannot move the head without it showing in the anchors.
        _tamper("UPDATE aidsys_auditchainhead SET seq = %s, last_hash = %s WHERE id = %s", [2, head.last_hash, head.pk])
        report = audit_chain_verify()
        assert (report.problem, report.broken_event_id, report.seq) == ("beyond", extra.pk, 3)
        _verify_fails(f"event {extra.pk} .*appended after the chain's head")

    def test_a_sealed_tail_rewritten_with_every_hash_recomputed_is_named(self, cast):
        events = _events(cast, 2)
        audit_seal()
        events += _events(cast, 2)
        audit_seal()
        partition = events[0].partition
        _rewrite_from(partition, 3, "改写")
        # Without anchors every link would hold: only the signed anchor at number 4 shows it.
        report = audit_chain_verify(full=True)
        assert (report.problem, report.broken_event_id, report.seq) == ("anchor", events[2].pk, 3)
        _verify_fails(f"event {events[2].pk} .*rewritten", "--full")

    def test_a_rewrite_that_reaches_the_last_verified_anchor_is_found_by_the_nightly_walk(self, cast):
        events = _events(cast, 3)
        audit_seal()
        assert audit_chain_verify().ok
        _rewrite_from(events[0].partition, 2, "改写")
        report = audit_chain_verify()
        assert (report.problem, report.seq) == ("anchor", 3)

    def test_all_events_deleted_and_the_head_reset_is_named(self, cast):
        events = _events(cast, 3)
        audit_seal()
        _tamper("DELETE FROM aidsys_auditevent")
        _tamper("UPDATE aidsys_auditchainhead SET seq = 0, last_hash = %s", [GENESIS_HASH])
        report = audit_chain_verify()
        assert (report.problem, report.partition, report.seq) == ("emptied", events[0].partition, 1)
        _verify_fails(f"chain {events[0].partition}, number 1 .*chain is empty")

    def test_the_head_row_deleted_with_its_events_is_found_by_its_anchors(self, cast):
        _events(cast, 2)
        audit_seal()
        _tamper("DELETE FROM aidsys_auditevent")
        _tamper("DELETE FROM aidsys_auditchainhead")
        assert audit_chain_verify().problem == "head"

    def test_a_forged_anchor_is_named(self, cast):
        _events(cast, 2)
        audit_seal()
        _tamper("UPDATE aidsys_auditanchor SET head_hash = %s", ["f" * 64])
        assert (audit_chain_verify().problem, audit_chain_verify().seq) == ("signature", 2)

    def test_an_anchor_signed_with_another_key_does_not_hold(self, cast, settings):
        _events(cast, 1)
        audit_seal()
        settings.AIDSYS_AUDIT_KEY = "another-key-" + "x" * 32
        assert audit_chain_verify().problem == "signature"


class TestIncrementalVerification:
    def test_the_nightly_walk_starts_from_the_last_verified_anchor(self, cast):
        events = _events(cast, 5)
        audit_seal()
        assert audit_chain_verify().checked == 5
        assert AuditCheckpoint.objects.get().anchor.seq == 5
        _events(cast, 2)
        # The anchor's own event is checked again, then only what came after it is walked.
        assert audit_chain_verify().checked == 2
        _tamper("UPDATE aidsys_auditevent SET reason = %s WHERE id = %s", ["改过了", events[0].pk])
        assert audit_chain_verify().ok
        report = audit_chain_verify(full=True)
        assert (report.problem, report.broken_event_id) == ("content", events[0].pk)

    def test_the_full_walk_checks_every_event_and_every_anchor(self, cast):
        _events(cast, 3)
        audit_seal()
        _events(cast, 2)
        audit_seal()
        out = StringIO()
        call_command("verify_audit", "--full", stdout=out)
        assert "audit chain intact: 5 events verified (every event), 2 anchors" in out.getvalue()


class TestAnchors:
    def test_a_seal_signs_each_moved_head_and_only_those(self, cast):
        _events(cast, 2)
        _events(cast, 1, school=cast.other_school)
        anchors = audit_seal()
        assert {(a.partition, a.seq, a.event_count) for a in anchors} == {
            (f"c{cast.county.pk}", 2, 2),
            (f"c{cast.other_county.pk}", 1, 1),
        }
        assert all(anchor_signature_holds(anchor, audit_key()) for anchor in AuditAnchor.objects.all())
        assert audit_seal() == []
        _events(cast, 1)
        assert [(a.partition, a.seq) for a in audit_seal()] == [(f"c{cast.county.pk}", 3)]

    def test_anchors_are_append_only(self, cast):
        _events(cast, 1)
        audit_seal()
        with pytest.raises(AuditTrailIsAppendOnly):
            AuditAnchor.objects.update(seq=9)
        with pytest.raises(AuditTrailIsAppendOnly):
            AuditAnchor.objects.get().delete()

    @pytest.mark.postgres
    def test_postgresql_refuses_to_change_or_delete_an_anchor(self, cast):
        from django.db import transaction

        _events(cast, 1)
        audit_seal()
        for sql in ("UPDATE aidsys_auditanchor SET seq = 9", "DELETE FROM aidsys_auditanchor"):
            with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)
        assert AuditAnchor.objects.get().seq == 1

    def test_the_seal_command_needs_no_arguments_and_the_anchors_command_prints_them(self, cast):
        _events(cast, 2)
        out = StringIO()
        call_command("audit_seal", stdout=out)
        assert f"sealed c{cast.county.pk} #2" in out.getvalue() and "1 chains sealed" in out.getvalue()
        out = StringIO()
        call_command("audit_anchors", stdout=out)
        printed = json.loads(out.getvalue())
        assert [(a["partition"], a["seq"]) for a in printed["anchors"]] == [(f"c{cast.county.pk}", 2)]

    def test_anchors_kept_outside_show_a_rewrite_even_when_the_anchors_inside_are_removed(self, cast, tmp_path):
        events = _events(cast, 3)
        audit_seal()
        kept = tmp_path / "anchors.json"
        out = StringIO()
        call_command("audit_anchors", stdout=out)
        kept.write_text(out.getvalue(), encoding="utf-8")
        call_command("verify_audit", "--anchors", str(kept), stdout=StringIO())
        _tamper("DELETE FROM aidsys_auditcheckpoint")
        _tamper("DELETE FROM aidsys_auditanchor")
        _rewrite_from(events[0].partition, 1, "改写")
        assert audit_chain_verify().ok
        _verify_fails(f"exported anchor of chain c{cast.county.pk}, number 3 does not hold", "--anchors", str(kept))


class TestKey:
    def test_the_embedded_set_up_makes_a_key_at_first_use_and_keeps_it_in_its_file(self, settings, tmp_path):
        settings.AIDSYS_AUDIT_KEY = ""
        settings.AIDSYS_AUDIT_KEY_GENERATE = True
        settings.AIDSYS_AUDIT_KEY_FILE = tmp_path / "run" / "audit.key"
        key = audit_key()
        assert len(key) == 64 and settings.AIDSYS_AUDIT_KEY_FILE.read_bytes().strip() == key
        assert settings.AIDSYS_AUDIT_KEY_FILE.stat().st_mode & 0o777 == 0o600
        assert audit_key() == key

    def test_production_without_a_key_refuses_to_seal(self, settings, tmp_path):
        settings.AIDSYS_AUDIT_KEY = ""
        settings.AIDSYS_AUDIT_KEY_GENERATE = False
        settings.AIDSYS_AUDIT_KEY_FILE = tmp_path / "audit.key"
        with pytest.raises(ImproperlyConfigured, match="AIDSYS_AUDIT_KEY must be set"):
            audit_seal()
        assert not settings.AIDSYS_AUDIT_KEY_FILE.exists()


class TestAnchorPage:
    def test_county_staff_see_and_download_their_countys_anchors_only(self, cast, client_for):
        _events(cast, 2)
        _events(cast, 1, school=cast.other_school)
        audit_seal()
        client = client_for(cast.zhao)
        page = client.get(reverse("aidsys:audit_anchors")).content.decode()
        assert f"<td>c{cast.county.pk}</td>" in page and f"<td>c{cast.other_county.pk}</td>" not in page
        response = client.get(reverse("aidsys:audit_anchors_export"), {"county": cast.county.pk})
        assert response["Content-Disposition"].startswith(f'attachment; filename="audit-anchors-{cast.county.code}-')
        exported = json.loads(response.content)
        assert [(a["partition"], a["seq"]) for a in exported["anchors"]] == [(f"c{cast.county.pk}", 2)]
        event = AuditEvent.objects.get(action=Action.EXPORT)
        assert (event.actor, event.county, event.partition) == (cast.zhao, cast.county, f"c{cast.county.pk}")

    def test_another_countys_anchors_answer_404(self, cast, client_for):
        client = client_for(cast.zhao)
        for name in ("aidsys:audit_anchors", "aidsys:audit_anchors_export"):
            assert client.get(reverse(name), {"county": cast.other_county.pk}).status_code == 404
        assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()

    def test_the_administrator_sees_every_chains_anchors(self, cast, client_for):
        _events(cast, 1)
        audit_record(actor=None, actor_name="系统", action=Action.CREATE)
        audit_seal()
        page = client_for(cast.admin).get(reverse("aidsys:audit_anchors")).content.decode()
        assert f"<td>c{cast.county.pk}</td>" in page and "<td>system</td>" in page

    def test_a_school_cannot_open_the_anchors(self, cast, client_for):
        assert client_for(cast.li).get(reverse("aidsys:audit_anchors")).status_code == 403
        assert client_for(cast.li).post(reverse("aidsys:audit_anchors")).status_code == 405
