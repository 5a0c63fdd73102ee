"""Forms of the funds and leftover pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from aidsys.forms import PlausibleDateField
from aidsys.models import School, Term
from applications.models import AidProgram, FundingSource
from disbursements.models import LeftoverStatus
from disbursements.services.leftovers import Decision


def _terms():
    return Term.objects.select_related("school_year").order_by("-start")


class AllocationForm(forms.Form):
    school = forms.ModelChoiceField(label=_("school"), queryset=School.objects.none())
    program = forms.ModelChoiceField(label=_("aid program"), queryset=AidProgram.objects.none())
    term = forms.ModelChoiceField(label=_("term"), queryset=Term.objects.none())
    source = forms.ChoiceField(label=_("funding source"), choices=FundingSource.choices)
    amount = forms.DecimalField(label=_("amount (yuan)"), max_digits=12, decimal_places=2, min_value=0.01)
    document_number = forms.CharField(label=_("document number (文号)"), max_length=100)
    document_date = PlausibleDateField(label=_("document date"))
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = School.objects.visible_to(user).order_by("code")
        self.fields["program"].queryset = AidProgram.objects.visible_to(user).filter(active=True).order_by("code")
        self.fields["term"].queryset = _terms()


class AllocationFilterForm(forms.Form):
    school = forms.ModelChoiceField(label=_("school"), queryset=School.objects.none(), required=False)
    program = forms.ModelChoiceField(label=_("aid program"), queryset=AidProgram.objects.none(), required=False)
    term = forms.ModelChoiceField(label=_("term"), queryset=Term.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = School.objects.visible_to(user).order_by("code")
        self.fields["program"].queryset = AidProgram.objects.visible_to(user).order_by("code")
        self.fields["term"].queryset = _terms()


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("why it is withdrawn"), max_length=200)


class LeftoverFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("status"), choices=[("", _("Any")), *LeftoverStatus.choices], required=False)


class LeftoverDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[
            (Decision.CARRY, _("Carry into the next term")),
            (Decision.RETURN, _("Return to the county")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
