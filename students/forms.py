from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aidsys import cn
from aidsys.forms import PlausibleDateField
from students import privacy
from students.models import (
    AccountKind,
    BigExpense,
    EnrolmentStatus,
    Health,
    Housing,
    Hukou,
    IncomeSource,
    Relation,
    SpecialGroup,
    SpecialGroupFlag,
    Tier,
    VisitMethod,
)

YES_NO = [("", _("Any")), ("yes", _("Yes")), ("no", _("No"))]
KEEP_HINT = _("Shown masked. Leave empty to keep the stored value.")


class RosterFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"placeholder": _("name, initials (wxm) or last digits of the ID")}),
    )
    tier = forms.ChoiceField(label=_("tier"), required=False, choices=[("", _("Any")), *Tier.choices])
    special_group = forms.ChoiceField(
        label=_("special group"), required=False, choices=[("", _("Any")), *SpecialGroup.choices]
    )
    boarder = forms.ChoiceField(label=_("boarder"), required=False, choices=YES_NO)
    hukou = forms.ChoiceField(label=_("hukou"), required=False, choices=[("", _("Any")), *Hukou.choices])
    visit = forms.ChoiceField(label=_("home visit this school year"), required=False, choices=YES_NO)


class WriteOnlyField(forms.CharField):
    """A sensitive value: the form shows its mask as a hint and never the stored value itself."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", KEEP_HINT)
        super().__init__(*args, **kwargs)


class StudentForm(forms.Form):
    WRITE_ONLY = ("student_number", "guardian_phone", "account_number")

    student_number = WriteOnlyField(label=_("student number"), max_length=30)
    hukou = forms.ChoiceField(label=_("hukou"), choices=Hukou.choices)
    boarder = forms.BooleanField(label=_("boarder"), required=False)
    guardian_name = forms.CharField(label=_("guardian's name"), max_length=50, required=False)
    guardian_relation = forms.ChoiceField(
        label=_("guardian's relation"), choices=[("", "—"), *Relation.choices], required=False
    )
    guardian_phone = WriteOnlyField(label=_("guardian's phone"), max_length=20)
    account_kind = forms.ChoiceField(
        label=_("payment account"),
        choices=[("", "—"), *AccountKind.choices],
        required=False,
        help_text=_(
            "One person, one card (一人一卡): the card is opened and activated by the student or the guardian "
            "in person and stays with the family. The school never keeps a card, a bank book or a PIN."
        ),
    )
    account_number = WriteOnlyField(
        label=_("account number"),
        max_length=30,
        help_text=format_lazy(
            "{check} {keep}",
            check=_("A card number has 16 to 19 digits and is checked for mistyped digits."),
            keep=KEEP_HINT,
        ),
    )
    account_holder = forms.CharField(
        label=_("account holder"),
        max_length=50,
        required=False,
        help_text=_("Left empty: the student."),
    )
    account_holder_relation = forms.ChoiceField(
        label=_("account holder's relation"),
        choices=[("", "—"), *[choice for choice in Relation.choices if choice[0] != Relation.SELF]],
        required=False,
        help_text=_("Only when the account is a guardian's, not the student's own."),
    )
    account_holder_reason = forms.CharField(
        label=_("why the account is not the student's own"), max_length=200, required=False
    )
    account_bank = forms.CharField(label=_("bank"), max_length=50, required=False)

    def __init__(self, *args, student, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.WRITE_ONLY:
            self.fields[name].widget.attrs["placeholder"] = privacy.masked_value(student, name)

    def clean_guardian_phone(self):
        value = self.cleaned_data["guardian_phone"]
        return cn.normalize_mobile(value) if value else ""

    def clean_account_number(self):
        value = "".join(self.cleaned_data["account_number"].split())
        if value and not value.isdigit():
            raise ValidationError(_("An account number has digits only."))
        return value

    def changes(self) -> dict:
        """The data to save: a write-only field left empty keeps its stored value."""
        return {name: value for name, value in self.cleaned_data.items() if value or name not in self.WRITE_ONLY}


class HouseholdForm(forms.Form):
    township = forms.CharField(label=_("township"), max_length=50, required=False)
    village = WriteOnlyField(label=_("village or community"), max_length=50)
    address_detail = WriteOnlyField(label=_("address"), max_length=200)

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].widget.attrs["placeholder"] = privacy.MASK if household.village else ""
        self.fields["address_detail"].widget.attrs["placeholder"] = privacy.MASK if household.address_detail else ""

    def changes(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if value or name == "township"}


class MemberForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "name"), max_length=50)
    relation = forms.ChoiceField(label=_("relation to the student"), choices=Relation.choices)
    id_number = WriteOnlyField(label=_("ID number"), max_length=25)
    age = forms.IntegerField(label=_("age"), min_value=0, max_value=120, required=False)
    occupation = forms.CharField(label=_("occupation"), max_length=50, required=False)
    health = forms.ChoiceField(label=_("health"), choices=Health.choices)
    health_note = forms.CharField(label=_("illness or disability"), max_length=200, required=False)
    annual_income = forms.DecimalField(
        label=_("annual income (yuan)"),
        min_value=0,
        max_digits=10,
        decimal_places=2,
        required=False,
        help_text=KEEP_HINT,
    )

    def __init__(self, *args, member=None, show_health=True, **kwargs):
        """`show_health`: the user may see the member's health and disability (aidsys.scope.can_reveal);
        without it, an existing member's are masked like the other sensitive values, and kept unless changed."""
        super().__init__(*args, **kwargs)
        self.write_only = ["id_number", "annual_income"]
        if member is None:
            self.fields["id_number"].help_text = ""
            self.fields["annual_income"].help_text = ""
            return
        self.fields["id_number"].widget.attrs["placeholder"] = cn.mask_id_number(member.id_number)
        if member.annual_income is not None:
            self.fields["annual_income"].widget.attrs["placeholder"] = privacy.MASK
        if not show_health:
            # Whether someone is healthy is itself health data: masked for every member.
            self.fields["health"] = forms.ChoiceField(
                label=_("health"), choices=[("", privacy.MASK), *Health.choices], required=False, help_text=KEEP_HINT
            )
            self.fields["health_note"] = WriteOnlyField(label=_("illness or disability"), max_length=200)
            self.fields["health_note"].widget.attrs["placeholder"] = privacy.MASK if member.health_note else ""
            for name in ("health", "health_note"):
                self.initial.pop(name, None)
            self.write_only += ["health", "health_note"]

    def clean_id_number(self):
        value = self.cleaned_data["id_number"]
        return cn.normalize_id_number(value) if value else ""

    def changes(self, member=None) -> dict:
        """The data to save: for an existing member, a masked field left empty keeps its stored value."""
        data = dict(self.cleaned_data)
        if member is not None:
            for name in self.write_only:
                if data[name] in ("", None):
                    del data[name]
        return data


class SpecialGroupForm(forms.Form):
    group = forms.ChoiceField(label=_("special group"), choices=SpecialGroup.choices)
    source = forms.ChoiceField(
        label=_("source"),
        choices=[
            (SpecialGroupFlag.Source.HOME_VISIT, SpecialGroupFlag.Source.HOME_VISIT.label),
            (SpecialGroupFlag.Source.SELF_DECLARED, SpecialGroupFlag.Source.SELF_DECLARED.label),
        ],
    )
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultiplePhotoInput(attrs={"accept": "image/*", "capture": "environment", "multiple": True})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if len(files) > 9:
            raise ValidationError(_("At most 9 photos a visit."))
        return [super(MultiplePhotoField, self).clean(file, initial) for file in files]


class HomeVisitForm(forms.Form):
    visited_on = PlausibleDateField(label=_("date of the visit"))
    method = forms.ChoiceField(label=_("method"), choices=VisitMethod.choices, widget=forms.RadioSelect)
    people_met = forms.CharField(label=_("people met"), max_length=200)
    housing = forms.ChoiceField(label=_("housing"), choices=Housing.choices, widget=forms.RadioSelect)
    income_sources = forms.MultipleChoiceField(
        label=_("income sources"), choices=IncomeSource.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    big_expenses = forms.MultipleChoiceField(
        label=_("big expenses"), choices=BigExpense.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    health_disability = forms.CharField(
        label=_("health and disability"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    notes = forms.CharField(label=_("what the teacher saw"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    suggested_tier = forms.ChoiceField(label=_("suggested tier"), choices=Tier.choices, widget=forms.RadioSelect)
    photos = MultiplePhotoField(label=_("photos"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Most visits are recorded the day they are made.
        self.fields["visited_on"].initial = timezone.localdate()

    def clean_visited_on(self):
        value = self.cleaned_data["visited_on"]
        if value > timezone.localdate():
            raise ValidationError(_("A visit cannot be in the future."))
        return value


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=500)


class StatusForm(forms.Form):
    """学籍变动: the new enrolment status, from which day, and why."""

    status = forms.ChoiceField(label=_("enrolment status"), choices=EnrolmentStatus.choices)
    since = PlausibleDateField(label=_("status since"))
    reason = forms.CharField(label=_("reason"), max_length=500)

    def clean_since(self):
        value = self.cleaned_data["since"]
        if value > timezone.localdate():
            raise ValidationError(_("The date of a status change cannot be in the future."))
        return value


class HouseholdJoinForm(forms.Form):
    """Join a brother's or sister's household: found by their 身份证号 among the students one may edit."""

    id_number = forms.CharField(
        label=_("ID number of the brother or sister at school"),
        max_length=25,
        help_text=_("Their household, members and special groups join this student's; duplicates are removed."),
    )
    reason = forms.CharField(label=_("reason"), max_length=500)

    def clean_id_number(self):
        return cn.normalize_id_number(self.cleaned_data["id_number"])
