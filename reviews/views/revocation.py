"""取消资格: the aid office revokes an approved award."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from aidsys.scope import can_manage_school
from applications.models import Status
from applications.services.quota_limits import quota_states
from reviews import services
from reviews.forms import RevokeForm
from reviews.views.common import add_errors, application_in_scope, roster_url


@require_http_methods(["GET", "POST"])
@login_required
def revoke(request, pk):
    application = application_in_scope(request, pk)
    if not can_manage_school(request.user, application.school_id):
        raise PermissionDenied
    form = RevokeForm(request.POST or None, application=application)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_revoke(actor=request.user, application=application, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("{student}'s award has been revoked; the place is offered for replacement.").format(
                    student=application.student.name
                ),
            )
            return redirect(roster_url(application.school_id, application.program_id, application.term_id))
    return render(
        request,
        "reviews/revoke.html",
        {
            "application": application,
            "form": form,
            "approved": application.status == Status.APPROVED,
            "quotas": quota_states(
                program=application.program,
                term=application.term,
                school=application.school,
                school_class=application.school_class,
            ),
        },
        status=400 if request.method == "POST" else 200,
    )


urlpatterns = [
    path("reviews/applications/<int:pk>/revoke/", revoke, name="revoke"),
]
