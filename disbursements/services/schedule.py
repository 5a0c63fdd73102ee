"""The payment schedule: what is due for an award, and when. `applications.selectors.standard_amount`
stores an award's amount as one term's share for a program paid per term, and as the whole year's
otherwise:

- paid per term: each award is paid its amount in each term it covers. A term-applied award covers its
  own term; a year-applied award covers the terms of its school year from its own term on (a 递补
  replacement filed in spring is paid from spring).
- paid per school year: the amount once, in the first batch of the school year that finds the award
  (the autumn term's, or the spring term's for an award of spring). Its period is the school year's
  first term, so a second batch of that year cannot pay it again.
- paid monthly: ten payments a school year, five a term, in the five calendar months from the month the
  term begins. Each month pays the year's amount ÷ 10 rounded down to the fen; the fen left over go
  with the tenth month (the last of the spring term), so a year's payments add up to the amount
  exactly. A term-applied award is paid the months of its own term.

A student whose enrolment stops aid (转出, 休学, 毕业) gets no line for a period that ends on or after the
day the change took effect (Student.status_since; unknown counts as already in effect); a revoked
award is due for the terms before its revocation takes effect, and no later one. An award with a
pending or paid line for the period gets no second one (the database's constraint
one_payment_per_award_and_period stands behind it).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from django.db.models import Q

from aidsys.models import Term
from applications.models import Application, ApplyPeriod, PaymentMethod, PayPeriod, Status
from disbursements.models import COUNTING_LINE_STATUSES, PaymentLine
from publicity.models import ReportStatus, RosterReport
from students.models import EnrolmentStatus

FEN = Decimal("0.01")
MONTHS_PER_YEAR = 10
MONTHS_PER_TERM = 5
# Enrolment states in which a student is paid; any other stops aid from the day it took effect.
PAYABLE_ENROLMENT = (EnrolmentStatus.ENROLLED, EnrolmentStatus.TRANSFERRED_IN)
# Methods that pay into an account on file (a meal card is the canteen's; cash is signed for).
ACCOUNT_METHODS = (PaymentMethod.BANK_CARD, PaymentMethod.AID_CARD, PaymentMethod.SOCIAL_SECURITY_CARD)


def term_months(term: Term) -> list[date]:
    """The five months a term pays (the first day of each), from the month it begins."""
    year, month = term.start.year, term.start.month
    months = []
    for _index in range(MONTHS_PER_TERM):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def terms_of_year(term: Term) -> list[Term]:
    """The terms of `term`'s school year, in order (one query)."""
    return list(Term.objects.filter(school_year_id=term.school_year_id).order_by("start"))


def month_share(year_amount: Decimal, month_index: int) -> Decimal:
    """The `month_index`-th (1–10) month's share of a year's amount: ÷ 10 to the fen, the rest in the tenth."""
    share = (year_amount / MONTHS_PER_YEAR).quantize(FEN, rounding=ROUND_DOWN)
    if month_index == MONTHS_PER_YEAR:
        return year_amount - share * (MONTHS_PER_YEAR - 1)
    return share


def period_key(*, program, term: Term, month: date | None = None, first_term: Term | None = None) -> str:
    """The key of the period a line pays (PaymentLine.period): one payment per award and key."""
    if program.pay_period == PayPeriod.MONTH:
        return f"{term.pk}-{month:%Y-%m}"
    if program.pay_period == PayPeriod.YEAR:
        return str((first_term or terms_of_year(term)[0]).pk)
    return str(term.pk)


def awards_in_reach(awards, *, program, term: Term):
    """`awards` (of `program`) narrowed to those a batch of `term` may pay: a year's award filed in this term
    or an earlier one of its school year (a year's payment in the first batch that finds it), a term's own."""
    if program.apply_period == ApplyPeriod.YEAR or program.pay_period == PayPeriod.YEAR:
        return awards.filter(term__school_year_id=term.school_year_id, term__start__lte=term.start)
    return awards.filter(term=term)


def scheduled_payments(
    *, program, award: Application, term: Term, terms: list[Term], month: date | None = None
) -> list[tuple[str, Decimal]]:
    """What the schedule pays `award` in `term`, as (period key, yuan): the term's payment, or one per month
    the term pays (only `month`'s when it is given) for a program paid monthly; none in a term it does not
    cover. `terms` are the school year's, in order (`terms_of_year`).

    A year's payment falls due in the award's own term, the first whose batches find it (`payable` lets a
    later term's batch make it while no line has). Whether the roster is approved, the student's enrolment
    stopped aid or a line already pays the period is for the caller: `payable` leaves such awards out, the
    leftover (selectors/leftovers.py) counts them by reason.
    """
    position = {candidate.pk: index for index, candidate in enumerate(terms)}
    index, award_index = position[term.pk], position.get(award.term_id)
    if award_index is None:
        return []
    # A year-applied award paid per term or monthly covers its own term and the later ones; any other, its own.
    if program.apply_period == ApplyPeriod.YEAR and program.pay_period != PayPeriod.YEAR:
        covered = award_index <= index
    else:
        covered = award_index == index
    if not covered:
        return []
    if program.pay_period == PayPeriod.MONTH:
        months = term_months(term)
        return [
            (
                period_key(program=program, term=term, month=paid),
                month_share(award.amount, index * MONTHS_PER_TERM + months.index(paid) + 1),
            )
            for paid in ([month] if month else months)
        ]
    return [(period_key(program=program, term=term, first_term=terms[0]), award.amount)]


@dataclass
class Due:
    application: Application
    amount: Decimal
    period: str


def period_end_of(term: Term, month: date | None) -> date:
    if month is None:
        return term.end
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _approved_report_terms(*, school, program, term_ids) -> set[int]:
    return set(
        RosterReport.objects.filter(
            school=school, program=program, term_id__in=term_ids, status=ReportStatus.APPROVED
        ).values_list("term_id", flat=True)
    )


def aid_stopped(student, period_end: date) -> bool:
    """Whether the student's enrolment stops aid for a period ending on `period_end`."""
    if student.status in PAYABLE_ENROLMENT:
        return False
    return student.status_since is None or student.status_since <= period_end


def still_due_in(term: Term) -> Q:
    """Awards a batch of `term` may still pay: approved ones, and ones revoked (取消资格) from a later term
    on: a revocation takes effect in the term it names, and the terms before it stay due."""
    return Q(status=Status.APPROVED) | Q(status=Status.REVOKED, revocation__effective_term__start__gt=term.start)


def payable(*, school, program, term: Term, month: date | None = None) -> list[Due]:
    """What is due for one school, program and term (and month): the awards of rosters the county
    approved, on the program's schedule, less what stopped and what a pending or paid line already pays."""
    terms = terms_of_year(term)
    awards = Application.objects.filter(school=school, program=program).filter(still_due_in(term))
    awards = awards_in_reach(awards, program=program, term=term)
    awards = awards.select_related("student__school_class", "school_class", "term").order_by("school_class", "pk")
    awards = list(awards)
    approved_terms = _approved_report_terms(school=school, program=program, term_ids={a.term_id for a in awards})
    period = period_key(program=program, term=term, month=month, first_term=terms[0])
    already = set(
        PaymentLine.objects.filter(
            application__in=awards, period=period, status__in=COUNTING_LINE_STATUSES
        ).values_list("application_id", flat=True)
    )
    period_end = period_end_of(term, month)
    dues = []
    for award in awards:
        if award.term_id not in approved_terms or award.pk in already or aid_stopped(award.student, period_end):
            continue
        payments = scheduled_payments(program=program, award=award, term=term, terms=terms, month=month)
        if not payments and program.pay_period == PayPeriod.YEAR:
            # Its year's payment fell due in an earlier term whose batches did not make it: this one does.
            payments = scheduled_payments(program=program, award=award, term=award.term, terms=terms)
        dues.extend(Due(application=award, amount=amount, period=due) for due, amount in payments if amount > 0)
    return dues
