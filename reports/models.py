"""An export of a report: what was asked, by whom, the job that writes it and the file it left.

The file goes through Django's storage API (S3-compatible in production); it is kept
EXPORT_KEEP_DAYS days and then deleted by beat, the row staying behind for the record.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aidsys.scope import ScopedQuerySet
from reports.layouts import NationalLayout  # noqa: F401  (the county's upload layouts)

EXPORT_KEEP_DAYS = 7


def default_expiry():
    return timezone.now() + timedelta(days=EXPORT_KEEP_DAYS)


class ReportExport(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("exported by")
    )
    report_key = models.CharField(_("report"), max_length=50)
    title = models.CharField(_("title"), max_length=100)
    # The request as the task rebuilds it: ids and flags, never the data.
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    job = models.OneToOneField("aidsys.Job", on_delete=models.PROTECT, related_name="+", verbose_name=_("job"))
    county = models.ForeignKey("aidsys.County", on_delete=models.PROTECT, related_name="+", verbose_name=_("county"))
    # The school of a school's report; empty for the county's (its schools are in `params`).
    school = models.ForeignKey(
        "aidsys.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("school")
    )
    full = models.BooleanField(_("full information"), default=False)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    # The name in storage (ASCII, unguessable); empty until written and again once purged.
    file_path = models.CharField(_("stored file"), max_length=255, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("kept until"), default=default_expiry)
    purged_at = models.DateTimeField(_("file deleted"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"county": "county", "school": "school"}
    # Recorded beside the fields when a report is exported (aidsys.audit_display names the common ones).
    audit_labels = {"as_of": _("as of")}

    class Meta:
        verbose_name = _("report export")
        verbose_name_plural = _("report exports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["owner", "-created_at"]), models.Index(fields=["expires_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(full=False) | ~Q(reason=""), name="report_export_full_has_reason"),
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")), name="report_export_expires"),
        ]

    def __str__(self):
        return self.file_name or self.title

    @property
    def expired(self) -> bool:
        return self.purged_at is not None or timezone.now() >= self.expires_at

    @property
    def downloadable(self) -> bool:
        return bool(self.file_path) and not self.expired
