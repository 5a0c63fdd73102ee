from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aidsys import cn
from aidsys.scope import ScopedQuerySet
from students.models.choices import ETHNIC_GROUPS, AccountKind, EnrolmentStatus, Gender, Hukou, Relation, Tier
from students.models.household import Household

# Enrolment states in which a student still belongs to the school's roster.
ON_ROLL = (EnrolmentStatus.ENROLLED, EnrolmentStatus.TRANSFERRED_IN, EnrolmentStatus.SUSPENDED)


class Student(models.Model):
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    name_pinyin = models.CharField(_("name in pinyin"), max_length=200, editable=False, db_index=True)
    name_initials = models.CharField(_("pinyin initials"), max_length=50, editable=False, db_index=True)
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices)
    id_number = models.CharField(_("ID number"), max_length=18, unique=True)
    student_number = models.CharField(_("student number"), max_length=30, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=2, choices=ETHNIC_GROUPS, default="01")
    birth_date = models.DateField(_("birth date"))
    hukou = models.CharField(_("hukou"), max_length=5, choices=Hukou.choices)
    boarder = models.BooleanField(_("boarder"), default=False)
    status = models.CharField(
        _("enrolment status"),
        max_length=20,
        choices=EnrolmentStatus.choices,
        default=EnrolmentStatus.ENROLLED,
    )
    status_since = models.DateField(_("status since"), null=True, blank=True)
    school = models.ForeignKey(
        "aidsys.School", on_delete=models.PROTECT, related_name="students", verbose_name=_("school")
    )
    school_class = models.ForeignKey(
        "aidsys.SchoolClass",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="students",
        verbose_name=_("class"),
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="students", verbose_name=_("household")
    )
    guardian_name = models.CharField(_("guardian's name"), max_length=50, blank=True)
    guardian_relation = models.CharField(_("guardian's relation"), max_length=20, choices=Relation.choices, blank=True)
    guardian_phone = models.CharField(_("guardian's phone"), max_length=11, blank=True, validators=[cn.validate_mobile])
    account_kind = models.CharField(_("payment account"), max_length=25, choices=AccountKind.choices, blank=True)
    account_number = models.CharField(_("account number"), max_length=30, blank=True)
    account_holder = models.CharField(_("account holder"), max_length=50, blank=True)
    account_bank = models.CharField(_("bank"), max_length=50, blank=True)
    # 一人一卡: the student's own account, or a guardian's with the relation and the reason.
    account_holder_relation = models.CharField(
        _("account holder's relation"), max_length=20, choices=Relation.choices, blank=True
    )
    account_holder_reason = models.CharField(_("why the account is not the student's own"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"county": "school__county", "school": "school", "class": "school_class"}
    # Kept masked in the append-only audit trail (DESIGN.md §5); None: fully masked.
    audit_masked_fields = {
        "id_number": cn.mask_id_number,
        "student_number": None,
        "birth_date": None,
        "guardian_phone": cn.mask_mobile,
        "account_number": cn.mask_account_number,
    }

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        ordering = ["school_class", "name_pinyin"]
        permissions = [("reveal_sensitive", _("Can reveal sensitive data"))]

    def __str__(self):
        return self.name

    def save(self, *args, update_fields=None, **kwargs):
        self.fill_derived()
        if update_fields is not None and "name" in update_fields:
            update_fields = {*update_fields, "name_pinyin", "name_initials"}
        super().save(*args, update_fields=update_fields, **kwargs)

    def get_absolute_url(self):
        return reverse("students:student_detail", args=[self.pk])

    def clean(self):
        errors = {}
        if self.id_number:
            try:
                self.id_number = cn.normalize_id_number(self.id_number)
            except ValidationError as error:
                errors["id_number"] = error.messages
            else:
                if self.birth_date and self.birth_date != cn.id_number_birth_date(self.id_number):
                    errors["birth_date"] = _("The birth date does not match the ID number.")
                if self.gender and self.gender != cn.id_number_gender(self.id_number):
                    errors["gender"] = _("The gender does not match the ID number.")
        if self.guardian_phone:
            try:
                self.guardian_phone = cn.normalize_mobile(self.guardian_phone)
            except ValidationError as error:
                errors["guardian_phone"] = error.messages
        if self.school_class_id and self.school_id and self.school_class.school_id != self.school_id:
            errors["school_class"] = _("The class belongs to another school.")
        if self.account_number and not self.account_kind:
            errors["account_kind"] = _("Say what kind of account the number belongs to.")
        if errors:
            raise ValidationError(errors)

    def fill_derived(self) -> None:
        """What save() computes; bulk inserts call it themselves."""
        self.name_pinyin, self.name_initials = cn.pinyin_key_and_initials(self.name)

    @property
    def on_roll(self) -> bool:
        return self.status in ON_ROLL


class Identification(models.Model):
    """认定: the tier a student is identified with for one school year (set when a notice closes)."""

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="identifications", verbose_name=_("student")
    )
    school_year = models.ForeignKey(
        "aidsys.SchoolYear", on_delete=models.PROTECT, related_name="+", verbose_name=_("school year")
    )
    tier = models.CharField(_("tier"), max_length=25, choices=Tier.choices)
    decided_on = models.DateField(_("decided on"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    basis = models.CharField(_("basis"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {level: f"student__{path}" for level, path in Student.scope_paths.items()}

    class Meta:
        verbose_name = _("identification")
        verbose_name_plural = _("identifications")
        ordering = ["-school_year__start_year"]
        constraints = [
            models.UniqueConstraint(fields=["student", "school_year"], name="one_identification_per_year"),
        ]

    def __str__(self):
        return f"{self.student} {self.school_year} {self.get_tier_display()}"
