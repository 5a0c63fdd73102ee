"""评议会议 screens: the aid office records a meeting of the review panel; its record prints to be signed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aidsys.scope import can_manage_school
from reviews import services
from reviews.forms import MeetingForm
from reviews.models import ReviewMeeting, ReviewPanel
from reviews.views.common import add_errors, require_roster_reader


def _meeting_form_page(request, panel, form, *, meeting=None, status=200):
    return render(
        request,
        "reviews/meeting_form.html",
        {"panel": panel, "school": panel.school, "term": panel.term, "meeting": meeting, "form": form},
        status=status,
    )


def _save(request, panel, form, meeting=None):
    """The form's data through the service; the page again with the refusals beside their fields."""
    if form.is_valid():
        try:
            if meeting is None:
                services.meeting_record(actor=request.user, panel=panel, **form.cleaned_data)
            else:
                services.meeting_update(actor=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("The meeting of {date} has been recorded.").format(date=form.cleaned_data["date"].isoformat()),
            )
            return redirect("reviews:panel", panel.school_id, panel.term_id)
    return _meeting_form_page(request, panel, form, meeting=meeting, status=400)


@require_http_methods(["GET", "POST"])
@login_required
def meeting_new(request, pk):
    panel = ReviewPanel.objects.select_related("school", "term__school_year").get_visible_or_404(request.user, pk=pk)
    if not can_manage_school(request.user, panel.school_id):
        raise PermissionDenied
    if request.method == "GET":
        return _meeting_form_page(request, panel, MeetingForm(panel=panel))
    return _save(request, panel, MeetingForm(request.POST, panel=panel))


@require_http_methods(["GET", "POST"])
@login_required
def meeting_edit(request, pk):
    meeting = ReviewMeeting.objects.select_related("panel__school", "panel__term__school_year").get_visible_or_404(
        request.user, pk=pk
    )
    panel = meeting.panel
    if not can_manage_school(request.user, panel.school_id):
        raise PermissionDenied
    if request.method == "GET":
        initial = {
            "date": meeting.date,
            "place": meeting.place,
            "members_present": list(meeting.members_present.all()),
            "decisions": meeting.decisions,
            "dissent": meeting.dissent,
        }
        return _meeting_form_page(request, panel, MeetingForm(panel=panel, initial=initial), meeting=meeting)
    return _save(request, panel, MeetingForm(request.POST, panel=panel), meeting)


@require_POST
@login_required
def meeting_print(request, pk):
    """The 评议记录表 as a PDF to print and sign; printing is an audit event, hence a POST."""
    meeting = ReviewMeeting.objects.select_related(
        "panel__school", "panel__term__school_year", "recorded_by"
    ).get_visible_or_404(request.user, pk=pk)
    require_roster_reader(request, meeting.panel.school)
    response = HttpResponse(services.meeting_print(actor=request.user, meeting=meeting), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="review-meeting-{meeting.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("reviews/panels/<int:pk>/meetings/new/", meeting_new, name="meeting_new"),
    path("reviews/meetings/<int:pk>/edit/", meeting_edit, name="meeting_edit"),
    path("reviews/meetings/<int:pk>/print/", meeting_print, name="meeting_print"),
]
