from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aidsys.forms import PlausibleDateField
from aidsys.models import Term
from reviews.models import PanelRole, RevocationReason
from reviews.selectors import AWARD_TIERS


def _text(label, *, required=True, rows=2, max_length=1000, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class RecommendForm(forms.Form):
    tier = forms.ChoiceField(label=_("recommended tier"), choices=AWARD_TIERS, widget=forms.RadioSelect)
    note = _text(_("first review note"), required=False)
    no_visit_reason = _text(
        _("why there is no home visit"),
        required=False,
        help_text=_("Only where the student has no home visit on file for this school year."),
    )


class ReturnForm(forms.Form):
    comment = _text(_("what needs to be completed"))


class NotRecommendForm(forms.Form):
    reason = forms.CharField(
        label=_("why you do not recommend it"),
        max_length=1000,
        help_text=_(
            "The aid office reads it and decides: say what you found, not what the family told you in confidence."
        ),
        error_messages={"required": _("Say why you do not recommend the application.")},
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ApproveForm(forms.Form):
    tier = forms.ChoiceField(label=_("tier"), choices=AWARD_TIERS)
    amount = forms.DecimalField(
        label=_("amount (yuan)"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        help_text=_("Leave empty for the standard amount of the tier."),
    )
    amount_reason = _text(_("why the amount differs from the standard"), required=False, rows=1)
    decision_reason = _text(
        _("why the school approves it"),
        required=False,
        rows=1,
        help_text=_("Needed where the class teacher did not recommend the application."),
    )


class ReplaceForm(ApproveForm):
    replaces = forms.ModelChoiceField(label=_("replaces the revoked award of"), queryset=None)

    def __init__(self, *args, open_places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["replaces"].queryset = open_places
        self.fields["replaces"].label_from_instance = lambda application: application.student.name


class RejectForm(forms.Form):
    reason = _text(_("reason"))


class SendBackForm(forms.Form):
    comment = _text(_("what the class teacher should look at again"))


class ReconsiderForm(forms.Form):
    reason = _text(_("why the decision is taken back"), rows=1)


class RevokeForm(forms.Form):
    reason = forms.ChoiceField(label=_("reason"), choices=RevocationReason.choices)
    detail = _text(_("details"), rows=3)
    effective_term = forms.ModelChoiceField(label=_("takes effect in"), queryset=None)

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["effective_term"].queryset = Term.objects.filter(
            school_year_id=application.term.school_year_id, start__gte=application.term.start
        ).select_related("school_year")
        self.fields["effective_term"].initial = application.term_id


class RosterReturnForm(forms.Form):
    comment = _text(_("what the aid office should change"), rows=3)


class PanelForm(forms.Form):
    formed_on = PlausibleDateField(label=_("formed on"))
    note = _text(_("note"), required=False)


class PanelMemberForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "name"), max_length=50)
    role = forms.ChoiceField(label=_("role on the panel"), choices=PanelRole.choices)
    title = forms.CharField(label=_("position"), max_length=50, required=False)


class MeetingForm(forms.Form):
    date = PlausibleDateField(label=_("date of the meeting"))
    place = forms.CharField(label=_("place"), max_length=100)
    members_present = forms.ModelMultipleChoiceField(
        label=_("members present"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Tick the members who were present."),
            "invalid_choice": _("One of the members ticked is not a member of this review panel."),
        },
    )
    decisions = _text(_("decisions taken"), rows=4, max_length=4000)
    dissent = _text(
        _("dissenting opinions"),
        required=False,
        rows=2,
        max_length=2000,
        help_text=_("Who disagreed and why, as they asked it to be recorded; leave empty where there was none."),
    )

    def __init__(self, *args, panel, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members_present"].queryset = panel.members.all()
        self.fields["members_present"].label_from_instance = lambda member: (
            f"{member.name}（{member.get_role_display()}）"
        )
