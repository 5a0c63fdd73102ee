"""The county's screens: every school's notices with their objections, and the reported rosters."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aidsys.pagination import paginate
from aidsys.scope import can_act_for_county, can_act_for_some_county, can_read_school_rosters
from aidsys.transitions import require
from publicity.forms.notices import CountyNoticeFilterForm, ReportFilterForm, ReturnReportForm
from publicity.models import ReportStatus
from publicity.selectors import notices as selectors
from publicity.selectors.reported import reported_students
from publicity.services import reports as services
from publicity.services.report_sheet import report_print as report_print_pdf
from publicity.views import add_errors, error_text

# The key of the reports' 受助学生名单 (reports.definitions.REPORTS).
AIDED_STUDENTS_REPORT = "aided_students"


def _filters(form) -> dict:
    return form.cleaned_data if form.is_valid() else {}


@require_GET
@login_required
def county_notices(request):
    require(can_act_for_some_county(request.user))
    form = CountyNoticeFilterForm(request.GET or None, user=request.user)
    today = timezone.localdate()
    rows = selectors.county_notices(user=request.user, filters=_filters(form), today=today)
    page = paginate(request, rows)
    for notice in page:
        notice.phase = selectors.phase(notice, today)
    return render(request, "publicity/county_notices.html", {"form": form, "page": page})


@require_GET
@login_required
def report_list(request):
    require(can_act_for_some_county(request.user))
    form = ReportFilterForm(request.GET or None, user=request.user)
    rows = selectors.reports(user=request.user, filters=_filters(form))
    page = paginate(request, rows)
    return render(request, "publicity/county_reports.html", {"form": form, "page": page})


def _export_url(report) -> str | None:
    """The reports' 名单 export for the report's school, program and term, where the reports app offers it."""
    try:
        url = reverse("reports:export_start", args=[AIDED_STUDENTS_REPORT])
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode({'school': report.school_id, 'program': report.program_id, 'term': report.term_id})}"


def _report_page(request, report, *, return_form=None, status=200):
    return render(
        request,
        "publicity/county_report_detail.html",
        {
            "report": report,
            "students": reported_students(report),
            "export_url": _export_url(report),
            "may_decide": can_act_for_county(request.user, report.school.county_id)
            and report.status == ReportStatus.REPORTED,
            "return_form": return_form or ReturnReportForm(),
        },
        status=status,
    )


@require_GET
@login_required
def report_detail(request, pk):
    report = selectors.report_for_page(user=request.user, pk=pk)
    if not can_read_school_rosters(request.user, report.school):
        raise PermissionDenied
    return _report_page(request, report)


def _report_for_county(request, pk):
    report = selectors.report_for_page(user=request.user, pk=pk)
    if not can_act_for_county(request.user, report.school.county_id):
        raise PermissionDenied
    return report


@require_POST
@login_required
def report_approve(request, pk):
    report = _report_for_county(request, pk)
    try:
        services.report_approve(actor=request.user, report=report)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("The roster of {school} has been approved.").format(school=report.school))
    return redirect("publicity:report_detail", report.pk)


@require_http_methods(["GET", "POST"])
@login_required
def report_return(request, pk):
    if request.method == "GET":  # the page of this form, when a refusal shown at this address is reloaded
        return report_detail(request, pk)
    report = _report_for_county(request, pk)
    form = ReturnReportForm(request.POST)
    if form.is_valid():
        try:
            services.report_return(actor=request.user, report=report, comment=form.cleaned_data["comment"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("The roster has been returned to {school}, whose aid office reviews it again.").format(
                    school=report.school
                ),
            )
            return redirect("publicity:report_detail", report.pk)
    return _report_page(request, report, return_form=form, status=400)


@require_POST
@login_required
def report_print(request, pk):
    """The 上报名单 cover sheet as a PDF to sign and seal; printing is audited, hence a POST."""
    report = selectors.report_for_page(user=request.user, pk=pk)
    if not can_read_school_rosters(request.user, report.school):
        raise PermissionDenied
    response = HttpResponse(report_print_pdf(actor=request.user, report=report), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="reported-roster-{report.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("county/notices/", county_notices, name="county_notices"),
    path("county/reports/", report_list, name="report_list"),
    path("reports/<int:pk>/", report_detail, name="report_detail"),
    path("reports/<int:pk>/approve/", report_approve, name="report_approve"),
    path("reports/<int:pk>/return/", report_return, name="report_return"),
    path("reports/<int:pk>/print/", report_print, name="report_print"),
]
