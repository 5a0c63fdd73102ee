"""Aid programs with their standards and funding, quotas, and the applications filed for students."""

import calendar
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aidsys.models import Stage
from aidsys.scope import ScopedQuerySet
from students.models import Tier


class PayPeriod(models.TextChoices):
    TERM = "term", _("Per term")
    YEAR = "year", _("Per school year")
    MONTH = "month", _("Monthly")


class ApplyPeriod(models.TextChoices):
    TERM = "term", _("Per term")
    YEAR = "year", _("Per school year")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash against signature")
    BANK_CARD = "bank_card", _("Bank card")
    AID_CARD = "aid_card", _("Aid card")
    SOCIAL_SECURITY_CARD = "social_security_card", _("Social security card")
    MEAL_CARD = "meal_card", _("Meal card top-up")


class FundingSource(models.TextChoices):
    CENTRAL = "central", _("Central government")
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")
    SCHOOL = "school", _("School")
    SOCIETY = "society", _("Society")


class Boarding(models.TextChoices):
    ANY = "any", _("Boarders and day students")
    BOARDER = "boarder", _("Boarders")
    DAY = "day", _("Day students")


class AidProgram(models.Model):
    """资助项目: set by the county for its schools."""

    county = models.ForeignKey(
        "aidsys.County", on_delete=models.PROTECT, related_name="aid_programs", verbose_name=_("county")
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    stages = models.JSONField(_("school stages served"), default=list)
    # How often a student applies, and how often the award is paid: 普通高中国家助学金 is applied for
    # once a school year and paid each term; 中职国家助学金 is paid monthly onto the card.
    apply_period = models.CharField(
        _("applied for"), max_length=4, choices=ApplyPeriod.choices, default=ApplyPeriod.TERM
    )
    pay_period = models.CharField(_("paid"), max_length=5, choices=PayPeriod.choices, default=PayPeriod.TERM)
    payment_methods = models.JSONField(_("payment methods"), default=list)
    notice_shows_amount = models.BooleanField(_("the public notice may show amounts"), default=False)
    award_ceiling = models.DecimalField(
        _("highest amount of one award (yuan)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_(
            "An award above the highest standard (yuan per year) of its school year is refused unless it is "
            "within this ceiling. Empty: no award above the highest standard."
        ),
    )
    active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()
    # Everyone working in the county reads its programs; only county staff change them.
    scope_paths = {"county": "county", "member_county": "county"}
    audit_list_choices = {"stages": Stage.choices, "payment_methods": PaymentMethod.choices}

    class Meta:
        verbose_name = _("aid program")
        verbose_name_plural = _("aid programs")
        ordering = ["county", "code"]
        constraints = [
            models.UniqueConstraint(fields=["county", "code"], name="aid_program_code_unique_in_county"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("applications:program_detail", args=[self.pk])

    def clean(self):
        errors = {}
        stages = set(Stage.values)
        if not self.stages or not set(self.stages) <= stages:
            errors["stages"] = _("Choose at least one school stage.")
        if not self.payment_methods or not set(self.payment_methods) <= set(PaymentMethod.values):
            errors["payment_methods"] = _("Choose at least one payment method.")
        if errors:
            raise ValidationError(errors)

    def serves(self, stage: str) -> bool:
        return stage in self.stages

    @property
    def stage_labels(self) -> str:
        labels = dict(Stage.choices)
        return "、".join(str(labels[stage]) for stage in self.stages if stage in labels)

    @property
    def payment_method_labels(self) -> str:
        labels = dict(PaymentMethod.choices)
        return "、".join(str(labels[method]) for method in self.payment_methods if method in labels)

    def window_for(self, term) -> tuple[date, date]:
        """The application window of a term: as set, or by default the term's first month."""
        window = next((w for w in self.windows.all() if w.term_id == term.pk), None)
        if window is not None:
            return window.opens, window.closes
        return default_window(term)


def default_window(term) -> tuple[date, date]:
    """The term's first month (DESIGN.md §4): from its first day to the day before the same day a month later."""
    start = term.start
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start, date(year, month, day) - timedelta(days=1)


class ProgramStandard(models.Model):
    """资助标准: yuan per student and year, for a tier (or any) and boarders, day students or both."""

    program = models.ForeignKey(
        AidProgram, on_delete=models.CASCADE, related_name="standards", verbose_name=_("program")
    )
    school_year = models.ForeignKey(
        "aidsys.SchoolYear", on_delete=models.PROTECT, related_name="+", verbose_name=_("school year")
    )
    tier = models.CharField(_("tier"), max_length=25, choices=Tier.choices, blank=True)
    boarding = models.CharField(_("boarding"), max_length=7, choices=Boarding.choices, default=Boarding.ANY)
    amount_per_year = models.DecimalField(
        _("yuan per student and year"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )

    scope_paths = {level: f"program__{path}" for level, path in AidProgram.scope_paths.items()}
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("standard")
        verbose_name_plural = _("standards")
        ordering = ["program", "school_year", "tier", "boarding"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "school_year", "tier", "boarding"], name="program_standard_unique"
            ),
            models.CheckConstraint(condition=Q(amount_per_year__gt=0), name="program_standard_positive"),
        ]

    def __str__(self):
        return f"{self.program} {self.get_tier_display() or ''} {self.get_boarding_display()} {self.amount_per_year}"

    def matches(self, *, tier: str, boarder: bool) -> bool:
        if self.tier and self.tier != tier:
            return False
        return self.boarding == Boarding.ANY or (self.boarding == Boarding.BOARDER) == boarder


class FundingShare(models.Model):
    """资金来源: one source's percentage of a program's money for a school year (分账核算)."""

    program = models.ForeignKey(
        AidProgram, on_delete=models.CASCADE, related_name="funding_shares", verbose_name=_("program")
    )
    school_year = models.ForeignKey(
        "aidsys.SchoolYear", on_delete=models.PROTECT, related_name="+", verbose_name=_("school year")
    )
    source = models.CharField(_("funding source"), max_length=10, choices=FundingSource.choices)
    percent = models.DecimalField(
        _("percent"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )

    # Not money: the trail writes "50%", not "50.00 元".
    audit_percent_fields = ("percent",)

    scope_paths = {level: f"program__{path}" for level, path in AidProgram.scope_paths.items()}
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("funding share")
        verbose_name_plural = _("funding shares")
        ordering = ["program", "school_year", "source"]
        constraints = [
            models.UniqueConstraint(fields=["program", "school_year", "source"], name="funding_share_unique"),
            models.CheckConstraint(condition=Q(percent__gt=0, percent__lte=100), name="funding_share_percent"),
        ]

    def __str__(self):
        return f"{self.get_source_display()} {self.percent}%"


class ApplicationWindow(models.Model):
    """申请时间: when a term's applications are taken, where it differs from the term's first month."""

    program = models.ForeignKey(AidProgram, on_delete=models.CASCADE, related_name="windows", verbose_name=_("program"))
    term = models.ForeignKey("aidsys.Term", on_delete=models.PROTECT, related_name="+", verbose_name=_("term"))
    opens = models.DateField(_("opens"))
    closes = models.DateField(_("closes"))

    scope_paths = {level: f"program__{path}" for level, path in AidProgram.scope_paths.items()}
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("application window")
        verbose_name_plural = _("application windows")
        constraints = [
            models.UniqueConstraint(fields=["program", "term"], name="application_window_unique"),
            models.CheckConstraint(condition=Q(closes__gte=models.F("opens")), name="application_window_order"),
        ]

    def __str__(self):
        return f"{self.opens} – {self.closes}"

    def clean(self):
        if self.opens and self.closes and self.closes < self.opens:
            raise ValidationError({"closes": _("The window cannot close before it opens.")})


class Quota(models.Model):
    """名额/指标: what the county gives a school for a program and term, for one tier or for all."""

    program = models.ForeignKey(AidProgram, on_delete=models.PROTECT, related_name="quotas", verbose_name=_("program"))
    term = models.ForeignKey("aidsys.Term", on_delete=models.PROTECT, related_name="+", verbose_name=_("term"))
    school = models.ForeignKey(
        "aidsys.School", on_delete=models.PROTECT, related_name="quotas", verbose_name=_("school")
    )
    tier = models.CharField(_("tier"), max_length=25, choices=Tier.choices, blank=True)
    awards = models.PositiveIntegerField(_("number of awards"), null=True, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"county": "school__county", "school": "school", "member_school": "school"}

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        ordering = ["program", "term", "school", "tier"]
        constraints = [
            models.UniqueConstraint(fields=["program", "term", "school", "tier"], name="quota_unique"),
            models.CheckConstraint(
                condition=Q(awards__isnull=False) | Q(amount__isnull=False), name="quota_awards_or_amount"
            ),
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gte=0), name="quota_amount_positive"),
        ]

    def __str__(self):
        return f"{self.school} {self.program} {self.term} {self.get_tier_display() or ''}".strip()

    def clean(self):
        if self.awards is None and self.amount is None:
            raise ValidationError(_("Give a number of awards, an amount, or both."))


class ClassQuota(models.Model):
    """The part of a school's quota that the aid office gives one class."""

    quota = models.ForeignKey(Quota, on_delete=models.CASCADE, related_name="class_quotas", verbose_name=_("quota"))
    school_class = models.ForeignKey(
        "aidsys.SchoolClass", on_delete=models.PROTECT, related_name="quotas", verbose_name=_("class")
    )
    awards = models.PositiveIntegerField(_("number of awards"), null=True, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {
        "county": "quota__school__county",
        "school": "quota__school",
        "class": "school_class",
    }

    class Meta:
        verbose_name = _("class quota")
        verbose_name_plural = _("class quotas")
        ordering = ["quota", "school_class"]
        constraints = [
            models.UniqueConstraint(fields=["quota", "school_class"], name="class_quota_unique"),
            models.CheckConstraint(
                condition=Q(awards__isnull=False) | Q(amount__isnull=False), name="class_quota_awards_or_amount"
            ),
        ]

    def __str__(self):
        return f"{self.school_class} {self.quota.program}"


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting first review")
    RETURNED = "returned", _("Returned for completion")
    RECOMMENDED = "recommended", _("Awaiting second review")
    SENT_BACK = "sent_back", _("Sent back to the class teacher")
    # The class teacher's first review advises against it, with the reason; the school's review decides.
    NOT_RECOMMENDED = "not_recommended", _("Not recommended by the class teacher")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Not approved")
    REVOKED = "revoked", _("Revoked")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# An application in one of these holds the student's place for its program and term.
OPEN_STATUSES = (
    Status.DRAFT,
    Status.SUBMITTED,
    Status.RETURNED,
    Status.RECOMMENDED,
    Status.SENT_BACK,
    Status.NOT_RECOMMENDED,
    Status.APPROVED,
)
EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED)


class Application(models.Model):
    """申请: one student, one program, one term."""

    student = models.ForeignKey(
        "students.Student", on_delete=models.PROTECT, related_name="applications", verbose_name=_("student")
    )
    program = models.ForeignKey(
        AidProgram, on_delete=models.PROTECT, related_name="applications", verbose_name=_("program")
    )
    term = models.ForeignKey("aidsys.Term", on_delete=models.PROTECT, related_name="+", verbose_name=_("term"))
    # Where the student was when the application was filed: rosters and scope follow it.
    school = models.ForeignKey("aidsys.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    school_class = models.ForeignKey(
        "aidsys.SchoolClass", on_delete=models.PROTECT, related_name="+", verbose_name=_("class")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    requested_tier = models.CharField(_("requested tier"), max_length=25, choices=Tier.choices)
    statement = models.TextField(_("statement"), max_length=2000)
    pledge_signed = models.BooleanField(_("the signed pledge is on file"), default=False)
    late_reason = models.TextField(_("reason for applying late"), blank=True, max_length=1000)
    home_visits = models.ManyToManyField(
        "students.HomeVisit", blank=True, related_name="applications", verbose_name=_("home visits")
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("filed by")
    )
    filed_at = models.DateTimeField(_("filed at"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # 初审
    recommended_tier = models.CharField(_("recommended tier"), max_length=25, choices=Tier.choices, blank=True)
    no_visit_reason = models.TextField(_("why there is no home visit"), blank=True, max_length=1000)
    first_review_note = models.TextField(_("first review note"), blank=True, max_length=1000)
    first_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("first reviewed by"),
    )
    first_reviewed_at = models.DateTimeField(_("first reviewed at"), null=True, blank=True)
    # 复审
    approved_tier = models.CharField(_("approved tier"), max_length=25, choices=Tier.choices, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True)
    amount_reason = models.TextField(_("why the amount differs from the standard"), blank=True, max_length=1000)
    decision_reason = models.TextField(_("reason"), blank=True, max_length=1000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("second review", "decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # A comment that goes with a return or a send-back, shown to whoever must act next.
    return_comment = models.TextField(_("comment"), blank=True, max_length=1000)
    # 递补: the revoked award this one replaces.
    replaces = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replacements",
        verbose_name=_("replaces the award of"),
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"county": "school__county", "school": "school", "class": "school_class"}

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-filed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "program", "term"],
                condition=Q(status__in=OPEN_STATUSES),
                name="one_open_application_per_student_program_term",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.APPROVED) | (Q(amount__isnull=False) & ~Q(approved_tier="")),
                name="approved_application_has_tier_and_amount",
            ),
        ]
        # A roster (school, program, term) by status, then by class and tier: the summaries group
        # in the index's order and, on PostgreSQL, read the amounts from it too.
        indexes = [
            models.Index(
                # Covering on every database (SQLite has no INCLUDE): the roster's grouped counts
                # and sums read the index alone.
                fields=["school", "program", "term", "status", "school_class", "approved_tier", "amount", "replaces"],
                name="application_roster",
            )
        ]

    def __str__(self):
        return f"{self.student.name} · {self.program} · {self.term}"

    def get_absolute_url(self):
        return reverse("applications:application_detail", args=[self.pk])

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


def attachment_path(instance, filename: str) -> str:
    # Never the uploader's file name: it can carry a student's name or ID number.
    return f"private/applications/{instance.application_id}/{instance.sha256[:32]}.{instance.extension}"


class AttachmentKind(models.TextChoices):
    HOUSEHOLD_REGISTER = "household_register", _("Household register (户口簿)")
    SUBSISTENCE_CERTIFICATE = "subsistence", _("Subsistence allowance certificate (低保证)")
    EXTREME_POVERTY_CERTIFICATE = "extreme_poverty", _("Extreme poverty support certificate (特困证)")
    DISABILITY_CERTIFICATE = "disability", _("Disability certificate (残疾证)")
    VILLAGE_CERTIFICATE = "village", _("Village or residents' committee certificate")
    OTHER = "other", _("Other")


class Attachment(models.Model):
    """证明材料: a PDF, JPEG or PNG, recognised by its content, served only through a scoped view."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("application")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AttachmentKind.choices)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    content_type = models.CharField(max_length=50, editable=False, verbose_name=_("content type"))
    extension = models.CharField(max_length=4, editable=False, verbose_name=_("file extension"))
    size = models.PositiveIntegerField(_("size in bytes"), editable=False)
    sha256 = models.CharField(max_length=64, editable=False, verbose_name=_("SHA-256 checksum"))
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {level: f"application__{path}" for level, path in Application.scope_paths.items()}
    audit_excluded_fields = ("original_name",)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["application", "uploaded_at"]

    def __str__(self):
        return self.get_kind_display()
