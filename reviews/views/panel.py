"""评议小组 screens: the term's panel, its members, and the printable record."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aidsys.models import School, Term
from aidsys.scope import can_manage_school
from reviews import selectors, services
from reviews.forms import PanelForm, PanelMemberForm
from reviews.models import ReviewPanel
from reviews.views.common import add_errors, error_text, require_roster_reader


def _panel_page(request, school, term, *, form=None, member_form=None, status=200):
    panel = selectors.panel_of(school=school, term=term)
    initial = {"formed_on": panel.formed_on, "note": panel.note} if panel else {}
    return render(
        request,
        "reviews/panel.html",
        {
            "school": school,
            "term": term,
            "panel": panel,
            "meetings": selectors.meetings_of(panel) if panel else [],
            "may_edit": can_manage_school(request.user, school.pk),
            "form": form or PanelForm(initial=initial),
            "member_form": member_form or PanelMemberForm(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def panel(request, school_pk, term_pk):
    school = School.objects.get_visible_or_404(request.user, pk=school_pk)
    require_roster_reader(request, school)
    term = get_object_or_404(Term.objects.select_related("school_year"), pk=term_pk)
    if request.method == "GET":
        return _panel_page(request, school, term)
    if not can_manage_school(request.user, school.pk):
        raise PermissionDenied
    form = PanelForm(request.POST)
    if form.is_valid():
        try:
            services.panel_save(actor=request.user, school=school, term=term, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The review panel has been saved."))
            return redirect("reviews:panel", school.pk, term.pk)
    return _panel_page(request, school, term, form=form, status=400)


def _panel_for_editor(request, pk) -> ReviewPanel:
    found = ReviewPanel.objects.select_related("school", "term__school_year").get_visible_or_404(request.user, pk=pk)
    if not can_manage_school(request.user, found.school_id):
        raise PermissionDenied
    return found


@require_http_methods(["GET", "POST"])
@login_required
def panel_member_add(request, pk):
    if request.method == "GET":  # the page of this form, when a refusal shown at this address is reloaded
        shown = ReviewPanel.objects.get_visible_or_404(request.user, pk=pk)
        return panel(request, shown.school_id, shown.term_id)
    found = _panel_for_editor(request, pk)
    form = PanelMemberForm(request.POST)
    if form.is_valid():
        try:
            services.panel_member_add(actor=request.user, panel=found, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("{name} has been added to the panel.").format(name=form.cleaned_data["name"]))
            return redirect("reviews:panel", found.school_id, found.term_id)
    return _panel_page(request, found.school, found.term, member_form=form, status=400)


@require_POST
@login_required
def panel_member_remove(request, pk, member_pk):
    found = _panel_for_editor(request, pk)
    member = get_object_or_404(found.members, pk=member_pk)
    try:
        services.panel_member_remove(actor=request.user, member=member)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("{name} has been removed from the panel.").format(name=member.name))
    return redirect("reviews:panel", found.school_id, found.term_id)


@require_POST
@login_required
def panel_print(request, pk):
    """The panel's record as a PDF to print and sign; printing is an audit event, hence a POST."""
    found = ReviewPanel.objects.select_related("school", "term__school_year").get_visible_or_404(request.user, pk=pk)
    require_roster_reader(request, found.school)
    response = HttpResponse(services.panel_print(actor=request.user, panel=found), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="review-panel-{found.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("reviews/schools/<int:school_pk>/panels/<int:term_pk>/", panel, name="panel"),
    path("reviews/panels/<int:pk>/members/", panel_member_add, name="panel_member_add"),
    path("reviews/panels/<int:pk>/members/<int:member_pk>/remove/", panel_member_remove, name="panel_member_remove"),
    path("reviews/panels/<int:pk>/print/", panel_print, name="panel_print"),
]
