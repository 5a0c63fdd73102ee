"""现金签领's forms: a class's lines recorded from the signed roster, 代领 with its 委托书, the scanned roster."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.services.attachments import FORMATS

SCAN_ACCEPT = ",".join([f.content_type for f in FORMATS] + [".pdf", ".jpg", ".jpeg", ".png"])


def scan_field(label, help_text=None) -> forms.FileField:
    return forms.FileField(
        label=label,
        help_text=help_text or _("PDF, JPEG or PNG."),
        widget=forms.FileInput(attrs={"accept": SCAN_ACCEPT}),
    )


class ClassReceiptsForm(forms.Form):
    """One row per pending line of a class: 学生签字 ✓, 监护人签字 ✓, the date. A row left empty is not recorded."""

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        today = timezone.localdate()
        for line in self.lines:
            self.fields[f"student_{line.pk}"] = forms.BooleanField(label=_("Student signed"), required=False)
            self.fields[f"guardian_{line.pk}"] = forms.BooleanField(label=_("Guardian signed"), required=False)
            self.fields[f"date_{line.pk}"] = forms.DateField(
                label=_("Date"), required=False, initial=today, widget=forms.DateInput(attrs={"type": "date"})
            )

    def rows(self):
        """Each line with its three fields, for the template's table."""
        for line in self.lines:
            yield line, self[f"student_{line.pk}"], self[f"guardian_{line.pk}"], self[f"date_{line.pk}"]

    def receipts(self) -> list[tuple]:
        """(line, student signed, guardian signed, date) of each row where anything was ticked."""
        data = self.cleaned_data
        chosen = []
        for line in self.lines:
            student, guardian = data[f"student_{line.pk}"], data[f"guardian_{line.pk}"]
            if student or guardian:
                chosen.append((line, student, guardian, data[f"date_{line.pk}"]))
        return chosen


class AgentReceiptForm(forms.Form):
    """代领: who collected, their relation, the power of attorney, and the two signatures on the roster."""

    agent_name = forms.CharField(label=_("Collected by"), max_length=50)
    agent_relation = forms.CharField(
        label=_("Relation to the student"), max_length=50, help_text=_("For example 祖父, 姑姑, 邻居.")
    )
    file = scan_field(
        _("Power of attorney (委托书)"),
        help_text=_("The guardian's signed power of attorney, scanned: PDF, JPEG or PNG."),
    )
    student_signed = forms.BooleanField(label=_("The student signed"), required=False)
    agent_signed = forms.BooleanField(label=_("The collector signed in the guardian's cell"), required=False)
    paid_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Without a file the service refuses with the rule's own words; the form does not pre-empt it.
        self.fields["file"].required = False
        self.fields["paid_on"].initial = timezone.localdate()


class SignedRosterForm(forms.Form):
    file = scan_field(_("Signed receipt roster, scanned"))
