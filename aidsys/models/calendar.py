"""Official holidays and adjusted working days for years the calendar package does not know."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from aidsys.cn import calendar_package_years


class Holiday(models.Model):
    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday (day off)")
        WORKDAY = "workday", _("Adjusted working day (weekend worked)")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50, help_text=_("For example 国庆节 or 春节调休上班."))

    class Meta:
        verbose_name = _("holiday or adjusted working day")
        verbose_name_plural = _("holiday calendar")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}"

    def clean(self):
        first, last = calendar_package_years()
        if self.date and first <= self.date.year <= last:
            raise ValidationError(
                {
                    "date": _("{year} is already in the built-in official calendar; enter only later years.").format(
                        year=self.date.year
                    )
                }
            )
