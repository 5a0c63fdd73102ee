"""Official lists (数据比对): upload a list from another agency, see what it matched and the 应助尽助 gaps.

The aid office uploads for its school, county staff for their county; the principal reads the
lists of the school. A county's list is also read by the aid office and the principal of each
school it names students of, through those rows alone. A class teacher has no part in it (403);
a list out of scope is 404. A county's list, or a long one, is matched by a background job
whose page shows its progress and then links to the result.
"""

from functools import partial

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from aidsys import cn
from aidsys.background import task_enqueue
from aidsys.forms import PlausibleDateField
from aidsys.models import Job, Role
from aidsys.pagination import paginate
from aidsys.roles import role_required
from aidsys.services.jobs import job_progress_seen
from students import matching, selectors, tasks
from students.gaps import aid_gaps
from students.models import OfficialList

UPLOADERS = (Role.AID_OFFICE, Role.COUNTY_STAFF)
READERS = (Role.AID_OFFICE, Role.PRINCIPAL, Role.COUNTY_STAFF)
PAGE_SIZE = 100


class OfficialListForm(forms.Form):
    unit = forms.ChoiceField(label=gettext_lazy("match against"))
    kind = forms.ChoiceField(label=gettext_lazy("kind of list"), choices=OfficialList.Kind.choices)
    name = forms.CharField(
        label=gettext_lazy("list name"),
        max_length=100,
        help_text=gettext_lazy("As the issuing agency names it, e.g. 民政局低保名单."),
    )
    list_date = PlausibleDateField(label=gettext_lazy("list date"))
    file = forms.FileField(
        label=gettext_lazy("file"),
        help_text=gettext_lazy(
            "An Excel workbook (.xlsx) or CSV file with a 身份证号 column; 姓名 is optional. A list of monitored "
            "households may give each row's 监测对象类别."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = units
        if len(units) == 1:
            self.fields["unit"].initial = units[0][0]

    def clean_list_date(self):
        value = self.cleaned_data["list_date"]
        if value > timezone.localdate():
            raise ValidationError(_("A list cannot be dated in the future."))
        return value


@require_GET
@role_required(*READERS)
def official_lists(request):
    page = paginate(request, selectors.official_lists(user=request.user))
    return render(
        request,
        "students/official_list.html",
        {
            "page": page,
            "lists": selectors.with_counts_in_reach(page, user=request.user),
            "may_upload": bool(matching.upload_units(request.user)),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(*UPLOADERS)
def official_list_upload(request):
    form = OfficialListForm(request.POST or None, request.FILES or None, units=matching.upload_units(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = matching.unit_from_choice(request.user, data["unit"])
        details = {"kind": data["kind"], "name": data["name"], "list_date": data["list_date"], "unit": unit}
        try:
            # Read and checked here, whatever runs the matching: a bad file is said at once.
            checked = matching.official_list_check(
                actor=request.user, upload=data["file"], kind=data["kind"], unit=unit
            )
            job = None
            if matching.in_background(checked=checked, unit=unit):
                job = matching.official_list_job_create(actor=request.user, checked=checked, **details)
        except ValidationError as error:
            form.add_error(None if hasattr(error, "error_dict") else "file", error)
        else:
            if job is not None:
                transaction.on_commit(partial(task_enqueue, tasks.official_list_match, job.pk))
                return redirect("students:official_list_job", pk=job.pk)
            outcome = matching.official_list_record(actor=request.user, checked=checked, **details)
            messages.success(request, outcome.summary())
            if outcome.rejected:
                messages.warning(
                    request,
                    ngettext(
                        "{count} row could not be read and was left out; it is listed below.",
                        "{count} rows could not be read and were left out; they are listed below.",
                        len(outcome.rejected),
                    ).format(count=len(outcome.rejected)),
                )
            return redirect("students:official_list_detail", pk=outcome.official_list.pk)
    return render(request, "students/official_upload.html", {"form": form})


@require_GET
@role_required(*READERS)
def official_list_detail(request, pk):
    official_list = selectors.official_list_for_page(user=request.user, pk=pk)
    matched = selectors.matched_entries(user=request.user, official_list=official_list)
    matched_page = paginate(request, matched, per_page=PAGE_SIZE, param="matched_page")
    unmatched_entries = selectors.unmatched_entries(official_list=official_list)
    unmatched_page = paginate(request, unmatched_entries, per_page=PAGE_SIZE, param="unmatched_page")
    unmatched = [(entry, cn.mask_id_number(entry.id_number)) for entry in unmatched_page]
    school_year = selectors.school_year_for(official_list)
    gaps_page = None
    if school_year is not None:
        gaps = aid_gaps(
            user=request.user,
            school_year=school_year,
            school=official_list.school,
            county=None if official_list.school_id else official_list.county,
        )
        gaps_page = paginate(request, gaps, per_page=PAGE_SIZE, param="gaps_page")
    return render(
        request,
        "students/official_detail.html",
        {
            "official_list": official_list,
            "matched_page": matched_page,
            "matched": selectors.matched_rows(matched_page, user=request.user),
            "unmatched_page": unmatched_page,
            "unmatched": unmatched,
            "rejected": selectors.rejected_rows(official_list=official_list),
            "school_year": school_year,
            "gaps_page": gaps_page,
        },
    )


def _job(request, pk) -> Job:
    jobs = Job.objects.select_related("school", "owner")
    return job_progress_seen(jobs.get_visible_or_404(request.user, pk=pk, kind=matching.OFFICIAL_LIST_JOB))


@require_GET
@role_required(*READERS)
def official_list_job(request, pk):
    return render(request, "students/official_job.html", {"job": _job(request, pk)})


@require_GET
@role_required(*READERS)
def official_list_job_status(request, pk):
    return render(
        request,
        "aidsys/_job_progress.html",
        {
            "job": _job(request, pk),
            "status_url": reverse("students:official_list_job_status", args=[pk]),
            "result_template": "students/official_job_result.html",
        },
    )


urlpatterns = [
    path("official-lists/", official_lists, name="official_lists"),
    path("official-lists/upload/", official_list_upload, name="official_list_upload"),
    path("official-lists/<int:pk>/", official_list_detail, name="official_list_detail"),
    path("official-lists/jobs/<int:pk>/", official_list_job, name="official_list_job"),
    path("official-lists/jobs/<int:pk>/status/", official_list_job_status, name="official_list_job_status"),
]
