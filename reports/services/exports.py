"""Long exports run as jobs: started here, written by a Celery task, downloaded later, purged after a week.

Starting an export checks the unit (county staff: a county of theirs, with some or all of its
schools; the aid office and the principal: their school; whoever sees a class, a class teacher
too: that class, for a report that may be narrowed to one), and full data needs the reveal
permission and a reason, as the registry export does. Starting is an audit event (what was asked,
masked or full, why); each download is one too (with the rows the file holds). The task builds
the report, writes it to a temporary file with the job's progress, and stores it through Django's
storage API: nothing here assumes one machine.
"""

from __future__ import annotations

import re
import tempfile
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aidsys.background import task_enqueue
from aidsys.models import County, Job, School, SchoolClass
from aidsys.replica import reading_from_replica
from aidsys.scope import can_act_for_county, can_read_school_rosters, can_reveal
from aidsys.services.audit import Action, audit_record
from aidsys.services.jobs import JobProgress, job_create, job_fail, job_finish, job_set_total
from aidsys.storage import kept_files, open_stream
from reports.definitions import REPORTS, Report, ReportRequest
from reports.layouts import NationalLayout, apply_layout
from reports.models import EXPORT_KEEP_DAYS, ReportExport
from reports.workbook import write_workbook

EXPORT_JOB = "reports.export"
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROGRESS_EVERY = 2000
STORAGE_DIRECTORY = "reports/exports"
# Characters Windows and Excel refuse in file names.
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\[\]\s]+')
# What the task reads back from the parameters into a ReportRequest.
_ID_PARAMETERS = ("program_id", "term_id", "school_year_id", "layout_id")


@dataclass(frozen=True)
class Unit:
    county: County
    school: School | None
    school_ids: tuple[int, ...]
    school_class: SchoolClass | None = None


def report_for(key: str) -> Report:
    try:
        return REPORTS[key]
    except KeyError:
        raise Http404 from None


def export_unit(
    *, user, school_id: int | None = None, county_id: int | None = None, school_ids=(), class_id: int | None = None
) -> Unit:
    """The unit a user may export: a class they see, a school of theirs, or a county of theirs with
    some of its schools.

    Out of scope is 404; in scope without the role (a class teacher, for a school) is PermissionDenied."""
    if class_id is not None:
        school_class = SchoolClass.objects.select_related("school__county").get_visible_or_404(user, pk=class_id)
        if school_id is not None and school_class.school_id != school_id:
            raise Http404
        school = school_class.school
        return Unit(county=school.county, school=school, school_ids=(), school_class=school_class)
    if school_id is not None:
        school = School.objects.select_related("county").get_visible_or_404(user, pk=school_id)
        if not can_read_school_rosters(user, school):
            raise PermissionDenied
        return Unit(county=school.county, school=school, school_ids=())
    if county_id is None:
        raise Http404
    county = County.objects.get_visible_or_404(user, pk=county_id)
    if not can_act_for_county(user, county):
        raise PermissionDenied
    chosen = tuple(sorted({int(pk) for pk in school_ids}))
    if chosen and School.objects.filter(county=county, pk__in=chosen).count() != len(chosen):
        raise Http404
    return Unit(county=county, school=None, school_ids=chosen)


@transaction.atomic
def export_start(*, user, report_key: str, request_params: dict) -> ReportExport:
    """Check the unit and the masking, record the export and its job, and have a worker write it."""
    report = report_for(report_key)
    class_id = request_params.get("class_id")
    if class_id is not None and "class" not in report.parameters:
        raise PermissionDenied
    unit = export_unit(
        user=user,
        school_id=request_params.get("school_id"),
        county_id=request_params.get("county_id"),
        school_ids=request_params.get("school_ids") or (),
        class_id=class_id,
    )
    full = bool(request_params.get("full"))
    reason = (request_params.get("reason") or "").strip()
    if full and not can_reveal(user):
        raise PermissionDenied
    if full and not reason:
        raise ValidationError(_("Say why the export needs full data."), code="reason")
    params = {name: request_params.get(name) for name in _ID_PARAMETERS if request_params.get(name) is not None}
    layout_id = params.get("layout_id")
    if layout_id is not None and not NationalLayout.objects.filter(pk=layout_id, county=unit.county).exists():
        raise ValidationError({"layout": _("Choose a column layout of {county}.").format(county=unit.county)})
    if request_params.get("as_of"):
        params["as_of"] = request_params["as_of"].isoformat()
    params |= {"county_id": unit.county.pk, "school_id": unit.school.pk if unit.school else None}
    params["school_ids"] = list(unit.school_ids)
    if unit.school_class is not None:
        params["class_id"] = unit.school_class.pk
    job = job_create(kind=EXPORT_JOB, owner=user, school=unit.school, params={"report": report_key})
    now = timezone.now()
    export = ReportExport.objects.create(
        created_at=now,
        expires_at=now + timedelta(days=EXPORT_KEEP_DAYS),
        owner=user,
        report_key=report_key,
        title=str(report.title),
        params=params,
        job=job,
        county=unit.county,
        school=unit.school,
        full=full,
        reason=reason,
    )
    audit_record(
        actor=user,
        action=Action.EXPORT,
        target=export,
        changes={
            "report": [None, export.title],
            "parameters": [None, params],
            "export": [None, "full" if full else "masked"],
        },
        reason=reason,
    )
    from reports import tasks  # the task module imports this one

    transaction.on_commit(lambda: task_enqueue(tasks.report_export, export.pk))
    return export


def export_request(export: ReportExport) -> ReportRequest:
    params = export.params
    as_of = params.get("as_of")
    return ReportRequest(
        user=export.owner,
        county_id=export.county_id,
        school_id=export.school_id,
        school_ids=tuple(params.get("school_ids") or ()),
        class_id=params.get("class_id"),
        program_id=params.get("program_id"),
        term_id=params.get("term_id"),
        school_year_id=params.get("school_year_id"),
        as_of=date.fromisoformat(as_of) if as_of else None,
        full=export.full,
        reason=export.reason,
        layout_id=params.get("layout_id"),
    )


def export_file_name(*, title: str, unit: str, period: str, on: date) -> str:
    """受助学生名单_青山县_2026–2027学年秋季学期_20261123.xlsx"""
    parts = [title, unit, period, on.strftime("%Y%m%d")]
    return "_".join(_UNSAFE_NAME.sub("_", str(part)).strip("_") for part in parts if part) + ".xlsx"


def export_run(*, job: Job) -> None:
    """Build the report, write it with the job's progress into a temporary file, and store it."""
    export = ReportExport.objects.select_related("owner").get(job=job)
    report = report_for(export.report_key)
    on = timezone.localdate()
    # The file is data for the county's records: in the project's language whoever asked.
    with translation.override(settings.LANGUAGE_CODE):
        request = export_request(export)
        layout = None
        if request.layout_id is not None:
            layout = NationalLayout.objects.get(pk=request.layout_id, county=export.county_id)
        # The query phase (the rows stream while the workbook is written) may read from a replica;
        # the job's progress and the stored file's row are writes, on the primary.
        with (
            reading_from_replica(),
            tempfile.TemporaryFile(suffix=".xlsx") as stream,
        ):
            data = report.build(request)
            if layout is not None:
                # The county's layout for the national system's upload: its columns, order and headings.
                data = apply_layout(data, layout)
            job_set_total(job=job, total=data.count or 0)
            with JobProgress(job, every=PROGRESS_EVERY) as progress:
                rows = write_workbook(data, stream, full=export.full, exported_on=on, progress=progress)
            stream.seek(0)
            try:
                with kept_files() as kept:
                    path = kept.store(
                        default_storage, f"{STORAGE_DIRECTORY}/{on:%Y/%m}/{uuid.uuid4().hex}.xlsx", File(stream)
                    )
            except ValidationError as refused:
                job_fail(job=job, message=refused.messages[0])
                return
    file_name = export_file_name(title=data.title, unit=data.unit, period=data.period, on=on)
    ReportExport.objects.filter(pk=export.pk).update(file_path=path, file_name=file_name, rows=rows)
    if job.total != rows:
        job_set_total(job=job, total=rows)
    job_finish(job=job, result={"rows": rows, "file_name": file_name})


def export_failed(*, job: Job) -> None:
    message = _("The export stopped on an unexpected error; no file was written. Please start it again.")
    job_fail(job=job, message=message)


def owned_export_or_404(*, user, pk: int) -> ReportExport:
    """An export is its owner's alone: anybody else, whatever their scope, finds nothing."""
    try:
        return ReportExport.objects.select_related("job").get(pk=pk, owner=user)
    except ReportExport.DoesNotExist:
        raise Http404 from None


class ExportGone(Exception):
    """The export's file has been purged (or was never written)."""


@transaction.atomic
def export_download(*, user, export: ReportExport):
    """Open the stored file for its owner and record the download; ExportGone when there is none."""
    if export.owner_id != user.pk:
        raise Http404
    if not export.downloadable:
        raise ExportGone
    try:
        handle = open_stream(default_storage, export.file_path)
    except FileNotFoundError:
        raise ExportGone from None
    audit_record(
        actor=user,
        action=Action.EXPORT,
        target=export,
        changes={
            "download": [None, export.file_name],
            "export": [None, "full" if export.full else "masked"],
            "rows": [None, export.rows],
        },
        reason=export.reason,
    )
    return handle


def export_purge() -> int:
    """Delete the files of exports past their keeping time; the rows stay, as the audit trail names them."""
    now = timezone.now()
    due = ReportExport.objects.filter(purged_at__isnull=True, expires_at__lte=now)
    purged = 0
    for export in due.only("pk", "file_path"):
        if export.file_path:
            default_storage.delete(export.file_path)
        purged += ReportExport.objects.filter(pk=export.pk, purged_at__isnull=True).update(purged_at=now, file_path="")
    return purged
