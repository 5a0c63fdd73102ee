"""Roster import (花名册导入), one module per concern: reading the file, planning, writing, the job."""

from students.imports.planning import (
    ROSTER_JOB,
    RosterNotApplied,
    RosterPlan,
    RowError,
    Upload,
    async_rows,
    may_import,
    roster_apply,
    roster_job_create,
    roster_job_run,
    roster_plan,
    upload_find,
    upload_purge,
    upload_store,
)

__all__ = [
    "ROSTER_JOB",
    "RosterNotApplied",
    "RosterPlan",
    "RowError",
    "Upload",
    "async_rows",
    "may_import",
    "roster_apply",
    "roster_job_create",
    "roster_job_run",
    "roster_plan",
    "upload_find",
    "upload_purge",
    "upload_store",
]
