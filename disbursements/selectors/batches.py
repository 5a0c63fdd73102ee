"""Reads of payment batches: lists, one batch with its lines and funds, a class's payment status."""

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.urls import reverse

from aidsys import cn
from aidsys.scope import can_read_school_rosters
from disbursements.models import COUNTING_LINE_STATUSES, BatchStatus, LineStatus, PaymentBatch, PaymentLine
from disbursements.selectors.funds import funds_position


def batches(*, user, status: str = "", school=None):
    """The batches the user may read (the school's aid office and principal, the county's staff), newest first,
    each with its count of lines and total that count (pending and paid)."""
    rows = PaymentBatch.objects.visible_to(user).select_related("school", "program", "term", "prepared_by")
    if status:
        rows = rows.filter(status=status)
    if school is not None:
        rows = rows.filter(school=school)
    counting = Q(lines__status__in=COUNTING_LINE_STATUSES)
    rows = rows.annotate(line_count=Count("lines", filter=counting), total=Sum("lines__amount", filter=counting))
    return rows.order_by("-prepared_at", "-pk")


def batch_for_page(*, user, pk: int) -> PaymentBatch:
    """One batch in the user's scope, or 404."""
    return PaymentBatch.objects.select_related(
        "school__county", "program", "term__school_year", "prepared_by", "approved_by", "follows"
    ).get_visible_or_404(user, pk=pk)


def line_for_page(*, user, pk: int) -> PaymentLine:
    return PaymentLine.objects.select_related("batch__school").get_visible_or_404(user, pk=pk)


def with_masked_account(lines):
    """Lines with `account_masked` (first and last 4 digits) for display; the full number stays for the bank file."""
    for line in lines:
        line.account_masked = cn.mask_account_number(line.account_number)
    return lines


def with_settled_by_link(lines, *, user):
    """Lines with `settled_by_url`: where the user may open it, the bank page of the batch at the row of the
    return file that settled the line (templates/disbursements/_settled_by.html); empty otherwise.
    The lines come with `batch__school` and `settled_by` selected."""
    for line in lines:
        record = line.settled_by
        line.settled_by_url = (
            reverse("disbursements:bank_batch", args=[record.batch_id]) + f"#return-file-{record.pk}"
            if record is not None and can_read_school_rosters(user, line.batch.school)
            else ""
        )
    return lines


def batch_lines(batch: PaymentBatch, *, user) -> list[PaymentLine]:
    lines = list(batch.lines.select_related("batch__school", "settled_by").order_by("class_label", "pk"))
    return with_settled_by_link(with_masked_account(lines), user=user)


def batch_totals(batch: PaymentBatch) -> dict:
    """Count and total of the lines that pay (pending and paid), and of those paid."""
    counting = batch.lines.filter(status__in=COUNTING_LINE_STATUSES)
    figures = counting.aggregate(count=Count("pk"), total=Sum("amount"))
    paid = counting.filter(status=LineStatus.PAID).aggregate(count=Count("pk"), total=Sum("amount"))
    zero = Decimal("0.00")
    return {
        "count": figures["count"],
        "total": figures["total"] or zero,
        "paid_count": paid["count"],
        "paid_total": paid["total"] or zero,
        "in_words": cn.amount_in_words(figures["total"] or zero),
    }


def batch_funds(batch: PaymentBatch):
    """The funds of the batch's program and term, with this batch weighed as the approval would weigh it."""
    excluding = None if batch.status == BatchStatus.APPROVED else batch
    return funds_position(school=batch.school, program=batch.program, term=batch.term, excluding_batch=excluding)


def class_payments(*, user, school_class=None):
    """Payment status of the students the user may see by class (a class teacher: their classes only),
    from approved batches, newest batch first."""
    lines = (
        PaymentLine.objects.visible_to(user)
        .filter(batch__status=BatchStatus.APPROVED)
        .exclude(status=LineStatus.CANCELLED)
        .select_related("batch__program", "batch__term", "batch__school", "student__school_class", "settled_by")
        .order_by("student__school_class", "student_name", "-batch__approved_at", "pk")
    )
    if school_class is not None:
        lines = lines.filter(student__school_class=school_class)
    return lines


def batches_awaiting_approval(*, school_ids):
    return PaymentBatch.objects.filter(school_id__in=school_ids, status=BatchStatus.SUBMITTED)


def batches_returned(*, school_ids):
    return PaymentBatch.objects.filter(school_id__in=school_ids, status=BatchStatus.RETURNED)
