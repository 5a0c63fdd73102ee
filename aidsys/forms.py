from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from aidsys.models import AuditEvent, Holiday, Term

# Django ends every label with gettext(":"), which its own Chinese catalogue leaves half-width ("姓名:").
# Named here, the colon is in this project's catalogue, read first, as the full-width "：" of a Chinese label.
gettext_noop(":")


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
    """Every date the project's forms and query parameters take: a date picker, and a date in a plausible range.

    Typed (a phone without a date picker, a pasted value) it may be written 2026-11-23, 2026/11/23 or
    2026年11月23日: Django's Chinese formats name the last with %n and %j, which strptime does not
    know, so that it was never accepted.
    """

    widget = DateInput
    input_formats = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]

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


def add_errors(form, error: ValidationError) -> None:
    """Put a service's refusal beside the field it names, or above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


class ColumnLayoutForm(forms.Form):
    """A file's column layout: for each field a subclass offers (`FIELDS`: key → label), its column and
    its heading; a field given no column is not in the file. `columns()` gives them in column order
    as stored ([{"field", "heading"}]); the service checks what the layout must hold."""

    FIELDS: dict = {}
    # Said beside a column chosen without its heading.
    heading_missing = _("Give the heading for this column.")

    def __init__(self, *args, layout=None, **kwargs):
        super().__init__(*args, **kwargs)
        current = (
            {column["field"]: (place, column["heading"]) for place, column in enumerate(layout.columns, 1)}
            if layout
            else {}
        )
        for field, label in self.FIELDS.items():
            place, heading = current.get(field, (None, ""))
            self.fields[f"{field}_place"] = forms.IntegerField(
                label=format_lazy("{field}: {part}", field=label, part=_("column")),
                min_value=1,
                max_value=len(self.FIELDS),
                required=False,
                initial=place,
            )
            self.fields[f"{field}_heading"] = forms.CharField(
                label=format_lazy("{field}: {part}", field=label, part=_("heading")),
                max_length=50,
                required=False,
                initial=heading,
            )

    def clean(self):
        cleaned = super().clean()
        places = {}
        for field in self.FIELDS:
            place = cleaned.get(f"{field}_place")
            if not place:
                continue
            if not (cleaned.get(f"{field}_heading") or "").strip():
                self.add_error(f"{field}_heading", self.heading_missing)
            if place in places:
                self.add_error(
                    f"{field}_place",
                    gettext("Column {place} is already given to {other}.").format(
                        place=place, other=self.FIELDS[places[place]]
                    ),
                )
            places.setdefault(place, field)
        return cleaned

    def chosen_places(self) -> int:
        return sum(1 for field in self.FIELDS if self.cleaned_data.get(f"{field}_place"))

    def columns(self) -> list[dict]:
        chosen = [
            (self.cleaned_data[f"{field}_place"], field, self.cleaned_data[f"{field}_heading"])
            for field in self.FIELDS
            if self.cleaned_data.get(f"{field}_place")
        ]
        return [{"field": field, "heading": heading} for _place, field, heading in sorted(chosen)]


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
