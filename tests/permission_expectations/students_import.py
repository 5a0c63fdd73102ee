"""Roster import: the aid office of the school, county staff of its county and the administrator.

The school is looked up in the user's scope first (the outsider: 404), then the role is checked
(a class teacher or the principal of the school: 403). An uploaded file belongs to its uploader:
for anyone else its preview is not there (404). A job is seen in its school's scope and by its owner.
"""

from aidsys.models import Job
from aidsys.services.jobs import job_create
from students import imports
from tests.permission_expectations import Expect, everyone, only

IMPORTERS = ("aid_office", "county_staff", "admin")


def _li_upload(cast) -> str:
    content = "姓名,性别,身份证号,年级,班级,户籍性质\n".encode()
    return imports.upload_store(school=cast.school, user=cast.li, name="花名册.csv", content=content)


def _job(cast) -> Job:
    return job_create(kind=imports.ROSTER_JOB, owner=cast.li, school=cast.school)


EXPECTATIONS: dict[str, Expect] = {
    "students:roster_import": Expect(only(IMPORTERS, 200, outsider=404), kwargs=lambda c: {"school_pk": c.school.pk}),
    "students:roster_template": Expect(only(IMPORTERS, 200, outsider=404), kwargs=lambda c: {"school_pk": c.school.pk}),
    # The menu's entry: the aid office's one school at once; others choose among theirs (none: an empty list).
    "students:roster_import_index": Expect(everyone(200, aid_office=302)),
    "students:roster_import_preview": Expect(
        only(("aid_office",), 200, county_staff=404, admin=404, outsider=404),
        kwargs=lambda c: {"school_pk": c.school.pk, "token": _li_upload(c)},
    ),
    "students:import_job": Expect(
        only(("aid_office", "principal", "county_staff", "admin"), 200, others=404), kwargs=lambda c: {"pk": _job(c).pk}
    ),
    "students:import_job_status": Expect(
        only(("aid_office", "principal", "county_staff", "admin"), 200, others=404), kwargs=lambda c: {"pk": _job(c).pk}
    ),
}
