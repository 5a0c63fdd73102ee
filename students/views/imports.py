"""Roster import for the aid office: upload → preview (new, changed, unchanged, errors) → confirm.

The uploaded file stays on the server between the preview and the confirmation, under a random
token tied to the user and the school, and is read once: its rows are kept beside it. Each showing
of the preview and the confirmation check those rows against the registry again, and the
confirmation writes only if they still give the plan that was previewed. Large files are written by a background
task whose progress the page polls.
"""

from functools import partial

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from aidsys import spreadsheets
from aidsys.models import Job, School
from aidsys.scope import can_import_for_school
from students import imports, tasks
from students.resources import COLUMNS


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Roster file"),
        help_text=gettext_lazy("The 学籍 system's export, .xlsx or .csv."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        _kind, self.content = spreadsheets.read_upload(upload)
        return upload


def _school_for_import(request, school_pk) -> School:
    school = School.objects.select_related("county", "current_term__school_year").get_visible_or_404(
        request.user, pk=school_pk
    )
    if not can_import_for_school(request.user, school):
        raise PermissionDenied
    return school


def plan_context(plan, *, previewed: bool = True) -> dict:
    return {"plan": plan, "digest": plan.digest(), "columns": COLUMNS, "previewed": previewed}


def confirm(request, *, plan, upload, done_url: str):
    """Write the plan if it is still the one previewed; a response when done, None to show the preview again."""
    if plan.errors:
        messages.error(request, _("The file has errors; nothing was imported."))
        return None
    if request.POST.get("digest") != plan.digest():
        messages.warning(
            request,
            _("The registry changed after the preview. Check the new preview below and confirm again."),
        )
        return None
    if plan.rows > imports.async_rows():
        job = imports.roster_job_create(plan=plan, upload=upload, owner=request.user)
        transaction.on_commit(partial(tasks.roster_import.delay, job.pk))
        return redirect("students:import_job", pk=job.pk)
    try:
        result = imports.roster_apply(plan=plan, actor=request.user)
    except imports.RosterNotApplied as failure:
        plan.errors = failure.errors
        messages.error(request, _("Nothing was imported."))
        return None
    upload.delete()
    messages.success(
        request,
        _("The roster has been imported: {new} new, {changed} changed, {unchanged} unchanged.").format(
            new=result.created, changed=result.updated, unchanged=result.unchanged
        ),
    )
    return redirect(done_url)


@require_http_methods(["GET", "POST"])
@login_required
def roster_import(request, school_pk):
    school = _school_for_import(request, school_pk)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            token = imports.upload_store(school=school, user=request.user, name=upload.name, content=form.content)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("students:roster_import_preview", school_pk=school.pk, token=token)
    return render(request, "students/import_upload.html", {"school": school, "form": form, "columns": COLUMNS})


@require_http_methods(["GET", "POST"])
@login_required
def roster_import_preview(request, school_pk, token):
    school = _school_for_import(request, school_pk)
    upload = imports.upload_find(school=school, user=request.user, token=token)
    if upload is None:
        raise Http404
    plan = imports.sheet_plan(school=school, sheet=upload.sheet())
    if request.method == "POST":
        response = confirm(
            request, plan=plan, upload=upload, done_url=reverse("students:school_students", args=[school.pk])
        )
        if response is not None:
            return response
    return render(request, "students/import_preview.html", {"school": school, **plan_context(plan)})


class AdminRosterUploadForm(RosterUploadForm):
    school = forms.ModelChoiceField(label=gettext_lazy("school"), queryset=School.objects.all())

    field_order = ["school", "file"]


def admin_roster_import(request, *, model_admin):
    """The same import in the admin, for any school: upload, then ?school=&token= previews and confirms."""
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("Import the roster"),
    }
    if "token" in request.GET:
        school_pk = request.GET.get("school", "")
        if not school_pk.isdigit():
            raise Http404
        school = _school_for_import(request, school_pk)
        upload = imports.upload_find(school=school, user=request.user, token=request.GET["token"])
        if upload is None:
            raise Http404
        plan = imports.sheet_plan(school=school, sheet=upload.sheet())
        if request.method == "POST":
            done = reverse("admin:students_student_changelist") + "?" + urlencode({"school__id__exact": school.pk})
            response = confirm(request, plan=plan, upload=upload, done_url=done)
            if response is not None:
                return response
        return TemplateResponse(request, "students/import_admin.html", {**context, **plan_context(plan)})
    form = AdminRosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        school = _school_for_import(request, form.cleaned_data["school"].pk)
        name = form.cleaned_data["file"].name
        try:
            token = imports.upload_store(school=school, user=request.user, name=name, content=form.content)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            query = urlencode({"school": school.pk, "token": token})
            return redirect(reverse("admin:students_student_import") + "?" + query)
    return TemplateResponse(request, "students/import_admin.html", {**context, "form": form})


def _job(request, pk) -> Job:
    jobs = Job.objects.select_related("school", "owner")
    return jobs.get_visible_or_404(request.user, pk=pk, kind=imports.ROSTER_JOB)


@require_GET
@login_required
def import_job(request, pk):
    return render(request, "students/import_job.html", {"job": _job(request, pk)})


@require_GET
@login_required
def import_job_status(request, pk):
    return render(
        request,
        "aidsys/_job_progress.html",
        {
            "job": _job(request, pk),
            "status_url": reverse("students:import_job_status", args=[pk]),
            "result_template": "students/import_job_result.html",
        },
    )


urlpatterns = [
    path("schools/<int:school_pk>/students/import/", roster_import, name="roster_import"),
    path("schools/<int:school_pk>/students/import/<str:token>/", roster_import_preview, name="roster_import_preview"),
    path("import-jobs/<int:pk>/", import_job, name="import_job"),
    path("import-jobs/<int:pk>/status/", import_job_status, name="import_job_status"),
]
