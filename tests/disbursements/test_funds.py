"""资金到位: the county records allocations, withdraws a wrong one with its reason, and the school sees its funds."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aidsys.models import AuditEvent, Term
from applications.models import FundingShare
from disbursements.models import AllocationStatus, FundAllocation
from disbursements.selectors.funds import funds_position
from disbursements.selectors.funds_pages import school_funds
from disbursements.services.funds import fund_allocation_record, fund_allocation_withdraw
from tests.factories import AidProgramFactory, FundAllocationFactory, PaymentBatchFactory, PaymentLineFactory

URL_LIST = "/funds/allocations/"
URL_NEW = "/funds/allocations/new/"


def _program(cast, **kwargs):
    return AidProgramFactory(county=cast.county, name="义务教育家庭经济困难学生生活补助", **kwargs)


def _record(cast, program, **overrides):
    values = {
        "school": cast.school,
        "program": program,
        "term": cast.term,
        "source": "central",
        "amount": Decimal("12500.00"),
        "document_number": "青财教〔2026〕18号",
        "document_date": date(2026, 9, 10),
        "note": "",
    }
    return fund_allocation_record(actor=cast.zhao, **(values | overrides))


def _approved_batch(cast, program, *amounts, term=None):
    batch = PaymentBatchFactory(
        school=cast.school,
        program=program,
        term=term or cast.term,
        status="approved",
        prepared_by=cast.li,
        approved_by=cast.zhang,
    )
    for amount in amounts:
        PaymentLineFactory(batch=batch, amount=Decimal(amount))
    return batch


class TestRecording:
    def test_county_staff_record_an_allocation_and_it_is_audited(self, cast):
        allocation = _record(cast, _program(cast))

        assert allocation.amount == Decimal("12500.00") and allocation.status == AllocationStatus.RECEIVED
        assert allocation.recorded_by == cast.zhao
        event = AuditEvent.objects.for_object(allocation).get()
        assert event.action == AuditEvent.Action.CREATE and event.changes["document_number"][1] == "青财教〔2026〕18号"

    def test_the_aid_office_does_not_record_allocations(self, cast):
        with pytest.raises(PermissionDenied):
            fund_allocation_record(
                actor=cast.li,
                school=cast.school,
                program=_program(cast),
                term=cast.term,
                source="central",
                amount=Decimal("1"),
                document_number="x",
                document_date=date(2026, 9, 1),
            )

    def test_another_countys_staff_cannot_record_for_the_school(self, cast):
        with pytest.raises(PermissionDenied):
            fund_allocation_record(
                actor=cast.zhao,
                school=cast.other_school,
                program=AidProgramFactory(county=cast.other_county),
                term=cast.term,
                source="central",
                amount=Decimal("1"),
                document_number="x",
                document_date=date(2026, 9, 1),
            )

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"amount": Decimal("0")}, "amount"),
            ({"amount": Decimal("-5")}, "amount"),
            ({"amount": Decimal("1.005")}, "amount"),
            ({"document_number": "  "}, "document_number"),
            ({"source": "bank"}, "source"),
        ],
    )
    def test_bad_values_are_refused_by_field(self, cast, overrides, field):
        with pytest.raises(ValidationError) as refused:
            _record(cast, _program(cast), **overrides)
        assert field in refused.value.error_dict
        assert not FundAllocation.objects.exists()

    def test_a_program_must_be_the_countys_and_serve_the_schools_stage(self, cast):
        with pytest.raises(ValidationError, match="不是"):
            _record(cast, AidProgramFactory(county=cast.other_county))
        with pytest.raises(ValidationError) as refused:
            _record(cast, _program(cast, stages=["senior"]))
        assert refused.value.error_dict["program"][0].code == "program_stage"


class TestWithdrawal:
    def test_a_wrong_entry_is_withdrawn_with_its_reason_and_counts_no_more(self, cast):
        program = _program(cast)
        right = _record(cast, program, amount=Decimal("1000.00"))
        wrong = _record(cast, program, amount=Decimal("10000.00"))

        fund_allocation_withdraw(actor=cast.zhao, allocation=wrong, reason="金额录入错误，应为1000元")

        wrong.refresh_from_db()
        assert wrong.status == AllocationStatus.WITHDRAWN and wrong.withdrawn_by == cast.zhao
        assert funds_position(school=cast.school, program=program, term=cast.term).received == right.amount
        event = AuditEvent.objects.for_object(wrong).filter(action=AuditEvent.Action.TRANSITION).get()
        assert event.changes["status"] == ["received", "withdrawn"] and event.reason == "金额录入错误，应为1000元"
        assert FundAllocation.objects.filter(pk=wrong.pk).exists()

    def test_an_entry_approved_batches_rely_on_is_not_withdrawn(self, cast):
        program = _program(cast)
        FundingShare.objects.create(program=program, school_year=cast.school_year, source="central", percent=100)
        allocation = _record(cast, program, amount=Decimal("1000.00"))
        _approved_batch(cast, program, "625.00")

        with pytest.raises(ValidationError, match=r"625\.00"):
            fund_allocation_withdraw(actor=cast.zhao, allocation=allocation, reason="录错")
        allocation.refresh_from_db()
        assert allocation.status == AllocationStatus.RECEIVED

    def test_withdrawing_needs_a_reason_and_happens_once(self, cast):
        allocation = _record(cast, _program(cast))
        with pytest.raises(ValidationError):
            fund_allocation_withdraw(actor=cast.zhao, allocation=allocation, reason=" ")
        fund_allocation_withdraw(actor=cast.zhao, allocation=allocation, reason="重复录入")
        stale = FundAllocation.objects.get(pk=allocation.pk)
        stale.status = AllocationStatus.RECEIVED
        with pytest.raises(ValidationError):
            fund_allocation_withdraw(actor=cast.zhao, allocation=stale, reason="重复录入")

    def test_the_aid_office_does_not_withdraw(self, cast):
        allocation = _record(cast, _program(cast))
        with pytest.raises(PermissionDenied):
            fund_allocation_withdraw(actor=cast.li, allocation=allocation, reason="x")


class TestSchoolFundsSelector:
    def test_every_program_and_term_as_funds_position_gives_it(self, cast):
        first, second = _program(cast), _program(cast)
        spring = Term.objects.get(school_year=cast.school_year, kind="spring")
        for program in (first, second):
            FundingShare.objects.create(program=program, school_year=cast.school_year, source="central", percent=60)
            FundingShare.objects.create(program=program, school_year=cast.school_year, source="county", percent=40)
        _record(cast, first, amount=Decimal("3000.00"))
        _record(cast, first, source="county", amount=Decimal("2000.00"))
        _record(cast, second, term=spring, amount=Decimal("800.00"))
        batch = _approved_batch(cast, first, "625.00", "750.00")
        batch.lines.filter(amount=Decimal("625.00")).update(status="paid", paid_on=date(2026, 11, 1))

        positions = school_funds(school=cast.school)

        assert [(p.program, p.term) for p in positions] == [(second, spring), (first, cast.term)]
        for position in positions:
            expected = funds_position(school=cast.school, program=position.program, term=position.term)
            got = {row.source: (row.received, row.committed, row.paid) for row in position.sources}
            want = {
                row.source: (row.received, row.committed, row.paid)
                for row in expected.sources
                if row.received or row.committed or row.paid
            }
            assert got == want
        assert positions[1].paid == Decimal("625.00") and positions[1].remaining == Decimal("3625.00")

    def test_its_queries_do_not_grow_with_the_rows(self, cast):
        _record(cast, _program(cast))
        with CaptureQueriesContext(connection) as few:
            school_funds(school=cast.school)
        for _ in range(5):
            program = _program(cast)
            _record(cast, program)
            _approved_batch(cast, program, "625.00")
        with CaptureQueriesContext(connection) as many:
            assert len(school_funds(school=cast.school)) == 6
        assert len(many) == len(few)


class TestPages:
    def test_county_staff_record_through_the_form(self, cast, client_for):
        program = _program(cast)
        client = client_for(cast.zhao)
        assert client.get(URL_NEW).status_code == 200
        response = client.post(
            URL_NEW,
            {
                "school": cast.school.pk,
                "program": program.pk,
                "term": cast.term.pk,
                "source": "province",
                "amount": "4500.50",
                "document_number": "湘财教〔2026〕7号",
                "document_date": "2026-09-15",
            },
        )
        assert response.status_code == 302
        allocation = FundAllocation.objects.get()
        assert (allocation.source, allocation.amount) == ("province", Decimal("4500.50"))
        listing = client.get(URL_LIST, {"school": cast.school.pk, "term": cast.term.pk}).content.decode()
        assert "湘财教〔2026〕7号" in listing and "4500.50" in listing

    def test_the_form_says_what_is_wrong_and_saves_nothing(self, cast, client_for):
        program = _program(cast, stages=["senior"])
        response = client_for(cast.zhao).post(
            URL_NEW,
            {
                "school": cast.school.pk,
                "program": program.pk,
                "term": cast.term.pk,
                "source": "central",
                "amount": "100",
                "document_number": "x",
                "document_date": "2026-09-15",
            },
        )
        assert response.status_code == 200 and "学段" in response.content.decode()
        assert not FundAllocation.objects.exists()

    def test_the_list_is_filtered_and_scoped(self, cast, client_for):
        program = _program(cast)
        _record(cast, program, document_number="本校文号")
        FundAllocationFactory(school=cast.other_school, document_number="外县文号", recorded_by=cast.admin)
        page = client_for(cast.zhao).get(URL_LIST).content.decode()
        assert "本校文号" in page and "外县文号" not in page
        filtered = client_for(cast.zhao).get(URL_LIST, {"school": cast.sibling_school.pk}).content.decode()
        assert "本校文号" not in filtered

    def test_withdraw_by_post_only_and_out_of_scope_is_404(self, cast, client_for):
        allocation = _record(cast, _program(cast))
        client = client_for(cast.zhao)
        url = f"/funds/allocations/{allocation.pk}/withdraw/"
        assert client.get(url).status_code == 405
        assert client.post(url, {"reason": "重复录入"}).status_code == 302
        assert FundAllocation.objects.get().status == AllocationStatus.WITHDRAWN
        foreign = FundAllocationFactory(school=cast.other_school, recorded_by=cast.admin)
        assert client.post(f"/funds/allocations/{foreign.pk}/withdraw/", {"reason": "x"}).status_code == 404
        assert client_for(cast.li).post(url, {"reason": "x"}).status_code == 403

    def test_the_schools_funds_page(self, cast, client_for):
        program = _program(cast)
        FundingShare.objects.create(program=program, school_year=cast.school_year, source="central", percent=100)
        _record(cast, program, amount=Decimal("2000.00"))
        _approved_batch(cast, program, "625.00")
        url = f"/funds/schools/{cast.school.pk}/"
        for user in (cast.li, cast.zhang, cast.zhao):
            page = client_for(user).get(url).content.decode()
            assert "2000.00" in page and "625.00" in page and "1375.00" in page
        assert client_for(cast.wang).get(url).status_code == 403
        assert client_for(cast.outsider).get(url).status_code == 404
        assert client_for(cast.li).get(f"/funds/schools/{cast.sibling_school.pk}/").status_code == 404
        assert client_for(cast.li).post(url).status_code == 405
