"""Recording the special group an attached certificate proves, offered on the review pages and the student page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from applications.selectors import applications as selectors
from applications.services.evidence import certificate_offers, special_group_from_certificate
from students.models import SpecialGroup, Student


def _back(request, fallback):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


@require_POST
@login_required
def certificate_group_record(request, pk):
    attachment = selectors.attachment_in_scope(user=request.user, pk=pk)
    student = attachment.application.student
    group = request.POST.get("group", "")
    try:
        special_group_from_certificate(actor=request.user, attachment=attachment, group=group)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("{group} has been recorded for {student}'s household, with the {certificate} as its source.").format(
                group=SpecialGroup(group).label, student=student.name, certificate=attachment.get_kind_display()
            ),
        )
    return _back(request, attachment.application)


@require_GET
@login_required
def student_certificate_offers(request, student_pk):
    """The offers for the student page, which (an earlier stage) loads them from here."""
    student = Student.objects.select_related("household").get_visible_or_404(request.user, pk=student_pk)
    return render(
        request,
        "applications/_certificate_offers.html",
        {"offers": certificate_offers(user=request.user, student=student), "next": student.get_absolute_url()},
    )


urlpatterns = [
    path("attachments/<int:pk>/special-group/", certificate_group_record, name="certificate_group_record"),
    path(
        "students/<int:student_pk>/certificate-offers/", student_certificate_offers, name="student_certificate_offers"
    ),
]
