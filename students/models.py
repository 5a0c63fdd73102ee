"""The registry's core rows: students and their households.

The full registry (special groups, members, home visits, payment accounts) is built on
these in the registry issue; the foundation needs them for the demo school year.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from aidsys import cn
from aidsys.scope import ScopedQuerySet


class Household(models.Model):
    township = models.CharField(_("township"), max_length=50, blank=True)
    village = models.CharField(_("village or community"), max_length=50, blank=True)
    address_detail = models.CharField(_("address"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {
        "county": "students__school__county",
        "school": "students__school",
        "class": "students__school_class",
    }

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self):
        return _("Household {number}").format(number=self.pk)


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Hukou(models.TextChoices):
    RURAL = "rural", _("Rural")
    URBAN = "urban", _("Urban")


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    TRANSFERRED_IN = "transferred_in", _("Transferred in")
    TRANSFERRED_OUT = "transferred_out", _("Transferred out")
    SUSPENDED = "suspended", _("Suspended")
    GRADUATED = "graduated", _("Graduated")


class Student(models.Model):
    name = models.CharField(_("name"), max_length=50)
    name_pinyin = models.CharField(_("name in pinyin"), max_length=200, editable=False, db_index=True)
    name_initials = models.CharField(_("pinyin initials"), max_length=50, editable=False, db_index=True)
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices)
    id_number = models.CharField(_("ID number"), max_length=18, unique=True)
    student_number = models.CharField(_("student number"), max_length=30, blank=True)
    birth_date = models.DateField(_("birth date"))
    hukou = models.CharField(_("hukou"), max_length=5, choices=Hukou.choices)
    boarder = models.BooleanField(_("boarder"), default=False)
    status = models.CharField(
        _("enrolment status"),
        max_length=20,
        choices=EnrolmentStatus.choices,
        default=EnrolmentStatus.ENROLLED,
    )
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

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"county": "school__county", "school": "school", "class": "school_class"}

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        ordering = ["school_class", "name_pinyin"]

    def __str__(self):
        return self.name

    def save(self, *args, update_fields=None, **kwargs):
        self.name_pinyin = cn.pinyin_sort_key(self.name)
        self.name_initials = cn.pinyin_initials(self.name)
        if update_fields is not None and "name" in update_fields:
            update_fields = {*update_fields, "name_pinyin", "name_initials"}
        super().save(*args, update_fields=update_fields, **kwargs)

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
        if self.school_class_id and self.school_id and self.school_class.school_id != self.school_id:
            errors["school_class"] = _("The class belongs to another school.")
        if errors:
            raise ValidationError(errors)
