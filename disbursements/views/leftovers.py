"""Leftovers (结余) and the family notice (资助告知书): the pages of the disbursement stage."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aidsys.cn import mask_account_number
from aidsys.models import School, SchoolClass, Term
from aidsys.pagination import paginate
from aidsys.scope import can_act_for_county, can_manage_school, can_read_school_rosters, scope_for
from applications.models import AidProgram
from disbursements.forms.funds import LeftoverDecisionForm, LeftoverFilterForm
from disbursements.models import LeftoverReport, PaymentBatch, PaymentLine
from disbursements.selectors.batches import with_settled_by_link
from disbursements.selectors.leftovers import figures_for_display, leftover_figures, term_open_reason
from disbursements.services import family_notice
from disbursements.services import leftovers as services
from students.models import Student


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@require_GET
@login_required
def leftover_list(request):
    form = LeftoverFilterForm(request.GET or None)
    reports = LeftoverReport.objects.visible_to(request.user).select_related(
        "school", "program", "term__school_year", "reported_by", "decided_by"
    )
    if form.is_valid() and form.cleaned_data["status"]:
        reports = reports.filter(status=form.cleaned_data["status"])
    page = paginate(request, reports)
    # The funds pages of the schools the user works at; the county reaches a school's from its allocations.
    schools = School.objects.filter(pk__in=scope_for(request.user).school_ids).order_by("code")
    return render(
        request,
        "disbursements/leftover_list.html",
        {"form": form, "page": page, "reports": page.object_list, "schools": schools},
    )


@require_http_methods(["GET", "POST"])
@login_required
def leftover_new(request, school_pk, program_pk, term_pk):
    school = School.objects.get_visible_or_404(request.user, pk=school_pk)
    program = AidProgram.objects.get_visible_or_404(request.user, pk=program_pk, county=school.county_id)
    term = get_object_or_404(Term.objects.select_related("school_year"), pk=term_pk)
    if not can_manage_school(request.user, school.pk):
        raise PermissionDenied
    if request.method == "POST":
        try:
            report = services.leftover_report(actor=request.user, school=school, program=program, term=term)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("The leftover has been reported to the county."))
            return redirect("disbursements:leftover_detail", report.pk)
    figures = figures_for_display(leftover_figures(school=school, program=program, term=term))
    return render(
        request,
        "disbursements/leftover_new.html",
        {
            "school": school,
            "program": program,
            "term": term,
            "figures": figures,
            "not_yet": term_open_reason(school=school, program=program, term=term, today=timezone.localdate()),
        },
    )


@require_GET
@login_required
def leftover_detail(request, pk):
    report = LeftoverReport.objects.select_related(
        "school__county", "program", "term__school_year", "reported_by", "decided_by"
    ).get_visible_or_404(request.user, pk=pk)
    if not can_read_school_rosters(request.user, report.school):
        raise PermissionDenied
    return render(
        request,
        "disbursements/leftover_detail.html",
        {
            "report": report,
            "figures": figures_for_display(report.figures),
            "carried": report.carried_allocations.select_related("term__school_year"),
            "may_decide": can_act_for_county(request.user, report.school.county_id) and report.status == "reported",
            "form": LeftoverDecisionForm(),
        },
    )


@require_POST
@login_required
def leftover_decide(request, pk):
    report = LeftoverReport.objects.select_related("school", "program", "term").get_visible_or_404(request.user, pk=pk)
    if not can_act_for_county(request.user, report.school.county_id):
        raise PermissionDenied
    form = LeftoverDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the decision and give its reason."))
        return redirect("disbursements:leftover_detail", report.pk)
    try:
        services.leftover_decide(actor=request.user, report=report, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The decision has been recorded."))
    return redirect("disbursements:leftover_detail", report.pk)


# ---------------------------------------------------------------------------------------------
# The family is told: the student's payments (发放记录) and the printed notices.


@require_GET
@login_required
def student_payments(request, student_pk):
    student = Student.objects.select_related("school", "school_class").get_visible_or_404(request.user, pk=student_pk)
    lines = (
        PaymentLine.objects.filter(student=student)
        .select_related("batch__program", "batch__term__school_year", "batch__school", "settled_by")
        .order_by("-batch__term__start", "-batch__prepared_at", "-pk")
    )
    page = paginate(request, lines)
    for line in page:
        line.masked_account = mask_account_number(line.account_number)
    with_settled_by_link(page, user=request.user)
    return render(
        request,
        "disbursements/student_payments.html",
        {
            "student": student,
            "page": page,
            "lines": page.object_list,
            "may_print": family_notice.may_print_notices(request.user, student.school_id, student.school_class_id),
        },
    )


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def line_notice_pdf(request, pk):
    line = PaymentLine.objects.select_related("batch", "student").get_visible_or_404(request.user, pk=pk)
    if not family_notice.may_print_notices(request.user, line.batch.school_id, line.student.school_class_id):
        raise PermissionDenied
    try:
        content = family_notice.family_notice_print(actor=request.user, line=line)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect(reverse("disbursements:student_payments", args=[line.student_id]))
    return _pdf(content, f"notice-{line.pk}.pdf")


@require_POST
@login_required
def class_notices_pdf(request, batch_pk, class_pk):
    school_class = SchoolClass.objects.get_visible_or_404(request.user, pk=class_pk)
    batch = get_object_or_404(PaymentBatch.objects.select_related("school"), pk=batch_pk, school=school_class.school_id)
    if not family_notice.may_print_notices(request.user, batch.school_id, school_class.pk):
        raise PermissionDenied
    try:
        content = family_notice.family_notices_print_class(actor=request.user, batch=batch, school_class=school_class)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("aidsys:class_detail", school_class.pk)
    return _pdf(content, f"notices-{batch.pk}-{school_class.pk}.pdf")


urlpatterns = [
    path("leftovers/", leftover_list, name="leftover_list"),
    path("leftovers/new/<int:school_pk>/<int:program_pk>/<int:term_pk>/", leftover_new, name="leftover_new"),
    path("leftovers/<int:pk>/", leftover_detail, name="leftover_detail"),
    path("leftovers/<int:pk>/decide/", leftover_decide, name="leftover_decide"),
    path("students/<int:student_pk>/payments/", student_payments, name="student_payments"),
    path("lines/<int:pk>/notice.pdf", line_notice_pdf, name="line_notice_pdf"),
    path("batches/<int:batch_pk>/classes/<int:class_pk>/notices.pdf", class_notices_pdf, name="class_notices_pdf"),
]
