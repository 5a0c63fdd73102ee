"""The reports' exports: start one, watch it in 我的导出, download it (its owner alone) within the week."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from aidsys.background import BackgroundUnavailable
from aidsys.scope import can_act_for_some_county, can_read_some_school_rosters
from aidsys.services.jobs import job_progress_seen
from reports.definitions import REPORTS
from reports.forms import ExportStartForm, initial_from
from reports.models import ReportExport
from reports.services import exports

LIST_LENGTH = 50


def _reporter(request):
    """Reports are for county staff, the aid office and the principal (and the administrator)."""
    if not can_read_some_school_rosters(request.user):
        raise PermissionDenied


@require_GET
@login_required
def report_index(request):
    _reporter(request)
    reports = sorted(REPORTS.values(), key=lambda report: str(report.title))
    context = {"reports": reports, "may_edit_layouts": can_act_for_some_county(request.user)}
    return render(request, "reports/report_index.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def export_start(request, key):
    report = exports.report_for(key)
    _reporter(request)
    form = ExportStartForm(request.POST or None, user=request.user, report=report, initial=initial_from(request.GET))
    if request.method == "POST":
        if not form.allow_full and form.asks_full_data():
            raise PermissionDenied
        if form.is_valid():
            try:
                exports.export_start(user=request.user, report_key=key, request_params=form.request_params())
            except ValidationError as error:
                form.add_error(None, error)
            except BackgroundUnavailable as unavailable:
                form.add_error(None, unavailable.message)
            else:
                started = _("The export has started. It is listed below; download it when it is ready.")
                messages.success(request, started)
                return redirect("reports:export_list")
    return render(request, "reports/export_start.html", {"report": report, "form": form})


@require_GET
@login_required
def export_list(request):
    mine = ReportExport.objects.filter(owner=request.user).select_related("job", "school", "county")[:LIST_LENGTH]
    for export in mine:
        job_progress_seen(export.job)
    context = {"exports": mine, "may_report": can_read_some_school_rosters(request.user)}
    return render(request, "reports/export_list.html", context)


@require_GET
@login_required
def export_status(request, pk):
    export = exports.owned_export_or_404(user=request.user, pk=pk)
    job_progress_seen(export.job)
    return render(request, "reports/_export_row.html", {"export": export})


@require_GET
@login_required
def export_download(request, pk):
    export = exports.owned_export_or_404(user=request.user, pk=pk)
    try:
        handle = exports.export_download(user=request.user, export=export)
    except exports.ExportGone:
        return render(request, "reports/export_gone.html", {"export": export}, status=410)
    response = FileResponse(handle, as_attachment=True, filename=export.file_name, content_type=exports.MEDIA_TYPE)
    # A list of students is never kept by a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("reports/", report_index, name="report_index"),
    path("reports/<slug:key>/export/", export_start, name="export_start"),
    path("exports/", export_list, name="export_list"),
    path("exports/<int:pk>/status/", export_status, name="export_status"),
    path("exports/<int:pk>/download/", export_download, name="export_download"),
]
