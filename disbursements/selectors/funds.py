"""分账核算: what a school received, committed and paid of one program and term, per funding source.

Money comes in per source (FundAllocation); it goes out per line, and a line's yuan is attributed to
the sources by the program's funding split of that school year (applications.FundingShare), so every
figure exists per source. The split of an amount is exact to the fen: shares are rounded down and the
fen left over go to the sources with the largest remainders (the largest-remainder method), so the
parts always add up to the amount.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.db.models import Sum

from applications.models import FundingShare, FundingSource
from disbursements.models import AllocationStatus, BatchStatus, FundAllocation, LineStatus, PaymentLine

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def split_by_shares(amount: Decimal, shares: dict[str, Decimal]) -> dict[str, Decimal]:
    """`amount` divided among sources by percent, to the fen, the parts adding up to `amount`.

    Without a split (none recorded for the school year) the whole amount stays unattributed ("").
    """
    total_percent = sum(shares.values(), Decimal(0))
    if not shares or total_percent <= 0:
        return {"": amount}
    exact = {source: amount * percent / total_percent for source, percent in shares.items()}
    parts = {source: value.quantize(FEN, rounding=ROUND_DOWN) for source, value in exact.items()}
    left = int(((amount - sum(parts.values(), ZERO)) / FEN).to_integral_value())
    by_remainder = sorted(exact, key=lambda source: (-(exact[source] - parts[source]), source))
    for source in by_remainder[:left]:
        parts[source] += FEN
    return parts


def funding_split(program, school_year) -> dict[str, Decimal]:
    """The program's percent per source in that school year."""
    rows = FundingShare.objects.filter(program=program, school_year=school_year).values_list("source", "percent")
    return dict(rows)


@dataclass
class SourceFigures:
    source: str
    received: Decimal = ZERO
    committed: Decimal = ZERO  # on lines of approved batches that are pending or paid
    paid: Decimal = ZERO

    @property
    def label(self) -> str:
        return str(dict(FundingSource.choices).get(self.source, "")) or "—"

    @property
    def remaining(self) -> Decimal:
        """Received and not yet committed to an approved batch."""
        return self.received - self.committed

    @property
    def unpaid(self) -> Decimal:
        """Received and not paid: the leftover if nothing more is paid."""
        return self.received - self.paid


@dataclass
class FundsPosition:
    """One school's funds of one program and term, per source and in all."""

    school: object
    program: object
    term: object
    sources: list[SourceFigures] = field(default_factory=list)

    def _total(self, name: str) -> Decimal:
        return sum((getattr(row, name) for row in self.sources), ZERO)

    @property
    def received(self) -> Decimal:
        return self._total("received")

    @property
    def committed(self) -> Decimal:
        return self._total("committed")

    @property
    def paid(self) -> Decimal:
        return self._total("paid")

    @property
    def remaining(self) -> Decimal:
        return self.received - self.committed


def funds_position(*, school, program, term, excluding_batch=None) -> FundsPosition:
    """Received, committed and paid, per source, for one school, program and term.

    `excluding_batch` leaves one batch's lines out of what is committed (the batch being approved
    is weighed against what the others left).
    """
    received = defaultdict(lambda: ZERO)
    for source, amount in (
        FundAllocation.objects.filter(school=school, program=program, term=term, status=AllocationStatus.RECEIVED)
        .values("source")
        .annotate(amount=Sum("amount"))
        .values_list("source", "amount")
    ):
        received[source] += amount
    lines = PaymentLine.objects.filter(
        batch__school=school,
        batch__program=program,
        batch__term=term,
        batch__status=BatchStatus.APPROVED,
        status__in=(LineStatus.PENDING, LineStatus.PAID),
    )
    if excluding_batch is not None:
        lines = lines.exclude(batch=excluding_batch)
    committed_total = lines.aggregate(committed=Sum("amount"))["committed"] or ZERO
    paid_total = lines.filter(status=LineStatus.PAID).aggregate(paid=Sum("amount"))["paid"] or ZERO
    split = funding_split(program, term.school_year)
    committed = split_by_shares(committed_total, split)
    paid = split_by_shares(paid_total, split)
    sources = sorted(set(received) | set(committed) | set(paid), key=_source_order)
    return FundsPosition(
        school=school,
        program=program,
        term=term,
        sources=[
            SourceFigures(
                source=source,
                received=received.get(source, ZERO),
                committed=committed.get(source, ZERO),
                paid=paid.get(source, ZERO),
            )
            for source in sources
        ],
    )


def _source_order(source: str) -> int:
    order = [value for value, _label in FundingSource.choices]
    return order.index(source) if source in order else len(order)
