"""The organisation: County → School → SchoolYear/Term → SchoolClass."""

from datetime import date
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, override
from django.utils.translation import gettext_lazy as _

from aidsys import cn
from aidsys.scope import ScopedQuerySet


class Stage(models.TextChoices):
    KINDERGARTEN = "kindergarten", _("Kindergarten")
    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Junior secondary")
    SENIOR = "senior", _("Senior secondary")
    VOCATIONAL = "vocational", _("Secondary vocational")


class Grade(models.IntegerChoices):
    """The tens digit is the stage, the unit digit the year within it."""

    K1 = 11, _("Nursery class")
    K2 = 12, _("Middle class")
    K3 = 13, _("Senior kindergarten class")
    P1 = 21, _("Grade 1")
    P2 = 22, _("Grade 2")
    P3 = 23, _("Grade 3")
    P4 = 24, _("Grade 4")
    P5 = 25, _("Grade 5")
    P6 = 26, _("Grade 6")
    J1 = 31, _("Grade 7")
    J2 = 32, _("Grade 8")
    J3 = 33, _("Grade 9")
    S1 = 41, _("Senior 1")
    S2 = 42, _("Senior 2")
    S3 = 43, _("Senior 3")
    V1 = 51, _("Vocational year 1")
    V2 = 52, _("Vocational year 2")
    V3 = 53, _("Vocational year 3")


GRADE_STAGE = {
    1: Stage.KINDERGARTEN,
    2: Stage.PRIMARY,
    3: Stage.JUNIOR,
    4: Stage.SENIOR,
    5: Stage.VOCATIONAL,
}


def grade_stage(grade: int) -> Stage:
    return GRADE_STAGE[grade // 10]


class County(models.Model):
    code = models.CharField(_("division code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=50)
    # How many working days a public notice runs in this county (DESIGN.md §4: 5 by default).
    notice_working_days = models.PositiveSmallIntegerField(_("notice period (working days)"), default=5)
    # The per-capita annual household income under which a family counts as in hardship when
    # applications are ranked; local practice sets it near the rural low-income line.
    income_threshold = models.DecimalField(
        _("hardship income line (yuan per person and year)"), max_digits=10, decimal_places=2, default=6000
    )
    # Disbursement (DESIGN.md §4): a batch may be approved beyond the funds received only where the
    # county allows an advance (with its reason); a bank book instead of a card only where allowed.
    payment_advance_allowed = models.BooleanField(_("batches may be paid ahead of the funds"), default=False)
    bank_book_allowed = models.BooleanField(_("bank books are accepted as payment accounts"), default=False)
    complaint_phone = models.CharField(_("complaint telephone"), max_length=20, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"county": "pk", "member_county": "pk"}

    class Meta:
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(notice_working_days__gte=5), name="county_notice_at_least_five_days"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        telephone_errors = complaint_phone_errors(self.complaint_phone)
        if telephone_errors:
            raise ValidationError(telephone_errors)


def complaint_phone_errors(phone: str) -> dict:
    """The complaint telephone is printed on the families' notices: a number they can dial, or none."""
    if not phone:
        return {}
    try:
        cn.normalize_telephone(phone)
    except ValidationError as error:
        return {"complaint_phone": error.messages}
    return {}


class School(models.Model):
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="schools", verbose_name=_("county"))
    code = models.CharField(_("school code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=100)
    stages = models.JSONField(_("stages"), default=list)
    address = models.CharField(_("address"), max_length=200, blank=True)
    complaint_phone = models.CharField(_("complaint telephone"), max_length=20, blank=True)
    current_term = models.ForeignKey(
        "aidsys.Term",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current term"),
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"county": "county", "school": "pk", "member_school": "pk"}
    audit_list_choices = {"stages": Stage.choices}

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["code"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("aidsys:school_detail", args=[self.pk])

    def clean(self):
        errors = complaint_phone_errors(self.complaint_phone)
        valid = set(Stage.values)
        if not self.stages or not isinstance(self.stages, list) or not set(self.stages) <= valid:
            errors["stages"] = _("Choose at least one stage the school serves.")
        if errors:
            raise ValidationError(errors)

    @property
    def stage_labels(self) -> str:
        labels = dict(Stage.choices)
        return "、".join(str(labels[s]) for s in self.stages if s in labels)


class SchoolYear(models.Model):
    """A school year such as 2026–2027, starting in autumn of `start_year`."""

    start_year = models.PositiveSmallIntegerField(_("starting year"), unique=True)

    class Meta:
        verbose_name = _("school year")
        verbose_name_plural = _("school years")
        ordering = ["-start_year"]

    def __str__(self):
        return f"{self.start_year}–{self.start_year + 1}"

    @property
    def label(self) -> str:
        return _("{start}–{end} school year").format(start=self.start_year, end=self.start_year + 1)

    def days(self) -> tuple[date, date]:
        """Its first and last day: 1 September to 31 August (the summer holiday belongs to the year
        that ends with it), or wider where its terms say so."""
        first, last = date(self.start_year, 9, 1), date(self.start_year + 1, 8, 31)
        for term in self.terms.all():
            first, last = min(first, term.start), max(last, term.end)
        return first, last


class Term(models.Model):
    class Kind(models.TextChoices):
        AUTUMN = "autumn", _("Autumn term")
        SPRING = "spring", _("Spring term")

    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="terms", verbose_name=_("school year")
    )
    kind = models.CharField(_("term"), max_length=10, choices=Kind.choices)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["start"]
        constraints = [
            models.UniqueConstraint(fields=["school_year", "kind"], name="term_one_of_each_kind_per_year"),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="term_ends_after_start"),
        ]

    def __str__(self):
        return _("{year} {term}").format(year=self.school_year, term=self.get_kind_display())

    def clean(self):
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": _("The last day must come after the first day.")})

    @classmethod
    def current(cls, today=None):
        """The term today falls in, else the latest one that has begun."""
        today = today or timezone.localdate()
        terms = cls.objects.select_related("school_year")
        return (
            terms.filter(start__lte=today, end__gte=today).first()
            or terms.filter(start__lte=today).order_by("-start").first()
        )


CHINESE_DIGITS = "零一二三四五六七八九"


@lru_cache(maxsize=4096)
def class_name(language: str | None, grade: int, number: int) -> str:
    """A class's name in a language: made once per process, as a roster import or a school's
    summary names the same classes thousands of times."""
    # Grade(...).label, not get_grade_display(): Django rebuilds the choices dict on every call.
    try:
        label = Grade(grade).label
    except ValueError:
        label = grade
    return str(_("{grade}({number}) class")).format(grade=label, number=number)


class SchoolClass(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="classes", verbose_name=_("school"))
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="classes", verbose_name=_("school year")
    )
    grade = models.PositiveSmallIntegerField(_("grade"), choices=Grade.choices)
    number = models.PositiveSmallIntegerField(_("class number"))
    class_teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="taught_classes",
        verbose_name=_("class teacher"),
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"county": "school__county", "school": "school", "class": "pk"}

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["school", "grade", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "grade", "number"], name="class_unique_per_school_year"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="class_number_positive"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("aidsys:class_detail", args=[self.pk])

    @property
    def stage(self) -> Stage:
        return grade_stage(self.grade)

    @property
    def name(self) -> str:
        """三年级(2)班, 高一(3)班: the name written on the classroom door."""
        return class_name(get_language(), self.grade, self.number)

    @property
    def record_name(self) -> str:
        """The name as a record keeps it for the documents it prints (a payment line's 七年级(1)班): in the
        project's language, whatever language the person who made the record reads the interface in."""
        with override(settings.LANGUAGE_CODE):
            return class_name(settings.LANGUAGE_CODE, self.grade, self.number)

    def clean(self):
        if self.school_id and self.grade and self.stage not in (self.school.stages or []):
            raise ValidationError({"grade": _("This school does not serve that grade's stage.")})
        if self.school_id and self.class_teacher_id:
            from aidsys.models.people import Membership, Role

            teaches_here = Membership.objects.active().filter(
                user_id=self.class_teacher_id, role=Role.CLASS_TEACHER, school_id=self.school_id
            )
            if not teaches_here.exists():
                raise ValidationError(
                    {
                        "class_teacher": _("{name} is not a class teacher of {school}.").format(
                            name=self.class_teacher, school=self.school
                        )
                    }
                )
