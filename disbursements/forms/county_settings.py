"""The county's payment settings (资金发放设置): its allowances and the complaint telephones."""

from django import forms
from django.utils.translation import gettext_lazy as _

from disbursements.services.county_settings import telephone_error

# Room for what people type (spaces, brackets, full-width digits); what is stored is shorter.
TYPED_TELEPHONE_LENGTH = 30


class PaymentSettingsForm(forms.Form):
    payment_advance_allowed = forms.BooleanField(
        label=_("Batches may be approved ahead of the funds received"),
        required=False,
        help_text=_("The principal then approves a batch beyond the funds received only with a reason, recorded."),
    )
    bank_book_allowed = forms.BooleanField(
        label=_("Bank books (存折) are accepted as payment accounts"),
        required=False,
        help_text=_("Otherwise a student's payment account is a bank card or another account the county accepts."),
    )
    complaint_phone = forms.CharField(
        label=_("The county's complaint telephone"),
        max_length=TYPED_TELEPHONE_LENGTH,
        required=False,
        help_text=_("Printed on the families' notices. A landline with its area code, or a mobile number."),
    )

    def __init__(self, *args, county, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.county = county
        self.schools = list(schools)
        for name in ("payment_advance_allowed", "bank_book_allowed", "complaint_phone"):
            self.fields[name].initial = getattr(county, name)
        for school in self.schools:
            self.fields[self.school_field(school)] = forms.CharField(
                label=school.name, max_length=TYPED_TELEPHONE_LENGTH, required=False, initial=school.complaint_phone
            )

    @staticmethod
    def school_field(school) -> str:
        return f"school_{school.pk}"

    def clean_complaint_phone(self):
        phone = self.cleaned_data["complaint_phone"].strip()
        message = telephone_error(owner=self.county, phone=phone)
        if message:
            raise forms.ValidationError(message, code="telephone")
        return phone

    def clean(self):
        cleaned = super().clean()
        for school in self.schools:
            name = self.school_field(school)
            message = telephone_error(owner=school, phone=(cleaned.get(name) or "").strip())
            if message:
                self.add_error(name, forms.ValidationError(message, code="telephone"))
        return cleaned

    def school_rows(self):
        return [(school, self[self.school_field(school)]) for school in self.schools]

    def school_phones(self) -> dict[int, str]:
        return {school.pk: self.cleaned_data[self.school_field(school)].strip() for school in self.schools}
