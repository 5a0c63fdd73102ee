"""Applications: everyone in scope reads them; the class teacher of the student's class and the
school's aid office file, edit, submit, withdraw and attach. Printing is reading, and recorded.

The outsider (a class teacher of another county's school) finds nothing of 青山县 (404); a
reader without the filing role in scope gets 403.
"""

from django.core.files.uploadedfile import SimpleUploadedFile

from applications.models import AidProgram, Application, Attachment
from tests.factories import AidProgramFactory, ApplicationFactory, StudentFactory
from tests.permission_expectations import Expect, everyone, only

EDITORS = ("class_teacher", "aid_office", "admin")
READ = everyone(200, outsider=404)
EDIT_GET = only(EDITORS, 200, outsider=404)
EDIT_POST = only(EDITORS, 302, outsider=404)
PDF = b"%PDF-1.4\n%%EOF\n"


def _program(cast) -> AidProgram:
    return AidProgram.objects.filter(county=cast.county, code="APPLY").first() or AidProgramFactory(
        county=cast.county, code="APPLY", name="义务教育家庭经济困难学生生活补助"
    )


def _application(cast, school_class=None) -> Application:
    """A fresh draft for each request: a submit or withdrawal by one role leaves the next its own."""
    return ApplicationFactory(
        student=StudentFactory(school_class=school_class or cast.class_1),
        program=_program(cast),
        term=cast.term,
        filed_by=cast.wang,
        late_reason="补报",
    )


def _attachment(cast, school_class=None) -> Attachment:
    from applications.services.attachments import attachment_add

    return attachment_add(
        actor=cast.admin,
        application=_application(cast, school_class),
        kind="other",
        upload=SimpleUploadedFile("a.pdf", PDF),
    )


def _certificate(cast) -> dict:
    """A 低保证 attached to a draft of 一年级(1)班 (certificates are attached while the application is a draft)."""
    from applications.services.attachments import attachment_add

    attachment = attachment_add(
        actor=cast.admin,
        application=_application(cast),
        kind="subsistence",
        upload=SimpleUploadedFile("低保证.pdf", PDF),
    )
    return {"pk": attachment.pk}


def _pk(cast):
    return {"pk": _application(cast).pk}


def _student(cast):
    return {"student_pk": StudentFactory(school_class=cast.class_1).pk}


EXPECTATIONS = {
    # The menu's entry goes straight to the user's one class or school; with several, it lists them.
    "applications:application_index": Expect(everyone(302, county_staff=200, admin=200)),
    "applications:school_applications": Expect(READ, kwargs=lambda c: {"school_pk": c.school.pk}),
    "applications:class_applications": Expect(READ, kwargs=lambda c: {"class_pk": c.class_1.pk}),
    "applications:student_applications": Expect(READ, kwargs=_student),
    "applications:application_new": Expect(EDIT_GET, kwargs=_student),
    "applications:application_detail": Expect(READ, kwargs=_pk),
    "applications:application_edit": Expect(EDIT_GET, kwargs=_pk),
    "applications:application_submit": Expect(EDIT_POST, method="post", kwargs=_pk),
    "applications:application_withdraw": Expect(
        EDIT_POST, method="post", kwargs=_pk, data=lambda c: {"reason": "家长决定不申请"}
    ),
    "applications:application_pledge_pdf": Expect(everyone(200, outsider=404), method="post", kwargs=_pk),
    "applications:application_form_pdf": Expect(everyone(200, outsider=404), method="post", kwargs=_pk),
    "applications:attachment_upload": Expect(
        EDIT_POST,
        method="post",
        kwargs=_pk,
        data=lambda c: {"kind": "other", "file": SimpleUploadedFile("scan.pdf", PDF)},
    ),
    "applications:attachment_download": Expect(READ, kwargs=lambda c: {"pk": _attachment(c).pk}),
    "applications:attachment_remove": Expect(EDIT_POST, method="post", kwargs=lambda c: {"pk": _attachment(c).pk}),
    "applications:certificate_group_record": Expect(
        EDIT_POST, method="post", kwargs=_certificate, data=lambda c: {"group": "minimum_living"}
    ),
    # Everyone in scope loads the offers; they hold a button only for those who keep the records.
    "applications:student_certificate_offers": Expect(READ, kwargs=_student),
}

PROBES = [
    (
        "applications:class_applications",
        lambda c: {"class_pk": c.class_2.pk},
        {"class_teacher": 404, "aid_office": 200, "principal": 200},
    ),
    (
        "applications:school_applications",
        lambda c: {"school_pk": c.sibling_school.pk},
        {"class_teacher": 404, "aid_office": 404, "principal": 404, "county_staff": 200},
    ),
    (
        "applications:application_detail",
        lambda c: {"pk": _application(c, c.class_2).pk},
        {"class_teacher": 404, "aid_office": 200, "county_staff": 200},
    ),
    (
        "applications:student_applications",
        lambda c: {"student_pk": StudentFactory(school_class=c.class_2).pk},
        {"class_teacher": 404, "aid_office": 200},
    ),
    (
        "applications:attachment_download",
        lambda c: {"pk": _attachment(c, c.class_2).pk},
        {"class_teacher": 404, "aid_office": 200, "county_staff": 200},
    ),
]
