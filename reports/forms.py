"""The form that starts a report's export: its parameters, the unit, and full data with a reason."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aidsys.models import County, School, SchoolYear, Term
from aidsys.scope import can_reveal, scope_for
from applications.models import AidProgram
from reports.layouts import NationalLayout


def counties_of(user):
    """The counties whose layouts the user may choose: their own, or (a school's staff) their schools'."""
    scope = scope_for(user)
    if scope.is_admin:
        return County.objects.all()
    return County.objects.filter(Q(pk__in=scope.county_ids) | Q(schools__pk__in=scope.school_ids)).distinct()


def initial_from(query) -> dict:
    """A link may preset the school, program and term (the county's report page links the 名单 so)."""
    initial = {}
    for name in ("program", "term", "school_year"):
        if (query.get(name) or "").isdigit():
            initial[name] = int(query[name])
    if (query.get("school") or "").isdigit():
        initial["school"] = int(query["school"])
        initial["schools"] = [int(query["school"])]
    return initial


class ExportStartForm(forms.Form):
    county = forms.ModelChoiceField(label=gettext_lazy("county"), queryset=County.objects.none())
    schools = forms.ModelMultipleChoiceField(
        label=gettext_lazy("schools"),
        queryset=School.objects.none(),
        required=False,
        help_text=gettext_lazy("Leave empty for every school of the county."),
    )
    school = forms.ModelChoiceField(label=gettext_lazy("school"), queryset=School.objects.none())
    program = forms.ModelChoiceField(label=gettext_lazy("aid program"), queryset=AidProgram.objects.none())
    term = forms.ModelChoiceField(label=gettext_lazy("term"), queryset=Term.objects.none())
    school_year = forms.ModelChoiceField(label=gettext_lazy("school year"), queryset=SchoolYear.objects.none())
    as_of = forms.DateField(label=gettext_lazy("as of"), widget=forms.DateInput(attrs={"type": "date"}))
    layout = forms.ModelChoiceField(
        label=gettext_lazy("column layout"),
        queryset=NationalLayout.objects.none(),
        required=False,
        empty_label=gettext_lazy("All columns (no layout)"),
        help_text=gettext_lazy(
            "A layout the county saved for the national system's upload: its columns, order and headings."
        ),
    )
    full_data = forms.BooleanField(
        label=gettext_lazy("Export full information"),
        required=False,
        help_text=gettext_lazy("ID numbers in full. The export is recorded with your reason."),
    )
    reason = forms.CharField(
        label=gettext_lazy("reason"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, report, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_for(user)
        self.for_county = scope.is_admin or bool(scope.county_ids)
        if self.for_county:
            counties = County.objects.all() if scope.is_admin else County.objects.filter(pk__in=scope.county_ids)
            self.fields["county"].queryset = counties
            self.fields["schools"].queryset = School.objects.visible_to(user).order_by("county", "code")
            del self.fields["school"]
            if self.fields["county"].queryset.count() == 1:
                self.fields["county"].initial = self.fields["county"].queryset.get()
                self.fields["county"].widget = forms.HiddenInput()
        else:
            self.fields["school"].queryset = School.objects.filter(pk__in=scope.school_ids).order_by("code")
            del self.fields["county"], self.fields["schools"]
            if len(scope.school_ids) == 1:
                self.fields["school"].initial = next(iter(scope.school_ids))
                self.fields["school"].widget = forms.HiddenInput()
        wanted = set(report.parameters)
        self.fields["program"].queryset = AidProgram.objects.visible_to(user).filter(active=True)
        self.fields["term"].queryset = Term.objects.select_related("school_year").order_by("-start")
        self.fields["term"].initial = Term.current()
        self.fields["school_year"].queryset = SchoolYear.objects.all()
        self.fields["layout"].queryset = NationalLayout.objects.filter(county__in=counties_of(user)).order_by("name")
        for name in ("program", "term", "school_year", "as_of", "layout"):
            if name not in wanted:
                del self.fields[name]
        self.allow_full = can_reveal(user)
        if not self.allow_full:
            del self.fields["full_data"], self.fields["reason"]

    def asks_full_data(self) -> bool:
        field = ExportStartForm.base_fields["full_data"]
        return field.clean(field.widget.value_from_datadict(self.data, self.files, self.add_prefix("full_data")))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("full_data") and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Say why the export needs full data."))
        county, schools = cleaned.get("county"), cleaned.get("schools")
        if county is not None and schools and any(school.county_id != county.pk for school in schools):
            self.add_error("schools", _("Choose schools of the county."))
        return cleaned

    def request_params(self) -> dict:
        data = self.cleaned_data
        params = {
            "full": bool(data.get("full_data")),
            "reason": data.get("reason", ""),
            "as_of": data.get("as_of"),
        }
        for name in ("program", "term", "school_year", "layout"):
            if data.get(name) is not None:
                params[f"{name}_id"] = data[name].pk
        if self.for_county:
            params["county_id"] = data["county"].pk
            params["school_ids"] = [school.pk for school in data.get("schools") or ()]
        else:
            params["school_id"] = data["school"].pk
        return params
