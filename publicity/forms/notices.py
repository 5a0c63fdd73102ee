"""Forms of the notices, the county's overview and the reports. The objections' are in objections.py."""

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aidsys.forms import PlausibleDateField
from aidsys.models import School, Term
from applications.models import AidProgram
from publicity.models import NoticeStatus, Place, ReportStatus
from publicity.services.periods import MAX_WORKING_DAYS


class NoticeForm(forms.Form):
    start_date = PlausibleDateField(label=_("first day"))
    working_days = forms.IntegerField(
        label=_("working days"),
        min_value=1,
        max_value=MAX_WORKING_DAYS,
        help_text=_("Official holidays do not count; adjusted working weekends do."),
    )
    places = forms.MultipleChoiceField(
        label=_("where it is posted"), choices=Place.choices, widget=forms.CheckboxSelectMultiple
    )
    contact_office = forms.CharField(label=_("office taking objections"), max_length=100)
    contact_phone = forms.CharField(label=_("phone for objections"), max_length=30)

    def __init__(self, *args, county, **kwargs):
        super().__init__(*args, **kwargs)
        # The service refuses a first day before today; the date picker offers none.
        self.fields["start_date"].widget.attrs["min"] = timezone.localdate().isoformat()
        self.fields["working_days"].min_value = county.notice_working_days
        self.fields["working_days"].widget.attrs["min"] = county.notice_working_days
        # The last day shows beside the fields as they are typed (htmx; the page works without it).
        preview = {"hx-get": reverse_lazy("publicity:notice_period_preview"), "hx-target": "#period-preview"}
        preview |= {"hx-trigger": "change", "hx-include": "[name=start_date],[name=working_days]"}
        self.fields["start_date"].widget.attrs.update(preview)
        self.fields["working_days"].widget.attrs.update(preview)
        self.fields["working_days"].help_text = _(
            "At least {days} in {county}. Official holidays do not count; adjusted working weekends do."
        ).format(days=county.notice_working_days, county=county)


class PeriodPreviewForm(forms.Form):
    start_date = PlausibleDateField(label=_("first day"))
    working_days = forms.IntegerField(min_value=1, max_value=MAX_WORKING_DAYS)


class ReturnReportForm(forms.Form):
    comment = forms.CharField(
        label=_("what the school should change"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


NOTICE_PHASES = [
    ("", _("Any")),
    (NoticeStatus.DRAFT, NoticeStatus.DRAFT.label),
    ("scheduled", _("Published, not yet begun")),
    ("running", _("Running")),
    ("ended", _("Ended, not closed")),
    (NoticeStatus.CLOSED, NoticeStatus.CLOSED.label),
]


class _CountyFilterForm(forms.Form):
    program = forms.ModelChoiceField(label=_("aid program"), queryset=AidProgram.objects.none(), required=False)
    term = forms.ModelChoiceField(
        label=_("term"), queryset=Term.objects.select_related("school_year").order_by("-start"), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = AidProgram.objects.visible_to(user).order_by("code")


class CountyNoticeFilterForm(_CountyFilterForm):
    school = forms.ModelChoiceField(label=_("school"), queryset=School.objects.none(), required=False)
    status = forms.ChoiceField(label=_("status"), choices=NOTICE_PHASES, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["school"].queryset = School.objects.visible_to(user).order_by("code")


class ReportFilterForm(_CountyFilterForm):
    status = forms.ChoiceField(label=_("status"), choices=[("", _("Any")), *ReportStatus.choices], required=False)
