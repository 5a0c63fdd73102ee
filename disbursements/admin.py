"""The disbursement records in the admin: read-only for the system administrator.

Every write of this stage goes through its services (the batch's transitions, the bank's return
file, the county's decisions), which check who may act and record the audit event; the admin shows
the rows and their history from the audit trail, and changes none. Account numbers are masked and
the files that carry them in full (a bank's return file) are not offered.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from aidsys import cn
from aidsys.admin import AuditedAdmin
from disbursements.models import (
    BankFileLayout,
    FundAllocation,
    LeftoverReport,
    PaymentBatch,
    PaymentLine,
    ReturnFileImport,
)


class ReadOnlyAdmin(AuditedAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FundAllocation)
class FundAllocationAdmin(ReadOnlyAdmin):
    list_display = ["document_number", "school", "program", "term", "source", "amount", "status", "recorded_at"]
    list_filter = ["status", "source", "term", "school__county"]
    search_fields = ["document_number", "school__code", "school__name", "program__name"]
    list_select_related = ["school", "program", "term__school_year"]


@admin.register(BankFileLayout)
class BankFileLayoutAdmin(ReadOnlyAdmin):
    list_display = ["bank", "county"]
    list_filter = ["county"]
    search_fields = ["bank"]
    list_select_related = ["county"]


@admin.register(PaymentBatch)
class PaymentBatchAdmin(ReadOnlyAdmin):
    list_display = ["number", "school", "program", "term", "method", "kind", "status", "prepared_by", "approved_at"]
    list_filter = ["status", "method", "kind", "term", "school__county"]
    search_fields = ["number", "school__code", "school__name"]
    list_select_related = ["school", "program", "term__school_year", "prepared_by"]
    # The signed roster's scan is opened only through its scoped, recorded view, never by a storage URL.
    exclude = ["signed_roster"]


@admin.register(PaymentLine)
class PaymentLineAdmin(ReadOnlyAdmin):
    list_display = ["reference", "student_name", "class_label", "batch", "amount", "method", "masked_account", "status"]
    list_filter = ["status", "method"]
    # Not the account number: a search would tell whether a given number is in the records.
    search_fields = ["reference", "student_name", "batch__number"]
    list_select_related = ["batch"]
    # The full number only goes to the bank, in the aid office's recorded download; the power of
    # attorney is a scan of identity papers.
    exclude = ["account_number", "power_of_attorney"]
    readonly_fields = ["masked_account"]

    @admin.display(description=_("account number"))
    def masked_account(self, line):
        return cn.mask_account_number(line.account_number)


@admin.register(ReturnFileImport)
class ReturnFileImportAdmin(ReadOnlyAdmin):
    list_display = ["batch", "name", "paid", "failed", "imported_by", "imported_at"]
    search_fields = ["batch__number", "name"]
    list_select_related = ["batch", "imported_by"]
    # The bank's file holds every line's full account number.
    exclude = ["file"]


@admin.register(LeftoverReport)
class LeftoverReportAdmin(ReadOnlyAdmin):
    list_display = ["school", "program", "term", "remainder", "status", "reported_by", "reported_at", "decided_by"]
    list_filter = ["status", "term", "school__county"]
    search_fields = ["school__code", "school__name", "program__name"]
    list_select_related = ["school", "program", "term__school_year", "reported_by", "decided_by"]
