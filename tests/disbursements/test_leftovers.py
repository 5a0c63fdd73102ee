"""结余: per source, what was received, paid, not paid and why; reported frozen; carried or returned by the county."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from aidsys.models import AuditEvent, Term
from aidsys.todo import todo_for
from applications.models import FundingShare
from disbursements.models import AllocationStatus, FundAllocation, LeftoverReport, LeftoverStatus
from disbursements.selectors.funds import funds_position
from disbursements.selectors.leftovers import leftover_figures
from disbursements.services.batches import batch_approve, batch_create
from disbursements.services.funds import fund_allocation_withdraw
from disbursements.services.leftovers import leftover_decide, leftover_report
from tests.factories import (
    AidProgramFactory,
    ApplicationFactory,
    FundAllocationFactory,
    PaymentBatchFactory,
    PaymentLineFactory,
)

AFTER_THE_TERM = date(2027, 1, 25)


def _batch(cast, program, **kwargs):
    return PaymentBatchFactory(
        school=cast.school,
        program=program,
        term=cast.term,
        status="approved",
        prepared_by=cast.li,
        approved_by=cast.zhang,
        method="bank_card",
        **kwargs,
    )


@pytest.fixture
def term_paid(cast):
    """A term of one program: 7000 received (central 5000, county 2000, split 60/40), every kind of unpaid line."""
    program = AidProgramFactory(county=cast.county, name="义务教育家庭经济困难学生生活补助")
    FundingShare.objects.create(program=program, school_year=cast.school_year, source="central", percent=60)
    FundingShare.objects.create(program=program, school_year=cast.school_year, source="county", percent=40)
    FundAllocationFactory(school=cast.school, program=program, term=cast.term, source="central", amount=5000)
    FundAllocationFactory(school=cast.school, program=program, term=cast.term, source="county", amount=2000)
    batch = _batch(cast, program)
    paid_on = date(2026, 11, 10)
    PaymentLineFactory(batch=batch, status="paid", paid_on=paid_on)
    PaymentLineFactory(batch=batch)  # pending: unclaimed
    PaymentLineFactory(batch=batch, status="failed", failure_reason="户名不符")
    repaid = PaymentLineFactory(batch=batch, status="failed", failure_reason="账户已销户")
    PaymentLineFactory(batch=batch, status="cancelled", application__status="revoked", cancel_reason="取消资格")
    moved = PaymentLineFactory(batch=batch, status="cancelled", cancel_reason="转学")
    moved.student.status = "transferred_out"
    moved.student.save()
    PaymentLineFactory(batch=batch, status="cancelled", cancel_reason="重复录入")
    follow_up = _batch(cast, program, kind="follow_up", follows=batch)
    PaymentLineFactory(batch=follow_up, application=repaid.application, replaces=repaid, status="paid", paid_on=paid_on)
    for status in ("approved", "revoked"):
        ApplicationFactory(
            program=program,
            term=cast.term,
            student__school_class=cast.class_1,
            status=status,
            approved_tier="difficult",
            amount=Decimal("625.00"),
        )
    return program


class TestFigures:
    def test_unpaid_by_reason_and_per_source(self, cast, term_paid):
        figures = leftover_figures(school=cast.school, program=term_paid, term=cast.term)

        assert (figures["received"], figures["paid"], figures["remainder"]) == ("7000.00", "1250.00", "5750.00")
        assert figures["unpaid"] == {
            "failed": "625.00",
            "unclaimed": "625.00",
            "revoked": "1250.00",
            "transferred": "625.00",
            "cancelled": "625.00",
            "not_in_batch": "625.00",
        }
        assert figures["not_needed"] == "1375.00"
        assert figures["cancel_reasons"] == [{"reason": "重复录入", "amount": "625.00"}]
        central, county = figures["sources"]
        assert (central["source"], central["received"], central["paid"], central["remainder"]) == (
            "central",
            "5000.00",
            "750.00",
            "4250.00",
        )
        assert (county["paid"], county["remainder"], county["unpaid"]["revoked"]) == ("500.00", "1500.00", "500.00")

    def test_a_cancelled_line_paid_by_another_line_is_not_unpaid(self, cast, term_paid):
        # Taken out of the cash batch because the family is paid by card: the card line pays it.
        card = _batch(cast, term_paid)
        paid = PaymentLineFactory(batch=card, status="paid", paid_on=date(2026, 11, 12))
        cash = PaymentBatchFactory(
            school=cast.school, program=term_paid, term=cast.term, status="approved", method="cash",
            prepared_by=cast.li, approved_by=cast.zhang,
        )  # fmt: skip
        PaymentLineFactory(
            batch=cash,
            application=paid.application,
            student=paid.student,
            period=paid.period,
            status="cancelled",
            cancel_reason="改为打卡发放",
        )
        figures = leftover_figures(school=cast.school, program=term_paid, term=cast.term)
        assert figures["unpaid"]["cancelled"] == "625.00"
        assert figures["cancel_reasons"] == [{"reason": "重复录入", "amount": "625.00"}]


class TestReport:
    def test_not_before_the_term_is_settled(self, cast, term_paid):
        with pytest.raises(ValidationError, match=r"学期尚未结束"):
            leftover_report(actor=cast.li, school=cast.school, program=term_paid, term=cast.term)

    def test_not_while_a_batch_awaits_approval(self, cast, term_paid, today_is):
        today_is(AFTER_THE_TERM)
        PaymentBatchFactory(school=cast.school, program=term_paid, term=cast.term, prepared_by=cast.li)
        with pytest.raises(ValidationError):
            leftover_report(actor=cast.li, school=cast.school, program=term_paid, term=cast.term)

    def test_the_aid_office_reports_once_frozen_and_audited(self, cast, term_paid, today_is):
        today_is(AFTER_THE_TERM)
        report = leftover_report(actor=cast.li, school=cast.school, program=term_paid, term=cast.term)

        assert report.status == LeftoverStatus.REPORTED and report.remainder == Decimal("5750.00")
        assert AuditEvent.objects.for_object(report).filter(action=AuditEvent.Action.CREATE).exists()
        FundAllocationFactory(school=cast.school, program=term_paid, term=cast.term, amount=100)
        report.refresh_from_db()
        assert report.figures["received"] == "7000.00"
        with pytest.raises(ValidationError, match=r"已经上报"):
            leftover_report(actor=cast.li, school=cast.school, program=term_paid, term=cast.term)

    def test_once_reported_nothing_more_is_paid_for_the_term(self, cast, term_paid, today_is):
        # The leftover is the county's to decide: a new batch, or one approved late (a follow-up of a
        # failed line), would spend it a second time.
        today_is(AFTER_THE_TERM)
        leftover_report(actor=cast.li, school=cast.school, program=term_paid, term=cast.term)
        with pytest.raises(ValidationError, match=r"结余已于.*上报") as refused:
            batch_create(actor=cast.li, school=cast.school, program=term_paid, term=cast.term, method="bank_card")
        assert refused.value.code == "leftover_reported"
        late = PaymentBatchFactory(
            school=cast.school, program=term_paid, term=cast.term, prepared_by=cast.li, status="submitted"
        )
        PaymentLineFactory(batch=late, amount=Decimal("100.00"))
        with pytest.raises(ValidationError, match=r"结余已于"):
            batch_approve(actor=cast.zhang, batch=late)
        late.refresh_from_db()
        assert late.status == "submitted"

    def test_only_the_aid_office_reports(self, cast, term_paid, today_is):
        today_is(AFTER_THE_TERM)
        for user in (cast.zhang, cast.zhao, cast.wang):
            with pytest.raises(PermissionDenied):
                leftover_report(actor=user, school=cast.school, program=term_paid, term=cast.term)


class TestDecision:
    @pytest.fixture
    def report(self, cast, term_paid, today_is):
        today_is(AFTER_THE_TERM)
        return leftover_report(actor=cast.li, school=cast.school, program=term_paid, term=cast.term)

    def test_carrying_makes_an_allocation_of_the_next_term_per_source(self, cast, report):
        leftover_decide(actor=cast.zhao, report=report, decision="carry", reason="结转用于春季学期发放")

        report.refresh_from_db()
        assert report.status == LeftoverStatus.CARRY_APPROVED and report.decided_by == cast.zhao
        spring = Term.objects.get(school_year=cast.school_year, kind="spring")
        carried = {a.source: a for a in FundAllocation.objects.filter(carried_from=report)}
        assert {source: a.amount for source, a in carried.items()} == {
            "central": Decimal("4250.00"),
            "county": Decimal("1500.00"),
        }
        assert all(a.term == spring and a.document_number == "结转" for a in carried.values())
        assert funds_position(school=cast.school, program=report.program, term=spring).received == Decimal("5750.00")
        event = AuditEvent.objects.for_object(report).filter(action=AuditEvent.Action.TRANSITION).get()
        assert event.changes["status"] == ["reported", "carry_approved"] and event.reason == "结转用于春季学期发放"
        with pytest.raises(ValidationError):
            fund_allocation_withdraw(actor=cast.zhao, allocation=carried["central"], reason="x")
        assert carried["central"].status == AllocationStatus.RECEIVED

    def test_returning_moves_no_money_and_deciding_happens_once(self, cast, report):
        leftover_decide(actor=cast.zhao, report=report, decision="return", reason="按文件要求收回")
        assert report.status == LeftoverStatus.RETURNED
        assert not FundAllocation.objects.filter(carried_from=report).exists()
        stale = LeftoverReport.objects.get(pk=report.pk)
        stale.status = LeftoverStatus.REPORTED
        with pytest.raises(ValidationError):
            leftover_decide(actor=cast.zhao, report=stale, decision="carry", reason="再次")
        assert not FundAllocation.objects.filter(carried_from=report).exists()

    def test_a_decision_needs_its_reason_and_the_county(self, cast, report):
        with pytest.raises(ValidationError):
            leftover_decide(actor=cast.zhao, report=report, decision="carry", reason="  ")
        with pytest.raises(PermissionDenied):
            leftover_decide(actor=cast.li, report=report, decision="carry", reason="x")

    def test_no_carrying_without_a_next_term(self, cast):
        spring = Term.objects.get(school_year=cast.school_year, kind="spring")
        report = LeftoverReport.objects.create(
            school=cast.school,
            program=AidProgramFactory(county=cast.county),
            term=spring,
            figures={"sources": [{"source": "central", "remainder": "10.00"}]},
            remainder=Decimal("10.00"),
            reported_by=cast.li,
            reported_at=timezone.now(),
        )
        with pytest.raises(ValidationError) as refused:
            leftover_decide(actor=cast.zhao, report=report, decision="carry", reason="x")
        assert refused.value.error_dict["decision"][0].code == "no_next_term"


class TestPagesAndTodo:
    def test_the_aid_office_reports_through_the_page(self, cast, term_paid, today_is, client_for):
        today_is(AFTER_THE_TERM)
        url = f"/leftovers/new/{cast.school.pk}/{term_paid.pk}/{cast.term.pk}/"
        client = client_for(cast.li)
        page = client.get(url).content.decode()
        assert "5750.00" in page and "1375.00" in page
        assert client.post(url).status_code == 302
        report = LeftoverReport.objects.get()
        assert client_for(cast.zhang).post(url).status_code == 403
        assert client_for(cast.outsider).get(url).status_code == 404
        assert client_for(cast.zhao).get(f"/leftovers/{report.pk}/").status_code == 200
        assert client_for(cast.wang).get(f"/leftovers/{report.pk}/").status_code == 404

    def test_the_county_decides_through_the_page(self, cast, term_paid, today_is, client_for):
        today_is(AFTER_THE_TERM)
        report = leftover_report(actor=cast.li, school=cast.school, program=term_paid, term=cast.term)
        url = f"/leftovers/{report.pk}/decide/"
        assert client_for(cast.zhao).get(url).status_code == 405
        assert client_for(cast.li).post(url, {"decision": "return", "reason": "x"}).status_code == 403
        assert client_for(cast.zhao).post(url, {"decision": "return", "reason": "收回"}).status_code == 302
        report.refresh_from_db()
        assert report.status == LeftoverStatus.RETURNED

    def test_the_todo_lists(self, cast, term_paid, today_is):
        assert not [item for item in todo_for(cast.li) if "leftover" in item.url]
        today_is(AFTER_THE_TERM)
        (item,) = [item for item in todo_for(cast.li) if "leftovers/new" in item.url]
        assert item.count == 1
        leftover_report(actor=cast.li, school=cast.school, program=term_paid, term=cast.term)
        assert not [item for item in todo_for(cast.li) if "leftovers/new" in item.url]
        (waiting,) = [item for item in todo_for(cast.zhao) if "/leftovers/" in item.url]
        assert waiting.count == 1
