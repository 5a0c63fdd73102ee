from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from aidsys.forms import PlausibleDateField
from aidsys.models import Stage
from applications.models import Boarding, FundingSource, PaymentMethod, PayPeriod
from students.models import Tier

# A standard is for one of the difficulty tiers or for all; 不困难 gets no aid.
STANDARD_TIERS = [("", _("All tiers")), *[(t.value, t.label) for t in Tier if t != Tier.NOT_DIFFICULT]]


class ProgramForm(forms.Form):
    county = forms.ModelChoiceField(label=_("county"), queryset=None, empty_label=None)
    code = forms.CharField(label=_("code"), max_length=20, help_text=_("Short and unique in the county, e.g. GZ-ZXJ."))
    name = forms.CharField(label=_("name"), max_length=100)
    stages = forms.MultipleChoiceField(
        label=_("school stages served"), choices=Stage.choices, widget=forms.CheckboxSelectMultiple
    )
    pay_period = forms.ChoiceField(
        label=_("paid"),
        choices=PayPeriod.choices,
        widget=forms.RadioSelect,
        help_text=_("Paid per term: each term's award is half the year's standard."),
    )
    payment_methods = forms.MultipleChoiceField(
        label=_("payment methods"), choices=PaymentMethod.choices, widget=forms.CheckboxSelectMultiple
    )
    notice_shows_amount = forms.BooleanField(label=_("the public notice may show amounts"), required=False)
    award_ceiling = forms.DecimalField(
        label=_("highest amount of one award (yuan)"),
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
        required=False,
        help_text=_(
            "An award above the highest standard (yuan per year) of its school year is refused unless it is "
            "within this ceiling. Empty: no award above the highest standard."
        ),
    )
    active = forms.BooleanField(label=_("active"), required=False, initial=True)

    def __init__(self, *args, counties=None, **kwargs):
        super().__init__(*args, **kwargs)
        if counties is None:
            del self.fields["county"]  # a program stays in its county
        else:
            self.fields["county"].queryset = counties


class StandardForm(forms.Form):
    tier = forms.ChoiceField(label=_("tier"), choices=STANDARD_TIERS, required=False)
    boarding = forms.ChoiceField(label=_("boarding"), choices=Boarding.choices, initial=Boarding.ANY)
    amount_per_year = forms.DecimalField(
        label=_("yuan per student and year"), min_value=Decimal("0.01"), max_digits=10, decimal_places=2
    )


class FundingShareForm(forms.Form):
    # An empty choice first, so that an unused extra row stays unchanged and is skipped.
    source = forms.ChoiceField(label=_("funding source"), choices=[("", "—"), *FundingSource.choices])
    percent = forms.DecimalField(
        label=_("percent"), min_value=Decimal("0.01"), max_value=100, max_digits=5, decimal_places=2
    )


StandardFormSet = forms.formset_factory(StandardForm, extra=2, can_delete=True)
FundingShareFormSet = forms.formset_factory(FundingShareForm, extra=2, can_delete=True)


def formset_rows(formset) -> list[dict]:
    """The filled-in rows of a valid formset that are not ticked for removal."""
    return [form.cleaned_data for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]


class WindowForm(forms.Form):
    opens = PlausibleDateField(label=_("opens"))
    closes = PlausibleDateField(label=_("closes"))

    def clean(self):
        data = super().clean()
        if data.get("opens") and data.get("closes") and data["closes"] < data["opens"]:
            raise ValidationError({"closes": _("The window cannot close before it opens.")})
        return data


class NationalSeedForm(forms.Form):
    county = forms.ModelChoiceField(label=_("county"), queryset=None, empty_label=None)
    school_year = forms.ModelChoiceField(label=_("school year"), queryset=None, empty_label=None)

    def __init__(self, *args, counties, school_years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = counties
        self.fields["school_year"].queryset = school_years
