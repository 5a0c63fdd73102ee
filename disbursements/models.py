"""发放: the money of an approved roster on its way to the family, and every yuan of it traceable.

FundAllocation   资金下达/到位: what the county allocated to a school, per program, term and source.
PaymentBatch     发放批次: one term's (or month's) payments of one program and method, prepared by the
                 aid office and approved by another person; locked once approved.
PaymentLine      one award's payment of one period, with a frozen copy of who and where it goes; paid,
                 failed (a bank line) or cancelled; never twice (a constraint over the lines that count).
ReturnFileImport 回盘文件: a bank's or canteen's confirmation file as it was read, once per batch and content;
                 each line it settled points at it (PaymentLine.settled_by).
BankFileLayout   代发文件 columns as one bank wants them, kept by the county.
LeftoverReport   结余: a frozen report of one program and term's leftovers to the county, and its decision.
"""

import posixpath
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aidsys.scope import ScopedQuerySet
from applications.models import FundingSource, PaymentMethod
from students.models import AccountKind


class AllocationStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    WITHDRAWN = "withdrawn", _("Withdrawn as recorded in error")


class FundAllocation(models.Model):
    """资金到位: one allocation of one source's money for a program and term to a school, with its 文号.

    A wrong entry is never edited or deleted: it is withdrawn with its reason (and stays listed),
    and the right one recorded anew. A leftover carried into the next term arrives as an allocation
    of its own, pointing at the report the county decided (`carried_from`).
    """

    school = models.ForeignKey("aidsys.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    program = models.ForeignKey(
        "applications.AidProgram", on_delete=models.PROTECT, related_name="+", verbose_name=_("program")
    )
    term = models.ForeignKey("aidsys.Term", on_delete=models.PROTECT, related_name="+", verbose_name=_("term"))
    source = models.CharField(_("funding source"), max_length=10, choices=FundingSource.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    document_number = models.CharField(_("document number (文号)"), max_length=100)
    document_date = models.DateField(_("document date"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    status = models.CharField(
        _("status"), max_length=10, choices=AllocationStatus.choices, default=AllocationStatus.RECEIVED
    )
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdraw_reason = models.CharField(_("why it is withdrawn"), max_length=200, blank=True)
    carried_from = models.ForeignKey(
        "LeftoverReport",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="carried_allocations",
        verbose_name=_("carried from the leftover report"),
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"county": "school__county", "school": "school"}

    class Meta:
        verbose_name = _("fund allocation")
        verbose_name_plural = _("fund allocations")
        ordering = ["-document_date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="fund_allocation_positive"),
            models.CheckConstraint(
                condition=Q(status=AllocationStatus.RECEIVED) | ~Q(withdraw_reason=""),
                name="withdrawn_allocation_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.document_number} {self.program} {self.term} {self.get_source_display()} {self.amount}"


class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    SUBMITTED = "submitted", _("Awaiting approval")
    RETURNED = "returned", _("Returned to the aid office")
    APPROVED = "approved", pgettext_lazy("payment batch", "Approved")


# A batch in one of these is still the aid office's to change.
EDITABLE_BATCH_STATUSES = (BatchStatus.DRAFT, BatchStatus.RETURNED)


class BatchKind(models.TextChoices):
    REGULAR = "regular", _("Regular")
    FOLLOW_UP = "follow_up", _("Follow-up of failed lines")


class BankFileLayout(models.Model):
    """代发文件: the columns one bank wants, in its order and with its headings; data, not code.

    `columns` is a list of {"field": one of FIELDS, "heading": the bank's heading}.
    """

    FIELDS = {
        "name": pgettext_lazy("person", "Name"),
        "account": _("Account number"),
        "amount": _("Amount"),
        "id_number": _("ID number"),
        "remark": _("Remark"),
        "reference": _("Reference"),
    }

    county = models.ForeignKey(
        "aidsys.County", on_delete=models.PROTECT, related_name="bank_file_layouts", verbose_name=_("county")
    )
    bank = models.CharField(_("bank"), max_length=50)
    columns = models.JSONField(_("columns"), default=list)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"county": "county", "member_county": "county"}
    audit_labels = {"field": _("content of the column"), "heading": _("heading")}
    audit_list_choices = {"field": FIELDS}

    class Meta:
        verbose_name = _("bank file layout")
        verbose_name_plural = _("bank file layouts")
        ordering = ["county", "bank"]
        constraints = [models.UniqueConstraint(fields=["county", "bank"], name="bank_file_layout_unique")]

    def __str__(self):
        return self.bank


class PaymentBatch(models.Model):
    """发放批次: the payments of one school, program, term (or month) and method."""

    school = models.ForeignKey("aidsys.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    program = models.ForeignKey(
        "applications.AidProgram", on_delete=models.PROTECT, related_name="+", verbose_name=_("program")
    )
    term = models.ForeignKey("aidsys.Term", on_delete=models.PROTECT, related_name="+", verbose_name=_("term"))
    # The month paid, for a program paid monthly (中职国家助学金 onto the card); empty otherwise.
    month = models.DateField(_("month"), null=True, blank=True)
    number = models.CharField(_("batch number"), max_length=40)
    kind = models.CharField(_("kind"), max_length=10, choices=BatchKind.choices, default=BatchKind.REGULAR)
    follows = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("follows up batch"),
    )
    method = models.CharField(_("payment method"), max_length=25, choices=PaymentMethod.choices)
    bank_layout = models.ForeignKey(
        BankFileLayout,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bank file layout"),
    )
    status = models.CharField(_("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.DRAFT)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("prepared by")
    )
    prepared_at = models.DateTimeField(_("prepared at"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    return_comment = models.TextField(_("comment"), blank=True, max_length=1000)
    # Approved beyond the funds received, where the county allows an advance: why.
    advance_reason = models.TextField(_("reason for paying ahead of the funds"), blank=True, max_length=1000)
    signed_roster = models.FileField(_("scanned signed roster"), upload_to="payments/rosters/%Y/%m/", blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"county": "school__county", "school": "school"}

    class Meta:
        verbose_name = _("payment batch")
        verbose_name_plural = _("payment batches")
        ordering = ["-prepared_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "number"], name="payment_batch_number_unique_in_school"),
            models.CheckConstraint(
                condition=~Q(status=BatchStatus.APPROVED) | Q(approved_by__isnull=False),
                name="approved_batch_has_approver",
            ),
            models.CheckConstraint(
                condition=~Q(approved_by=models.F("prepared_by")), name="batch_approved_by_another_person"
            ),
            models.CheckConstraint(
                condition=Q(kind=BatchKind.REGULAR, follows__isnull=True)
                | Q(kind=BatchKind.FOLLOW_UP, follows__isnull=False),
                name="follow_up_batch_follows_one",
            ),
        ]

    def __str__(self):
        return _("Batch {number}").format(number=self.number)

    def get_absolute_url(self):
        return reverse("disbursements:batch_detail", args=[self.pk])

    @property
    def locked(self) -> bool:
        return self.status == BatchStatus.APPROVED


class LineStatus(models.TextChoices):
    PENDING = "pending", _("Not yet paid")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


# A line in one of these pays (or will pay) its award's period: only one may exist at a time.
COUNTING_LINE_STATUSES = (LineStatus.PENDING, LineStatus.PAID)


def period_label(period: str) -> str:
    """A line's period as a person reads it: the term (2026–2027学年秋季学期), with the month of a monthly
    payment (2026–2027学年秋季学期 2026-11), not the term's key."""
    from aidsys.models import Term

    term_key, _sep, month = str(period).partition("-")
    term = Term.objects.select_related("school_year").filter(pk=term_key).first() if term_key.isdigit() else None
    if term is None:
        return str(period)
    return f"{term} {month}" if month else str(term)


class PaymentLine(models.Model):
    """One award's payment for one period, with who and where it goes as they were when the batch was made."""

    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="lines", verbose_name=_("batch"))
    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="+", verbose_name=_("award")
    )
    student = models.ForeignKey(
        "students.Student", on_delete=models.PROTECT, related_name="payment_lines", verbose_name=_("student")
    )
    # The period paid: the term's key ("<term pk>"), or "<term pk>-<yyyy-mm>" for a monthly payment.
    period = models.CharField(_("period"), max_length=20)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2)
    method = models.CharField(_("payment method"), max_length=25, choices=PaymentMethod.choices)
    # Frozen when the batch was made: a later change of the registry does not alter an approved batch.
    student_name = models.CharField(_("Student name"), max_length=50)
    class_label = models.CharField(_("class"), max_length=50)
    id_number_masked = models.CharField(_("ID number"), max_length=18)
    account_kind = models.CharField(_("payment account"), max_length=25, blank=True)
    account_number = models.CharField(_("account number"), max_length=30, blank=True)
    account_holder = models.CharField(_("account holder"), max_length=50, blank=True)
    account_bank = models.CharField(_("bank"), max_length=50, blank=True)
    # The bank's (or canteen's) reference of this line in the bank file and its return file.
    reference = models.CharField(_("reference"), max_length=40)
    status = models.CharField(_("status"), max_length=10, choices=LineStatus.choices, default=LineStatus.PENDING)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    student_signed = models.BooleanField(_("the student signed"), default=False)
    guardian_signed = models.BooleanField(_("the guardian signed"), default=False)
    # 代领: collected by someone else, only with a power of attorney (委托书) attached to this line.
    agent_name = models.CharField(_("collected by"), max_length=50, blank=True)
    agent_relation = models.CharField(_("relation of the collector"), max_length=50, blank=True)
    power_of_attorney = models.FileField(_("power of attorney"), upload_to="payments/attorney/%Y/%m/", blank=True)
    failure_reason = models.CharField(_("reason given by the bank"), max_length=200, blank=True)
    cancel_reason = models.CharField(_("why it is cancelled"), max_length=200, blank=True)
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("repays the failed line"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    # The return file (the bank's, or the canteen's confirmation) that recorded the line paid or failed:
    # the import's one audit event names every line, and each line names its import.
    settled_by = models.ForeignKey(
        "ReturnFileImport",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="settled_lines",
        verbose_name=_("settled by the return file"),
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"county": "batch__school__county", "school": "batch__school", "class": "student__school_class"}
    audit_masked_fields = {"account_number": None}
    # The account as copied from the student's record, whose field has the choices.
    audit_list_choices = {"account_kind": AccountKind.choices}
    audit_readers = {"period": period_label}

    class Meta:
        verbose_name = _("payment line")
        verbose_name_plural = _("payment lines")
        ordering = ["batch", "class_label", "pk"]
        constraints = [
            # Never twice (DESIGN.md §4): one award's period is paid by one line at most.
            models.UniqueConstraint(
                fields=["application", "period"],
                condition=Q(status__in=COUNTING_LINE_STATUSES),
                name="one_payment_per_award_and_period",
            ),
            models.UniqueConstraint(fields=["batch", "reference"], name="payment_line_reference_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_line_positive"),
            models.CheckConstraint(
                condition=~Q(status=LineStatus.PAID) | Q(paid_on__isnull=False), name="paid_line_has_date"
            ),
        ]

    def __str__(self):
        return f"{self.student_name} {self.amount}"


class ReturnFileImport(models.Model):
    """回盘文件: a bank's (or canteen's) confirmation of a batch, read once; the same content twice is refused."""

    batch = models.ForeignKey(
        PaymentBatch, on_delete=models.PROTECT, related_name="return_files", verbose_name=_("batch")
    )
    file = models.FileField(_("file"), upload_to="payments/returns/%Y/%m/")
    # The name the file had when it was uploaded (the bank's own); the stored copy is named after the batch.
    name = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField(_("content hash"), max_length=64)
    paid = models.PositiveIntegerField(_("lines paid"), default=0)
    failed = models.PositiveIntegerField(_("lines failed"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("imported by")
    )
    imported_at = models.DateTimeField(_("imported at"))

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"county": "batch__school__county", "school": "batch__school"}
    # The trail keeps each settled line as [line id, reference, row of the file, outcome, date or reason].
    audit_labels = {"lines": _("lines settled")}
    audit_list_choices = {"lines": LineStatus.choices}

    class Meta:
        verbose_name = _("return file")
        verbose_name_plural = _("return files")
        ordering = ["-imported_at"]
        constraints = [models.UniqueConstraint(fields=["batch", "sha256"], name="return_file_once_per_batch")]

    def __str__(self):
        return f"{self.batch} {self.imported_at:%Y-%m-%d}"

    @property
    def display_name(self) -> str:
        return self.name or posixpath.basename(self.file.name)


# Why money received was not paid out, in the order a leftover report lists them.
UNPAID_REASONS = {
    "failed": _("Failed at the bank, not yet repaid"),
    "unclaimed": _("Not collected or not confirmed"),
    "revoked": _("Award revoked"),
    "transferred": _("Student transferred out"),
    "cancelled": _("Line cancelled for another reason"),
    "not_in_batch": _("Approved award not yet in an approved batch"),
}


class LeftoverStatus(models.TextChoices):
    REPORTED = "reported", _("Reported to the county")
    CARRY_APPROVED = "carry_approved", _("Carrying into the next term approved")
    RETURNED = "returned", _("To be returned to the county")


class LeftoverReport(models.Model):
    """结余: one school's leftover of one program and term, frozen as reported, and the county's decision."""

    school = models.ForeignKey("aidsys.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    program = models.ForeignKey(
        "applications.AidProgram", on_delete=models.PROTECT, related_name="+", verbose_name=_("program")
    )
    term = models.ForeignKey("aidsys.Term", on_delete=models.PROTECT, related_name="+", verbose_name=_("term"))
    # Per source: received, paid, unpaid by reason, remainder, as they stood when reported.
    figures = models.JSONField(_("figures"), default=dict)
    remainder = models.DecimalField(_("leftover (yuan)"), max_digits=12, decimal_places=2, default=Decimal("0"))
    status = models.CharField(
        _("status"), max_length=15, choices=LeftoverStatus.choices, default=LeftoverStatus.REPORTED
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("reported by")
    )
    reported_at = models.DateTimeField(_("reported at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True, max_length=1000)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"county": "school__county", "school": "school"}
    # The keys of the frozen figures, as the trail names them.
    audit_labels = {
        "sources": _("by funding source"),
        "received": _("received (yuan)"),
        "paid": _("paid (yuan)"),
        "unpaid": _("unpaid (yuan)"),
        "not_needed": _("not needed (yuan)"),
        "remainder": _("leftover (yuan)"),
        "cancel_reasons": _("lines cancelled"),
        "reason": _("reason"),
        "amount": _("amount (yuan)"),
        **UNPAID_REASONS,
    }

    class Meta:
        verbose_name = _("leftover report")
        verbose_name_plural = _("leftover reports")
        ordering = ["-reported_at"]
        constraints = [
            models.UniqueConstraint(fields=["school", "program", "term"], name="one_leftover_report_per_term"),
        ]

    def __str__(self):
        return f"{self.school} {self.program} {self.term}"
