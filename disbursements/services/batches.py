"""发放批次: a term's (or month's) payments, made from the roster the county approved, approved by another person.

What is due, and when, is the payment schedule's (services/schedule.py): the batch is made of it, and
each line is paid once (the database's constraint one_payment_per_award_and_period stands behind it).
The aid office prepares and submits; another person (the principal) approves within the funds
received, or returns it with a comment; an approved batch is locked and is what is printed, exported
and paid.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aidsys import cn
from aidsys.models import School, Term
from aidsys.scope import can_manage_school, can_sign_for_school
from aidsys.services.writes import instance_create, instance_update, instances_create
from aidsys.transitions import InvalidTransition, require, transition
from applications.models import Application, PaymentMethod, PayPeriod
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
from disbursements.services.schedule import (
    ACCOUNT_METHODS,
    FEN,
    Due,
    aid_stopped,
    payable,
    period_end_of,
    still_due_in,
    term_months,
)
from publicity.models import ReportStatus, RosterReport

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
        "class_label": (
            student.school_class
            if student.school_class_id and student.school_id == batch.school_id
            else application.school_class
        ).record_name,
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
    if aid_stopped(student, period_end_of(batch.term, batch.month)):
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
