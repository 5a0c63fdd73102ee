"""Users and their roles. A role is a membership tied to a school or a county, with dates."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aidsys.cn import mask_mobile, validate_mobile
from aidsys.scope import ScopedQuerySet


class User(AbstractUser):
    """A person who signs in. `full_name` is the Chinese name shown everywhere (王小红)."""

    full_name = models.CharField(_("full name"), max_length=50)
    phone = models.CharField(_("mobile phone"), max_length=11, blank=True, validators=[validate_mobile])

    objects = UserManager()
    # Never copied into the audit trail: a hash is still a secret, a sign-in time is noise.
    audit_excluded_fields = ("password", "last_login")
    audit_masked_fields = {"phone": mask_mobile}
    audit_labels = {"permissions": _("permissions")}

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self):
        return self.full_name or self.username

    def get_full_name(self):
        return self.full_name or self.username

    def get_short_name(self):
        return self.full_name or self.username


class Role(models.TextChoices):
    CLASS_TEACHER = "class_teacher", _("Class teacher")
    AID_OFFICE = "aid_office", _("Aid office")
    PRINCIPAL = "principal", _("Principal")
    COUNTY_STAFF = "county_staff", _("County aid centre")
    ADMIN = "admin", _("System administrator")


SCHOOL_ROLES = (Role.CLASS_TEACHER, Role.AID_OFFICE, Role.PRINCIPAL)


class MembershipQuerySet(ScopedQuerySet):
    def active(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(start__lte=on) & (Q(end__isnull=True) | Q(end__gte=on)))


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    school = models.ForeignKey(
        "aidsys.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("school"),
    )
    county = models.ForeignKey(
        "aidsys.County",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("county"),
    )
    start = models.DateField(_("from"), default=timezone.localdate)
    end = models.DateField(_("until"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()
    scope_paths = {"county": "school__county", "school": "school"}

    class Meta:
        verbose_name = _("role membership")
        verbose_name_plural = _("role memberships")
        ordering = ["user", "role"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role__in=[r.value for r in SCHOOL_ROLES], school__isnull=False, county__isnull=True)
                    | Q(role=Role.COUNTY_STAFF, school__isnull=True, county__isnull=False)
                    | Q(role=Role.ADMIN, school__isnull=True, county__isnull=True)
                ),
                name="membership_role_matches_its_unit",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="membership_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.label}"

    def audit_units(self) -> tuple[int | None, int | None]:
        if self.school_id:
            return self.school_id, self.school.county_id
        return None, self.county_id

    @property
    def unit(self):
        return self.school or self.county

    @property
    def label(self) -> str:
        """资助专干（实验小学）: the role with the unit it is held in."""
        unit = self.unit
        role = self.get_role_display()
        return f"{role}（{unit}）" if unit else str(role)

    def clean(self):
        if self.role in SCHOOL_ROLES and not self.school_id:
            raise ValidationError({"school": _("This role is held in a school: choose the school.")})
        if self.role == Role.COUNTY_STAFF and not self.county_id:
            raise ValidationError({"county": _("This role is held in a county: choose the county.")})
        if self.role == Role.ADMIN and (self.school_id or self.county_id):
            raise ValidationError(_("The administrator role is not tied to a school or a county."))
        if self.role in SCHOOL_ROLES and self.county_id:
            raise ValidationError({"county": _("A school role is not tied to a county.")})
        if self.role == Role.COUNTY_STAFF and self.school_id:
            raise ValidationError({"school": _("A county role is not tied to a school.")})
        if self.end and self.start and self.end < self.start:
            raise ValidationError({"end": _("The end date cannot come before the start date.")})
        if self.user_id and self.start:
            overlapping = Membership.objects.filter(
                user=self.user, role=self.role, school=self.school, county=self.county
            ).exclude(pk=self.pk)
            overlapping = overlapping.filter(Q(end__isnull=True) | Q(end__gte=self.start))
            if self.end:
                overlapping = overlapping.filter(start__lte=self.end)
            if overlapping.exists():
                raise ValidationError(_("{user} already holds this role there in that period.").format(user=self.user))
