"""Registry export: a class by whoever sees the class; a whole school not by a class teacher."""

from tests.permission_expectations import Expect, everyone

EXPECTATIONS: dict[str, Expect] = {
    "students:export_class": Expect(everyone(200, outsider=404), kwargs=lambda c: {"class_pk": c.class_1.pk}),
    "students:export_school": Expect(
        everyone(200, class_teacher=403, outsider=404), kwargs=lambda c: {"school_pk": c.school.pk}
    ),
}
