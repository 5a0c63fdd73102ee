"""Registry export to Excel: a class (its teacher, the school, the county) or a whole school (not a class teacher).

The form asks for full data only of users who may reveal sensitive data; a request for full
data from anybody else is refused (403), not quietly turned into a masked file. Posting the form
starts the export as a job (written by a worker, as every report is) and takes the user to their
exports (我的导出), where a progress bar shows it being written and the file is downloaded.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from aidsys.background import BackgroundUnavailable
from aidsys.models import School, SchoolClass
from aidsys.scope import can_read_school_rosters, can_reveal
from students import exports


class ExportForm(forms.Form):
    full_data = forms.BooleanField(
        label=gettext_lazy("Export full information"),
        required=False,
        help_text=gettext_lazy(
            "ID numbers, phone numbers, addresses and incomes in full. The export is recorded with your reason."
        ),
    )
    reason = forms.CharField(
        label=gettext_lazy("reason"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, allow_full: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.allow_full = allow_full
        if not allow_full:
            del self.fields["full_data"]
            del self.fields["reason"]

    def asks_full_data(self) -> bool:
        field = ExportForm.base_fields["full_data"]
        return field.clean(field.widget.value_from_datadict(self.data, self.files, self.add_prefix("full_data")))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("full_data") and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Say why the export needs full data."))
        return cleaned


def _export_page(request, *, school, school_class=None):
    data = request.POST if request.method == "POST" else None
    form = ExportForm(data, allow_full=can_reveal(request.user))
    if request.method == "POST":
        if not form.allow_full and form.asks_full_data():
            raise PermissionDenied
        if form.is_valid():
            try:
                exports.registry_export_start(
                    actor=request.user,
                    school=school,
                    school_class=school_class,
                    full=form.cleaned_data.get("full_data", False),
                    reason=form.cleaned_data.get("reason", ""),
                )
            except ValidationError as error:
                form.add_error(None, error)
            except BackgroundUnavailable as unavailable:
                form.add_error(None, unavailable.message)
            else:
                started = _("The export has started. It is listed below; download it when it is ready.")
                messages.success(request, started)
                return redirect("reports:export_list")
    return render(
        request,
        "students/export_form.html",
        {"form": form, "school": school, "school_class": school_class, "columns": exports.column_headers()},
    )


@require_http_methods(["GET", "POST"])
@login_required
def export_class(request, class_pk):
    school_class = SchoolClass.objects.select_related("school", "school_year").get_visible_or_404(
        request.user, pk=class_pk
    )
    return _export_page(request, school=school_class.school, school_class=school_class)


@require_http_methods(["GET", "POST"])
@login_required
def export_school(request, school_pk):
    school = School.objects.get_visible_or_404(request.user, pk=school_pk)
    if not can_read_school_rosters(request.user, school):
        raise PermissionDenied
    return _export_page(request, school=school)


urlpatterns = [
    path("classes/<int:class_pk>/export/", export_class, name="export_class"),
    path("schools/<int:school_pk>/export/", export_school, name="export_school"),
]
