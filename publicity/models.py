"""Public notices (公示) of signed rosters, objections (异议), and the report to the county (上报)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aidsys.scope import ScopedQuerySet
from students.models import Tier


def new_public_token() -> str:
    # The public page's address: unguessable, so a notice is found only through its QR code or link.
    return secrets.token_urlsafe(24)


class NoticeKind(models.TextChoices):
    ORIGINAL = "original", _("Public notice")
    SUPPLEMENTARY = "supplementary", _("Supplementary notice")


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")


class Place(models.TextChoices):
    SCHOOL_BOARD = "school_board", _("School notice board")
    CLASS = "class", _("Classroom")
    TOWNSHIP = "township", _("Township or village")
    WEBSITE = "website", _("School website")


SCHOOL_SCOPE = {"county": "school__county", "school": "school", "member_school": "school"}


class PublicNotice(models.Model):
    """公示: a frozen snapshot of a signed roster, shown for a period of working days."""

    school = models.ForeignKey("aidsys.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    program = models.ForeignKey(
        "applications.AidProgram", on_delete=models.PROTECT, related_name="notices", verbose_name=_("program")
    )
    term = models.ForeignKey("aidsys.Term", on_delete=models.PROTECT, related_name="+", verbose_name=_("term"))
    signoff = models.ForeignKey(
        "reviews.RosterSignoff", on_delete=models.PROTECT, related_name="notices", verbose_name=_("signed roster")
    )
    # Which signature of the roster the snapshot was taken from.
    signoff_version = models.PositiveIntegerField(_("signed version"))
    kind = models.CharField(_("kind"), max_length=13, choices=NoticeKind.choices, default=NoticeKind.ORIGINAL)
    supplements = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supplementary_notices",
        verbose_name=_("original notice"),
    )
    status = models.CharField(_("status"), max_length=9, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT)
    start_date = models.DateField(_("first day"))
    working_days = models.PositiveSmallIntegerField(_("working days"))
    end_date = models.DateField(_("last day"))
    # Years for which neither the calendar package nor the Holiday table knew the holidays:
    # the period was counted Monday to Friday, and the page says so.
    fallback_years = models.JSONField(_("years counted Monday to Friday"), default=list, blank=True)
    places = models.JSONField(_("where it is posted"), default=list)
    contact_office = models.CharField(_("office taking objections"), max_length=100)
    contact_phone = models.CharField(_("phone for objections"), max_length=30)
    show_amounts = models.BooleanField(_("shows amounts"), default=False)
    token = models.CharField(
        max_length=40, unique=True, default=new_public_token, editable=False, verbose_name=_("public page key")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = SCHOOL_SCOPE
    audit_excluded_fields = ("token",)
    audit_list_choices = {"places": Place.choices}
    # The closing's event names the lines it confirmed.
    audit_labels = {"confirmed_entries": _("lines confirmed")}

    class Meta:
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="notice_period_order"),
            models.CheckConstraint(
                condition=Q(kind=NoticeKind.ORIGINAL, supplements__isnull=True)
                | Q(kind=NoticeKind.SUPPLEMENTARY, supplements__isnull=False),
                name="supplementary_notice_names_its_original",
            ),
            # A signed roster is noticed once: a new notice needs a new signature.
            models.UniqueConstraint(
                fields=["signoff", "signoff_version"],
                condition=Q(kind=NoticeKind.ORIGINAL),
                name="one_original_notice_per_signed_version",
            ),
        ]

    def __str__(self):
        return f"{self.school} {self.program} {self.term} {self.get_kind_display()}"

    def get_absolute_url(self):
        return reverse("publicity:notice_detail", args=[self.pk])

    def get_public_url(self):
        return reverse("publicity:public_notice", args=[self.token])

    @property
    def place_labels(self) -> str:
        labels = dict(Place.choices)
        return "、".join(str(labels[place]) for place in self.places if place in labels)


class EntryChange(models.TextChoices):
    LISTED = "", _("Listed")
    ADDED = "added", _("Added")
    CHANGED = "changed", pgettext_lazy("notice line", "Changed")
    REMOVED = "removed", _("Removed")


class NoticeEntry(models.Model):
    """One line of a notice, frozen when the notice is made: only what a notice may show (DESIGN.md §4)."""

    notice = models.ForeignKey(
        PublicNotice, on_delete=models.CASCADE, related_name="entries", verbose_name=_("public notice")
    )
    position = models.PositiveIntegerField(_("no."))
    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.PROTECT,
        related_name="notice_entries",
        verbose_name=_("application"),
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    class_name = models.CharField(_("grade and class"), max_length=50)
    tier = models.CharField(_("tier"), max_length=25)
    tier_label = models.CharField(_("tier as shown"), max_length=25)
    program_name = models.CharField(_("program"), max_length=100)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True)
    change = models.CharField(_("change"), max_length=8, choices=EntryChange.choices, blank=True, default="")
    change_reason = models.CharField(_("reason for the change"), max_length=500, blank=True)
    # What a posted sheet says of a change: a changed line's tier and amount as noticed before (old → new),
    # a removed line's reason as the notice may show it (the kind of revocation, never its details).
    previous_tier_label = models.CharField(_("tier as noticed before"), max_length=25, blank=True)
    previous_amount = models.DecimalField(
        _("amount as noticed before (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    reason_shown = models.CharField(_("reason as shown"), max_length=100, blank=True)
    confirmed = models.BooleanField(_("confirmed"), default=False)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {level: f"notice__{path}" for level, path in SCHOOL_SCOPE.items()}
    # The frozen tier keeps no choices of its own: the trail names it as the registry does.
    audit_list_choices = {"tier": Tier.choices}

    class Meta:
        verbose_name = _("notice entry")
        verbose_name_plural = _("notice entries")
        ordering = ["notice", "position"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "position"], name="notice_entry_position_unique"),
            models.UniqueConstraint(fields=["notice", "application"], name="notice_entry_application_unique"),
        ]

    def __str__(self):
        return f"{self.position}. {self.name}"


class Channel(models.TextChoices):
    ONLINE = "online", _("Online form")
    PHONE = "phone", _("Phone call")
    LETTER = "letter", _("Letter")
    VISIT = "visit", _("In person")


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("Being investigated")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


class Objection(models.Model):
    """异议: lodged on the public page or recorded by staff; answered within 3 working days."""

    notice = models.ForeignKey(
        PublicNotice, on_delete=models.PROTECT, related_name="objections", verbose_name=_("public notice")
    )
    entry = models.ForeignKey(
        NoticeEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="objections",
        verbose_name=_("entry concerned"),
    )  # fmt: skip
    tracking_number = models.CharField(_("tracking number"), max_length=20, unique=True)
    channel = models.CharField(_("received by"), max_length=6, choices=Channel.choices)
    name = models.CharField(_("objector's name"), max_length=50, blank=True)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    text = models.TextField(_("objection"), max_length=2000)
    lodged_at = models.DateTimeField(_("lodged at"))
    deadline = models.DateField(_("answer by"))
    # A keyed hash of the lodging address: enough to limit the rate, not enough to identify anyone.
    address_hash = models.CharField(
        max_length=64, blank=True, db_index=True, editable=False, verbose_name=_("address hash")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    status = models.CharField(_("status"), max_length=9, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN)
    decision = models.TextField(_("decision and its reason"), blank=True, max_length=2000)
    reply = models.TextField(_("reply to the objector"), blank=True, max_length=2000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("objection", "decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {level: f"notice__{path}" for level, path in SCHOOL_SCOPE.items()}
    audit_masked_fields = {"name": None, "contact": None}
    audit_excluded_fields = ("address_hash",)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["deadline", "lodged_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="objection_has_text"),
            models.CheckConstraint(
                condition=Q(status=ObjectionStatus.OPEN) | ~Q(decision=""), name="decided_objection_has_reason"
            ),
        ]

    def __str__(self):
        return self.tracking_number


class ObjectionNote(models.Model):
    """What the aid office found while investigating: a call, a visit, a document."""

    objection = models.ForeignKey(
        Objection, on_delete=models.CASCADE, related_name="notes", verbose_name=_("objection")
    )
    text = models.TextField(_("note"), max_length=2000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by")
    )
    created_at = models.DateTimeField(_("written at"))

    objects = ScopedQuerySet.as_manager()
    scope_paths = {level: f"objection__{path}" for level, path in Objection.scope_paths.items()}

    class Meta:
        verbose_name = _("investigation note")
        verbose_name_plural = _("investigation notes")
        ordering = ["objection", "created_at"]

    def __str__(self):
        return self.text[:50]


class ReportStatus(models.TextChoices):
    REPORTED = "reported", _("Reported to the county")
    APPROVED = "approved", _("Approved by the county")
    RETURNED = "returned", _("Returned by the county")


class RosterReport(models.Model):
    """上报: a school's confirmed roster of a program and term, archived and sent to the county."""

    school = models.ForeignKey("aidsys.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    program = models.ForeignKey(
        "applications.AidProgram", on_delete=models.PROTECT, related_name="reports", verbose_name=_("program")
    )
    term = models.ForeignKey("aidsys.Term", on_delete=models.PROTECT, related_name="+", verbose_name=_("term"))
    notice = models.ForeignKey(
        PublicNotice, on_delete=models.PROTECT, related_name="reports", verbose_name=_("public notice")
    )
    status = models.CharField(_("status"), max_length=8, choices=ReportStatus.choices, default=ReportStatus.REPORTED)
    # What was reported, frozen: class, tier, count and total per line, and the totals.
    summary = models.JSONField(_("summary"), default=dict)
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
        verbose_name=pgettext_lazy("county report", "decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("county's comment"), blank=True, max_length=1000)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = ScopedQuerySet.as_manager()
    scope_paths = SCHOOL_SCOPE
    # The frozen summary's keys, as the trail names them.
    audit_labels = {
        "lines": _("by class and tier"),
        "class_name": _("class"),
        "tier": _("tier"),
        "count": _("number of students"),
        "total": _("amount (yuan)"),
    }

    class Meta:
        verbose_name = _("roster report")
        verbose_name_plural = _("roster reports")
        ordering = ["-reported_at"]
        constraints = [
            models.UniqueConstraint(fields=["school", "program", "term"], name="roster_report_unique"),
            models.CheckConstraint(
                condition=~Q(status=ReportStatus.RETURNED) | ~Q(comment=""), name="returned_report_has_comment"
            ),
        ]

    def __str__(self):
        return f"{self.school} {self.program} {self.term}"


class ObjectionReminder(models.Model):
    """A day's reminder to the aid office or the principal: objections due that day or overdue.

    The system sends no mail unless mail is configured, so the reminder is kept here and shown on
    the dashboard until read. One per user, school and day: the daily task may run twice.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    school = models.ForeignKey("aidsys.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    day = models.DateField(pgettext_lazy("date", "day"))
    text = models.CharField(_("reminder"), max_length=1000)
    objection_count = models.PositiveIntegerField(_("objections"))
    created_at = models.DateTimeField(_("sent at"))
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = SCHOOL_SCOPE

    class Meta:
        verbose_name = _("objection reminder")
        verbose_name_plural = _("objection reminders")
        ordering = ["-day", "school"]
        constraints = [
            models.UniqueConstraint(fields=["user", "school", "day"], name="one_objection_reminder_a_day"),
        ]

    def __str__(self):
        return f"{self.day} {self.school}"


class TrackingLookup(models.Model):
    """One look-up on the public status page, kept (as a keyed hash of the address) to limit guessing.

    Counted in the database so that the limit holds across app servers; the daily task drops old rows.
    """

    address_hash = models.CharField(max_length=64, editable=False, verbose_name=_("address hash"))
    looked_up_at = models.DateTimeField(_("looked up at"))

    class Meta:
        indexes = [models.Index(fields=["address_hash", "looked_up_at"], name="tracking_lookup_address")]

    def __str__(self):
        return f"{self.looked_up_at:%Y-%m-%d %H:%M}"
