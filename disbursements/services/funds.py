"""资金到位: the county records what it allocated to a school; a wrong entry is withdrawn, never edited.

An auditor reads the allocations as a ledger: an entry stays as it was recorded. A mistake is put
right by withdrawing the entry with its reason (it stays listed, struck out, and counts no more)
and recording the right one. An entry is withdrawn only while what the approved batches committed
of its source still fits in what would remain; otherwise money already promised would lose its cover.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aidsys.models import School, Term
from aidsys.scope import can_act_for_county
from aidsys.services.writes import instance_create
from aidsys.transitions import InvalidTransition, require, transition
from applications.models import AidProgram, FundingSource
from disbursements.models import AllocationStatus, FundAllocation
from disbursements.selectors.funds import FEN, funds_position
from disbursements.services.batches import school_money_lock


def _check_amount(amount) -> Decimal:
    try:
        amount = Decimal(amount)
    except (ArithmeticError, TypeError, ValueError):
        raise ValidationError(
            {"amount": ValidationError(_("Give the amount in yuan, e.g. 12500.00."), code="amount")}
        ) from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError({"amount": ValidationError(_("The amount must be more than 0 yuan."), code="amount")})
    if amount != amount.quantize(FEN):
        raise ValidationError(
            {"amount": ValidationError(_("The amount has at most 2 decimal places (fen)."), code="amount")}
        )
    return amount.quantize(FEN)


def check_program_serves_school(program: AidProgram, school: School, field: str = "program") -> None:
    if program.county_id != school.county_id:
        message = _("{program} is not a program of {county}.").format(program=program, county=school.county)
        raise ValidationError({field: ValidationError(message, code="program_county")})
    if not set(program.stages or []) & set(school.stages or []):
        message = _("{program} does not serve the stages of {school}.").format(program=program, school=school)
        raise ValidationError({field: ValidationError(message, code="program_stage")})


@transaction.atomic
def fund_allocation_record(
    *,
    actor,
    school: School,
    program: AidProgram,
    term: Term,
    source: str,
    amount: Decimal,
    document_number: str,
    document_date: date,
    note: str = "",
    carried_from=None,
) -> FundAllocation:
    """Record one source's money for a program and term received by a school, with its 文号 and date."""
    require(can_act_for_county(actor, school.county_id))
    check_program_serves_school(program, school)
    if source not in FundingSource.values:
        raise ValidationError({"source": ValidationError(_("Choose a funding source."), code="source")})
    amount = _check_amount(amount)
    document_number = (document_number or "").strip()
    if not document_number:
        raise ValidationError(
            {
                "document_number": ValidationError(
                    _("Give the allocating document's number (文号)."), code="document_number"
                )
            }
        )
    return instance_create(
        actor=actor,
        instance=FundAllocation(
            school=school,
            program=program,
            term=term,
            source=source,
            amount=amount,
            document_number=document_number,
            document_date=document_date,
            note=(note or "").strip(),
            recorded_by=actor,
            recorded_at=timezone.now(),
            carried_from=carried_from,
        ),
    )


@transaction.atomic
def fund_allocation_withdraw(*, actor, allocation: FundAllocation, reason: str) -> FundAllocation:
    """Withdraw an entry recorded in error; refused once approved batches rely on its money."""
    require(can_act_for_county(actor, allocation.school.county_id))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ValidationError(_("Say why the entry is withdrawn."), code="reason")})
    if allocation.carried_from_id:
        raise ValidationError(
            _("A carried leftover is the county's decision on its report; it is not withdrawn as an error."),
            code="carried",
        )
    # The lock batch approvals take: a withdrawal and an approval, or two withdrawals, cannot both pass the check.
    school_money_lock(allocation.school)
    position = funds_position(school=allocation.school, program=allocation.program, term=allocation.term)
    row = next((row for row in position.sources if row.source == allocation.source), None)
    left_in_source = (row.remaining if row else Decimal(0)) - allocation.amount
    if allocation.status == AllocationStatus.RECEIVED and (
        left_in_source < 0 or position.remaining - allocation.amount < 0
    ):
        raise ValidationError(
            _(
                "This entry cannot be withdrawn: approved batches have committed {committed} yuan of {source}, "
                "and without it only {left} yuan would remain. Record the missing money first."
            ).format(
                committed=row.committed if row else Decimal(0),
                source=allocation.get_source_display(),
                left=(row.received if row else Decimal(0)) - allocation.amount,
            ),
            code="committed",
        )
    return transition(
        actor=actor,
        instance=allocation,
        from_status=AllocationStatus.RECEIVED,
        changes={
            "status": AllocationStatus.WITHDRAWN,
            "withdrawn_by": actor,
            "withdrawn_at": timezone.now(),
            "withdraw_reason": reason[:200],
        },
        recorded=("status", "withdraw_reason"),
        refused=lambda: InvalidTransition(
            _("This entry has been withdrawn meanwhile. Reload the page."), code="allocation_changed"
        ),
        reason=reason,
    )
