"""Uploads kept between the preview and the confirmation, and the background jobs that check and write a large file."""

import re
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from aidsys.context import current_request_context
from aidsys.models import Job, School
from aidsys.services.jobs import JobProgress, job_create, job_fail, job_finish, job_set_total
from aidsys.storage import kept_files
from students.imports.planning import RosterPlan, sheet_plan
from students.imports.reading import RosterSheet, no_progress, read_sheet
from students.imports.writing import RosterNotApplied, roster_apply

ROSTER_JOB = "students.roster_import"
# Reading and checking a large file, before its preview: the page shows how many rows are done.
ROSTER_CHECK_JOB = "students.roster_check"
UPLOAD_FOLDER = "imports"
# A background import reports its progress every so many rows.
PROGRESS_EVERY = 100
# Beside an uploaded roster, in a folder of its own (so that it is never taken for the upload): its rows as read.
SHEET_FOLDER = "read"
SHEET_FILE = "sheet.json"


@dataclass(frozen=True)
class Upload:
    path: str  # in the default storage
    name: str

    def read(self) -> bytes:
        with default_storage.open(self.path, "rb") as stored:
            return stored.read()

    @property
    def _sheet_folder(self) -> str:
        return f"{PurePosixPath(self.path).parent}/{SHEET_FOLDER}"

    def sheet(self, progress: Callable[[int], None] = no_progress) -> RosterSheet:
        """The roster's rows: read from the file the first time, then from what that reading kept.

        Kept through the storage API, beside the file: whichever process shows the preview again,
        takes the confirmation or runs the job reads the JSON, not the workbook. `progress` is told
        how many rows the first reading has read so far.
        """
        path = f"{self._sheet_folder}/{SHEET_FILE}"
        if default_storage.exists(path):
            with default_storage.open(path, "rb") as stored:
                return RosterSheet.from_json(stored.read())
        sheet = read_sheet(content=self.read(), file_name=self.name, progress=progress)
        # Two requests reading at once both save; the storage gives the second another name, never read.
        default_storage.save(path, ContentFile(sheet.to_json()))
        return sheet

    def delete(self) -> None:
        default_storage.delete(self.path)
        for name in _files_in(self._sheet_folder):
            default_storage.delete(f"{self._sheet_folder}/{name}")


def _files_in(folder: str) -> list[str]:
    try:
        return default_storage.listdir(folder)[1]
    except FileNotFoundError:
        return []


def _folder(school: School, user, token: str) -> str:
    return f"{UPLOAD_FOLDER}/{school.pk}-{user.pk}-{token}"


def upload_store(*, school: School, user, name: str, content: bytes) -> str:
    """Keep an uploaded file for its preview and confirmation; returns the token that finds it again.
    A ValidationError on "file" when the storage refuses it."""
    token = secrets.token_hex(16)
    safe_name = get_valid_filename(PurePosixPath(name).name) or "roster"
    with kept_files() as kept:
        kept.store(default_storage, f"{_folder(school, user, token)}/{safe_name}", ContentFile(content))
    return token


def upload_find(*, school: School, user, token: str) -> Upload | None:
    """The file this user uploaded for this school under this token, or None."""
    if not re.fullmatch(r"[0-9a-f]{32}", token):
        return None
    folder = _folder(school, user, token)
    try:
        _folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return None
    return Upload(f"{folder}/{files[0]}", files[0]) if files else None


def upload_purge(*, older_than: timedelta) -> int:
    """Delete uploads left behind (previews never confirmed); returns how many files went."""
    cutoff = timezone.now() - older_than
    try:
        folders, _files = default_storage.listdir(UPLOAD_FOLDER)
    except FileNotFoundError:
        return 0
    purged = 0
    for folder in folders:
        for place in (f"{UPLOAD_FOLDER}/{folder}", f"{UPLOAD_FOLDER}/{folder}/{SHEET_FOLDER}"):
            for name in _files_in(place):
                path = f"{place}/{name}"
                if default_storage.get_modified_time(path) < cutoff:
                    default_storage.delete(path)
                    purged += 1
    return purged


def check_in_background(content: bytes) -> bool:
    """A file this large is read and checked by a background job whose page shows the rows done."""
    return len(content) > settings.AIDSYS_IMPORT_CHECK_ASYNC_BYTES


def roster_check_job_create(*, school: School, owner, token: str, file_name: str) -> Job:
    """A background check of an upload kept under `token`; the job's page leads to its preview."""
    return job_create(
        kind=ROSTER_CHECK_JOB, owner=owner, school=school, params={"token": token, "file_name": file_name}
    )


def roster_check_job_run(*, job: Job) -> None:
    """Read the kept file (rows read so far, then rows checked out of all) and check it against the registry.

    Nothing is written: the sheet read is kept beside the file, and the preview plans from it again.
    """
    upload = upload_find(school=job.school, user=job.owner, token=job.params["token"])
    if upload is None:
        job_fail(job=job, message=_("The uploaded file is gone; please upload it again."))
        return
    with JobProgress(job, every=PROGRESS_EVERY) as reading:
        sheet = upload.sheet(progress=reading)
    job_set_total(job=job, total=len(sheet.rows))
    with JobProgress(job, every=PROGRESS_EVERY) as checking:
        plan = sheet_plan(school=job.school, sheet=sheet, progress=checking)
    job_finish(job=job, result={"rows": plan.rows, "errors": len(plan.errors)}, message=_("The file has been checked."))


def roster_job_create(*, plan: RosterPlan, upload: Upload, owner) -> Job:
    """A background import of the previewed plan; the task checks the file again before writing."""
    context = current_request_context()
    return job_create(
        kind=ROSTER_JOB,
        owner=owner,
        school=plan.school,
        total=len(plan.new) + len(plan.changed),
        params={
            "upload": upload.path,
            "file_name": upload.name,
            "digest": plan.digest(),
            "request_id": context.request_id,
            "ip": context.ip,
        },
    )


def roster_job_run(*, job: Job) -> None:
    """Check the stored file again and write it, if it still gives the plan that was confirmed."""
    upload = Upload(job.params["upload"], job.params["file_name"])
    try:
        sheet = upload.sheet()
    except FileNotFoundError:
        job_fail(job=job, message=_("The uploaded file is gone; nothing was imported. Please upload it again."))
        return
    # The file holds students' data: it goes whatever the outcome; a new attempt starts from a new upload.
    try:
        _run(job, sheet)
    finally:
        upload.delete()


def _run(job: Job, sheet: RosterSheet) -> None:
    plan = sheet_plan(school=job.school, sheet=sheet)
    if plan.errors:
        job_fail(job=job, message=_("The file has errors; nothing was imported."), result=_result(plan))
    elif plan.digest() != job.params["digest"]:
        job_fail(job=job, message=_("The registry changed after the preview; nothing was imported."))
    else:
        job_set_total(job=job, total=len(plan.new) + len(plan.changed))
        try:
            with JobProgress(job, every=PROGRESS_EVERY) as progress:
                roster_apply(plan=plan, actor=job.owner, progress=progress)
        except RosterNotApplied as failure:
            plan.errors = failure.errors
            job_fail(job=job, message=_("Nothing was imported."), result=_result(plan))
            return
        job_finish(job=job, result=_result(plan), message=_("The roster has been imported."))


def _result(plan: RosterPlan) -> dict:
    return {
        "rows": plan.rows,
        "new": len(plan.new),
        "changed": len(plan.changed),
        "unchanged": plan.unchanged,
        "errors": [asdict(error) for error in plan.errors],
    }
