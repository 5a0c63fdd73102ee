"""Roster import (花名册导入): the 学籍 system's export, checked row by row, written all or nothing.

Two steps. `roster_plan` reads and checks a file without writing anything: it returns the new
students, the changed ones with their field changes, how many are unchanged, and every error,
each naming its row (as the spreadsheet numbers it), column, value and reason. `roster_apply`
writes a plan without errors through the registry's services, in one transaction. The aid
office's page, the admin and `manage.py import_students` all use both.

The file is read by the project's spreadsheet reader (`aidsys.spreadsheets`), not through
django-import-export's import: that loop saves models itself and reports errors in its own terms,
where here every cell's error must say row, column and reason in Chinese, and every write must go
through the audited services. Columns, header synonyms and cell words come from
`students.resources` too, whose StudentResource exports the same columns.

The modules: `reading` (the file's header and rows, each checked), `planning` (the plan against the
registry), `writing` (the plan written) and `job` (uploads kept between preview and confirmation,
and the background job).
"""

from students.imports.job import (
    ROSTER_CHECK_JOB,
    ROSTER_JOB,
    Upload,
    check_in_background,
    roster_check_job_create,
    roster_check_job_run,
    roster_job_create,
    roster_job_run,
    upload_find,
    upload_purge,
    upload_store,
)
from students.imports.planning import RosterPlan, async_rows, roster_plan, sheet_plan
from students.imports.reading import RowError
from students.imports.template import roster_template
from students.imports.writing import RosterNotApplied, roster_apply

__all__ = [
    "ROSTER_CHECK_JOB",
    "ROSTER_JOB",
    "RosterNotApplied",
    "RosterPlan",
    "RowError",
    "Upload",
    "async_rows",
    "check_in_background",
    "roster_apply",
    "roster_check_job_create",
    "roster_check_job_run",
    "roster_job_create",
    "roster_job_run",
    "roster_plan",
    "roster_template",
    "sheet_plan",
    "upload_find",
    "upload_purge",
    "upload_store",
]
