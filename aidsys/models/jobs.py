"""Background jobs (imports, exports, PDFs): what runs, for whom, and how far it has got."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aidsys.scope import ScopedQuerySet


class JobQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """The jobs of the user's schools and counties, and always the user's own."""
        scoped = super().visible_to(user)
        if user is None or not user.is_authenticated:
            return scoped
        return scoped | self.filter(owner=user)


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")

    # A dotted name that the app owning the work gives it, such as "students.roster_import".
    kind = models.CharField(_("kind"), max_length=50)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    message = models.CharField(_("message"), max_length=500, blank=True)
    # What the task needs to find its work (ids, a stored file's name); never the data itself.
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    school = models.ForeignKey(
        "aidsys.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("school"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Written with the progress while the work runs: a running job silent for longer than
    # AIDSYS_JOB_STALE_SECONDS lost its worker and is failed (aidsys.services.jobs.job_fail_if_stale).
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)

    objects = JobQuerySet.as_manager()
    scope_paths = {"school": "school", "county": "school__county"}

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]), name="job_status_valid"
            ),
            models.CheckConstraint(condition=Q(done__lte=F("total")) | Q(total=0), name="job_done_within_total"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def stale_after_minutes(self) -> int:
        """How long a running job may give no sign of life before it is failed, as the page states it."""
        return max(1, round(settings.AIDSYS_JOB_STALE_SECONDS / 60))

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0
