"""The aid office's notices: made from a signed roster, published, printed, and closed after their period."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aidsys import calendar
from aidsys.pagination import paginate
from aidsys.scope import can_manage_school, can_print_for_school, can_read_school_rosters
from publicity.forms.notices import NoticeForm, PeriodPreviewForm
from publicity.models import NoticeKind, NoticeStatus, Place
from publicity.selectors import notices as selectors
from publicity.selectors import objections as objection_selectors
from publicity.services import notices as services
from publicity.services.periods import next_working_day
from publicity.services.supplementary import supplementary_notice_from_roster
from publicity.views import add_errors, error_text
from reviews.models import RosterSignoff


def _managed_notice(request, pk):
    notice = selectors.notice_for_page(user=request.user, pk=pk)
    if not can_manage_school(request.user, notice.school_id):
        raise PermissionDenied
    return notice


@require_GET
@login_required
def notice_index(request):
    page = paginate(request, selectors.notices(user=request.user))
    for notice in page:
        notice.phase = selectors.phase(notice)
    return render(
        request,
        "publicity/notice_index.html",
        {
            "page": page,
            "notices": page.object_list,
            "awaiting": selectors.rosters_awaiting_notice(user=request.user),
        },
    )


def _period_shown(form) -> calendar.WorkingPeriod | None:
    """The period the form's values give, for the preview beside them (None while they are incomplete)."""
    values = form.data if form.is_bound else form.initial
    preview = PeriodPreviewForm({"start_date": values.get("start_date"), "working_days": values.get("working_days")})
    if not preview.is_valid():
        return None
    return calendar.working_period(preview.cleaned_data["start_date"], preview.cleaned_data["working_days"])


def _form_data(form) -> dict:
    data = form.cleaned_data
    return {
        "start_date": data["start_date"],
        "working_days": data["working_days"],
        "places": data["places"],
        "contact_office": data["contact_office"],
        "contact_phone": data["contact_phone"],
    }


@require_http_methods(["GET", "POST"])
@login_required
def notice_create(request, signoff_pk):
    signoff = RosterSignoff.objects.select_related("school__county", "program", "term__school_year").get_visible_or_404(
        request.user, pk=signoff_pk
    )
    if not can_manage_school(request.user, signoff.school_id):
        raise PermissionDenied
    county = signoff.school.county
    initial = {
        "start_date": next_working_day(),
        "working_days": county.notice_working_days,
        "places": [Place.SCHOOL_BOARD, Place.CLASS],
        **selectors.contact_defaults(school=signoff.school),
    }
    form = NoticeForm(request.POST or None, initial=initial, county=county)
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.notice_create(actor=request.user, signoff=signoff, **_form_data(form))
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The draft notice has been made. Check it, then publish it."))
            return redirect(notice)
    return render(
        request,
        "publicity/notice_form.html",
        {
            "form": form,
            "period": _period_shown(form),
            "signoff": signoff,
            "school": signoff.school,
            "program": signoff.program,
            "term": signoff.term,
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def notice_edit(request, pk):
    notice = _managed_notice(request, pk)
    if notice.status != NoticeStatus.DRAFT:
        messages.error(request, _("Only a draft notice can be changed."))
        return redirect(notice)
    initial = {name: getattr(notice, name) for name in NoticeForm.base_fields}
    form = NoticeForm(request.POST or None, initial=initial, county=notice.school.county)
    if request.method == "POST" and form.is_valid():
        try:
            services.notice_update(actor=request.user, notice=notice, **_form_data(form))
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The draft notice has been saved."))
            return redirect(notice)
    return render(
        request,
        "publicity/notice_form.html",
        {
            "form": form,
            "period": _period_shown(form),
            "notice": notice,
            "school": notice.school,
            "program": notice.program,
            "term": notice.term,
        },
        status=400 if form.errors else 200,
    )


@require_GET
@login_required
def notice_period_preview(request):
    """The last day of the period being typed on the notice form (htmx): holidays and worked weekends counted."""
    form = PeriodPreviewForm(request.GET)
    period = None
    if form.is_valid():
        period = calendar.working_period(form.cleaned_data["start_date"], form.cleaned_data["working_days"])
    # A half-typed form shows nothing; a date out of range says so, as the form will on saving (with
    # 200: htmx swaps in no 4xx answer).
    errors = form.errors.get("start_date") if request.GET.get("start_date") else None
    return render(request, "publicity/notice_period_preview.html", {"period": period, "errors": errors})


@require_GET
@login_required
def notice_detail(request, pk):
    notice = selectors.notice_for_page(user=request.user, pk=pk)
    phase = selectors.phase(notice)
    objections = selectors.objection_counts(notice=notice)
    supplementary_draft = notice.kind == NoticeKind.SUPPLEMENTARY and notice.status == NoticeStatus.DRAFT
    supplementary_notices = []
    if notice.kind == NoticeKind.ORIGINAL:
        supplementary_notices = list(objection_selectors.supplementary_notices(notice))
        for supplement in supplementary_notices:
            supplement.phase = selectors.phase(supplement)
    return render(
        request,
        "publicity/notice_detail.html",
        {
            "notice": notice,
            "phase": phase,
            "entries": notice.entries.all(),
            "objections": objections,
            "report": selectors.report_of(notice=notice),
            "may_read_report": can_read_school_rosters(request.user, notice.school),
            "may_manage": can_manage_school(request.user, notice.school_id),
            "may_print": can_print_for_school(request.user, notice.school_id) and notice.status != "draft",
            "may_read_objections": can_read_school_rosters(request.user, notice.school),
            "public_url": request.build_absolute_uri(notice.get_public_url()),
            "awaiting_signature": supplementary_draft and objection_selectors.awaits_signature(notice),
            "supplementary_notices": supplementary_notices,
        },
    )


@require_POST
@login_required
def notice_publish(request, pk):
    notice = _managed_notice(request, pk)
    try:
        published = services.notice_publish(actor=request.user, notice=notice)
    except ValidationError as error:
        messages.error(request, error_text(error))
        # The roster changed again since the draft: its lines are redone, to be checked before publishing.
        outdated = error.code == "supplementary_outdated"
        if outdated and supplementary_notice_from_roster(actor=request.user, original=notice.supplements) is None:
            messages.info(request, _("The roster is as its notices show it: there is nothing to notice again."))
            return redirect(notice.supplements)
    else:
        messages.success(
            request,
            _("The notice has been published. Its public page shows from {start} to {end}.").format(
                start=published.start_date.isoformat(), end=published.end_date.isoformat()
            ),
        )
    return redirect(notice)


@require_POST
@login_required
def notice_pdf(request, pk):
    notice = selectors.notice_for_page(user=request.user, pk=pk)
    if not can_print_for_school(request.user, notice.school_id):
        raise PermissionDenied
    public_url = request.build_absolute_uri(notice.get_public_url())
    try:
        content = services.notice_print(actor=request.user, notice=notice, public_url=public_url)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect(notice)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{notice.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def notice_close(request, pk):
    notice = _managed_notice(request, pk)
    try:
        report = services.notice_close(actor=request.user, notice=notice)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            _(
                "The notice has been closed: {count} lines confirmed, the identified tiers set in the registry, "
                "and the roster reported to the county (version {version})."
            ).format(count=report.summary["count"], version=report.version),
        )
    return redirect(notice)


@require_POST
@login_required
def notice_report_again(request, pk):
    """重新上报: a roster the county returned, signed again with nothing to change, is reported again."""
    notice = _managed_notice(request, pk)
    try:
        report = services.notice_report_again(actor=request.user, notice=notice)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            _("The roster has been reported to the county again (version {version}).").format(version=report.version),
        )
    return redirect(notice)


urlpatterns = [
    path("notices/", notice_index, name="notice_index"),
    path("notices/new/<int:signoff_pk>/", notice_create, name="notice_create"),
    path("notices/period/", notice_period_preview, name="notice_period_preview"),
    path("notices/<int:pk>/", notice_detail, name="notice_detail"),
    path("notices/<int:pk>/edit/", notice_edit, name="notice_edit"),
    path("notices/<int:pk>/publish/", notice_publish, name="notice_publish"),
    path("notices/<int:pk>/sheet.pdf", notice_pdf, name="notice_pdf"),
    path("notices/<int:pk>/close/", notice_close, name="notice_close"),
    path("notices/<int:pk>/report-again/", notice_report_again, name="notice_report_again"),
]
