"""The review panel, the principal's sign-off of a roster, and revocations."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aidsys.scope import ScopedQuerySet


class ReviewPanel(models.Model):
    """评议小组: who reviewed a school's applications in a term."""

    school = models.ForeignKey("aidsys.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    term = models.ForeignKey("aidsys.Term", on_delete=models.PROTECT, related_name="+", verbose_name=_("term"))
    formed_on = models.DateField(_("formed on"))
    note = models.TextField(_("note"), blank=True, max_length=1000)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"county": "school__county", "school": "school", "member_school": "school"}

    class Meta:
        verbose_name = _("review panel")
        verbose_name_plural = _("review panels")
        constraints = [models.UniqueConstraint(fields=["school", "term"], name="review_panel_unique")]

    def __str__(self):
        return f"{self.school} {self.term}"


class PanelRole(models.TextChoices):
    LEADER = "leader", _("Leader")
    SCHOOL_LEADER = "school_leader", _("School leader")
    AID_OFFICE = "aid_office", _("Aid office")
    CLASS_TEACHER = "class_teacher", _("Class teacher")
    TEACHER = "teacher", _("Teacher representative")
    PARENT = "parent", _("Parent representative")
    STUDENT = "student", _("Student representative")


class ReviewPanelMember(models.Model):
    panel = models.ForeignKey(
        ReviewPanel, on_delete=models.CASCADE, related_name="members", verbose_name=_("review panel")
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    role = models.CharField(_("role on the panel"), max_length=15, choices=PanelRole.choices)
    title = models.CharField(_("position"), max_length=50, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {level: f"panel__{path}" for level, path in ReviewPanel.scope_paths.items()}

    class Meta:
        verbose_name = _("panel member")
        verbose_name_plural = _("panel members")
        ordering = ["panel", "pk"]

    def __str__(self):
        return self.name


class SignoffStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting sign-off")
    SIGNED = "signed", _("Signed")
    RETURNED = "returned", _("Returned")


class RosterSignoff(models.Model):
    """校长审定: the principal's decision on a school's roster of one program and term.

    While it is pending or signed the roster is locked: second-review decisions wait. A change
    made after signing (a revocation, a replacement) puts it back to pending for a new signature.
    """

    school = models.ForeignKey("aidsys.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    program = models.ForeignKey(
        "applications.AidProgram", on_delete=models.PROTECT, related_name="signoffs", verbose_name=_("program")
    )
    term = models.ForeignKey("aidsys.Term", on_delete=models.PROTECT, related_name="+", verbose_name=_("term"))
    status = models.CharField(_("status"), max_length=8, choices=SignoffStatus.choices, default=SignoffStatus.PENDING)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("submitted by")
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("sign-off", "decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=1000)
    # How many times it was signed: a re-signature after a change counts up.
    version = models.PositiveIntegerField(_("version"), default=0)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"county": "school__county", "school": "school", "member_school": "school"}

    class Meta:
        verbose_name = _("roster sign-off")
        verbose_name_plural = _("roster sign-offs")
        constraints = [models.UniqueConstraint(fields=["school", "program", "term"], name="roster_signoff_unique")]

    def __str__(self):
        return f"{self.school} {self.program} {self.term}"

    @property
    def locked(self) -> bool:
        return self.status in (SignoffStatus.PENDING, SignoffStatus.SIGNED)


class RevocationReason(models.TextChoices):
    TRANSFERRED_OUT = "transferred_out", _("Transferred out")
    DISCIPLINED = "disciplined", _("Disciplinary sanction")
    FALSE_MATERIALS = "false_materials", _("False materials")
    SITUATION_IMPROVED = "improved", _("Family situation improved")
    OTHER = "other", _("Other")


class Revocation(models.Model):
    """取消资格: an approved award withdrawn during the year, from a term on."""

    application = models.OneToOneField(
        "applications.Application", on_delete=models.PROTECT, related_name="revocation", verbose_name=_("application")
    )
    reason = models.CharField(_("reason"), max_length=16, choices=RevocationReason.choices)
    detail = models.TextField(_("details"), max_length=1000)
    effective_term = models.ForeignKey(
        "aidsys.Term", on_delete=models.PROTECT, related_name="+", verbose_name=_("takes effect in")
    )
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("revoked by")
    )
    revoked_at = models.DateTimeField(_("revoked at"))

    objects = ScopedQuerySet.as_manager()
    scope_paths = {
        level: f"application__{path}"
        for level, path in {"county": "school__county", "school": "school", "class": "school_class"}.items()
    }

    class Meta:
        verbose_name = _("revocation")
        verbose_name_plural = _("revocations")
        constraints = [
            models.CheckConstraint(condition=~Q(detail=""), name="revocation_has_details"),
        ]

    def __str__(self):
        return f"{self.application} {self.get_reason_display()}"


class ReviewMeeting(models.Model):
    """评议会议: one meeting of a review panel, with who came, what it decided and any dissent.

    A panel may meet more than once in its term (a late application, a replacement); each meeting
    is printed as a 评议记录表 that the members present sign.
    """

    panel = models.ForeignKey(
        ReviewPanel, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("review panel")
    )
    date = models.DateField(_("date of the meeting"))
    place = models.CharField(_("place"), max_length=100)
    members_present = models.ManyToManyField(
        ReviewPanelMember, related_name="meetings_attended", verbose_name=_("members present")
    )
    decisions = models.TextField(_("decisions taken"), max_length=4000)
    dissent = models.TextField(_("dissenting opinions"), blank=True, max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    objects = ScopedQuerySet.as_manager()
    scope_paths = {level: f"panel__{path}" for level, path in ReviewPanel.scope_paths.items()}

    class Meta:
        verbose_name = _("review meeting")
        verbose_name_plural = _("review meetings")
        ordering = ["panel", "date", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(decisions=""), name="review_meeting_has_decisions"),
            models.CheckConstraint(condition=~Q(place=""), name="review_meeting_has_place"),
        ]

    def __str__(self):
        return f"{self.panel} {self.date:%Y-%m-%d}"
