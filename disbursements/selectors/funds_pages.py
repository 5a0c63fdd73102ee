"""What the funds pages read: the county's allocations, and a school's position for every program and term.

`school_funds` builds the same figures as `funds_position` for all of a school's programs and terms
with four queries in all (allocations, lines, funding splits, leftover reports), not four per row.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q, Sum

from aidsys.models import Term
from applications.models import AidProgram, FundingShare
from disbursements.models import (
    AllocationStatus,
    BatchStatus,
    FundAllocation,
    LeftoverReport,
    LineStatus,
    PaymentLine,
)
from disbursements.selectors.funds import ZERO, FundsPosition, SourceFigures, _source_order, split_by_shares


def allocations(*, user, school=None, program=None, term=None):
    rows = FundAllocation.objects.visible_to(user).select_related(
        "school", "program", "term__school_year", "recorded_by", "withdrawn_by"
    )
    if school is not None:
        rows = rows.filter(school=school)
    if program is not None:
        rows = rows.filter(program=program)
    if term is not None:
        rows = rows.filter(term=term)
    return rows


def school_funds(*, school) -> list[FundsPosition]:
    """The school's funds position per program and term (newest term first), each with its leftover report."""
    received = defaultdict(lambda: defaultdict(lambda: ZERO))
    for program_id, term_id, source, amount in (
        FundAllocation.objects.filter(school=school, status=AllocationStatus.RECEIVED)
        .values("program", "term", "source")
        .annotate(amount=Sum("amount"))
        .values_list("program", "term", "source", "amount")
    ):
        received[(program_id, term_id)][source] += amount
    spent = {}
    for program_id, term_id, committed, paid in (
        PaymentLine.objects.filter(
            batch__school=school,
            batch__status=BatchStatus.APPROVED,
            status__in=(LineStatus.PENDING, LineStatus.PAID),
        )
        .values("batch__program", "batch__term")
        .annotate(committed=Sum("amount"), paid=Sum("amount", filter=Q(status=LineStatus.PAID)))
        .values_list("batch__program", "batch__term", "committed", "paid")
    ):
        spent[(program_id, term_id)] = (committed or ZERO, paid or ZERO)
    keys = set(received) | set(spent)
    if not keys:
        return []
    programs = AidProgram.objects.in_bulk({program_id for program_id, _term in keys})
    terms = Term.objects.select_related("school_year").in_bulk({term_id for _program, term_id in keys})
    shares = defaultdict(dict)
    for program_id, year_id, source, percent in FundingShare.objects.filter(
        program__in=programs, school_year__in={term.school_year_id for term in terms.values()}
    ).values_list("program", "school_year", "source", "percent"):
        shares[(program_id, year_id)][source] = percent
    reports = {
        (report.program_id, report.term_id): report
        for report in LeftoverReport.objects.filter(school=school, program__in=programs, term__in=terms)
    }
    positions = []
    for program_id, term_id in keys:
        term = terms[term_id]
        split = shares.get((program_id, term.school_year_id), {})
        committed_total, paid_total = spent.get((program_id, term_id), (ZERO, ZERO))
        committed = split_by_shares(committed_total, split)
        paid = split_by_shares(paid_total, split)
        got = received.get((program_id, term_id), {})
        sources = sorted(set(got) | set(committed) | set(paid), key=_source_order)
        position = FundsPosition(
            school=school,
            program=programs[program_id],
            term=term,
            sources=[
                SourceFigures(
                    source=source,
                    received=got.get(source, ZERO),
                    committed=committed.get(source, ZERO),
                    paid=paid.get(source, ZERO),
                )
                for source in sources
                if got.get(source) or committed.get(source) or paid.get(source)
            ],
        )
        position.leftover_report = reports.get((program_id, term_id))
        positions.append(position)
    return sorted(positions, key=lambda p: (-p.term.start.toordinal(), p.program.code))
