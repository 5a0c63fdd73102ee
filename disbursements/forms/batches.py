"""Forms of the payment batches: making one, taking a line out, approving and returning."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from aidsys.models import Term
from applications.models import AidProgram, PaymentMethod
from disbursements.models import BatchStatus


class BatchCreateForm(forms.Form):
    program = forms.ModelChoiceField(label=_("aid program"), queryset=AidProgram.objects.none())
    term = forms.ModelChoiceField(label=_("term"), queryset=Term.objects.none())
    method = forms.ChoiceField(label=_("payment method"), choices=PaymentMethod.choices)
    month = forms.CharField(
        label=_("month"),
        required=False,
        help_text=_("For a program paid monthly: the month paid, as 2026-11."),
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-11"}),
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = AidProgram.objects.filter(county=school.county_id, active=True)
        self.fields["term"].queryset = Term.objects.select_related("school_year").order_by("-start")
        if school.current_term_id:
            self.fields["term"].initial = school.current_term_id

    def clean_month(self) -> date | None:
        text = self.cleaned_data["month"].strip()
        if not text:
            return None
        try:
            year, month = (int(part) for part in text.split("-")[:2])
            return date(year, month, 1)
        except ValueError:
            raise ValidationError(_("Write the month as year-month, for example 2026-11."), code="month") from None


class LineCancelForm(forms.Form):
    reason = forms.CharField(label=_("why the line is taken out"), max_length=200)


class BatchApproveForm(forms.Form):
    advance_reason = forms.CharField(
        label=_("reason for paying ahead of the funds"),
        required=False,
        max_length=1000,
        help_text=_("Only where the batch exceeds the funds received and the county allows an advance."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BatchReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("what the aid office should change"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


BATCH_STATUS_FILTER = [("", _("Any")), *BatchStatus.choices]


class BatchFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("status"), choices=BATCH_STATUS_FILTER, required=False)
