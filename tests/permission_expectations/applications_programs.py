"""Aid programs and quotas: everyone in the county reads the programs; county staff keep them and
allocate quotas; the aid office divides its school's quota, which its principal and the county read.

The outsider (a class teacher of another county) does not find 青山县's programs (404); where a
page needs a role before any object, the role answers first (403).
"""

from aidsys.models import County
from applications.models import AidProgram, Quota
from tests.factories import AidProgramFactory, ProgramStandardFactory, QuotaFactory
from tests.permission_expectations import ROLES, Expect, everyone, only

EDITORS = ("county_staff", "admin")


def program(cast) -> AidProgram:
    found = AidProgram.objects.filter(county=cast.county, code="YWSB-XX").first()
    if found is None:
        found = AidProgramFactory(county=cast.county, code="YWSB-XX", name="义务教育家庭经济困难学生生活补助（小学）")
        ProgramStandardFactory(program=found, school_year=cast.school_year)
    return found


def other_program(cast) -> AidProgram:
    county = County.objects.get(pk=cast.other_county.pk)
    return AidProgram.objects.filter(county=county).first() or AidProgramFactory(county=county, code="YWSB-XX")


def quota(cast) -> Quota:
    return Quota.objects.filter(school=cast.school).first() or QuotaFactory(
        program=program(cast), term=cast.term, school=cast.school, awards=10
    )


def _program_kwargs(cast):
    return {"pk": program(cast).pk}


def _quota_page(cast, school=None):
    return {"program_pk": program(cast).pk, "term_pk": cast.term.pk, "school_pk": (school or cast.school).pk}


ADMIN_ONLY = dict.fromkeys(ROLES, 302) | {"admin": 200}


def _admin_object(sample):
    return lambda cast: {"object_id": sample(cast).pk}


EXPECTATIONS: dict[str, Expect] = {
    "applications:program_list": Expect(everyone(200)),
    "applications:program_new": Expect(only(EDITORS, 200)),
    "applications:program_national_seed": Expect(
        only(EDITORS, 302),
        method="post",
        data=lambda c: {"county": c.county.pk, "school_year": c.school_year.pk},
    ),
    "applications:program_detail": Expect(everyone(200, outsider=404), kwargs=_program_kwargs),
    "applications:program_edit": Expect(only(EDITORS, 200, outsider=404), kwargs=_program_kwargs),
    "applications:program_standards": Expect(
        only(EDITORS, 200, outsider=404), kwargs=lambda c: {"pk": program(c).pk, "year_pk": c.school_year.pk}
    ),
    "applications:program_funding": Expect(
        only(EDITORS, 200, outsider=404), kwargs=lambda c: {"pk": program(c).pk, "year_pk": c.school_year.pk}
    ),
    "applications:program_window": Expect(
        only(EDITORS, 200, outsider=404), kwargs=lambda c: {"pk": program(c).pk, "term_pk": c.term.pk}
    ),
    "applications:quota_index": Expect(only(("county_staff", "aid_office", "principal", "admin"), 200)),
    "applications:county_quotas": Expect(
        only(EDITORS, 200, outsider=404), kwargs=lambda c: {"program_pk": program(c).pk, "term_pk": c.term.pk}
    ),
    "applications:quota_set": Expect(
        only(EDITORS, 302, outsider=404),
        method="post",
        kwargs=_quota_page,
        data=lambda c: {f"s{c.school.pk}-tier": "", f"s{c.school.pk}-awards": "12"},
    ),
    "applications:school_quotas": Expect(
        only(("aid_office", "principal", "county_staff", "admin"), 200, outsider=404), kwargs=_quota_page
    ),
    # The admin's pages of these models need a row to open.
    "admin:applications_aidprogram_change": Expect(ADMIN_ONLY, kwargs=_admin_object(program)),
    "admin:applications_aidprogram_delete": Expect(ADMIN_ONLY, kwargs=_admin_object(program)),
    "admin:applications_aidprogram_history": Expect(ADMIN_ONLY, kwargs=_admin_object(program)),
    "admin/applications/aidprogram/<path:object_id>/": Expect(
        ADMIN_ONLY | {"admin": 302}, url=lambda c: f"/admin/applications/aidprogram/{program(c).pk}/"
    ),
    "admin:applications_quota_change": Expect(ADMIN_ONLY, kwargs=_admin_object(quota)),
    "admin:applications_quota_delete": Expect(ADMIN_ONLY, kwargs=_admin_object(quota)),
    "admin:applications_quota_history": Expect(ADMIN_ONLY, kwargs=_admin_object(quota)),
    "admin/applications/quota/<path:object_id>/": Expect(
        ADMIN_ONLY | {"admin": 302}, url=lambda c: f"/admin/applications/quota/{quota(c).pk}/"
    ),
}

# Just beside the scope: another county's program, and the quota page of another school of the county.
PROBES = [
    (
        "applications:program_detail",
        lambda c: {"pk": other_program(c).pk},
        {"class_teacher": 404, "aid_office": 404, "principal": 404, "county_staff": 404},
    ),
    (
        "applications:county_quotas",
        lambda c: {"program_pk": other_program(c).pk, "term_pk": c.term.pk},
        {"aid_office": 404, "county_staff": 404},
    ),
    (
        "applications:school_quotas",
        lambda c: _quota_page(c, c.sibling_school),
        {"class_teacher": 404, "aid_office": 404, "principal": 404, "county_staff": 200},
    ),
]
