"""Writers of different counties never wait on each other's audit chain (DESIGN.md §5).

Each test keeps a transaction open in one county, on a connection of its own in a thread, after
it has appended to that county's chain (whose head row it then holds locked until it ends), and
meanwhile makes an audited write elsewhere, which must commit within 2 s. With one chain head
for the whole system, the second write would wait until the first transaction ended.
"""

import threading
import time

import pytest
from django.db import connections, transaction
from django.urls import reverse

from aidsys.models import AuditEvent
from aidsys.services.audit import Action, audit_record
from aidsys.services.audit_chain import audit_chain_verify
from aidsys.services.org import school_set_current_term
from students.imports import roster_apply
from tests.factories import TermFactory
from tests.students.test_import import plan_for, roster_xlsx, student_row

HELD_FOR = 10  # seconds the first transaction is kept open at most
WITHIN = 2  # seconds the other write may take


class HeldOpen:
    """Runs `work(hold)` in a thread, on its own connection and in its own transaction; `hold()`,
    called inside it, says the chain is locked and waits until `release()`."""

    def __init__(self, work):
        self.locked, self.released = threading.Event(), threading.Event()
        self.errors = []
        self.thread = threading.Thread(target=self._run, args=(work,))

    def hold(self, *args):
        self.locked.set()
        self.released.wait(HELD_FOR)

    def _run(self, work):
        try:
            work(self.hold)
        except Exception as error:  # reported by the assertions of the test
            self.errors.append(error)
        finally:
            self.locked.set()
            connections.close_all()

    def __enter__(self):
        self.thread.start()
        assert self.locked.wait(HELD_FOR), "the first transaction never took its lock"
        return self

    def __exit__(self, *exc):
        self.released.set()
        self.thread.join()
        assert not self.errors, self.errors


def timed(action) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_write_in_one_county_does_not_wait_for_an_open_transaction_of_another(cast):
    spring = TermFactory(school_year=cast.school_year, kind="spring")

    def write_in_county_a(hold):
        with transaction.atomic():
            audit_record(actor=cast.li, action=Action.PRINT, target=cast.school, reason="县甲")
            hold()

    with HeldOpen(write_in_county_a):
        took = timed(lambda: school_set_current_term(actor=cast.admin, school=cast.other_school, term=spring))
        assert AuditEvent.objects.filter(county=cast.other_county).count() == 1
        # The county A transaction is still open: its event is not there yet.
        assert not AuditEvent.objects.filter(county=cast.county).exists()
    assert took < WITHIN, f"the write in county B took {took:.2f} s"
    assert AuditEvent.objects.filter(county=cast.county).count() == 1
    assert audit_chain_verify().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_failed_sign_in_does_not_wait_for_a_running_roster_import(cast, client):
    rows = [student_row(name=f"学生{n}") for n in range(3)]
    plan = plan_for(cast, roster_xlsx(rows))
    assert not plan.errors

    def import_roster(hold):
        # The import calls back after each batch, inside its transaction: the county's chain is locked.
        roster_apply(plan=plan, actor=cast.li, progress=hold)

    with HeldOpen(import_roster):
        took = timed(lambda: client.post(reverse("login"), {"username": cast.zhao.username, "password": "wrong"}))
        assert AuditEvent.objects.filter(action=Action.LOGIN_FAILED).count() == 1
    assert took < WITHIN, f"the failed sign-in took {took:.2f} s"
    assert AuditEvent.objects.filter(county=cast.county, content_type__model="student").count() == 3
    assert audit_chain_verify().ok
