"""发放批次: a term's (or month's) payments, made from the roster the county approved, approved by another person.

What is due, and when (the payment schedule; `applications.selectors.standard_amount` stores an award's
amount as one term's share for a program paid per term, and as the whole year's otherwise):

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
award is no longer approved and gets no line at all. An award with a pending or paid line for the
period gets no second one (the database's constraint one_payment_per_award_and_period stands behind it).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aidsys import cn
from aidsys.models import School, Term
from aidsys.scope import can_manage_school, can_sign_for_school
from aidsys.services.writes import instance_create, instance_update, instances_create
from aidsys.transitions import InvalidTransition, require, transition
from applications.models import Application, ApplyPeriod, PaymentMethod, PayPeriod, Status
from disbursements.models import (
    COUNTING_LINE_STATUSES,
    EDITABLE_BATCH_STATUSES,
    BatchKind,
    BatchStatus,
    LeftoverReport,
    LineStatus,
    PaymentBatch,
    PaymentLine,
)
from disbursements.selectors.funds import funds_position
from publicity.models import ReportStatus, RosterReport
from students.models import EnrolmentStatus

FEN = Decimal("0.01")
MONTHS_PER_YEAR = 10
MONTHS_PER_TERM = 5
# Enrolment states in which a student is paid; any other stops aid from the day it took effect.
PAYABLE_ENROLMENT = (EnrolmentStatus.ENROLLED, EnrolmentStatus.TRANSFERRED_IN)
# Methods that pay into an account on file (a meal card is the canteen's; cash is signed for).
ACCOUNT_METHODS = (PaymentMethod.BANK_CARD, PaymentMethod.AID_CARD, PaymentMethod.SOCIAL_SECURITY_CARD)


# ---------------------------------------------------------------------------------------------
# The schedule


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


def _period_end(term: Term, month: date | None) -> date:
    if month is None:
        return term.end
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _approved_report_terms(*, school, program, term_ids) -> set[int]:
    return set(
        RosterReport.objects.filter(
            school=school, program=program, term_id__in=term_ids, status=ReportStatus.APPROVED
        ).values_list("term_id", flat=True)
    )


def _stopped(student, period_end: date) -> bool:
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
    period_end = _period_end(term, month)
    dues = []
    for award in awards:
        if award.term_id not in approved_terms or award.pk in already or _stopped(award.student, period_end):
            continue
        payments = scheduled_payments(program=program, award=award, term=term, terms=terms, month=month)
        if not payments and program.pay_period == PayPeriod.YEAR:
            # Its year's payment fell due in an earlier term whose batches did not make it: this one does.
            payments = scheduled_payments(program=program, award=award, term=award.term, terms=terms)
        dues.extend(Due(application=award, amount=amount, period=due) for due, amount in payments if amount > 0)
    return dues


# ---------------------------------------------------------------------------------------------
# Making and changing a batch


def _refuse(message: str, code: str, field: str | None = None) -> ValidationError:
    error = ValidationError(message, code=code)
    return ValidationError({field: error}) if field else error


def _batch_number(school: School, term: Term) -> str:
    """FF + school year + A (autumn) or S (spring) + a number per school and term: FF2026A-001."""
    prefix = "FF{year}{kind}-".format(
        year=term.school_year.start_year, kind="A" if term.kind == Term.Kind.AUTUMN else "S"
    )
    taken = PaymentBatch.objects.filter(school=school, number__startswith=prefix).values_list("number", flat=True)
    highest = max((int(number[len(prefix) :]) for number in taken if number[len(prefix) :].isdigit()), default=0)
    return f"{prefix}{highest + 1:03d}"


def _frozen_copy(batch: PaymentBatch, application: Application) -> dict:
    """The student's name, class, masked 身份证号 and account as a line keeps them (the registry's now)."""
    student = application.student
    with_account = batch.method in ACCOUNT_METHODS
    return {
        "student_name": student.name,
        "class_label": str(
            student.school_class
            if student.school_class_id and student.school_id == batch.school_id
            else application.school_class
        ),
        "id_number_masked": cn.mask_id_number(student.id_number),
        "account_kind": student.account_kind if with_account else "",
        "account_number": student.account_number if with_account else "",
        "account_holder": (student.account_holder or student.name) if with_account and student.account_number else "",
        "account_bank": student.account_bank if with_account else "",
    }


def _line_for(batch: PaymentBatch, due: Due, reference: str) -> PaymentLine:
    return PaymentLine(
        batch=batch,
        application=due.application,
        student=due.application.student,
        period=due.period,
        amount=due.amount,
        method=batch.method,
        reference=reference,
        **_frozen_copy(batch, due.application),
    )


def _next_reference(batch: PaymentBatch, offset: int) -> str:
    return f"{batch.number}-{offset:05d}"


def _add_lines(*, actor, batch: PaymentBatch, dues: list[Due]) -> list[PaymentLine]:
    """Insert the lines in one statement, each with its audit event. The caller holds the school's lock,
    so no batch of this school takes the same awards meanwhile; the constraint stands behind it."""
    start = PaymentLine.objects.filter(batch=batch).count() + 1
    lines = [_line_for(batch, due, _next_reference(batch, offset)) for offset, due in enumerate(dues, start=start)]
    try:
        with transaction.atomic():
            return instances_create(actor=actor, instances=lines, school=batch.school)
    except IntegrityError:
        raise _refuse(
            _("Some of these awards were put in another batch meanwhile: nothing was saved. Try again."),
            "concurrent",
        ) from None


def refuse_reported_term(*, school: School, program, term: Term) -> None:
    """Once a term's leftover is reported (结余上报), its figures are frozen and the county decides what
    becomes of the money: nothing more is paid for that term, or the leftover would be spent twice."""
    report = LeftoverReport.objects.filter(school=school, program=program, term=term).first()
    if report is not None:
        raise _refuse(
            _(
                "The leftover of {program}, {term} was reported to the county on {day} ({status}): nothing more is "
                "paid for that term. What is still unpaid is part of the leftover the county decides on."
            ).format(
                program=program,
                term=term,
                day=timezone.localtime(report.reported_at).date().isoformat(),
                status=report.get_status_display(),
            ),
            "leftover_reported",
        )


def school_money_lock(school: School) -> None:
    """One school's money moves one step at a time: batches made (their numbers and their awards' lines do
    not collide), batches approved against the funds, and funds withdrawn (services/funds.py) all take it."""
    list(School.objects.select_for_update().filter(pk=school.pk).values_list("pk", flat=True))


@transaction.atomic
def batch_create(*, actor, school: School, program, term: Term, method: str, month: date | None = None) -> PaymentBatch:
    """The aid office makes a batch of what is due; an empty batch is refused, saying why."""
    require(can_manage_school(actor, school))
    if program.county_id != school.county_id:
        raise _refuse(_("The program belongs to another county."), "program", "program")
    if method not in program.payment_methods:
        raise _refuse(
            _("{program} is not paid by “{method}”; it allows: {allowed}.").format(
                program=program, method=PaymentMethod(method).label, allowed=program.payment_method_labels
            ),
            "method",
            "method",
        )
    if program.pay_period == PayPeriod.MONTH:
        if month is None:
            raise _refuse(_("{program} is paid monthly: choose the month.").format(program=program), "month", "month")
        month = month.replace(day=1)
        if month not in term_months(term):
            raise _refuse(
                _("{month} is not one of the months {term} pays ({months}).").format(
                    month=f"{month:%Y-%m}", term=term, months="、".join(f"{m:%Y-%m}" for m in term_months(term))
                ),
                "month",
                "month",
            )
    else:
        month = None
    school_money_lock(school)
    refuse_reported_term(school=school, program=program, term=term)
    dues = payable(school=school, program=program, term=term, month=month)
    if not dues:
        if not RosterReport.objects.filter(
            school=school, program=program, term__school_year_id=term.school_year_id, status=ReportStatus.APPROVED
        ).exists():
            message = _("The county has not approved a roster of {program} for {term}: there is nothing to pay yet.")
        else:
            message = _(
                "Every award of {program} approved for {term} is already in a batch (or stopped): nothing is left "
                "to pay."
            )
        raise _refuse(message.format(program=program, term=term), "nothing_due")
    batch = instance_create(
        actor=actor,
        instance=PaymentBatch(
            school=school,
            program=program,
            term=term,
            month=month,
            number=_batch_number(school, term),
            kind=BatchKind.REGULAR,
            method=method,
            status=BatchStatus.DRAFT,
            prepared_by=actor,
            prepared_at=timezone.now(),
        ),
    )
    _add_lines(actor=actor, batch=batch, dues=dues)
    return batch


def _lock_editable(batch: PaymentBatch) -> PaymentBatch:
    locked = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.status not in EDITABLE_BATCH_STATUSES:
        raise InvalidTransition(
            _("Batch {number} is “{status}”: only a batch being prepared or returned can be changed.").format(
                number=locked.number, status=locked.get_status_display()
            ),
            code="batch_locked",
        )
    return locked


@transaction.atomic
def line_cancel(*, actor, line: PaymentLine, reason: str) -> PaymentLine:
    """Take a line out of a batch being prepared, saying why (a line is cancelled, never deleted)."""
    require(can_manage_school(actor, line.batch.school_id))
    reason = reason.strip()
    if not reason:
        raise _refuse(_("Say why the line is taken out of the batch."), "reason", "reason")
    _lock_editable(line.batch)
    return transition(
        actor=actor,
        instance=line,
        from_status=LineStatus.PENDING,
        changes={"status": LineStatus.CANCELLED, "cancel_reason": reason},
        recorded=("status", "cancel_reason"),
        refused=lambda: InvalidTransition(
            _("The line of {name} is no longer pending. Reload the page.").format(name=line.student_name),
            code="line_changed",
        ),
        reason=reason,
    )


def _no_longer_due(line: PaymentLine, batch: PaymentBatch, due_ids: set[int]) -> str | None:
    """Why a pending line's award is no longer due in its batch, or None while it is (`due_ids`: the
    batch's awards still due in its term, `still_due_in`)."""
    award = line.application
    if award.pk not in due_ids:
        return _("The award is “{status}”.").format(status=award.get_status_display())
    student = award.student
    if _stopped(student, _period_end(batch.term, batch.month)):
        return _("The student is “{status}” since {since}.").format(
            status=student.get_status_display(), since=student.status_since or "—"
        )
    return None


@transaction.atomic
def batch_regenerate(*, actor, batch: PaymentBatch) -> dict:
    """Bring a batch being prepared up to date: cancel lines no longer due (saying why), take the registry's
    current name, class and account into the lines still due (an account recorded or corrected since the
    batch was made), add awards now due. Once approved, the batch keeps its copy whatever the registry says."""
    require(can_manage_school(actor, batch.school_id))
    batch = _lock_editable(batch)
    school_money_lock(batch.school)
    cancelled = refreshed = 0
    lines = batch.lines.filter(status=LineStatus.PENDING).select_related(
        "application__student__school_class", "application__school_class", "batch"
    )
    due_ids = set(
        Application.objects.filter(pk__in=lines.values("application"))
        .filter(still_due_in(batch.term))
        .values_list("pk", flat=True)
    )
    for line in lines:
        reason = _no_longer_due(line, batch, due_ids)
        if reason:
            line_cancel(actor=actor, line=line, reason=reason)
            cancelled += 1
        elif instance_update(
            actor=actor,
            instance=line,
            data=_frozen_copy(batch, line.application),
            reason=_("brought up to date with the registry"),
        ):
            refreshed += 1
    dues = payable(school=batch.school, program=batch.program, term=batch.term, month=batch.month)
    added = _add_lines(actor=actor, batch=batch, dues=dues)
    return {"added": len(added), "cancelled": cancelled, "refreshed": refreshed}


# ---------------------------------------------------------------------------------------------
# Submit, approve, return


def _batch_moved(batch: PaymentBatch, expected: str) -> InvalidTransition:
    current = PaymentBatch.objects.get(pk=batch.pk)
    return InvalidTransition(
        _("Batch {number} is “{status}”, not {expected}: someone acted on it meanwhile. Reload the page.").format(
            number=batch.number, status=current.get_status_display(), expected=expected
        ),
        code="batch_changed",
    )


@transaction.atomic
def batch_submit(*, actor, batch: PaymentBatch) -> PaymentBatch:
    """The aid office sends the batch to the principal."""
    require(can_manage_school(actor, batch.school_id))
    lines = batch.lines.filter(status=LineStatus.PENDING)
    if not lines.exists():
        raise _refuse(_("The batch has no line to pay."), "empty")
    if batch.method in ACCOUNT_METHODS:
        missing = list(lines.filter(account_number="").values_list("student_name", flat=True)[:10])
        if missing:
            raise _refuse(
                _(
                    "These students have no account on file: {names}. Record their accounts, then update the batch "
                    "(or take their lines out, saying why)."
                ).format(names="、".join(missing)),
                "no_account",
            )
    return transition(
        actor=actor,
        instance=batch,
        from_status=EDITABLE_BATCH_STATUSES,
        changes={"status": BatchStatus.SUBMITTED, "submitted_at": timezone.now(), "return_comment": ""},
        refused=lambda: _batch_moved(batch, _("being prepared")),
    )


def batch_total(batch: PaymentBatch) -> Decimal:
    total = batch.lines.filter(status__in=COUNTING_LINE_STATUSES).aggregate(total=Sum("amount"))["total"]
    return (total or Decimal(0)).quantize(FEN)


@transaction.atomic
def batch_approve(*, actor, batch: PaymentBatch, advance_reason: str = "") -> PaymentBatch:
    """The principal, another person than the preparer, approves within the funds received.

    Beyond them only where the county allows an advance, with its reason recorded. The batch row is
    locked first, so the funds are weighed against what other approvals left, one at a time per batch.
    """
    require(can_sign_for_school(actor, batch.school_id))
    if actor.pk == batch.prepared_by_id:
        raise _refuse(
            _("{name} prepared this batch: another person (the principal) approves it.").format(
                name=actor.get_full_name() or actor.get_username()
            ),
            "same_person",
        )
    locked = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.status != BatchStatus.SUBMITTED:
        raise _batch_moved(batch, _("awaiting approval"))
    # Approvals of one school, program and term are weighed one at a time.
    school_money_lock(batch.school)
    refuse_reported_term(school=batch.school, program=batch.program, term=batch.term)
    total = batch_total(locked)
    position = funds_position(school=batch.school, program=batch.program, term=batch.term, excluding_batch=batch)
    advance_reason = advance_reason.strip()
    noted = {}
    if total > position.remaining:
        if not batch.school.county.payment_advance_allowed:
            raise _refuse(
                _(
                    "The batch's total {total} yuan exceeds what remains of the funds received for {program}, "
                    "{term}: {remaining} yuan. Wait for the funds, or take lines out."
                ).format(total=total, program=batch.program, term=batch.term, remaining=position.remaining),
                "funds",
            )
        if not advance_reason:
            raise _refuse(
                _(
                    "The batch's total {total} yuan exceeds the funds remaining ({remaining} yuan): paying ahead of "
                    "the funds needs its reason."
                ).format(total=total, remaining=position.remaining),
                "advance_reason",
                "advance_reason",
            )
        noted = {"funds_remaining": [None, str(position.remaining)], "total": [None, str(total)]}
    else:
        advance_reason = ""
    return transition(
        actor=actor,
        instance=batch,
        from_status=BatchStatus.SUBMITTED,
        changes={
            "status": BatchStatus.APPROVED,
            "approved_by": actor,
            "approved_at": timezone.now(),
            "advance_reason": advance_reason,
        },
        recorded=("status", "advance_reason"),
        noted=noted,
        reason=advance_reason,
        refused=lambda: _batch_moved(batch, _("awaiting approval")),
    )


@transaction.atomic
def batch_return(*, actor, batch: PaymentBatch, comment: str) -> PaymentBatch:
    """The principal sends the batch back to the aid office, saying what to change."""
    require(can_sign_for_school(actor, batch.school_id))
    comment = comment.strip()
    if not comment:
        raise _refuse(_("Say what the aid office should change."), "comment", "comment")
    return transition(
        actor=actor,
        instance=batch,
        from_status=BatchStatus.SUBMITTED,
        changes={"status": BatchStatus.RETURNED, "return_comment": comment},
        recorded=("status", "return_comment"),
        reason=comment,
        refused=lambda: _batch_moved(batch, _("awaiting approval")),
    )


def require_approved(batch: PaymentBatch) -> None:
    """Only an approved batch is printed, exported or paid: the other stages call this first."""
    if batch.status != BatchStatus.APPROVED:
        raise InvalidTransition(
            _("Batch {number} is “{status}”: only an approved batch can be printed, exported or paid.").format(
                number=batch.number, status=batch.get_status_display()
            ),
            code="batch_not_approved",
        )


# ---------------------------------------------------------------------------------------------
# Paying a line


@transaction.atomic
def line_mark_paid(*, actor, line: PaymentLine, paid_on: date, reason: str = "", **changes) -> PaymentLine:
    """Mark a pending line of an approved batch paid on `paid_on`: once, whoever clicks twice.

    The caller (cash, bank return files) checks its own rules first (signatures, 委托书) and passes
    the fields it sets with the payment in `changes`; this is the one conditional update.
    """
    # Approved is final: a fresh read suffices. (No join in the conditional update: on PostgreSQL an
    # update through a join becomes `pk IN (subquery)`, whose re-check after a concurrent update sees
    # the old row and would let a second click through.)
    require_approved(PaymentBatch.objects.get(pk=line.batch_id))
    return transition(
        actor=actor,
        instance=line,
        from_status=LineStatus.PENDING,
        changes={"status": LineStatus.PAID, "paid_on": paid_on, "recorded_by": actor, "recorded_at": timezone.now()}
        | changes,
        recorded=("status", "paid_on", *changes),
        reason=reason,
        refused=lambda: InvalidTransition(
            _("The line of {name} is no longer awaiting payment: it was recorded meanwhile. Reload the page.").format(
                name=line.student_name
            ),
            code="line_changed",
        ),
    )
