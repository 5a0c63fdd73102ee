from django import forms
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


class HolidayForm(forms.ModelForm):
    class Meta:
        model = Holiday
        fields = ["date", "kind", "name"]
        widgets = {"date": DateInput()}


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
    start = forms.DateField(label=_("first day"), widget=DateInput())
    days = forms.IntegerField(label=_("working days"), min_value=1, max_value=60, initial=5)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("action"), required=False, choices=[("", _("All actions")), *AuditEvent.Action.choices]
    )
    q = forms.CharField(label=_("person or object"), required=False, max_length=50)
