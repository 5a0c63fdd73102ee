"""Background work of the registry: tasks take ids, load, and call the service."""

from datetime import timedelta

from celery import shared_task
from django.utils.translation import gettext

from aidsys.context import RequestContext, reset_request_context, set_request_context
from aidsys.services.jobs import job_fail, job_start
from students.imports import roster_check_job_run, roster_job_run, upload_purge
from students.matching import official_list_job_run


@shared_task(name="students.tasks.roster_import")
def roster_import(job_id: int) -> None:
    """Write a confirmed roster import. A job already started or over is left alone (a second delivery)."""
    job = job_start(job_id=job_id)
    if job is None:
        return
    # The audit events join the request that confirmed the import.
    token = set_request_context(RequestContext(request_id=job.params.get("request_id", ""), ip=job.params.get("ip")))
    try:
        roster_job_run(job=job)
    except Exception:
        job_fail(job=job, message=gettext("The import stopped on an unexpected error; nothing was imported."))
        raise
    finally:
        reset_request_context(token)


@shared_task(name="students.tasks.roster_check")
def roster_check(job_id: int) -> None:
    """Read and check a large roster file before its preview. A job already started or over is left alone."""
    job = job_start(job_id=job_id)
    if job is None:
        return
    try:
        roster_check_job_run(job=job)
    except Exception:
        job_fail(job=job, message=gettext("The check stopped on an unexpected error; please upload the file again."))
        raise


@shared_task(name="students.tasks.official_list_match")
def official_list_match(job_id: int) -> None:
    """Match an uploaded official list. A job already started or over is left alone (a second delivery)."""
    job = job_start(job_id=job_id)
    if job is None:
        return
    # The audit events join the request that uploaded the list.
    token = set_request_context(RequestContext(request_id=job.params.get("request_id", ""), ip=job.params.get("ip")))
    try:
        official_list_job_run(job=job)
    except Exception:
        job_fail(job=job, message=gettext("The matching stopped on an unexpected error; nothing was recorded."))
        raise
    finally:
        reset_request_context(token)


@shared_task(name="students.tasks.roster_uploads_purge")
def roster_uploads_purge(max_age_hours: int = 24) -> int:
    """Uploads left behind hold students' data: roster previews nobody confirmed, lists no task took."""
    return upload_purge(older_than=timedelta(hours=max_age_hours))
