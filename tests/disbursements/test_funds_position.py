"""分账核算: the funds of a program and term, per source, and the split of a paid yuan by the program's shares."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from applications.models import FundingShare
from disbursements.selectors.funds import funds_position, split_by_shares
from tests.factories import FundAllocationFactory, PaymentBatchFactory, PaymentLineFactory


def test_a_split_adds_up_to_the_amount_to_the_fen():
    parts = split_by_shares(Decimal("100.00"), {"central": Decimal("33.33"), "province": Decimal("66.67")})
    assert parts == {"central": Decimal("33.33"), "province": Decimal("66.67")}
    thirds = split_by_shares(Decimal("1.00"), {"a": Decimal(1), "b": Decimal(1), "c": Decimal(1)})
    assert sorted(thirds.values()) == [Decimal("0.33"), Decimal("0.33"), Decimal("0.34")]


@given(
    st.decimals(min_value=0, max_value=10_000_000, places=2),
    st.lists(st.decimals(min_value="0.01", max_value=100, places=2), min_size=1, max_size=6),
)
def test_any_split_adds_up_and_no_part_is_negative(amount, percents):
    shares = {f"s{i}": percent for i, percent in enumerate(percents)}
    parts = split_by_shares(amount, shares)
    assert sum(parts.values()) == amount
    assert all(part >= 0 for part in parts.values())


def test_without_a_split_the_amount_is_unattributed():
    assert split_by_shares(Decimal("5.00"), {}) == {"": Decimal("5.00")}


def test_received_committed_and_paid_per_source(cast):
    batch = PaymentBatchFactory(
        school=cast.school, term=cast.term, status="approved", approved_by=cast.zhang, prepared_by=cast.li
    )
    program = batch.program
    FundingShare.objects.create(program=program, school_year=cast.school_year, source="central", percent=80)
    FundingShare.objects.create(program=program, school_year=cast.school_year, source="province", percent=20)
    FundAllocationFactory(school=cast.school, program=program, term=cast.term, source="central", amount=1000)
    FundAllocationFactory(school=cast.school, program=program, term=cast.term, source="province", amount=250)
    paid = PaymentLineFactory(batch=batch, amount=Decimal("500.00"), status="paid", paid_on=cast.term.start)
    PaymentLineFactory(batch=batch, amount=Decimal("250.00"))
    PaymentLineFactory(batch=batch, amount=Decimal("100.00"), status="failed")
    draft = PaymentBatchFactory(school=cast.school, term=cast.term, program=program, prepared_by=cast.li)
    PaymentLineFactory(batch=draft, amount=Decimal("300.00"))

    position = funds_position(school=cast.school, program=program, term=cast.term)

    by_source = {row.source: row for row in position.sources}
    assert (by_source["central"].received, by_source["central"].committed, by_source["central"].paid) == (
        Decimal("1000"),
        Decimal("600.00"),
        Decimal("400.00"),
    )
    assert (by_source["province"].committed, by_source["province"].paid) == (Decimal("150.00"), Decimal("100.00"))
    assert position.received == Decimal("1250") and position.committed == Decimal("750.00")
    assert position.paid == paid.amount and position.remaining == Decimal("500.00")
    without = funds_position(school=cast.school, program=program, term=cast.term, excluding_batch=batch)
    assert without.committed == 0
