"""The public page of a notice (the QR code's target): no sign-in; its names only during the notice's period."""

from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from publicity.models import NoticeKind, NoticeStatus
from publicity.pdf import sheet_groups
from publicity.selectors import notices as selectors


def _public_response(request, template, context, status):
    response = render(request, template, context, status=status)
    # The page comes down when the period ends (DESIGN.md §4): no copy kept by a cache or a search engine.
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    # Its address (the token) goes to no other site; "no-referrer" would also make the browser send
    # "Origin: null" with the objection form, which the CSRF check refuses.
    response["Referrer-Policy"] = "same-origin"
    return response


@require_GET
def public_notice(request, token):
    """200 during the period, 410 once it has ended; a draft is not found.

    A published notice not yet begun says when it starts and shows nobody: the sheet with its QR
    code is often posted the day it is published, before the first day of the period.
    """
    notice = selectors.public_notice(token=token)
    if notice is None or notice.status == NoticeStatus.DRAFT:
        raise Http404
    today = timezone.localdate()
    context = {"notice": notice, "supplementary": notice.kind == NoticeKind.SUPPLEMENTARY}
    if today < notice.start_date:
        if notice.status != NoticeStatus.PUBLISHED:
            raise Http404
        return _public_response(request, "publicity/public_scheduled.html", context, status=200)
    if today > notice.end_date:
        return _public_response(request, "publicity/public_ended.html", context, status=410)
    context["groups"] = sheet_groups(notice)
    return _public_response(request, "publicity/public_notice.html", context, status=200)


urlpatterns = [
    path("n/<str:token>/", public_notice, name="public_notice"),
]
