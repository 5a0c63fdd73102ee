"""The one way to change state: a conditional update, refused when someone was first, with its audit diff."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F

from aidsys.models import AuditEvent
from aidsys.transitions import InvalidTransition, require, transition
from applications.models import Application, Status
from tests.factories import ApplicationFactory


def refused():
    return InvalidTransition("someone was first", code="first")


@pytest.fixture
def application(cast):
    return ApplicationFactory(student__school_class=cast.class_1, status=Status.SUBMITTED)


class TestTransition:
    def test_it_moves_the_row_and_records_the_fields_named(self, cast, application):
        moved = transition(
            actor=cast.wang,
            instance=application,
            from_status=Status.SUBMITTED,
            changes={"status": Status.RECOMMENDED, "first_review_note": "家访属实"},
            recorded=("status", "first_review_note"),
            refused=refused,
            reason="初审",
        )
        assert moved is application and application.status == Status.RECOMMENDED
        assert Application.objects.get(pk=application.pk).first_review_note == "家访属实"
        event = AuditEvent.objects.for_object(application).get()
        assert event.action == AuditEvent.Action.TRANSITION and event.reason == "初审"
        assert event.changes == {"status": ["submitted", "recommended"], "first_review_note": ["", "家访属实"]}

    def test_a_second_move_from_the_same_status_is_refused_and_records_nothing(self, cast, application):
        stale = Application.objects.get(pk=application.pk)
        kwargs = {"from_status": Status.SUBMITTED, "changes": {"status": Status.RECOMMENDED}, "refused": refused}
        transition(actor=cast.wang, instance=application, **kwargs)
        with pytest.raises(InvalidTransition) as caught:
            transition(actor=cast.wang, instance=stale, **kwargs)
        assert caught.value.code == "first" and isinstance(caught.value, ValidationError)
        assert AuditEvent.objects.for_object(application).count() == 1

    def test_the_row_must_still_have_the_unchanged_values(self, cast, application):
        with pytest.raises(InvalidTransition):
            transition(
                actor=cast.li,
                instance=application,
                from_status=[Status.SUBMITTED, Status.SENT_BACK],
                unchanged={"requested_tier": "especially_difficult"},
                changes={"status": Status.RECOMMENDED},
                refused=refused,
            )
        assert Application.objects.get(pk=application.pk).status == Status.SUBMITTED

    def test_expressions_come_back_computed_and_notes_join_the_diff(self, cast, application):
        application.__class__.objects.filter(pk=application.pk).update(amount=100)
        application.refresh_from_db()
        transition(
            actor=cast.li,
            instance=application,
            from_status=Status.SUBMITTED,
            changes={"amount": F("amount") + 50},
            recorded=("amount",),
            noted={"lines": [[], [1, 2]]},
            refused=refused,
        )
        assert application.amount == 150
        assert AuditEvent.objects.for_object(application).get().changes == {
            "amount": ["100.00", "150.00"],
            "lines": [[], [1, 2]],
        }


def test_require_refuses_with_403():
    require(True)
    with pytest.raises(PermissionDenied):
        require(False)
