"""现金签领's reads: a cash batch in the user's scope, its classes and lines, and the receipt roster's pages.

The roster (领款清册) is paginated here, not by the PDF engine: every printed page is a table of at
most ROWS_PER_PAGE lines that ends with its own subtotal (本页小计), under the header repeated on
each page; a class's last page holds fewer lines, so that the totals and the signature lines for
经办人, 资助专干 and 校长 stay on it with the lines they close. Each class starts a new page.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.http import Http404
from django.utils import timezone

from aidsys import cn
from disbursements.models import LineStatus, PaymentBatch, PaymentLine

# Lines per printed page: a signature row is about 11 mm high, so that each person signs legibly.
ROWS_PER_PAGE = 20
# A class's last page also carries the totals, the note and three signature lines.
ROWS_ON_LAST_PAGE = 15
ZERO = Decimal("0.00")


def cash_batch_for_page(*, user, pk: int) -> PaymentBatch:
    """A batch in the user's scope (404 otherwise), with what its pages name."""
    return PaymentBatch.objects.select_related(
        "school__county", "program", "term__school_year", "approved_by"
    ).get_visible_or_404(user, pk=pk)


def cash_line_for_page(*, user, pk: int) -> PaymentLine:
    """A line in the user's scope through its batch's school (404 otherwise)."""
    line = (
        PaymentLine.objects.select_related("batch__school__county", "batch__program", "batch__term__school_year")
        .filter(batch__in=PaymentBatch.objects.visible_to(user))
        .filter(pk=pk)
        .first()
    )
    if line is None:
        raise Http404
    return line


@dataclass
class ClassSummary:
    label: str
    count: int
    amount: Decimal
    paid: int
    paid_amount: Decimal

    @property
    def complete(self) -> bool:
        return self.paid == self.count


def batch_classes(*, batch: PaymentBatch) -> list[ClassSummary]:
    """The batch's classes as frozen on its lines, with how many lines each has and how many are paid."""
    counting = ~Q(status=LineStatus.CANCELLED)
    paid = Q(status=LineStatus.PAID)
    rows = (
        PaymentLine.objects.filter(batch=batch)
        .filter(counting)
        .values("class_label")
        .annotate(
            count=Count("pk"),
            total=Sum("amount"),
            paid=Count("pk", filter=paid),
            paid_amount=Sum("amount", filter=paid),
        )
        .order_by("class_label")
    )
    return [
        ClassSummary(row["class_label"], row["count"], row["total"] or ZERO, row["paid"], row["paid_amount"] or ZERO)
        for row in rows
    ]


def class_lines(*, batch: PaymentBatch, class_label: str):
    """A class's lines of the batch in the roster's order, cancelled ones left out."""
    return (
        PaymentLine.objects.filter(batch=batch, class_label=class_label)
        .exclude(status=LineStatus.CANCELLED)
        .order_by("pk")
    )


@dataclass
class RosterPage:
    rows: list[tuple]
    subtotal: Decimal
    number_in_class: int = 0
    of_pages: int = 0
    last: bool = False


@dataclass
class RosterClass:
    label: str
    pages: list[RosterPage] = field(default_factory=list)
    count: int = 0
    total: Decimal = ZERO

    @property
    def total_in_words(self) -> str:
        return cn.amount_in_words(self.total)


def page_sizes(count: int) -> list[int]:
    """How many lines each page of a class holds: full pages, then a last page with room for the totals."""
    sizes = []
    remaining = count
    while remaining > ROWS_ON_LAST_PAGE:
        # At least one line stays for the last page: totals never stand on a page of their own.
        take = min(ROWS_PER_PAGE, remaining - 1)
        sizes.append(take)
        remaining -= take
    sizes.append(remaining)
    return sizes


def _paginated(label: str, rows: list[tuple]) -> RosterClass:
    roster = RosterClass(label=label, count=len(rows))
    start = 0
    for size in page_sizes(len(rows)):
        chunk = rows[start : start + size]
        start += size
        subtotal = sum((row[3] for row in chunk), ZERO)
        roster.pages.append(RosterPage(rows=chunk, subtotal=subtotal, number_in_class=len(roster.pages) + 1))
        roster.total += subtotal
    roster.pages[-1].last = True
    for page in roster.pages:
        page.of_pages = len(roster.pages)
    return roster


def receipt_roster_context(*, batch: PaymentBatch, class_label: str = "") -> dict:
    """What templates/disbursements/pdf/receipt_roster.html is given: one class, or every class in turn.

    Each row is (序号, 姓名, 年级班级, 金额, 金额大写); the signature and date cells are left empty to be
    filled by hand. The lines are read once, as plain values.
    """
    lines = PaymentLine.objects.filter(batch=batch).exclude(status=LineStatus.CANCELLED)
    if class_label:
        lines = lines.filter(class_label=class_label)
    by_class: dict[str, list[tuple]] = {}
    words: dict[Decimal, str] = {}
    for label, name, amount in lines.order_by("class_label", "pk").values_list("class_label", "student_name", "amount"):
        rows = by_class.setdefault(label, [])
        if amount not in words:
            words[amount] = cn.amount_in_words(amount)
        rows.append((len(rows) + 1, name, label, amount, words[amount]))
    classes = [_paginated(label, rows) for label, rows in by_class.items()]
    total = sum((roster.total for roster in classes), ZERO)
    return {
        "batch": batch,
        "school": batch.school,
        "program": batch.program,
        "term": batch.term,
        "classes": classes,
        "whole_batch": not class_label,
        "count": sum(roster.count for roster in classes),
        "total": total,
        "total_in_words": cn.amount_in_words(total),
        "printed_on": timezone.localdate(),
    }
