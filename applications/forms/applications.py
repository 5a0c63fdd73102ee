from django import forms
from django.utils.translation import gettext_lazy as _

from aidsys.models import SchoolClass, Term
from applications.models import AidProgram, AttachmentKind, Status
from applications.selectors.applications import program_choice, terms_for, visits_of
from applications.services.attachments import FORMATS
from students.models import HomeVisit, Student, Tier

# "Not difficult" is a finding of a review, never something a family applies for.
REQUESTED_TIERS = [(value, label) for value, label in Tier.choices if value != Tier.NOT_DIFFICULT]


class VisitChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, visit: HomeVisit) -> str:
        return f"{visit.visited_on:%Y-%m-%d} · {visit.get_method_display()} · {visit.visitor}"


class TermChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, term: Term) -> str:
        return str(term)


class ApplicationForm(forms.Form):
    """Filing (program and term chosen) or editing (they stay as filed) an application for one student."""

    program = forms.ModelChoiceField(label=_("aid program"), queryset=AidProgram.objects.none())
    term = TermChoiceField(label=_("term"), queryset=Term.objects.none())
    requested_tier = forms.ChoiceField(label=_("requested tier"), choices=REQUESTED_TIERS, widget=forms.RadioSelect)
    statement = forms.CharField(
        label=_("statement"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The family's situation in the family's own words, as the class teacher heard it."),
    )
    late_reason = forms.CharField(
        label=_("reason for applying late"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed only outside the program's application window (by default the term's first month)."),
    )
    home_visits = VisitChoiceField(
        label=_("home visits to link"),
        queryset=HomeVisit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    pledge_signed = forms.BooleanField(
        label=_("The pledge has been printed, signed by the student and the guardian, and is on file"),
        required=False,
    )

    def __init__(self, *args, student: Student, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_visits"].queryset = visits_of(student=student).select_related("visitor")
        # Why no program can be chosen at all; the page says it instead of showing an empty list.
        self.no_program_because = ""
        if editing:
            del self.fields["program"]
            del self.fields["term"]
            return
        choice = program_choice(student=student)
        self.no_program_because = choice.none_because
        self.fields["program"].queryset = choice.programs
        if choice.proposed is not None and not self.is_bound:
            self.initial.setdefault("program", choice.proposed.pk)
        self.fields["term"].queryset = terms_for(student=student)
        current = student.school.current_term
        if current is not None and not self.is_bound:
            self.initial.setdefault("term", current.pk)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["home_visits"] = list(data["home_visits"])
        return data


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=AttachmentKind.choices)
    file = forms.FileField(
        label=_("file"),
        help_text=_("PDF, JPEG or PNG."),
        # A plain file input: it is never shown with a stored file to clear, and it takes the
        # project's input template (form-control), so that it fits a phone's width.
        widget=forms.FileInput(
            attrs={"accept": ",".join([f.content_type for f in FORMATS] + [".pdf", ".jpg", ".jpeg", ".png"])}
        ),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("reason for withdrawing"), max_length=500)


class _Choice(forms.ModelChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("empty_label", _("All"))
        super().__init__(*args, **kwargs)


class ApplicationFilterForm(forms.Form):
    """The list's filters; the term starts as the school's current term."""

    program = _Choice(label=_("aid program"), queryset=AidProgram.objects.none())
    term = TermChoiceField(label=_("term"), queryset=Term.objects.none(), required=False, empty_label=_("All terms"))
    school_class = _Choice(label=_("class"), queryset=SchoolClass.objects.none())
    status = forms.ChoiceField(label=_("status"), required=False, choices=[("", _("All")), *Status.choices])

    def __init__(self, data, *, school, classes=None, **kwargs):
        data = data.copy()
        if "term" not in data and school.current_term_id:
            data["term"] = str(school.current_term_id)
        super().__init__(data, **kwargs)
        self.fields["program"].queryset = AidProgram.objects.filter(county_id=school.county_id).order_by("code")
        self.fields["term"].queryset = Term.objects.select_related("school_year").order_by("-start")
        if classes is None:
            del self.fields["school_class"]
        else:
            self.fields["school_class"].queryset = classes

    def filters(self) -> dict:
        return self.cleaned_data if self.is_valid() else {}
