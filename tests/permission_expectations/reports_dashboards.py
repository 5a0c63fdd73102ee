"""Dashboards: the county's for its staff; a school's for its aid office, principal and county; a class's for
everyone in scope of the class. The index sends a user with one dashboard to it. The outsider finds nothing
of 青山县 (404)."""

from tests.permission_expectations import Expect, everyone, only

EXPECTATIONS = {
    "reports:dashboard_index": Expect(everyone(302, admin=200)),
    "reports:dashboard_county": Expect(
        only(("county_staff", "admin"), 200, outsider=404), kwargs=lambda c: {"pk": c.county.pk}
    ),
    "reports:dashboard_school": Expect(
        only(("aid_office", "principal", "county_staff", "admin"), 200, outsider=404),
        kwargs=lambda c: {"pk": c.school.pk},
    ),
    "reports:dashboard_class": Expect(everyone(200, outsider=404), kwargs=lambda c: {"pk": c.class_1.pk}),
}
