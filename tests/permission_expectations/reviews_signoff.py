"""Sign-off and the review panel: the aid office submits and records the panel; the principal signs;
the county's staff read. Reviews in the admin are read-only, so even the administrator may not add
or delete there (403)."""

from datetime import date

from django.utils import timezone

from reviews.models import ReviewMeeting, ReviewPanel, ReviewPanelMember, Revocation, RosterSignoff
from tests.permission_expectations import ROLES, Expect, only
from tests.permission_expectations.reviews_decisions import (
    DECIDERS,
    READERS,
    application,
    program,
    revoked,
    roster_kwargs,
)

SIGNERS = ("principal", "admin")


def signoff(cast) -> RosterSignoff:
    application(cast, "approved")
    found, _ = RosterSignoff.objects.get_or_create(
        school=cast.school,
        program=program(cast),
        term=cast.term,
        defaults={"submitted_by": cast.li, "submitted_at": timezone.now()},
    )
    RosterSignoff.objects.filter(pk=found.pk).update(status="pending")
    return found


def panel(cast) -> ReviewPanel:
    return ReviewPanel.objects.get_or_create(
        school=cast.school, term=cast.term, defaults={"formed_on": date(2026, 9, 25)}
    )[0]


def _member(cast):
    found = panel(cast)
    member = ReviewPanelMember.objects.create(panel=found, name="王家长", role="parent")
    return {"pk": found.pk, "member_pk": member.pk}


def _meeting(cast, school=None):
    """A recorded meeting of the panel (set up directly), attended by a member of it."""
    found = (
        panel(cast)
        if school is None
        else ReviewPanel.objects.get_or_create(
            school=school, term=cast.term, defaults={"formed_on": date(2026, 9, 25)}
        )[0]
    )
    member = ReviewPanelMember.objects.create(panel=found, name="张校长", role="leader")
    meeting = ReviewMeeting.objects.create(
        panel=found,
        date=date(2026, 9, 26),
        place="会议室",
        decisions="同意。",
        recorded_by=cast.li,
        recorded_at=timezone.now(),
    )
    meeting.members_present.add(member)
    return meeting


def _submit(cast):
    application(cast, "approved")
    RosterSignoff.objects.filter(school=cast.school).delete()
    return roster_kwargs(cast)


def _revocation(cast):
    return Revocation.objects.first() or revoked(cast).revocation


ADMIN_ONLY = dict.fromkeys(ROLES, 302) | {"admin": 200}
ADMIN_REFUSED = dict.fromkeys(ROLES, 302) | {"admin": 403}

EXPECTATIONS: dict[str, Expect] = {
    "reviews:roster_submit": Expect(only(DECIDERS, 302, outsider=404), method="post", kwargs=_submit),
    "reviews:signoff": Expect(only(READERS, 200, outsider=404), kwargs=roster_kwargs),
    "reviews:signoff_sign": Expect(
        only(SIGNERS, 302, outsider=404), method="post", kwargs=lambda c: {"pk": signoff(c).pk}
    ),
    "reviews:signoff_return": Expect(
        only(SIGNERS, 302, outsider=404),
        method="post",
        kwargs=lambda c: {"pk": signoff(c).pk},
        data=lambda c: {"comment": "请复核"},
    ),
    "reviews:panel": Expect(
        only(READERS, 200, outsider=404), kwargs=lambda c: {"school_pk": c.school.pk, "term_pk": c.term.pk}
    ),
    "reviews:panel_member_add": Expect(
        only(DECIDERS, 302, outsider=404),
        method="post",
        kwargs=lambda c: {"pk": panel(c).pk},
        data=lambda c: {"name": "李老师", "role": "aid_office"},
    ),
    "reviews:panel_member_remove": Expect(only(DECIDERS, 302, outsider=404), method="post", kwargs=_member),
    "reviews:panel_print": Expect(
        only(READERS, 200, outsider=404), method="post", kwargs=lambda c: {"pk": panel(c).pk}
    ),
    # The 审定名单 names the students: the school's aid office and principal and the county print it.
    "reviews:signoff_print": Expect(
        only(READERS, 200, outsider=404), method="post", kwargs=lambda c: {"pk": signoff(c).pk}
    ),
    "reviews:meeting_new": Expect(only(DECIDERS, 200, outsider=404), kwargs=lambda c: {"pk": panel(c).pk}),
    "reviews:meeting_edit": Expect(only(DECIDERS, 200, outsider=404), kwargs=lambda c: {"pk": _meeting(c).pk}),
    "reviews:meeting_print": Expect(
        only(READERS, 200, outsider=404), method="post", kwargs=lambda c: {"pk": _meeting(c).pk}
    ),
}

for model_name, sample in (("reviewpanel", panel), ("rostersignoff", signoff), ("revocation", _revocation)):
    EXPECTATIONS |= {
        f"admin:reviews_{model_name}_add": Expect(ADMIN_REFUSED),
        f"admin:reviews_{model_name}_change": Expect(ADMIN_ONLY, kwargs=lambda c, s=sample: {"object_id": s(c).pk}),
        f"admin:reviews_{model_name}_history": Expect(ADMIN_ONLY, kwargs=lambda c, s=sample: {"object_id": s(c).pk}),
        f"admin:reviews_{model_name}_delete": Expect(ADMIN_REFUSED, kwargs=lambda c, s=sample: {"object_id": s(c).pk}),
        f"admin/reviews/{model_name}/<path:object_id>/": Expect(
            ADMIN_ONLY | {"admin": 302},
            url=lambda c, s=sample, m=model_name: f"/admin/reviews/{m}/{s(c).pk}/",
        ),
    }

PROBES = [
    (
        "reviews:meeting_edit",
        lambda c: {"pk": _meeting(c, school=c.sibling_school).pk},
        {"aid_office": 404, "principal": 404, "class_teacher": 404, "county_staff": 403},
    ),
    (
        "reviews:signoff",
        lambda c: roster_kwargs(c) | {"school_pk": c.sibling_school.pk},
        {"aid_office": 404, "principal": 404, "county_staff": 200},
    ),
    (
        "reviews:panel",
        lambda c: {"school_pk": c.sibling_school.pk, "term_pk": c.term.pk},
        {"aid_office": 404, "principal": 404, "class_teacher": 404},
    ),
]
