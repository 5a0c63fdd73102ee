"""The national upload layouts (county staff only) and the annual statistics page and print (a county's
staff for the county, a school's aid office and principal for the school; nobody else has a unit)."""

from tests.permission_expectations import Expect, only

COUNTY = ("county_staff", "admin")
READERS = ("aid_office", "principal", "county_staff", "admin")
NOT_IN_SCOPE = {"class_teacher": 404, "aid_office": 404, "principal": 404, "outsider": 404}


def _layout_kwargs(cast):
    from reports.layouts import NationalLayout

    layout = NationalLayout.objects.create(
        county=cast.county,
        name=f"全国系统{NationalLayout.objects.count() + 1}",
        columns=[{"field": "name", "heading": "姓名"}],
        created_by=cast.zhao,
    )
    return {"pk": layout.pk}


EXPECTATIONS = {
    "reports:layout_list": Expect(only(COUNTY, 200)),
    "reports:layout_new": Expect(only(COUNTY, 200)),
    "reports:layout_edit": Expect(only(COUNTY, 200, **NOT_IN_SCOPE), kwargs=_layout_kwargs),
    "reports:layout_delete": Expect(only(COUNTY, 302, **NOT_IN_SCOPE), method="post", kwargs=_layout_kwargs),
    "reports:annual": Expect(only(READERS, 200)),
    "reports:annual_pdf": Expect(only(READERS, 200), method="post"),
}
