"""回盘文件: the bank's (or canteen's) return file applied all or nothing, and follow-up batches of failed lines."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aidsys import cn
from aidsys.scope import can_manage_school
from aidsys.services.audit import Action, audit_record
from aidsys.services.writes import instances_create
from aidsys.spreadsheets import cell_text, file_rows, find_header, read_upload
from aidsys.storage import kept_files
from aidsys.transitions import InvalidTransition, require
from applications.models import PaymentMethod
from disbursements.models import (
    BatchKind,
    BatchStatus,
    LineStatus,
    PaymentBatch,
    PaymentLine,
    ReturnFileImport,
)
from disbursements.services.bank.files import ERRORS_SHOWN, RECONCILED_METHODS, require_approved
from disbursements.services.batches import refuse_reported_term

# ---------------------------------------------------------------------------------------------
# The return file (回盘文件) and the canteen's confirmation

RETURN_ALIASES = {
    "reference": ["参考号", "业务参考号", "流水号", "编号", "业务编号", "代发编号", "reference"],
    "account": ["账号", "卡号", "银行卡号", "账户", "收款账号", "饭卡号", "card or student number", "account"],
    "amount": ["金额", "交易金额", "发放金额", "充值金额", "amount"],
    "status": ["状态", "处理结果", "结果", "交易状态", "处理状态", "status"],
    "date": ["日期", "交易日期", "入账日期", "处理日期", "充值日期", "date"],
    "reason": ["失败原因", "原因", "说明", "备注", "reason"],
}
PAID_WORDS = {
    "成功",
    "交易成功",
    "已入账",
    "入账成功",
    "处理成功",
    "充值成功",
    "已充值",
    "success",
    "paid",
    "ok",
    "1",
    "00",
    "0000",
}
FAILED_WORDS = {"失败", "交易失败", "入账失败", "处理失败", "充值失败", "退回", "已退回", "failed", "fail", "0", "01"}


@dataclass
class ReturnRow:
    number: int
    line: PaymentLine
    paid: bool
    paid_on: date | None
    reason: str


def _aliases_for(batch: PaymentBatch) -> dict:
    """The usual headings, and those of the batch's layout (a bank often returns its own file with a result)."""
    aliases = {key: list(names) for key, names in RETURN_ALIASES.items()}
    if batch.bank_layout_id:
        for column in batch.bank_layout.columns:
            if column["field"] in aliases:
                aliases[column["field"]].append(column["heading"])
    return aliases


def _amount(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", "").replace("¥", "").replace("￥", "")).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


def _bank_date(text: str) -> date | None:
    """2026-11-20, 2026/11/20, 2026年11月20日 or 20261120; None for anything else."""
    digits = re.findall(r"\d+", text)
    if len(digits) == 1 and len(digits[0]) == 8:
        digits = [digits[0][:4], digits[0][4:6], digits[0][6:]]
    try:
        return date(*(int(part) for part in digits[:3])) if len(digits) in (3, 6) else None
    except (ValueError, OverflowError):  # 2026-2-30; a year of eleven digits overflows a C long
        return None


def return_rows_read(*, batch: PaymentBatch, kind: str, content: bytes) -> list[ReturnRow]:
    """Every row of the file matched to one pending line of the batch, or a ValidationError listing
    each row that matches none, matches several, names a line twice, or says something unreadable."""
    rows = file_rows(kind, content)
    aliases = _aliases_for(batch)
    header = find_header(rows, aliases, required=("status",))
    if header is None or not ("reference" in header.columns or {"account", "amount"} <= set(header.columns)):
        rows.close()
        raise ValidationError(
            _(
                "The file has no header row naming the result (状态) and the reference (参考号), or the account "
                "(账号) and the amount (金额), among its first rows."
            ),
            code="no_header",
        )
    lines = list(
        PaymentLine.objects.filter(batch=batch)
        .exclude(status=LineStatus.CANCELLED)
        .only("pk", "reference", "account_number", "amount", "status", "student_name")
    )
    by_reference = {line.reference: line for line in lines}
    by_account = defaultdict(list)
    for line in lines:
        by_account[(line.account_number, line.amount)].append(line)
    index = {key: header.index(key) for key in aliases}

    def cell(values, key):
        position = index[key]
        return cell_text(values[position]) if position is not None and position < len(values) else ""

    errors, matched, seen = [], [], {}
    for number, values in rows:
        if not any(cell_text(value) for value in values):
            continue
        reference, account = cell(values, "reference"), "".join(cell(values, "account").split())
        amount = _amount(cell(values, "amount")) if cell(values, "amount") else None
        if cell(values, "amount") and amount is None:
            errors.append(
                _("Row {row}: the amount “{amount}” is not a number.").format(row=number, amount=cell(values, "amount"))
            )
            continue
        if reference:
            line = by_reference.get(reference)
            if line is None:
                errors.append(
                    _("Row {row}: no line of this batch has the reference {reference}.").format(
                        row=number, reference=reference
                    )
                )
                continue
            if amount is not None and amount != line.amount:
                errors.append(
                    _("Row {row}: the amount {amount} differs from the line's {due}.").format(
                        row=number, amount=amount, due=line.amount
                    )
                )
                continue
        else:
            candidates = by_account.get((account, amount), []) if account and amount is not None else []
            if not candidates:
                errors.append(
                    _("Row {row}: no line of this batch pays {amount} to the account {account}.").format(
                        row=number,
                        amount=amount if amount is not None else "—",
                        account=cn.mask_account_number(account),
                    )
                )
                continue
            if len(candidates) > 1:
                errors.append(
                    _("Row {row}: {count} lines pay {amount} to the account {account}; give the reference.").format(
                        row=number, count=len(candidates), amount=amount, account=cn.mask_account_number(account)
                    )
                )
                continue
            line = candidates[0]
        if line.pk in seen:
            errors.append(
                _("Row {row}: row {other} already names the same line.").format(row=number, other=seen[line.pk])
            )
            continue
        seen[line.pk] = number
        if line.status != LineStatus.PENDING:
            errors.append(
                _("Row {row}: the line of {name} is already recorded as {status}.").format(
                    row=number, name=line.student_name, status=line.get_status_display()
                )
            )
            continue
        status = cell(values, "status").lower()
        reason = cell(values, "reason")
        if status in PAID_WORDS:
            day = _bank_date(cell(values, "date"))
            if day is None:
                errors.append(_("Row {row}: a paid line needs the bank's date (日期).").format(row=number))
                continue
            if day > timezone.localdate():
                errors.append(
                    _("Row {row}: the date {date} is in the future.").format(row=number, date=day.isoformat())
                )
                continue
            matched.append(ReturnRow(number, line, True, day, ""))
        elif status in FAILED_WORDS:
            matched.append(ReturnRow(number, line, False, None, (reason or _("no reason given"))[:200]))
        else:
            errors.append(
                _("Row {row}: the result “{status}” is neither success (成功) nor failure (失败).").format(
                    row=number, status=cell(values, "status")
                )
            )
    if errors:
        shown = errors[:ERRORS_SHOWN]
        if len(errors) > ERRORS_SHOWN:
            shown.append(_("… and {count} more rows.").format(count=len(errors) - ERRORS_SHOWN))
        raise ValidationError(shown, code="rows")
    if not matched:
        raise ValidationError(_("The file has no rows below its header."), code="empty")
    return matched


def _refuse_moved():
    return InvalidTransition(_("A line of this file was recorded meanwhile by someone else; nothing was applied."))


@transaction.atomic
def return_file_import(*, actor, batch: PaymentBatch, upload) -> ReturnFileImport:
    """Apply a bank's return file (or the canteen's confirmation) to the batch: all rows or none, each
    line it settles pointing at the import (`settled_by`)."""
    require(can_manage_school(actor, batch.school_id))
    kind, content = read_upload(upload)
    digest = hashlib.sha256(content).hexdigest()
    # One import of a batch at a time: a second worker with the same file waits here, then finds it done.
    batch = (
        PaymentBatch.objects.select_for_update(of=("self",)).select_related("bank_layout", "program").get(pk=batch.pk)
    )
    require_approved(batch)
    earlier = ReturnFileImport.objects.filter(batch=batch, sha256=digest).first()
    if earlier is not None:
        raise ValidationError(
            _("This file was already imported on {date}; the same file is never applied twice.").format(
                date=timezone.localtime(earlier.imported_at).strftime("%Y-%m-%d %H:%M")
            ),
            code="duplicate",
        )
    matched = return_rows_read(batch=batch, kind=kind, content=content)
    now = timezone.now()
    paid_by_day, failed_by_reason = defaultdict(list), defaultdict(list)
    for row in matched:
        (paid_by_day[row.paid_on] if row.paid else failed_by_reason[row.reason]).append(row.line.pk)
    record = ReturnFileImport.objects.create(
        batch=batch,
        name=(upload.name or "")[:255],
        sha256=digest,
        paid=sum(len(pks) for pks in paid_by_day.values()),
        failed=sum(len(pks) for pks in failed_by_reason.values()),
        imported_by=actor,
        imported_at=now,
    )
    # Each line names the file that settled it, in the same update that settles it.
    common = {"recorded_by": actor, "recorded_at": now, "settled_by": record}
    for day, pks in paid_by_day.items():
        updated = PaymentLine.objects.filter(pk__in=pks, status=LineStatus.PENDING).update(
            status=LineStatus.PAID, paid_on=day, **common
        )
        if updated != len(pks):
            raise _refuse_moved()
    for reason, pks in failed_by_reason.items():
        updated = PaymentLine.objects.filter(pk__in=pks, status=LineStatus.PENDING).update(
            status=LineStatus.FAILED, failure_reason=reason, **common
        )
        if updated != len(pks):
            raise _refuse_moved()
    # Stored once every line is settled: a refused file leaves no copy behind, and a file the storage
    # refuses undoes the whole import (no row names a file that is not there).
    with kept_files() as kept:
        kept.save(record.file, f"{batch.number}.{kind}", ContentFile(content))
        record.save(update_fields=["file"])
        # One event for the whole file: it names every line it settled, with the line's reference and
        # what the bank said, so the trail holds the import as one tamper-evident link; the file itself
        # is kept with its hash. (An event per line would cost more than reading the file twice over.)
        settled = [
            [row.line.pk, row.line.reference, row.number, "paid", row.paid_on.isoformat()]
            if row.paid
            else [row.line.pk, row.line.reference, row.number, "failed", row.reason]
            for row in matched
        ]
        audit_record(
            actor=actor,
            action=Action.CREATE,
            target=record,
            changes={
                "file": [None, upload.name or ""],
                "sha256": [None, digest],
                "paid": [None, record.paid],
                "failed": [None, record.failed],
                "lines": [None, settled],
            },
            school=batch.school,
        )
    return record


# ---------------------------------------------------------------------------------------------
# Follow-up batches of failed lines


def account_corrected(line: PaymentLine) -> bool:
    """Whether the student's account now differs from the one the failed line went to."""
    student = line.student
    return bool(student.account_number) and (
        (student.account_kind, student.account_number, student.account_holder)
        != (line.account_kind, line.account_number, line.account_holder)
    )


def repayable_lines(batch: PaymentBatch):
    """The batch's failed lines that no later line repays yet."""
    return PaymentLine.objects.filter(batch=batch, status=LineStatus.FAILED, replaced_by__isnull=True).select_related(
        "student__school_class"
    )


@transaction.atomic
def follow_up_batch_create(*, actor, batch: PaymentBatch) -> PaymentBatch:
    """A draft follow-up batch holding only the failed lines of `batch` whose account has been
    corrected since: each new line repays (`replaces`) one failed line, with a fresh frozen copy of the
    student and the account. Lines whose account is unchanged stay failed until it is corrected; with
    none corrected the batch is refused. A meal-card top-up the canteen failed (a card reported lost,
    say) has no bank account to correct: its failed lines are repaid once the canteen has put it right.
    It is then submitted and approved like any batch; not in a term whose leftover has been reported."""
    require(can_manage_school(actor, batch.school_id))
    batch = (
        PaymentBatch.objects.select_for_update(of=("self",))
        .select_related("school", "program", "term")
        .get(pk=batch.pk)
    )
    require_approved(batch, methods=RECONCILED_METHODS)
    refuse_reported_term(school=batch.school, program=batch.program, term=batch.term)
    failed = list(repayable_lines(batch))
    if not failed:
        raise ValidationError(_("Batch {number} has no failed line left to repay.").format(number=batch.number))
    if batch.method == PaymentMethod.MEAL_CARD:
        corrected = failed
    else:
        corrected = [line for line in failed if account_corrected(line)]
    if not corrected:
        raise ValidationError(
            _(
                "The accounts of the {count} failed lines are unchanged: correct each student's account first, "
                "then make the follow-up batch."
            ).format(count=len(failed)),
            code="account_unchanged",
        )
    sequence = PaymentBatch.objects.filter(follows=batch).count() + 1
    follow_up = PaymentBatch(
        school=batch.school,
        program=batch.program,
        term=batch.term,
        month=batch.month,
        number=f"{batch.number}-B{sequence}",
        kind=BatchKind.FOLLOW_UP,
        follows=batch,
        method=batch.method,
        bank_layout=batch.bank_layout,
        status=BatchStatus.DRAFT,
        prepared_by=actor,
        prepared_at=timezone.now(),
    )
    follow_up.full_clean(exclude=["signed_roster"])
    follow_up.save()
    new_lines = []
    for position, old in enumerate(corrected, start=1):
        student = old.student
        new_lines.append(
            PaymentLine(
                batch=follow_up,
                application_id=old.application_id,
                student=student,
                period=old.period,
                amount=old.amount,
                method=old.method,
                student_name=student.name,
                class_label=student.school_class.record_name if student.school_class_id else "",
                id_number_masked=cn.mask_id_number(student.id_number),
                account_kind=student.account_kind,
                account_number=student.account_number,
                account_holder=student.account_holder or student.name,
                account_bank=student.account_bank,
                reference=f"{follow_up.number}-{position:05d}",
                replaces=old,
            )
        )
    audit_record(
        actor=actor,
        action=Action.CREATE,
        target=follow_up,
        changes={"follows": [None, batch.number], "lines": [None, len(new_lines)]},
    )
    instances_create(actor=actor, instances=new_lines, school=batch.school, reason=follow_up.number)
    return follow_up
