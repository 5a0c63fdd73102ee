"""Roster import for the aid office: upload → preview (new, changed, unchanged, errors) → confirm.

The uploaded file stays on the server between the preview and the confirmation, under a random
token tied to the user and the school, and is read once: its rows are kept beside it. Each showing
of the preview and the confirmation check those rows against the registry again, and the
confirmation writes only if they still give the plan that was previewed. Large files are written by a background
task whose progress the page polls.
"""

import io
from functools import partial

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from aidsys import spreadsheets
from aidsys.background import task_enqueue
from aidsys.models import Job, School
from aidsys.scope import can_import_for_school
from aidsys.services.jobs import job_progress_seen
from students import imports, tasks
from students.resources import COLUMNS

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Roster file"),
        help_text=gettext_lazy("The 学籍 system's export, or the template filled in: .xlsx or .csv."),
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
        transaction.on_commit(partial(task_enqueue, tasks.roster_import, job.pk))
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
            if imports.check_in_background(form.content):
                job = imports.roster_check_job_create(
                    school=school, owner=request.user, token=token, file_name=upload.name
                )
                transaction.on_commit(partial(task_enqueue, tasks.roster_check, job.pk))
                return redirect("students:import_job", pk=job.pk)
            return redirect("students:roster_import_preview", school_pk=school.pk, token=token)
    return render(request, "students/import_upload.html", {"school": school, "form": form, "columns": COLUMNS})


@require_GET
@login_required
def roster_template(request, school_pk):
    """The template to fill in: the columns the import reads, with an example row for this school."""
    school = _school_for_import(request, school_pk)
    content = imports.roster_template(school)
    return FileResponse(
        io.BytesIO(content), as_attachment=True, filename=_("roster-template.xlsx"), content_type=XLSX_MEDIA_TYPE
    )


@require_GET
@login_required
def roster_import_index(request):
    """The menu's entry: straight to the import of the user's one school; a choice when there are several."""
    schools = [
        school
        for school in School.objects.visible_to(request.user).select_related("county").order_by("code")
        if can_import_for_school(request.user, school)
    ]
    if len(schools) == 1:
        return redirect("students:roster_import", school_pk=schools[0].pk)
    return render(request, "students/import_index.html", {"schools": schools})


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
    job = jobs.get_visible_or_404(request.user, pk=pk, kind__in=(imports.ROSTER_JOB, imports.ROSTER_CHECK_JOB))
    return job_progress_seen(job)


def _checked_preview(job: Job) -> str | None:
    """Where a roster check that has finished leads: the preview of its file."""
    if job.kind != imports.ROSTER_CHECK_JOB or job.status != Job.Status.DONE:
        return None
    return reverse("students:roster_import_preview", args=[job.school_id, job.params["token"]])


def _job_context(job: Job) -> dict:
    checking = job.kind == imports.ROSTER_CHECK_JOB
    return {
        "job": job,
        "status_url": reverse("students:import_job_status", args=[job.pk]),
        "result_template": "students/import_check_result.html" if checking else "students/import_job_result.html",
        "preview_url": _checked_preview(job),
    }


@require_GET
@login_required
def import_job(request, pk):
    job = _job(request, pk)
    if _checked_preview(job):
        return redirect(_checked_preview(job))
    return render(request, "students/import_job.html", _job_context(job))


@require_GET
@login_required
def import_job_status(request, pk):
    job = _job(request, pk)
    response = render(request, "aidsys/_job_progress.html", _job_context(job))
    if _checked_preview(job):
        # The check is over: the page that polls goes on to the preview (the link in the partial does without htmx).
        response["HX-Redirect"] = _checked_preview(job)
    return response


urlpatterns = [
    path("students/import/", roster_import_index, name="roster_import_index"),
    path("schools/<int:school_pk>/students/import/", roster_import, name="roster_import"),
    path("schools/<int:school_pk>/students/import/template/", roster_template, name="roster_template"),
    path("schools/<int:school_pk>/students/import/<str:token>/", roster_import_preview, name="roster_import_preview"),
    path("import-jobs/<int:pk>/", import_job, name="import_job"),
    path("import-jobs/<int:pk>/status/", import_job_status, name="import_job_status"),
]
