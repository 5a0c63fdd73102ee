"""Forms of the objections: the public form and status look-up, the aid office's record, notes and decision."""

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from aidsys.forms import PlausibleDateField
from publicity.models import Channel, NoticeEntry, ObjectionStatus
from publicity.services.objections import (
    STAFF_CHANNELS,
    TEXT_MAX_LENGTH,
    TEXT_MIN_LENGTH,
    UPHELD_REVOCATION_REASONS,
    RosterAction,
)
from reviews.models import RevocationReason
from reviews.selectors import AWARD_TIERS

TEXT_HELP = format_lazy(
    _("{low} to {high} characters: which line, what is wrong with it, and how you know."),
    low=TEXT_MIN_LENGTH,
    high=TEXT_MAX_LENGTH,
)


class EntryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, entry: NoticeEntry) -> str:
        return f"{entry.position}. {entry.name}"


def _text_field() -> forms.CharField:
    return forms.CharField(
        label=_("objection"),
        min_length=TEXT_MIN_LENGTH,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": TEXT_MAX_LENGTH}),
        help_text=TEXT_HELP,
        error_messages={
            "required": _("Write the objection: what is wrong with the list, and why."),
            "min_length": _("Write at least %(limit_value)d characters (this has %(show_value)d): say what is wrong."),
            "max_length": _("Write at most %(limit_value)d characters (this has %(show_value)d)."),
        },
    )


class ObjectionLodgeForm(forms.Form):
    """The public form: no attachments, name and contact optional."""

    entry = EntryChoiceField(
        label=_("the line concerned"),
        queryset=NoticeEntry.objects.none(),
        required=False,
        empty_label=_("The whole list, or no line in particular"),
    )
    text = _text_field()
    name = forms.CharField(label=_("your name (optional)"), max_length=50, required=False)
    contact = forms.CharField(
        label=_("how to reach you (optional)"),
        max_length=100,
        required=False,
        help_text=_("A phone number or an address, if you would like the aid office to contact you."),
    )

    def __init__(self, *args, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = entries


class ObjectionRecordForm(ObjectionLodgeForm):
    """An objection the aid office took by phone, letter or in person."""

    channel = forms.ChoiceField(
        label=_("received by"), choices=[(value, label) for value, label in Channel.choices if value in STAFF_CHANNELS]
    )
    received_on = PlausibleDateField(label=_("received on"))
    name = forms.CharField(label=_("objector's name"), max_length=50, required=False)
    contact = forms.CharField(label=_("objector's contact"), max_length=100, required=False)

    field_order = ["channel", "received_on", "entry", "text", "name", "contact"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("received_on", timezone.localdate())
        super().__init__(*args, **kwargs)


class TrackForm(forms.Form):
    number = forms.CharField(
        label=_("tracking number"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was found: a call, a home visit, a document seen."),
    )


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("decision"),
        choices=[
            (ObjectionStatus.UPHELD, ObjectionStatus.UPHELD.label),
            (ObjectionStatus.DISMISSED, ObjectionStatus.DISMISSED.label),
        ],
        widget=forms.RadioSelect,
    )
    decision = forms.CharField(
        label=_("reason for the decision"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the investigation found. Upheld, this is also the reason shown on the supplementary notice."),
    )
    reply = forms.CharField(
        label=_("reply to the objector"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the public status page to whoever has the tracking number: name nobody's circumstances."),
    )
    entry = EntryChoiceField(label=_("the line concerned"), queryset=NoticeEntry.objects.none(), required=False)
    action = forms.ChoiceField(
        label=_("upheld: what happens to the line"),
        choices=RosterAction.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    tier = forms.ChoiceField(label=_("new tier"), choices=[("", "—"), *AWARD_TIERS], required=False)
    amount = forms.DecimalField(
        label=_("new amount (yuan)"),
        max_digits=10,
        decimal_places=2,
        required=False,
        help_text=_("Leave empty for the program's standard amount of the tier."),
    )
    amount_reason = forms.CharField(
        label=_("why the amount differs from the standard"), max_length=1000, required=False
    )
    revocation_reason = forms.ChoiceField(
        label=_("reason for the revocation"),
        choices=[(value, label) for value, label in RevocationReason.choices if value in UPHELD_REVOCATION_REASONS],
        required=False,
    )

    def __init__(self, *args, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = entries
