"""资金发放设置: the county's payment allowances and complaint telephones, the county's staff's alone.

The county's schools' staff see their county (403 here); another county's people do not (404).
"""

from tests.permission_expectations import Expect, only

COUNTY = ("county_staff", "admin")


EXPECTATIONS = {
    # County staff go straight to their county's page; the administrator, acting for every county, chooses.
    "disbursements:payment_settings_index": Expect(only(("admin",), 200, county_staff=302)),
    "disbursements:payment_settings": Expect(
        only(COUNTY, 200, outsider=404), kwargs=lambda c: {"county_pk": c.county.pk}
    ),
}

PROBES = [
    (
        "disbursements:payment_settings",
        lambda c: {"county_pk": c.other_county.pk},
        {"county_staff": 404, "aid_office": 404, "class_teacher": 404, "admin": 200},
    ),
]
