"""现金签领: cash paid against signatures, from an approved batch, each line once.

The rules an auditor checks (DESIGN.md §4):

- Only an approved cash batch is printed or paid.
- A line is paid only when the student has signed and the guardian has signed, each in their own
  cell of the receipt roster (领款清册), on a date that is neither before the batch's approval nor
  in the future. There is no other way to mark cash paid, and no way to pay in goods or services.
- 代领: when someone other than the guardian collects, the line is paid only with a power of attorney
  (委托书: the collector's name, their relation and the scanned document) attached to that line.
  The collector signs in the guardian's cell; the student still signs. There is no exception for
  an absent student: a payment without the student's own signature is not recorded here.
- Each line goes from pending to paid by a conditional update: two requests at once, one payment.
- The signed roster, scanned, is kept with the batch; scans follow the attachment rules.
"""

import hashlib
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aidsys.pdf import render_pdf
from aidsys.scope import can_manage_school, can_print_for_school, can_read_school_rosters
from aidsys.services.audit import Action, audit_record
from aidsys.storage import kept_files
from aidsys.transitions import InvalidTransition, require
from applications.models import PaymentMethod
from applications.services.attachments import checked_content
from disbursements.models import BatchStatus, PaymentBatch, PaymentLine
from disbursements.selectors.cash import receipt_roster_context
from disbursements.services.batches import line_mark_paid, require_approved


def require_approved_cash_batch(batch: PaymentBatch) -> None:
    """Only an approved batch is printed or paid, and only a cash batch is paid against signatures."""
    require_approved(batch)
    if batch.method != PaymentMethod.CASH:
        raise ValidationError(
            _("Batch {number} is paid by “{method}”, not in cash against signatures.").format(
                number=batch.number, method=batch.get_method_display()
            ),
            code="not_cash",
        )


def roster_print(*, actor, batch: PaymentBatch, class_label: str = "") -> bytes:
    """领款清册 of one class (or of the whole batch, class after class) as an A4 PDF; printing is audited."""
    require(can_print_for_school(actor, batch.school_id))
    require_approved_cash_batch(batch)
    context = receipt_roster_context(batch=batch, class_label=class_label)
    if not context["classes"]:
        message = _("The batch has no line for class “{label}”.").format(label=class_label)
        raise ValidationError(message, code="no_lines")
    content = render_pdf("disbursements/pdf/receipt_roster.html", context)
    audit_record(
        actor=actor,
        action=Action.PRINT,
        target=batch,
        changes={"document": [None, "receipt_roster"], "class": [None, class_label or "*"]},
    )
    return content


@dataclass(frozen=True)
class Receipt:
    """What the roster shows signed for one line: the student's and the guardian's (or collector's) cells, and when."""

    line: PaymentLine
    student_signed: bool
    guardian_signed: bool
    paid_on: date | None


def _receipt_errors(receipt: Receipt, batch: PaymentBatch, by_agent: bool) -> list[str]:
    signer = _("the collector") if by_agent else _("the guardian")
    errors = []
    if not receipt.student_signed:
        errors.append(_("the student has not signed"))
    if not receipt.guardian_signed:
        errors.append(_("{signer} has not signed").format(signer=signer))
    if receipt.paid_on is None:
        errors.append(_("the date is missing"))
    elif receipt.paid_on > timezone.localdate():
        errors.append(_("the date {date} is in the future").format(date=receipt.paid_on.isoformat()))
    elif batch.approved_at and receipt.paid_on < timezone.localdate(batch.approved_at):
        errors.append(
            _("the date {date} is before the batch was approved ({approved})").format(
                date=receipt.paid_on.isoformat(), approved=timezone.localdate(batch.approved_at).isoformat()
            )
        )
    return errors


def _line_label(line: PaymentLine) -> str:
    return _("{name} ({class_label})").format(name=line.student_name, class_label=line.class_label)


def _require_line_of(batch: PaymentBatch, line: PaymentLine) -> None:
    if line.batch_id != batch.pk or line.method != PaymentMethod.CASH:
        raise ValidationError(_("{line} is not a cash line of this batch.").format(line=_line_label(line)))


@transaction.atomic
def lines_record_paid(*, actor, batch: PaymentBatch, receipts: list[Receipt]) -> list[PaymentLine]:
    """Mark lines paid from the signed roster: all of them, or none with every refusal named by line."""
    require(can_manage_school(actor, batch.school_id))
    require_approved_cash_batch(batch)
    problems = []
    for receipt in receipts:
        _require_line_of(batch, receipt.line)
        errors = _receipt_errors(receipt, batch, by_agent=False)
        if errors:
            problems.append(
                _("{line}: {errors}; it is paid only when both have signed.").format(
                    line=_line_label(receipt.line), errors="、".join(errors)
                )
            )
    if problems:
        raise ValidationError(problems, code="not_signed")
    for receipt in receipts:
        line_mark_paid(
            actor=actor, line=receipt.line, paid_on=receipt.paid_on, student_signed=True, guardian_signed=True
        )
    return [receipt.line for receipt in receipts]


def _kept_scan(upload) -> tuple[str, ContentFile]:
    """The scan's stored name (its hash, never the uploader's file name) and content, under the attachment rules."""
    found, content = checked_content(upload)
    return f"{hashlib.sha256(content).hexdigest()[:32]}.{found.extension}", ContentFile(content)


@transaction.atomic
def line_record_paid_by_agent(
    *,
    actor,
    line: PaymentLine,
    agent_name: str,
    agent_relation: str,
    power_of_attorney,
    student_signed: bool,
    agent_signed: bool,
    paid_on: date | None,
) -> PaymentLine:
    """代领: the line paid to a collector, only with their 委托书 attached to it; the collector signs in the
    guardian's cell and the student still signs."""
    batch = line.batch
    require(can_manage_school(actor, batch.school_id))
    require_approved_cash_batch(batch)
    _require_line_of(batch, line)
    missing = {}
    if not agent_name.strip():
        missing["agent_name"] = _("Give the collector's name.")
    if not agent_relation.strip():
        missing["agent_relation"] = _("Give the collector's relation to the student.")
    if not power_of_attorney:
        missing["file"] = _(
            "Collecting for someone else (代领) needs the power of attorney (委托书): attach its scan to this line."
        )
    if missing:
        raise ValidationError(missing, code="no_power_of_attorney")
    errors = _receipt_errors(Receipt(line, student_signed, agent_signed, paid_on), batch, by_agent=True)
    if errors:
        raise ValidationError(
            _("{line}: {errors}; it is paid only when both have signed.").format(
                line=_line_label(line), errors="、".join(errors)
            ),
            code="not_signed",
        )
    name, content = _kept_scan(power_of_attorney)
    field = line.power_of_attorney
    with kept_files() as kept:
        stored = kept.store(field.storage, field.field.generate_filename(line, name), content)
        line_mark_paid(
            actor=actor,
            line=line,
            paid_on=paid_on,
            reason=_("collected by {name} ({relation}) with a power of attorney").format(
                name=agent_name.strip(), relation=agent_relation.strip()
            ),
            student_signed=True,
            guardian_signed=True,
            agent_name=agent_name.strip(),
            agent_relation=agent_relation.strip(),
            power_of_attorney=stored,
        )
    return line


@transaction.atomic
def signed_roster_upload(*, actor, batch: PaymentBatch, upload) -> PaymentBatch:
    """The signed roster's scan kept with the batch; a second scan replaces the first on the page, and the
    trail keeps the name of each (the earlier file stays in storage)."""
    require(can_manage_school(actor, batch.school_id))
    require_approved_cash_batch(batch)
    name, content = _kept_scan(upload)
    field = batch.signed_roster
    before = batch.signed_roster.name or None
    with kept_files() as kept:
        stored = kept.store(field.storage, field.field.generate_filename(batch, name), content)
        updated = PaymentBatch.objects.filter(pk=batch.pk, status=BatchStatus.APPROVED).update(signed_roster=stored)
        if updated != 1:
            raise InvalidTransition(_("The batch is no longer approved."), code="batch_not_approved")
        batch.signed_roster.name = stored
        audit_record(actor=actor, action=Action.UPDATE, target=batch, changes={"signed_roster": [before, stored]})
    return batch


def signed_roster_download_record(*, actor, batch: PaymentBatch) -> None:
    """Opening the families' signatures is recorded like an export (DESIGN.md §5)."""
    if not can_read_school_rosters(actor, batch.school):
        raise PermissionDenied
    changes = {"signed_roster": [None, batch.signed_roster.name]}
    audit_record(actor=actor, action=Action.EXPORT, target=batch, changes=changes)


def power_of_attorney_download_record(*, actor, line: PaymentLine) -> None:
    if not can_read_school_rosters(actor, line.batch.school):
        raise PermissionDenied
    changes = {"power_of_attorney": [None, line.power_of_attorney.name]}
    audit_record(actor=actor, action=Action.EXPORT, target=line, changes=changes)
