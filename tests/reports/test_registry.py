"""学生信息 (the registry) as a registered report: county-wide from the reports' own page, narrowed to
a class only where the report allows it, and the registry export's rules whoever starts it."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import Http404
from openpyxl import load_workbook

from aidsys.models import Job
from reports.definitions import REPORTS
from reports.models import ReportExport
from reports.services.exports import export_start
from students.exports import column_headers
from tests.factories import SchoolClassFactory, StudentFactory


@pytest.fixture
def roll(cast):
    """一名学生 in each of the county's two schools and one in the other county's school."""
    sibling_class = SchoolClassFactory(school=cast.sibling_school, school_year=cast.school_year, grade=21, number=1)
    return {
        "school": StudentFactory(school_class=cast.class_1, name="王小明"),
        "class_2": StudentFactory(school_class=cast.class_2, name="张小花"),
        "sibling": StudentFactory(school_class=sibling_class, name="李小红"),
        "other": StudentFactory(school_class=cast.other_class, name="钱多多"),
    }


def sheet_of(export: ReportExport):
    export.refresh_from_db()
    assert export.job.status == Job.Status.DONE, export.job.message
    with default_storage.open(export.file_path, "rb") as handle:
        return load_workbook(io.BytesIO(handle.read())).active


def names(sheet) -> set[str]:
    return {row[1] for row in sheet.iter_rows(min_row=4, values_only=True)}


def start(django_capture_on_commit_callbacks, **kwargs) -> ReportExport:
    with django_capture_on_commit_callbacks(execute=True):
        return export_start(report_key="student_registry", **kwargs)


def test_the_registry_is_a_report_listed_among_the_others(cast, client_for):
    assert "student_registry" in REPORTS
    page = client_for(cast.zhao).get("/reports/").content.decode()
    assert "/reports/student_registry/export/" in page


def test_county_staff_export_the_county_or_some_of_its_schools(
    cast, client_for, roll, django_capture_on_commit_callbacks
):
    client = client_for(cast.zhao)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/student_registry/export/", {"county": cast.county.pk})
    assert response.status_code == 302 and response["Location"] == "/exports/"
    sheet = sheet_of(ReportExport.objects.get())
    assert [cell.value for cell in sheet[3]] == column_headers()
    assert names(sheet) == {"王小明", "张小花", "李小红"}
    chosen = start(
        django_capture_on_commit_callbacks,
        user=cast.zhao,
        request_params={"county_id": cast.county.pk, "school_ids": [cast.sibling_school.pk]},
    )
    assert names(sheet_of(chosen)) == {"李小红"}


def test_a_class_teacher_starts_their_own_class_but_nothing_wider(cast, roll, django_capture_on_commit_callbacks):
    export = start(
        django_capture_on_commit_callbacks,
        user=cast.wang,
        request_params={"school_id": cast.school.pk, "class_id": cast.class_1.pk},
    )
    assert names(sheet_of(export)) == {"王小明"} and export.params["class_id"] == cast.class_1.pk
    with pytest.raises(Http404):
        export_start(user=cast.wang, report_key="student_registry", request_params={"class_id": cast.class_2.pk})
    with pytest.raises(PermissionDenied):
        export_start(user=cast.wang, report_key="student_registry", request_params={"school_id": cast.school.pk})


def test_a_class_must_be_of_the_school_asked_for(cast, roll):
    with pytest.raises(Http404):
        export_start(
            user=cast.zhao,
            report_key="student_registry",
            request_params={"school_id": cast.sibling_school.pk, "class_id": cast.class_1.pk},
        )


def test_a_report_that_is_not_for_a_class_refuses_one(cast, roll):
    """Else a class teacher could start a school's 受助学生名单 by naming their class."""
    with pytest.raises(PermissionDenied):
        export_start(user=cast.wang, report_key="aided_students", request_params={"class_id": cast.class_1.pk})
    assert not ReportExport.objects.exists()
