"""manage.py import_students FILE --school CODE [--dry-run]: exit status, printed errors, no user."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from aidsys.models import AuditEvent
from students.management.commands.import_students import Command
from students.models import Student
from tests.students.test_import import roster_csv, roster_xlsx, student_row


def run(*args):
    """call_command with its output; the exception, if any, comes back instead of being raised."""
    out, err = io.StringIO(), io.StringIO()
    try:
        with translation.override("en"):
            call_command("import_students", *args, stdout=out, stderr=err)
    except CommandError as error:
        return error, out.getvalue(), err.getvalue()
    return None, out.getvalue(), err.getvalue()


@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(roster_xlsx([student_row("王小明"), student_row("李小红", male=False)]))
    return path


@pytest.fixture
def bad_file(tmp_path):
    path = tmp_path / "花名册.csv"
    path.write_bytes(roster_csv([student_row("王小明", 班级="9"), student_row("李小红", male=False, 性别="")]))
    return path


class TestImportStudentsCommand:
    def test_it_imports_a_good_file_as_no_user_and_says_so(self, cast, good_file):
        error, out, err = run(str(good_file), "--school", cast.school.code)
        assert error is None and err == ""
        assert "花名册.xlsx: 2 rows, 2 new, 0 changed, 0 unchanged, 0 errors." in out
        assert Student.objects.filter(school=cast.school).count() == 2
        summary = AuditEvent.objects.for_object(cast.school).get()
        assert summary.actor is None and summary.actor_name == "import_students"
        assert summary.request_id.startswith("import_students-")
        assert AuditEvent.objects.filter(request_id=summary.request_id).count() == 5  # 2 households, 2 students

    def test_it_prints_every_error_and_imports_nothing(self, cast, bad_file):
        error, out, err = run(str(bad_file), "--school", cast.school.code)
        assert isinstance(error, CommandError)
        assert err.splitlines() == [
            "Row 2, column 班级, value “9”: The school has no class Grade 1(9) in the 2026–2027 school year.",
            "Row 3, column 性别, value “”: This column must not be empty.",
        ]
        assert "2 rows, 0 new, 0 changed, 0 unchanged, 2 errors." in out
        assert not Student.objects.exists() and not AuditEvent.objects.exists()

    def test_an_error_in_a_workbook_names_the_column_letter(self, cast, tmp_path):
        path = tmp_path / "roster.xlsx"
        path.write_bytes(roster_xlsx([student_row(户籍性质="海外")]))
        _error, _out, err = run(str(path), "--school", cast.school.code)
        assert err.startswith("Row 2, column 户籍性质 (H), value “海外”: Write 农村 or 城镇")

    def test_a_dry_run_writes_nothing(self, cast, good_file):
        error, out, _err = run(str(good_file), "--school", cast.school.code, "--dry-run")
        assert error is None
        assert "Dry run: the file has no errors; nothing was written." in out
        assert not Student.objects.exists() and not AuditEvent.objects.exists()

    def test_a_dry_run_that_finds_errors_fails(self, cast, bad_file):
        error, _out, err = run(str(bad_file), "--school", cast.school.code, "--dry-run")
        assert isinstance(error, CommandError) and len(err.splitlines()) == 2

    def test_an_unknown_school_or_file_fails(self, cast, good_file, tmp_path):
        assert "no school with the code 999" in str(run(str(good_file), "--school", "999")[0])
        assert "There is no file" in str(run(str(tmp_path / "missing.xlsx"), "--school", cast.school.code)[0])

    def test_a_second_run_of_the_same_file_changes_nothing(self, cast, good_file):
        run(str(good_file), "--school", cast.school.code)
        error, out, _err = run(str(good_file), "--school", cast.school.code)
        assert error is None and "0 new, 0 changed, 2 unchanged" in out
        assert Student.objects.count() == 2

    @pytest.mark.parametrize(("fixture", "status"), [("good_file", None), ("bad_file", 1)])
    def test_the_exit_status_is_zero_when_imported_and_one_when_not(self, cast, request, capsys, fixture, status):
        path = request.getfixturevalue(fixture)
        argv = ["manage.py", "import_students", str(path), "--school", cast.school.code]
        if status is None:
            Command().run_from_argv(argv)
        else:
            with pytest.raises(SystemExit) as exit_info:
                Command().run_from_argv(argv)
            assert exit_info.value.code == status
            # The real command speaks the project's language: Chinese.
            assert "第 2 行，班级 列，值“9”" in capsys.readouterr().err
