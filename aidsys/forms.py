from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _

from aidsys.models import AuditEvent, Holiday, Term


class FormRenderer(TemplatesSetting):
    form_template_name = "forms/div.html"
    field_template_name = "forms/field.html"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


# Beyond these, a date is a slip of the keyboard (0001, 9999), and the working-day arithmetic would overflow.
FIRST_PLAUSIBLE_DAY = date(2000, 1, 1)
LAST_PLAUSIBLE_DAY = date(2100, 12, 31)


class PlausibleDateField(forms.DateField):
    """Every date the project's forms and query parameters take: a date picker, and a date in a plausible range."""

    widget = DateInput

    def __init__(self, *, first: date = FIRST_PLAUSIBLE_DAY, last: date = LAST_PLAUSIBLE_DAY, **kwargs):
        super().__init__(**kwargs)
        self.first, self.last = first, last
        self.widget.attrs.setdefault("min", first.isoformat())
        self.widget.attrs.setdefault("max", last.isoformat())

    def validate(self, value):
        super().validate(value)
        if value and not self.first <= value <= self.last:
            raise ValidationError(
                _("{label}: {value} is not a plausible date; give one from {first} to {last}.").format(
                    label=self.label or _("date"),
                    value=value.isoformat(),
                    first=self.first.isoformat(),
                    last=self.last.isoformat(),
                ),
                code="implausible_date",
            )


class HolidayForm(forms.ModelForm):
    class Meta:
        model = Holiday
        fields = ["date", "kind", "name"]
        field_classes = {"date": PlausibleDateField}


class CurrentTermForm(forms.Form):
    term = forms.ModelChoiceField(
        label=_("current term"), queryset=Term.objects.select_related("school_year").order_by("-start")
    )


class ClassTeacherForm(forms.Form):
    class_teacher = forms.ModelChoiceField(label=_("class teacher"), queryset=None, required=False)

    def __init__(self, *args, teachers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["class_teacher"].queryset = teachers


class WorkingPeriodForm(forms.Form):
    start = PlausibleDateField(label=_("first day"))
    days = forms.IntegerField(label=_("working days"), min_value=1, max_value=60, initial=5)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("action"), required=False, choices=[("", _("All actions")), *AuditEvent.Action.choices]
    )
    q = forms.CharField(label=_("person or object"), required=False, max_length=50)
