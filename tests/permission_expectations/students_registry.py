"""The registry's screens: every role in scope reads; the class teacher and the aid office edit."""

import io

from PIL import Image

from tests.factories import StudentFactory
from tests.permission_expectations import Expect, everyone, only

EDITORS = ("class_teacher", "aid_office", "admin")


def _student(cast):
    return StudentFactory(school_class=cast.class_1)


def _member(cast):
    from students.models import HouseholdMember

    student = _student(cast)
    member = HouseholdMember.objects.create(household=student.household, name="王大山", relation="father")
    return {"pk": student.pk, "member_pk": member.pk}


def _flag(cast):
    from students.models import SpecialGroupFlag

    student = _student(cast)
    flag = SpecialGroupFlag.objects.create(household=student.household, group="single_parent", source="self_declared")
    return {"pk": student.pk, "flag_pk": flag.pk}


def _photo(cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from students.services import home_visit_record

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buffer, format="JPEG")
    visit = home_visit_record(
        actor=cast.wang,
        student=_student(cast),
        school_year=cast.school_year,
        photos=[SimpleUploadedFile("a.jpg", buffer.getvalue(), content_type="image/jpeg")],
        visited_on="2026-10-10",
        method="in_person",
        people_met="父亲",
        housing="poor",
        suggested_tier="difficult",
    )
    return {"photo_pk": visit.photos.get().pk}


def _visit_with_health(cast):
    from students.services import home_visit_record

    visit = home_visit_record(
        actor=cast.wang,
        student=_student(cast),
        school_year=cast.school_year,
        visited_on="2026-10-10",
        method="in_person",
        people_met="父亲",
        housing="poor",
        health_disability="父亲腰伤，不能干重活",
        suggested_tier="difficult",
    )
    return {"visit_pk": visit.pk}


def _student_kwargs(cast):
    return {"pk": _student(cast).pk}


READ = everyone(200, outsider=404)
EDIT_GET = only(EDITORS, 200, outsider=404)

EXPECTATIONS = {
    "students:class_roster": Expect(READ, kwargs=lambda c: {"class_pk": c.class_1.pk}),
    "students:school_students": Expect(READ, kwargs=lambda c: {"school_pk": c.school.pk}),
    "students:student_detail": Expect(READ, kwargs=_student_kwargs),
    "students:student_edit": Expect(EDIT_GET, kwargs=_student_kwargs),
    "students:student_status": Expect(EDIT_GET, kwargs=_student_kwargs),
    # Nobody in the cast holds the reveal permission but the admin (a superuser holds them all).
    "students:student_reveal": Expect(
        only(("admin",), 200, outsider=404),
        method="post",
        kwargs=lambda c: {"pk": _student(c).pk, "field": "id_number"},
    ),
    "students:household_edit": Expect(EDIT_GET, kwargs=_student_kwargs),
    "students:household_join": Expect(EDIT_GET, kwargs=_student_kwargs),
    "students:member_new": Expect(EDIT_GET, kwargs=_student_kwargs),
    "students:member_edit": Expect(EDIT_GET, kwargs=_member),
    "students:member_remove": Expect(
        only(EDITORS, 302, outsider=404), method="post", kwargs=_member, data=lambda c: {"reason": "录入重复"}
    ),
    "students:special_group_add": Expect(EDIT_GET, kwargs=_student_kwargs),
    "students:special_group_remove": Expect(
        only(EDITORS, 302, outsider=404), method="post", kwargs=_flag, data=lambda c: {"reason": "情况已好转"}
    ),
    "students:visit_new": Expect(EDIT_GET, kwargs=_student_kwargs),
    "students:visit_photo": Expect(READ, kwargs=_photo),
    # The visit's author (the class teacher) reads the finding back; otherwise only the reveal permission.
    "students:visit_health_reveal": Expect(
        only(("class_teacher", "admin"), 200, outsider=404), method="post", kwargs=_visit_with_health
    ),
}

PROBES = [
    (
        "students:class_roster",
        lambda c: {"class_pk": c.class_2.pk},
        {"class_teacher": 404, "aid_office": 200, "principal": 200},
    ),
    (
        "students:student_detail",
        lambda c: {"pk": StudentFactory(school_class=c.class_2).pk},
        {"class_teacher": 404, "aid_office": 200, "county_staff": 200},
    ),
    (
        "students:school_students",
        lambda c: {"school_pk": c.sibling_school.pk},
        {"class_teacher": 404, "aid_office": 404, "principal": 404, "county_staff": 200},
    ),
]
