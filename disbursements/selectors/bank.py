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
