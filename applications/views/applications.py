"""Applications: the lists of a class and a school, the application page, filing and editing,
submitting and withdrawing, attachments, and the printed pledge and application form."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aidsys import selectors as core_selectors
from aidsys.models import School, SchoolClass
from aidsys.pagination import paginate
from aidsys.scope import (
    can_keep_records,
    can_read_some_school_rosters,
    can_reveal,
    can_teach_class,
    scope_for,
)
from aidsys.storage import open_stream
from applications.forms.applications import ApplicationFilterForm, ApplicationForm, AttachmentForm, WithdrawForm
from applications.models import Status
from applications.selectors import applications as selectors
from applications.services import applications as services
from applications.services.attachments import attachment_add, attachment_download_record, attachment_remove
from students.models import Student


def _disposition(kind: str, name: str) -> str:
    """A download's name is made by the system, never the uploader's: ASCII only, nothing to escape."""
    return f"{kind}; filename=\"{name}\"; filename*=UTF-8''{quote(name, safe='')}"


def _editable_application(request, pk):
    application = selectors.application_for_page(user=request.user, pk=pk)
    if not can_keep_records(request.user, application.school_id, application.school_class_id):
        raise PermissionDenied
    return application


@require_GET
@login_required
def application_index(request):
    """资助申请 in the menu: straight to the user's one class or school, else the choice of them."""
    scope = scope_for(request.user)
    classes = list(core_selectors.dashboard_classes(user=request.user)) if scope.class_ids else []
    school_wide = can_read_some_school_rosters(request.user)
    schools = list(core_selectors.school_list(user=request.user)) if school_wide else []
    if len(classes) + len(schools) == 1:
        if classes:
            return redirect("applications:class_applications", classes[0].pk)
        return redirect("applications:school_applications", schools[0].pk)
    return render(request, "applications/application_index.html", {"classes": classes, "schools": schools})


@require_GET
@login_required
def school_applications(request, school_pk):
    school = School.objects.select_related("current_term__school_year").get_visible_or_404(request.user, pk=school_pk)
    classes = core_selectors.school_classes(user=request.user, school=school)
    form = ApplicationFilterForm(request.GET, school=school, classes=classes)
    found = selectors.applications(user=request.user, school=school, filters=form.filters())
    page = paginate(request, found)
    return render(request, "applications/application_school_list.html", {"school": school, "form": form, "page": page})


@require_GET
@login_required
def class_applications(request, class_pk):
    school_class = SchoolClass.objects.select_related("school__current_term", "school_year").get_visible_or_404(
        request.user, pk=class_pk
    )
    school = school_class.school
    form = ApplicationFilterForm(request.GET, school=school)
    filters = form.filters()
    may_file = can_keep_records(request.user, school_class.school_id, school_class)
    page = paginate(request, selectors.applications(user=request.user, school_class=school_class, filters=filters))
    roster_page = None
    if may_file:
        roster = selectors.roster_for_filing(user=request.user, school_class=school_class, term=filters.get("term"))
        # Two students of the same name keep their order from one page to the next.
        roster = roster.order_by("name_pinyin", "pk")
        roster_page = paginate(request, roster, param="roster_page")
    return render(
        request,
        "applications/application_class_list.html",
        {
            "school": school,
            "school_class": school_class,
            "form": form,
            "page": page,
            "applications": page.object_list,
            "roster_page": roster_page,
            "roster": roster_page.object_list if roster_page else [],
            "may_file": may_file,
        },
    )


@require_GET
@login_required
def student_applications(request, student_pk):
    student = Student.objects.select_related("school", "school_class").get_visible_or_404(request.user, pk=student_pk)
    page = paginate(request, selectors.applications(user=request.user, student=student))
    return render(
        request,
        "applications/application_student_list.html",
        {
            "student": student,
            "page": page,
            "applications": page.object_list,
            "may_file": can_keep_records(request.user, student.school_id, student.school_class_id),
            "refusal": services.student_refusal(student),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def application_new(request, student_pk):
    student = Student.objects.select_related("school__current_term", "school_class").get_visible_or_404(
        request.user, pk=student_pk
    )
    if not can_keep_records(request.user, student.school_id, student.school_class_id):
        raise PermissionDenied
    form = ApplicationForm(request.POST or None, student=student)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_file(actor=request.user, student=student, **form.service_data())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The application has been filed as a draft. Attach the materials and submit it.")
            )
            return redirect(application)
    return render(
        request,
        "applications/application_form.html",
        {
            "student": student,
            "form": form,
            "refusal": services.student_refusal(student),
            "heading": _("File an application"),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def application_edit(request, pk):
    application = _editable_application(request, pk)
    if not application.editable:
        messages.error(
            request,
            _("The application is “{status}” and can no longer be changed.").format(
                status=application.get_status_display()
            ),
        )
        return redirect(application)
    initial = {name: getattr(application, name) for name in services.EDITABLE_FIELDS}
    initial["home_visits"] = [visit.pk for visit in application.home_visits.all()]
    form = ApplicationForm(request.POST or None, initial=initial, student=application.student, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        visits = data.pop("home_visits")
        try:
            services.application_update(actor=request.user, application=application, data=data, home_visits=visits)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The application has been saved."))
            return redirect(application)
    return render(
        request,
        "applications/application_form.html",
        {
            "student": application.student,
            "application": application,
            "form": form,
            "heading": _("Edit the application"),
        },
    )


@require_GET
@login_required
def application_detail(request, pk):
    application = selectors.application_for_page(user=request.user, pk=pk)
    may_edit = can_keep_records(request.user, application.school_id, application.school_class_id)
    opens, closes = application.program.window_for(application.term)
    # The class teacher who submitted it usually reviews it next: the page leads there.
    awaits_first_review = application.status in (Status.SUBMITTED, Status.SENT_BACK) and can_teach_class(
        request.user, application.school_class_id
    )
    return render(
        request,
        "applications/application_detail.html",
        {
            "application": application,
            "student": application.student,
            "may_edit": may_edit,
            "may_withdraw": may_edit and application.status in services.WITHDRAWABLE_STATUSES,
            "awaits_first_review": awaits_first_review,
            "prints_full_id_number": can_reveal(request.user),
            "window": (opens, closes),
            "attachment_form": AttachmentForm(),
            "withdraw_form": WithdrawForm(),
            "history": selectors.application_history(application=application),
        },
    )


def _transition_view(request, pk, act, done: str):
    application = _editable_application(request, pk)
    try:
        act(application)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect(application)


@require_POST
@login_required
def application_submit(request, pk):
    return _transition_view(
        request,
        pk,
        lambda application: services.application_submit(actor=request.user, application=application),
        _("The application has been submitted for the first review."),
    )


@require_POST
@login_required
def application_withdraw(request, pk):
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _transition_view(
        request,
        pk,
        lambda application: services.application_withdraw(actor=request.user, application=application, reason=reason),
        _("The application has been withdrawn."),
    )


def _print(request, pk, document: str):
    application = selectors.application_for_page(user=request.user, pk=pk)
    content = services.application_print(actor=request.user, application=application, document=document)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = _disposition("inline", f"{document}-{application.pk}.pdf")
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def application_pledge_pdf(request, pk):
    return _print(request, pk, "pledge")


@require_POST
@login_required
def application_form_pdf(request, pk):
    return _print(request, pk, "form")


@require_POST
@login_required
def attachment_upload(request, pk):
    application = _editable_application(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment_add(
                actor=request.user,
                application=application,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The file has been attached."))
            return redirect(application)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect(application)


@require_GET
@login_required
def attachment_download(request, pk):
    attachment = selectors.attachment_in_scope(user=request.user, pk=pk)
    attachment_download_record(actor=request.user, attachment=attachment)
    inline = attachment.content_type != "application/pdf"
    stored = open_stream(attachment.file.storage, attachment.file.name)
    response = FileResponse(stored, content_type=attachment.content_type)
    name = f"{attachment.kind}-{attachment.pk}.{attachment.extension}"
    response["Content-Disposition"] = _disposition("inline" if inline else "attachment", name)
    response["X-Content-Type-Options"] = "nosniff"
    # A family's documents are never kept by a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def attachment_remove_view(request, pk):
    attachment = selectors.attachment_in_scope(user=request.user, pk=pk)
    application = attachment.application
    if not can_keep_records(request.user, application.school_id, application.school_class_id):
        raise PermissionDenied
    try:
        attachment_remove(actor=request.user, attachment=attachment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The attachment has been removed."))
    return redirect(application)


urlpatterns = [
    path("applications/", application_index, name="application_index"),
    path("schools/<int:school_pk>/applications/", school_applications, name="school_applications"),
    path("classes/<int:class_pk>/applications/", class_applications, name="class_applications"),
    path("students/<int:student_pk>/applications/", student_applications, name="student_applications"),
    path("students/<int:student_pk>/applications/new/", application_new, name="application_new"),
    path("applications/<int:pk>/", application_detail, name="application_detail"),
    path("applications/<int:pk>/edit/", application_edit, name="application_edit"),
    path("applications/<int:pk>/submit/", application_submit, name="application_submit"),
    path("applications/<int:pk>/withdraw/", application_withdraw, name="application_withdraw"),
    path("applications/<int:pk>/pledge.pdf", application_pledge_pdf, name="application_pledge_pdf"),
    path("applications/<int:pk>/form.pdf", application_form_pdf, name="application_form_pdf"),
    path("applications/<int:pk>/attachments/", attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/", attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/remove/", attachment_remove_view, name="attachment_remove"),
]
