"""manage.py import_students FILE --school CODE [--dry-run]: a school's roster from the 学籍 export."""

import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from aidsys.context import RequestContext, reset_request_context, set_request_context
from aidsys.models import School
from aidsys.spreadsheets import size_error
from students.imports import RosterNotApplied, roster_apply, roster_plan

ACTOR_NAME = "import_students"


class Command(BaseCommand):
    help = (
        "Import a school's roster (.xlsx or .csv, the 学籍 system's export). Every error is printed; "
        "a file with any error imports nothing. Exit status 0 when imported (or a dry run found no error)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the roster, .xlsx or .csv")
        parser.add_argument("--school", required=True, metavar="CODE", help="the school's code (学校代码)")
        parser.add_argument("--dry-run", action="store_true", help="check the file and write nothing")

    def handle(self, *args, file, school, dry_run, **options):
        target = School.objects.select_related("current_term__school_year").filter(code=school).first()
        if target is None:
            raise CommandError(_("There is no school with the code {code}.").format(code=school))
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("There is no file {path}.").format(path=file))
        too_large = size_error(path.stat().st_size)
        if too_large is not None:
            raise CommandError(too_large.messages[0])
        # The run's audit events share one id, as a request's do.
        token = set_request_context(RequestContext(request_id=f"{ACTOR_NAME}-{uuid.uuid4().hex[:12]}"))
        try:
            self._import(target, path, dry_run)
        finally:
            reset_request_context(token)

    def _import(self, school, path, dry_run):
        plan = roster_plan(school=school, content=path.read_bytes(), file_name=path.name)
        if not plan.errors and not dry_run:
            try:
                roster_apply(plan=plan, actor=None, actor_name=ACTOR_NAME)
            except RosterNotApplied as failure:
                plan.errors = failure.errors
        for error in plan.errors:
            self.stderr.write(self.error_line(error))
        self.stdout.write(plan.summary())
        if plan.errors:
            raise CommandError(_("Nothing was imported."))
        if dry_run:
            self.stdout.write(_("Dry run: the file has no errors; nothing was written."))
        else:
            self.stdout.write(self.style.SUCCESS(_("Imported.")))

    @staticmethod
    def error_line(error) -> str:
        if error.row is None:
            return _("File: {reason}").format(reason=error.reason)
        column = f"{error.column} ({error.letter})" if error.letter else error.column
        return _("Row {row}, column {column}, value “{value}”: {reason}").format(
            row=error.row, column=column, value=error.value, reason=error.reason
        )
