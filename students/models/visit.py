import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aidsys.scope import ScopedQuerySet
from students.models.choices import BigExpense, Housing, IncomeSource, Tier, VisitMethod
from students.models.student import Student


class HomeVisit(models.Model):
    """家访: what the class teacher saw and heard, and the tier they suggest."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="visits", verbose_name=_("student"))
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("visiting teacher"),
    )
    school_year = models.ForeignKey(
        "aidsys.SchoolYear", on_delete=models.PROTECT, related_name="+", verbose_name=_("school year")
    )
    visited_on = models.DateField(_("date of the visit"))
    method = models.CharField(_("method"), max_length=20, choices=VisitMethod.choices)
    people_met = models.CharField(_("people met"), max_length=200)
    housing = models.CharField(_("housing"), max_length=20, choices=Housing.choices)
    income_sources = models.JSONField(_("income sources"), default=list, blank=True)
    big_expenses = models.JSONField(_("big expenses"), default=list, blank=True)
    health_disability = models.TextField(_("health and disability"), blank=True)
    notes = models.TextField(_("what the teacher saw"), blank=True)
    suggested_tier = models.CharField(_("suggested tier"), max_length=25, choices=Tier.choices)
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {level: f"student__{path}" for level, path in Student.scope_paths.items()}
    audit_list_choices = {"income_sources": IncomeSource.choices, "big_expenses": BigExpense.choices}
    audit_masked_fields = {"health_disability": None, "notes": None}

    class Meta:
        verbose_name = _("home visit")
        verbose_name_plural = _("home visits")
        ordering = ["-visited_on", "-pk"]

    def __str__(self):
        return _("Home visit to {student} on {date}").format(student=self.student, date=self.visited_on)

    def income_source_labels(self) -> list[str]:
        labels = dict(IncomeSource.choices)
        return [str(labels.get(value, value)) for value in self.income_sources]

    def big_expense_labels(self) -> list[str]:
        labels = dict(BigExpense.choices)
        return [str(labels.get(value, value)) for value in self.big_expenses]


def visit_photo_path(photo, filename: str) -> str:
    # Random names: a photo's address must not reveal whose home it shows.
    return f"visits/{photo.visit.school_year.start_year}/{uuid.uuid4().hex}.jpg"


class HomeVisitPhoto(models.Model):
    visit = models.ForeignKey(HomeVisit, on_delete=models.CASCADE, related_name="photos", verbose_name=_("home visit"))
    image = models.ImageField(_("photo"), upload_to=visit_photo_path)
    width = models.PositiveIntegerField(editable=False, verbose_name=_("width in pixels"))
    height = models.PositiveIntegerField(editable=False, verbose_name=_("height in pixels"))

    objects = ScopedQuerySet.as_manager()
    scope_paths = {level: f"visit__{path}" for level, path in HomeVisit.scope_paths.items()}

    class Meta:
        verbose_name = _("home-visit photo")
        verbose_name_plural = _("home-visit photos")

    def __str__(self):
        return self.image.name
