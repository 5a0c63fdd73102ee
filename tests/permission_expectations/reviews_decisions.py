"""First review, second review and revocation: the class teacher of the class first-reviews; the
school's aid office decides and revokes, and its principal and the county's staff read the rosters.

Each role gets a fresh application to act on (the kwargs run once per role), so every POST can
succeed for those allowed. The outsider (another county) finds nothing: 404.
"""

from decimal import Decimal

from django.utils import timezone

from applications.models import AidProgram, Application
from reviews.models import Revocation
from tests.factories import AidProgramFactory, ApplicationFactory, ProgramStandardFactory, QuotaFactory, StudentFactory
from tests.permission_expectations import Expect, everyone, only

READERS = ("aid_office", "principal", "county_staff", "admin")
DECIDERS = ("aid_office", "admin")
FIRST_REVIEWERS = ("class_teacher", "admin")


def program(cast) -> AidProgram:
    found = AidProgram.objects.filter(county=cast.county, code="REV-XX").first()
    if found is None:
        found = AidProgramFactory(county=cast.county, code="REV-XX", name="义务教育生活补助")
        ProgramStandardFactory(program=found, school_year=cast.school_year, amount_per_year=Decimal("1250"))
        QuotaFactory(program=found, term=cast.term, school=cast.school, awards=50)
    return found


def application(cast, status="submitted", school_class=None, **fields) -> Application:
    now = timezone.now()
    values = {"submitted_at": now, "filed_by": cast.wang}
    if status in ("recommended", "approved", "rejected", "revoked"):
        values |= {"recommended_tier": "difficult", "first_reviewed_by": cast.wang, "first_reviewed_at": now}
    if status in ("approved", "revoked"):
        values |= {"approved_tier": "difficult", "amount": Decimal("625.00"), "decided_by": cast.li, "decided_at": now}
    return ApplicationFactory(
        student=StudentFactory(school_class=school_class or cast.class_1),
        program=program(cast),
        term=cast.term,
        status=status,
        **(values | fields),
    )


def revoked(cast) -> Application:
    found = application(cast, "revoked")
    Revocation.objects.create(
        application=found,
        reason="transferred_out",
        detail="转学",
        effective_term=cast.term,
        revoked_by=cast.li,
        revoked_at=timezone.now(),
    )
    return found


def roster_kwargs(cast) -> dict:
    return {"school_pk": cast.school.pk, "program_pk": program(cast).pk, "term_pk": cast.term.pk}


def _pk(status):
    return lambda cast: {"pk": application(cast, status).pk}


def _latest(status) -> int:
    return Application.objects.filter(status=status).latest("pk").pk


def _replace(cast):
    revoked(cast)
    return {"pk": application(cast, "recommended").pk}


def _class_approve(cast):
    application(cast, "recommended")
    return roster_kwargs(cast) | {"class_pk": cast.class_1.pk}


FIRST = only(FIRST_REVIEWERS, 200, outsider=404)
FIRST_POST = only(FIRST_REVIEWERS, 302, outsider=404)
READ = only(READERS, 200, outsider=404)
DECIDE = only(DECIDERS, 302, outsider=404)

EXPECTATIONS: dict[str, Expect] = {
    "reviews:first_review_list": Expect(FIRST, kwargs=lambda c: {"class_pk": c.class_1.pk}),
    "reviews:first_review": Expect(FIRST, kwargs=_pk("submitted")),
    "reviews:recommend": Expect(
        FIRST_POST,
        method="post",
        kwargs=_pk("submitted"),
        data=lambda c: {"tier": "difficult", "no_visit_reason": "家长外出务工"},
    ),
    "reviews:return": Expect(FIRST_POST, method="post", kwargs=_pk("submitted"), data=lambda c: {"comment": "缺材料"}),
    "reviews:not_recommend": Expect(
        FIRST_POST, method="post", kwargs=_pk("submitted"), data=lambda c: {"reason": "家庭经济状况已好转"}
    ),
    "reviews:returned_to_me": Expect(everyone(200)),
    "reviews:index": Expect(everyone(200)),
    "reviews:school_reviews": Expect(READ, kwargs=lambda c: {"school_pk": c.school.pk}),
    "reviews:roster": Expect(READ, kwargs=roster_kwargs),
    "reviews:class_review": Expect(READ, kwargs=lambda c: roster_kwargs(c) | {"class_pk": c.class_1.pk}),
    "reviews:class_approve": Expect(
        DECIDE, method="post", kwargs=_class_approve, data=lambda c: {"applications": [_latest("recommended")]}
    ),
    "reviews:approve": Expect(
        DECIDE,
        method="post",
        kwargs=_pk("recommended"),
        data=lambda c: {f"a{_latest('recommended')}-tier": "difficult"},
    ),
    "reviews:reject": Expect(DECIDE, method="post", kwargs=_pk("recommended"), data=lambda c: {"reason": "不符合"}),
    "reviews:send_back": Expect(
        DECIDE, method="post", kwargs=_pk("recommended"), data=lambda c: {"comment": "请补家访"}
    ),
    "reviews:reconsider": Expect(DECIDE, method="post", kwargs=_pk("approved"), data=lambda c: {"reason": "录错"}),
    "reviews:replace": Expect(
        DECIDE,
        method="post",
        kwargs=_replace,
        data=lambda c: {"replaces": _latest("revoked"), "tier": "difficult"},
    ),
    "reviews:revoke": Expect(only(DECIDERS, 200, outsider=404), kwargs=_pk("approved")),
}

# Just beside the scope: another class of the school, another school of the county.
PROBES = [
    (
        "reviews:first_review",
        lambda c: {"pk": application(c, school_class=c.class_2).pk},
        {"class_teacher": 404, "aid_office": 403},
    ),
    (
        "reviews:first_review_list",
        lambda c: {"class_pk": c.class_2.pk},
        {"class_teacher": 404, "aid_office": 403},
    ),
    (
        "reviews:roster",
        lambda c: roster_kwargs(c) | {"school_pk": c.sibling_school.pk},
        {"class_teacher": 404, "aid_office": 404, "principal": 404, "county_staff": 200},
    ),
    (
        "reviews:class_review",
        lambda c: roster_kwargs(c) | {"class_pk": c.other_class.pk},
        {"aid_office": 404, "county_staff": 404},
    ),
]
