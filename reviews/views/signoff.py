"""校长审定 screens: the aid office submits the roster; the principal reads the summary and signs or returns it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aidsys.scope import can_manage_school, can_sign_for_school
from applications.services.quota_limits import school_quota_states
from reviews import selectors, services
from reviews.forms import RosterReturnForm
from reviews.models import RosterSignoff, SignoffStatus
from reviews.views.common import error_text, require_roster_reader, roster_from_url


@require_POST
@login_required
def roster_submit(request, school_pk, program_pk, term_pk):
    school, program, term = roster_from_url(request, school_pk, program_pk, term_pk)
    if not can_manage_school(request.user, school.pk):
        raise PermissionDenied
    try:
        services.roster_submit(actor=request.user, school=school, program=program, term=term)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("The roster has been submitted to the principal for sign-off."))
    return redirect("reviews:roster", school.pk, program.pk, term.pk)


def _signoff_page(request, school, program, term, *, return_form=None, status=200):
    signoff = selectors.signoff_of(school=school, program=program, term=term)
    summary = selectors.signoff_summary(school=school, program=program, term=term)
    return render(
        request,
        "reviews/signoff.html",
        {
            "school": school,
            "program": program,
            "term": term,
            "signoff": signoff,
            "summary": summary,
            "roster": selectors.roster_students(school=school, program=program, term=term),
            "quotas": school_quota_states(program=program, term=term, school=school, used=summary.approved_use),
            "may_sign": can_sign_for_school(request.user, school.pk)
            and signoff is not None
            and signoff.status == SignoffStatus.PENDING,
            "return_form": return_form or RosterReturnForm(),
        },
        status=status,
    )


@require_GET
@login_required
def signoff(request, school_pk, program_pk, term_pk):
    school, program, term = roster_from_url(request, school_pk, program_pk, term_pk)
    require_roster_reader(request, school)
    return _signoff_page(request, school, program, term)


def _signoff_for_principal(request, pk) -> RosterSignoff:
    signoff = RosterSignoff.objects.select_related("school__county", "program", "term__school_year").get_visible_or_404(
        request.user, pk=pk
    )
    if not can_sign_for_school(request.user, signoff.school_id):
        raise PermissionDenied
    return signoff


@require_POST
@login_required
def signoff_sign(request, pk):
    signoff = _signoff_for_principal(request, pk)
    try:
        services.roster_sign(actor=request.user, signoff=signoff)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            _("The roster of {program} for {term} has been signed (version {version}).").format(
                program=signoff.program, term=signoff.term, version=signoff.version
            ),
        )
    return redirect("reviews:signoff", signoff.school_id, signoff.program_id, signoff.term_id)


@require_http_methods(["GET", "POST"])
@login_required
def signoff_return(request, pk):
    if request.method == "GET":  # the page of this form, when a refusal shown at this address is reloaded
        shown = RosterSignoff.objects.get_visible_or_404(request.user, pk=pk)
        return signoff(request, shown.school_id, shown.program_id, shown.term_id)
    returned = _signoff_for_principal(request, pk)
    form = RosterReturnForm(request.POST)
    if form.is_valid():
        try:
            services.roster_return(actor=request.user, signoff=returned, comment=form.cleaned_data["comment"])
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("The roster has been returned to the aid office."))
        return redirect("reviews:signoff", returned.school_id, returned.program_id, returned.term_id)
    return _signoff_page(request, returned.school, returned.program, returned.term, return_form=form, status=400)


@require_POST
@login_required
def signoff_print(request, pk):
    """The 审定名单 as a PDF for the principal to sign and seal; printing names is audited, hence a POST."""
    signoff = RosterSignoff.objects.select_related("school__county", "program", "term__school_year").get_visible_or_404(
        request.user, pk=pk
    )
    require_roster_reader(request, signoff.school)
    response = HttpResponse(services.signoff_print(actor=request.user, signoff=signoff), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="signoff-roster-{signoff.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


ROSTER = "reviews/schools/<int:school_pk>/<int:program_pk>/<int:term_pk>/"

urlpatterns = [
    path(ROSTER + "submit/", roster_submit, name="roster_submit"),
    path(ROSTER + "signoff/", signoff, name="signoff"),
    path("reviews/signoffs/<int:pk>/sign/", signoff_sign, name="signoff_sign"),
    path("reviews/signoffs/<int:pk>/return/", signoff_return, name="signoff_return"),
    path("reviews/signoffs/<int:pk>/print/", signoff_print, name="signoff_print"),
]
