"""Reports and their exports: started by county staff, the aid office and the principal (and the
administrator); an export is its owner's alone: anybody else finds nothing (404)."""

from aidsys.services.jobs import job_create
from reports.models import ReportExport
from tests.permission_expectations import Expect, everyone, only

REPORTERS = ("aid_office", "principal", "county_staff", "admin")


def _zhao_export(cast) -> ReportExport:
    job = job_create(kind="reports.export", owner=cast.zhao)
    return ReportExport.objects.create(
        owner=cast.zhao, report_key="aided_students", title="受助学生名单", job=job, county=cast.county
    )


EXPECTATIONS: dict[str, Expect] = {
    "reports:report_index": Expect(only(REPORTERS, 200)),
    "reports:export_start": Expect(only(REPORTERS, 200), kwargs=lambda c: {"key": "aided_students"}),
    "reports:export_list": Expect(everyone(200)),
    "reports:export_status": Expect(
        only(("county_staff",), 200, others=404), kwargs=lambda c: {"pk": _zhao_export(c).pk}
    ),
    # Not written yet (its job is queued): the owner is told the file is not there.
    "reports:export_download": Expect(
        only(("county_staff",), 410, others=404), kwargs=lambda c: {"pk": _zhao_export(c).pk}
    ),
}
