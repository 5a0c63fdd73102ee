"""打卡发放 and 饭卡充值, what is written out: the bank file (代发文件) and its cover sheet, the
county's bank layouts, and the canteen's top-up list. The return file is read in returns.py.

Only an approved batch is written out or reconciled (`require_approved`). The bank file necessarily
carries full account numbers (and the 身份证号 where the bank's layout asks for it): it is written
only for the school's aid office holding the permission to see sensitive data (the same one that
unmasks a student's data on screen), each download recorded with its reason, its layout and its totals.
A return file is applied all or nothing: every row matches exactly one pending line of the batch,
or the whole file is refused with each row's problem; the same content is never applied twice, even
by two workers at once (the batch row is locked, the content hash is unique per batch, and each line
moves from pending by a conditional update).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

import openpyxl
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from aidsys import cn
from aidsys.scope import can_act_for_county, can_manage_school, can_print_for_school, can_reveal
from aidsys.services.audit import Action, audit_record
from aidsys.services.writes import instance_create, instance_update
from aidsys.spreadsheets import append_row, write_csv
from aidsys.transitions import require
from applications.models import PaymentMethod
from disbursements.models import (
    BankFileLayout,
    BatchStatus,
    LineStatus,
    PaymentBatch,
    PaymentLine,
)
from disbursements.services import batches
from students import privacy

CARD_METHODS = (PaymentMethod.BANK_CARD, PaymentMethod.AID_CARD, PaymentMethod.SOCIAL_SECURITY_CARD)
# The methods whose lines a return file (a bank's, or the canteen's confirmation) settles.
RECONCILED_METHODS = (*CARD_METHODS, PaymentMethod.MEAL_CARD)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
# How many rows' problems a refused return file lists; the count of the rest follows.
ERRORS_SHOWN = 50


def require_approved(batch: PaymentBatch, *, methods=RECONCILED_METHODS) -> None:
    """Only an approved batch (`batches.require_approved`) is written out or reconciled, and only one
    paid by these methods."""
    batches.require_approved(batch)
    if batch.method not in methods:
        raise ValidationError(
            _("Batch {number} is paid by {method}; this is for {methods} only.").format(
                number=batch.number,
                method=batch.get_method_display(),
                methods="、".join(str(PaymentMethod(method).label) for method in methods),
            ),
            code="wrong_method",
        )


@dataclass(frozen=True)
class Export:
    name: str
    content: bytes
    media_type: str


def _totals(lines) -> tuple[int, Decimal]:
    return len(lines), sum((line.amount for line in lines), Decimal("0.00"))


# ---------------------------------------------------------------------------------------------
# Layouts (kept by the county)


def layout_columns_checked(columns: list[dict]) -> list[dict]:
    """The columns as stored, or a ValidationError: known fields, each at most once, a heading for
    each, and at least the name, the account and the amount (a bank pays nothing without them)."""
    cleaned, seen_fields, seen_headings = [], set(), set()
    for position, column in enumerate(columns, start=1):
        field, heading = column.get("field", ""), (column.get("heading") or "").strip()
        if field not in BankFileLayout.FIELDS:
            raise ValidationError(
                _("Column {position}: there is no field “{field}”.").format(position=position, field=field)
            )
        if not heading:
            raise ValidationError(_("Column {position}: give the bank's heading.").format(position=position))
        if field in seen_fields or heading in seen_headings:
            raise ValidationError(
                _("Column {position}: “{heading}” is already in the layout.").format(position=position, heading=heading)
            )
        seen_fields.add(field)
        seen_headings.add(heading)
        cleaned.append({"field": field, "heading": heading})
    missing = [str(BankFileLayout.FIELDS[name]) for name in ("name", "account", "amount") if name not in seen_fields]
    if missing:
        raise ValidationError(_("A bank file needs these columns too: {missing}.").format(missing="、".join(missing)))
    return cleaned


@transaction.atomic
def bank_layout_save(*, actor, county, bank: str, columns: list[dict], layout: BankFileLayout | None = None):
    """A county's layout for one bank, created or changed; the event keeps the columns before and after."""
    require(can_act_for_county(actor, county))
    columns = layout_columns_checked(columns)
    bank = bank.strip()
    duplicate = BankFileLayout.objects.filter(county=county, bank=bank)
    if layout is not None:
        duplicate = duplicate.exclude(pk=layout.pk)
    if duplicate.exists():
        raise ValidationError({"bank": _("{county} already has a layout for {bank}.").format(county=county, bank=bank)})
    if layout is None:
        return instance_create(actor=actor, instance=BankFileLayout(county=county, bank=bank, columns=columns))
    instance_update(actor=actor, instance=layout, data={"bank": bank, "columns": columns})
    return layout


# ---------------------------------------------------------------------------------------------
# The bank file (代发文件)


LINE_FIELDS = ("pk", "reference", "student_name", "class_label", "amount", "account_number", "account_holder", "status")


def _payable_lines(batch: PaymentBatch, *, student_fields: tuple[str, ...] = ()) -> list[PaymentLine]:
    """The batch's lines still to pay, with only the fields a file writes (10,000 of them at a time)."""
    lines = PaymentLine.objects.filter(batch=batch, status=LineStatus.PENDING).order_by("class_label", "pk")
    if student_fields:
        lines = lines.select_related("student").only(*LINE_FIELDS, *(f"student__{name}" for name in student_fields))
    else:
        lines = lines.only(*LINE_FIELDS)
    return list(lines)


def bank_file_rows(*, batch: PaymentBatch, layout: BankFileLayout, lines: list[PaymentLine]):
    """The headings and the rows of the file, in the layout's order."""
    remark = f"{batch.program.name} {batch.term}"
    fields = [column["field"] for column in layout.columns]
    values = {
        "name": lambda line: line.account_holder or line.student_name,
        "account": lambda line: line.account_number,
        "amount": lambda line: line.amount,
        # Only a layout with this column puts the 身份证号 in the file (the line keeps it masked).
        "id_number": lambda line: line.student.id_number,
        "remark": lambda line: remark,
        "reference": lambda line: line.reference,
    }
    getters = [values[field] for field in fields]
    headings = [column["heading"] for column in layout.columns]
    return headings, ([getter(line) for getter in getters] for line in lines)


def bank_file_content(*, headings, rows, kind: str) -> bytes:
    if kind == "csv":
        buffer = io.StringIO(newline="")
        write_csv(buffer, [headings, *rows])
        return buffer.getvalue().encode("utf-8-sig")
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    append_row(sheet, headings)
    for row in rows:
        append_row(sheet, row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@transaction.atomic
def bank_file_export(*, actor, batch: PaymentBatch, layout: BankFileLayout, kind: str, reason: str) -> Export:
    """The 代发文件 of the batch's pending lines in the bank's layout; the batch remembers the layout
    (the return file is read with it). The file carries full account numbers, so only the school's
    aid office holding the permission to see sensitive data downloads it, with a reason, and each
    download is an export event with its totals."""
    require(can_manage_school(actor, batch.school_id))
    require(can_reveal(actor))
    require_approved(batch, methods=CARD_METHODS)
    if layout.county_id != batch.school.county_id:
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError(
            {"reason": _("Say why the bank file is downloaded (for example, to send it to the bank).")}
        )
    with_ids = any(column["field"] == "id_number" for column in layout.columns)
    lines = _payable_lines(batch, student_fields=("id_number",) if with_ids else ())
    if not lines:
        raise ValidationError(_("Batch {number} has no line left to pay.").format(number=batch.number))
    headings, rows = bank_file_rows(batch=batch, layout=layout, lines=lines)
    content = bank_file_content(headings=headings, rows=rows, kind=kind)
    count, total = _totals(lines)
    changes = {
        "file": [None, "bank_file"],
        "format": [None, kind],
        "layout": [None, layout.bank],
        "lines": [None, count],
        "total": [None, str(total)],
        "id_numbers": [None, "id_number" in {column["field"] for column in layout.columns}],
    }
    if batch.bank_layout_id != layout.pk:
        changes["bank_layout"] = [batch.bank_layout.bank if batch.bank_layout_id else None, layout.bank]
        PaymentBatch.objects.filter(pk=batch.pk, status=BatchStatus.APPROVED).update(bank_layout=layout)
        batch.bank_layout = layout
    audit_record(actor=actor, action=Action.EXPORT, target=batch, changes=changes, reason=reason.strip())
    name = f"代发文件-{batch.number}-{layout.bank}.{kind}"
    return Export(name, content, CSV_TYPE if kind == "csv" else XLSX_TYPE)


def cover_sheet_context(*, batch: PaymentBatch) -> dict:
    """The batch as sent to the bank (every line not cancelled); once the bank has answered for some,
    how many of them it paid, failed and has still to answer for, so the sheet is read with the file."""
    lines = list(PaymentLine.objects.filter(batch=batch).exclude(status=LineStatus.CANCELLED).only("amount", "status"))
    count, total = _totals(lines)
    answered = {}
    if any(line.status != LineStatus.PENDING for line in lines):
        for status in (LineStatus.PAID, LineStatus.FAILED, LineStatus.PENDING):
            chosen = [line for line in lines if line.status == status]
            answered[status.label] = _totals(chosen)
    return {
        "answered": answered,
        "batch": batch,
        "school": batch.school,
        "program": batch.program,
        "term": batch.term,
        "count": count,
        "total": total,
        "total_in_words": cn.amount_in_words(total),
        "printed_on": timezone.localdate(),
    }


def bank_cover_sheet_print(*, actor, batch: PaymentBatch) -> bytes:
    """汇总单: the batch's count and total in figures and capitals, with lines for the aid office, the
    principal and the finance office to sign; printing is recorded."""
    from aidsys.pdf import render_pdf

    require(can_print_for_school(actor, batch.school_id))
    require_approved(batch, methods=CARD_METHODS)
    context = cover_sheet_context(batch=batch)
    content = render_pdf("disbursements/bank_cover.html", context)
    audit_record(
        actor=actor,
        action=Action.PRINT,
        target=batch,
        changes={
            "document": [None, "cover_sheet"],
            "lines": [None, context["count"]],
            "total": [None, str(context["total"])],
        },
    )
    return content


# ---------------------------------------------------------------------------------------------
# 饭卡充值: the canteen's top-up list


def meal_card_list_export(*, actor, batch: PaymentBatch) -> Export:
    """The top-up list for the canteen system: class, name, the card reference (or the masked student
    number), amount and the line's reference, which the canteen's confirmation gives back."""
    require(can_manage_school(actor, batch.school_id))
    require_approved(batch, methods=(PaymentMethod.MEAL_CARD,))
    if PaymentMethod.MEAL_CARD not in (batch.program.payment_methods or []):
        raise ValidationError(
            _("{program} is not paid by meal-card top-up.").format(program=batch.program.name), code="wrong_method"
        )
    lines = _payable_lines(batch, student_fields=("student_number",))
    if not lines:
        raise ValidationError(_("Batch {number} has no line left to pay.").format(number=batch.number))
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Top-ups"))
    append_row(
        sheet, [_("Class"), pgettext("person", "Name"), _("Card or student number"), _("Amount"), _("Reference")]
    )
    for line in lines:
        card = line.account_number or privacy.mask_student_number(line.student.student_number)
        append_row(sheet, [line.class_label, line.student_name, card, line.amount, line.reference])
    buffer = io.BytesIO()
    workbook.save(buffer)
    count, total = _totals(lines)
    audit_record(
        actor=actor,
        action=Action.EXPORT,
        target=batch,
        changes={"file": [None, "meal_card_list"], "lines": [None, count], "total": [None, str(total)]},
    )
    return Export(f"饭卡充值-{batch.number}.xlsx", buffer.getvalue(), XLSX_TYPE)
