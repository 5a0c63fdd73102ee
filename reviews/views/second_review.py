"""复审 screens: the school's rosters, one roster's classes, one class ranked, and the decisions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from aidsys.models import School, SchoolClass
from aidsys.scope import can_manage_school, can_sign_for_school
from applications.models import Application
from applications.services.evidence import certificate_offers_by_student
from applications.services.quota_limits import school_quota_states
from reviews import selectors, services
from reviews.forms import ApproveForm, ReconsiderForm, RejectForm, ReplaceForm, SendBackForm
from reviews.views.common import (
    application_in_scope,
    class_review_url,
    error_text,
    require_roster_reader,
    roster_from_url,
    roster_url,
)


@require_GET
@login_required
def school_reviews(request, school_pk):
    school = School.objects.select_related("county", "current_term").get_visible_or_404(request.user, pk=school_pk)
    require_roster_reader(request, school)
    return render(
        request,
        "reviews/school_reviews.html",
        {
            "school": school,
            "rosters": selectors.school_rosters(user=request.user, school=school),
            "may_decide": can_manage_school(request.user, school.pk),
        },
    )


@require_GET
@login_required
def roster(request, school_pk, program_pk, term_pk):
    school, program, term = roster_from_url(request, school_pk, program_pk, term_pk)
    require_roster_reader(request, school)
    may_decide = can_manage_school(request.user, school.pk)
    places = selectors.open_places(school=school, program=program, term=term)
    waiting = selectors.waiting_list(user=request.user, school=school, program=program, term=term) if places else []
    signoff = selectors.signoff_of(school=school, program=program, term=term)
    blockers = []
    if signoff is None or not signoff.locked:
        blockers = selectors.submission_blockers(user=request.user, school=school, program=program, term=term)
    return render(
        request,
        "reviews/roster.html",
        {
            "school": school,
            "program": program,
            "term": term,
            "classes": selectors.roster_classes(user=request.user, school=school, program=program, term=term),
            "quotas": school_quota_states(program=program, term=term, school=school),
            "signoff": signoff,
            "blockers": blockers,
            "panel": selectors.panel_of(school=school, term=term),
            "open_places": places,
            "waiting": waiting,
            "award_tiers": selectors.AWARD_TIERS,
            "revocations": selectors.revocations(school=school, program=program, term=term),
            "may_decide": may_decide,
            "may_sign": can_sign_for_school(request.user, school.pk),
        },
    )


@require_GET
@login_required
def class_review(request, school_pk, program_pk, term_pk, class_pk):
    school, program, term = roster_from_url(request, school_pk, program_pk, term_pk)
    require_roster_reader(request, school)
    school_class = get_object_or_404(SchoolClass, pk=class_pk, school=school)
    review = selectors.class_review(
        user=request.user, school=school, program=program, term=term, school_class=school_class
    )
    return render(
        request,
        "reviews/class_review.html",
        {
            "school": school,
            "program": program,
            "term": term,
            "school_class": school_class,
            "review": review,
            "award_tiers": selectors.AWARD_TIERS,
            "may_decide": can_manage_school(request.user, school.pk),
            "locked": review.signoff is not None and review.signoff.locked,
            "reject_form": RejectForm(),
            "send_back_form": SendBackForm(),
            "reconsider_form": ReconsiderForm(),
            "certificate_offers": certificate_offers_by_student(
                user=request.user, students=[row.application.student for row in review.recommended]
            ),
        },
    )


def _decided_application(request, pk) -> Application:
    application = application_in_scope(request, pk)
    if not can_manage_school(request.user, application.school_id):
        raise PermissionDenied
    return application


def _form_errors(form) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


@require_POST
@login_required
def approve(request, pk):
    application = _decided_application(request, pk)
    form = ApproveForm(request.POST, prefix=f"a{application.pk}")
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(class_review_url(application))
    try:
        services.application_approve(actor=request.user, application=application, **form.cleaned_data)
    except ValidationError as error:
        messages.error(
            request, _("{student}: {error}").format(student=application.student.name, error=error_text(error))
        )
    else:
        messages.success(
            request,
            _("{student}'s application has been approved: {tier}, {amount} yuan.").format(
                student=application.student.name,
                tier=application.get_approved_tier_display(),
                amount=application.amount,
            ),
        )
    return redirect(class_review_url(application))


@require_POST
@login_required
def class_approve(request, school_pk, program_pk, term_pk, class_pk):
    school, program, term = roster_from_url(request, school_pk, program_pk, term_pk)
    if not can_manage_school(request.user, school.pk):
        raise PermissionDenied
    school_class = get_object_or_404(SchoolClass, pk=class_pk, school=school)
    back = redirect("reviews:class_review", school.pk, program.pk, term.pk, school_class.pk)
    chosen = request.POST.getlist("applications")
    if not chosen or not all(value.isdigit() for value in chosen):
        messages.error(request, _("Choose the applications to approve."))
        return back
    try:
        approved = services.applications_approve(
            actor=request.user,
            school=school,
            program=program,
            term=term,
            school_class=school_class,
            application_ids=[int(value) for value in chosen],
        )
    except ValidationError as error:
        messages.error(request, _("Nothing has been approved: {error}").format(error=error_text(error)))
    else:
        messages.success(
            request,
            ngettext(
                "{count} application of {school_class} has been approved.",
                "{count} applications of {school_class} have been approved.",
                len(approved),
            ).format(count=len(approved), school_class=school_class),
        )
    return back


def _decision(request, pk, *, form_class, service, done: str):
    application = _decided_application(request, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(class_review_url(application))
    try:
        service(actor=request.user, application=application, **form.cleaned_data)
    except ValidationError as error:
        messages.error(
            request, _("{student}: {error}").format(student=application.student.name, error=error_text(error))
        )
    else:
        messages.success(request, done.format(student=application.student.name))
    return redirect(class_review_url(application))


@require_POST
@login_required
def reject(request, pk):
    return _decision(
        request,
        pk,
        form_class=RejectForm,
        service=services.application_reject,
        done=_("{student}'s application has not been approved."),
    )


@require_POST
@login_required
def send_back(request, pk):
    return _decision(
        request,
        pk,
        form_class=SendBackForm,
        service=services.application_send_back,
        done=_("{student}'s application has been sent back to the class teacher."),
    )


@require_POST
@login_required
def reconsider(request, pk):
    return _decision(
        request,
        pk,
        form_class=ReconsiderForm,
        service=services.application_reconsider,
        done=_("{student}'s application awaits second review again."),
    )


@require_POST
@login_required
def replace(request, pk):
    """递补: approve a waiting application in the place of a revoked award."""
    application = _decided_application(request, pk)
    places = selectors.open_places(school=application.school, program=application.program, term=application.term)
    open_places = Application.objects.filter(pk__in=[place.pk for place in places]).select_related("student")
    form = ReplaceForm(request.POST, open_places=open_places)
    back = redirect(roster_url(application.school_id, application.program_id, application.term_id))
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return back
    try:
        services.application_approve(actor=request.user, application=application, **form.cleaned_data)
    except ValidationError as error:
        messages.error(
            request, _("{student}: {error}").format(student=application.student.name, error=error_text(error))
        )
    else:
        messages.success(
            request,
            _("{student} replaces {revoked}: {tier}, {amount} yuan.").format(
                student=application.student.name,
                revoked=form.cleaned_data["replaces"].student.name,
                tier=application.get_approved_tier_display(),
                amount=application.amount,
            ),
        )
    return back


ROSTER = "reviews/schools/<int:school_pk>/<int:program_pk>/<int:term_pk>/"

urlpatterns = [
    path("reviews/schools/<int:school_pk>/", school_reviews, name="school_reviews"),
    path(ROSTER, roster, name="roster"),
    path(ROSTER + "classes/<int:class_pk>/", class_review, name="class_review"),
    path(ROSTER + "classes/<int:class_pk>/approve/", class_approve, name="class_approve"),
    path("reviews/applications/<int:pk>/approve/", approve, name="approve"),
    path("reviews/applications/<int:pk>/reject/", reject, name="reject"),
    path("reviews/applications/<int:pk>/send-back/", send_back, name="send_back"),
    path("reviews/applications/<int:pk>/reconsider/", reconsider, name="reconsider"),
    path("reviews/applications/<int:pk>/replace/", replace, name="replace"),
]
