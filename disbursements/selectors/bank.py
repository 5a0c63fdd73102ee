"""Reads of the bank and meal-card pages, each starting from the scoped queryset."""

from django.db.models import Count, Exists, OuterRef, Q

from disbursements.models import BankFileLayout, BatchStatus, LineStatus, PaymentBatch, ReturnFileImport
from disbursements.services.bank import RECONCILED_METHODS, repayable_lines


def reconciled_batches(*, user):
    """Approved card and meal-card batches in the user's scope, with their lines' counts by status."""
    return (
        PaymentBatch.objects.visible_to(user)
        .filter(status=BatchStatus.APPROVED, method__in=RECONCILED_METHODS)
        .select_related("school", "program", "term__school_year")
        .annotate(
            pending=Count("lines", filter=Q(lines__status=LineStatus.PENDING)),
            paid=Count("lines", filter=Q(lines__status=LineStatus.PAID)),
            failed=Count("lines", filter=Q(lines__status=LineStatus.FAILED, lines__replaced_by__isnull=True)),
            has_return_file=Exists(ReturnFileImport.objects.filter(batch=OuterRef("pk"))),
        )
        .order_by("-approved_at", "-pk")
    )


def batch_for_bank_page(*, user, pk) -> PaymentBatch:
    return PaymentBatch.objects.select_related(
        "school__county", "program", "term__school_year", "bank_layout", "follows", "approved_by"
    ).get_visible_or_404(user, pk=pk)


def layouts_for(*, user, county_id):
    return BankFileLayout.objects.visible_to(user).filter(county_id=county_id)


def return_files(*, batch):
    return ReturnFileImport.objects.filter(batch=batch).select_related("imported_by")


def failed_lines(*, batch):
    return repayable_lines(batch).order_by("class_label", "pk")


def bank_todo(user) -> list:
    """The aid office's 待办: approved card and meal-card batches whose return file is awaited, and
    failed lines not yet in a follow-up batch."""
    from django.db.models import Min
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from aidsys.models import Role
    from aidsys.scope import scope_for
    from aidsys.todo import TodoItem
    from disbursements.models import PaymentLine

    schools = scope_for(user).aid_office_school_ids
    if not schools:
        return []
    awaiting = (
        PaymentBatch.objects.filter(
            school__in=schools, status=BatchStatus.APPROVED, method__in=RECONCILED_METHODS, return_files__isnull=True
        )
        .distinct()
        .aggregate(count=Count("pk", distinct=True), oldest=Min("approved_at"))
    )
    failed = PaymentLine.objects.filter(
        batch__school__in=schools, status=LineStatus.FAILED, replaced_by__isnull=True
    ).aggregate(count=Count("pk"), oldest=Min("recorded_at"))
    url = reverse("disbursements:bank_index")
    return [
        TodoItem(
            role=Role.AID_OFFICE,
            title=_("Approved card payments waiting for the bank's return file"),
            count=awaiting["count"],
            url=url,
            oldest=awaiting["oldest"],
        ),
        TodoItem(
            role=Role.AID_OFFICE,
            title=_("Failed card payments to repay through a follow-up batch"),
            count=failed["count"],
            url=url,
            oldest=failed["oldest"],
        ),
    ]
