"""Background work of the reports: tasks take ids, load, and call the service."""

import logging

from celery import shared_task

from aidsys.services.jobs import job_start
from reports.services.exports import export_failed, export_purge, export_run

logger = logging.getLogger(__name__)


@shared_task(name="reports.tasks.report_export")
def report_export(export_id: int) -> None:
    """Write an export's workbook. A job already started or over is left alone (a second delivery)."""
    from reports.models import ReportExport

    job_id = ReportExport.objects.filter(pk=export_id).values_list("job_id", flat=True).first()
    job = job_start(job_id=job_id) if job_id is not None else None
    if job is None:
        return
    try:
        export_run(job=job)
    except Exception:
        # The job says so on the page; the worker's log keeps the traceback. Not raised again: in the
        # embedded set-up the task runs in the request, whose page should show the failed export.
        logger.exception("report export %s failed", export_id)
        export_failed(job=job)


@shared_task(name="reports.tasks.exports_purge")
def exports_purge() -> int:
    """Exported files hold students' data: they go when their week is over."""
    return export_purge()
