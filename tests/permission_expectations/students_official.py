"""Official lists: the aid office and county staff upload; the principal reads; a class teacher has no part.

A county's matching job is seen by the county staff member who started it (and the administrator):
the school's aid office and principal, readers of lists, do not find it (404).
"""

from datetime import date

from aidsys.models import Job
from aidsys.services.jobs import job_create
from students import matching
from students.models import OfficialList
from tests.permission_expectations import Expect, only

READERS = ("aid_office", "principal", "county_staff", "admin")
UPLOADERS = ("aid_office", "county_staff", "admin")


def _school_list(cast) -> OfficialList:
    return OfficialList.objects.get_or_create(
        name="民政局低保名单",
        defaults={
            "kind": OfficialList.Kind.MINIMUM_LIVING,
            "list_date": date(2026, 10, 1),
            "county": cast.county,
            "school": cast.school,
            "file_name": "低保名单.xlsx",
            "uploaded_by": cast.li,
        },
    )[0]


def _county_job(cast) -> Job:
    return job_create(kind=matching.OFFICIAL_LIST_JOB, owner=cast.zhao, params={"name": "全县低保名单"})


EXPECTATIONS: dict[str, Expect] = {
    "students:official_lists": Expect(only(READERS, 200)),
    "students:official_list_upload": Expect(only(UPLOADERS, 200)),
    # The outsider is a class teacher: the role answers before the scope does.
    "students:official_list_detail": Expect(only(READERS, 200), kwargs=lambda c: {"pk": _school_list(c).pk}),
    "students:official_list_job": Expect(
        only(READERS, 200, aid_office=404, principal=404), kwargs=lambda c: {"pk": _county_job(c).pk}
    ),
    "students:official_list_job_status": Expect(
        only(READERS, 200, aid_office=404, principal=404), kwargs=lambda c: {"pk": _county_job(c).pk}
    ),
}
