"""结余: what was received and paid of one program and term, what was not paid and why, and what is left.

The reasons come from the lines of approved batches and from the awards themselves:

- failed      a bank line that failed and has not been repaid by a follow-up line (yet);
- unclaimed   a line of an approved batch still pending (cash not collected, no bank answer);
- revoked     an award revoked (取消资格): its cancelled line, or no line at all;
- transferred a student who left (转出): the cancelled line, or no line at all;
- cancelled   a line cancelled for another reason (its reasons are listed);
- not_in_batch an approved award that no approved batch pays yet.

An award without a line counts what a batch would put on its lines in the term: the batches' own
schedule (`services.schedule.scheduled_payments`), period by period, so a monthly program's months
without a line count and a year's payment counts only in the term it falls due.

Each reason's yuan are split among the sources by the program's shares of that school year, like
what was paid, so every figure exists per source. The remainder is what was received less what was
paid; what the reasons do not explain is money no award needed (`not_needed`).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aidsys.models import Term
from applications.models import Status as ApplicationStatus
from disbursements.models import UNPAID_REASONS, BatchStatus, LeftoverReport, LineStatus, PaymentBatch, PaymentLine
from disbursements.selectors.funds import ZERO, funding_split, funds_position, split_by_shares
from disbursements.services.schedule import awards_in_reach, scheduled_payments, terms_of_year
from students.models import EnrolmentStatus

REASONS = UNPAID_REASONS


def _unpaid_reasons(*, school, program, term) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """Yuan not paid, per reason, and the cancelled lines' own reasons with their yuan."""
    reasons = dict.fromkeys(REASONS, ZERO)
    cancel_reasons: dict[str, Decimal] = defaultdict(lambda: ZERO)
    lines = PaymentLine.objects.filter(
        batch__school=school, batch__program=program, batch__term=term, batch__status=BatchStatus.APPROVED
    ).select_related("application", "student")
    repaid = set(
        PaymentLine.objects.filter(
            replaces__in=lines.filter(status=LineStatus.FAILED),
            status__in=(LineStatus.PENDING, LineStatus.PAID),
            batch__status=BatchStatus.APPROVED,
        ).values_list("replaces", flat=True)
    )
    # A cancelled line whose award and period another line pays (or will pay) is no unpaid money: the
    # cash line taken out because the family is paid by card, say.
    paying = {
        (line.application_id, line.period) for line in lines if line.status in (LineStatus.PENDING, LineStatus.PAID)
    }
    for line in lines:
        if line.status == LineStatus.CANCELLED and (line.application_id, line.period) in paying:
            continue
        if line.status == LineStatus.PENDING:
            reasons["unclaimed"] += line.amount
        elif line.status == LineStatus.FAILED and line.pk not in repaid:
            reasons["failed"] += line.amount
        elif line.status == LineStatus.CANCELLED:
            if line.application.status == ApplicationStatus.REVOKED:
                reasons["revoked"] += line.amount
            elif line.student.status == EnrolmentStatus.TRANSFERRED_OUT:
                reasons["transferred"] += line.amount
            else:
                reasons["cancelled"] += line.amount
                cancel_reasons[line.cancel_reason or "—"] += line.amount
    # What the schedule pays in the term and no line of an approved batch pays (a line of the period
    # counted above, whatever its status): the yuan a batch would put on its lines, period by period.
    with_a_line = set(lines.values_list("application_id", "period"))
    awards = awards_in_reach(
        program.applications.filter(school=school, status__in=(ApplicationStatus.APPROVED, ApplicationStatus.REVOKED)),
        program=program,
        term=term,
    ).select_related("student")
    terms = terms_of_year(term)
    for award in awards:
        amount = sum(
            (
                due
                for period, due in scheduled_payments(program=program, award=award, term=term, terms=terms)
                if (award.pk, period) not in with_a_line
            ),
            ZERO,
        )
        if not amount:
            continue
        if award.status == ApplicationStatus.REVOKED:
            reasons["revoked"] += amount
        elif award.student.status == EnrolmentStatus.TRANSFERRED_OUT:
            reasons["transferred"] += amount
        else:
            reasons["not_in_batch"] += amount
    return reasons, dict(cancel_reasons)


def leftover_figures(*, school, program, term) -> dict:
    """The report's frozen figures: per source and in all, amounts as text (JSON keeps no Decimal)."""
    position = funds_position(school=school, program=program, term=term)
    reasons, cancel_reasons = _unpaid_reasons(school=school, program=program, term=term)
    split = funding_split(program, term.school_year)
    reasons_by_source = {reason: split_by_shares(amount, split) for reason, amount in reasons.items()}
    sources = []
    for row in position.sources:
        if not (row.received or row.paid):
            continue
        unpaid = {reason: reasons_by_source[reason].get(row.source, ZERO) for reason in REASONS}
        remainder = row.received - row.paid
        sources.append(
            {
                "source": row.source,
                "label": str(row.label),
                "received": str(row.received),
                "paid": str(row.paid),
                "unpaid": {reason: str(amount) for reason, amount in unpaid.items()},
                "not_needed": str(remainder - sum(unpaid.values(), ZERO)),
                "remainder": str(remainder),
            }
        )
    remainder = position.received - position.paid
    return {
        "sources": sources,
        "received": str(position.received),
        "paid": str(position.paid),
        "unpaid": {reason: str(amount) for reason, amount in reasons.items()},
        "not_needed": str(remainder - sum(reasons.values(), ZERO)),
        "cancel_reasons": [{"reason": text, "amount": str(amount)} for text, amount in sorted(cancel_reasons.items())],
        "remainder": str(remainder),
    }


def figures_for_display(figures: dict) -> dict:
    """The frozen figures with the reasons' labels, in the order of REASONS, for a template."""
    return {
        **figures,
        "reason_rows": [
            {"key": key, "label": label, "amount": figures["unpaid"].get(key, "0.00")} for key, label in REASONS.items()
        ],
        "source_rows": [
            {**row, "reason_amounts": [row["unpaid"].get(key, "0.00") for key in REASONS]} for row in figures["sources"]
        ],
    }


def term_open_reason(*, school, program, term, today) -> str | None:
    """Why the term's leftover cannot be reported yet, or None when it can.

    The simple rule: every batch of the program and term is approved (there is at least one), and
    either the term has ended or no line of them is still pending.
    """
    batches = PaymentBatch.objects.filter(school=school, program=program, term=term)
    if not batches.exists():
        return str(_("No batch of this program and term has been approved yet."))
    if batches.exclude(status=BatchStatus.APPROVED).exists():
        return str(_("A batch of this program and term is not approved yet."))
    pending = PaymentLine.objects.filter(batch__in=batches, status=LineStatus.PENDING).exists()
    if term.end >= today and pending:
        return str(_("The term has not ended and some lines are still being paid."))
    return None


def reportable_terms(*, school_ids, today) -> list[tuple[int, int, int]]:
    """(school, program, term) whose leftover can be reported and is not yet: the aid office's to-do.

    Three queries: the approved batches' keys, those with a batch not approved or a pending line,
    the reports made.
    """
    approved = set(
        PaymentBatch.objects.filter(school__in=school_ids, status=BatchStatus.APPROVED).values_list(
            "school", "program", "term"
        )
    )
    if not approved:
        return []
    unapproved = set(
        PaymentBatch.objects.filter(school__in=school_ids)
        .exclude(status=BatchStatus.APPROVED)
        .values_list("school", "program", "term")
    )
    running_terms = set(Term.objects.filter(end__gte=today).values_list("pk", flat=True))
    pending = set(
        PaymentLine.objects.filter(
            Q(batch__term__in=running_terms), batch__school__in=school_ids, status=LineStatus.PENDING
        ).values_list("batch__school", "batch__program", "batch__term")
    )
    reported = set(LeftoverReport.objects.filter(school__in=school_ids).values_list("school", "program", "term"))
    return sorted(approved - unapproved - pending - reported)
