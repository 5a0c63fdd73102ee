"""初审: the class teacher recommends an application with a tier, does not recommend it (with the reason),
or returns it for completion."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aidsys.scope import can_teach_class
from aidsys.transitions import require
from applications.models import Application, Status
from applications.services.applications import application_move
from reviews import selectors
from reviews.services.common import field_error
from students.models import HomeVisit

# Where first review starts from: newly submitted, or sent back by the aid office.
FIRST_REVIEW_FROM = (Status.SUBMITTED, Status.SENT_BACK)


@transaction.atomic
def application_recommend(
    *, actor, application: Application, tier: str, note: str = "", no_visit_reason: str = ""
) -> Application:
    """Recommend the application to the aid office with a tier. Needs a home visit of the student in
    the application's school year, or a recorded reason why there is none (DESIGN.md §4)."""
    require(can_teach_class(actor, application.school_class_id))
    if tier not in dict(selectors.AWARD_TIERS):
        raise field_error("tier", _("Choose the tier to recommend."), "tier")
    no_visit_reason = no_visit_reason.strip()
    visited = HomeVisit.objects.filter(
        student_id=application.student_id, school_year_id=application.term.school_year_id
    ).exists()
    if not visited and not no_visit_reason:
        raise field_error(
            "no_visit_reason",
            _(
                "{student} has no home visit on file for the {year} school year. Record the visit first, "
                "or say why there is none."
            ).format(student=application.student.name, year=application.term.school_year),
            "no_home_visit",
        )
    return application_move(
        actor=actor,
        application=application,
        expected=FIRST_REVIEW_FROM,
        to=Status.RECOMMENDED,
        fields={
            "recommended_tier": tier,
            "first_review_note": note.strip(),
            "no_visit_reason": "" if visited else no_visit_reason,
            "first_reviewed_by": actor,
            "first_reviewed_at": timezone.now(),
            "return_comment": "",
        },
    )


@transaction.atomic
def application_return(*, actor, application: Application, comment: str) -> Application:
    """Return the application to whoever filed it, saying what to complete."""
    require(can_teach_class(actor, application.school_class_id))
    comment = comment.strip()
    if not comment:
        raise field_error("comment", _("Say what needs to be completed."), "comment")
    return application_move(
        actor=actor,
        application=application,
        expected=FIRST_REVIEW_FROM,
        to=Status.RETURNED,
        fields={"return_comment": comment, "first_reviewed_by": actor, "first_reviewed_at": timezone.now()},
        reason=comment,
    )


@transaction.atomic
def application_not_recommend(*, actor, application: Application, reason: str) -> Application:
    """不推荐: the class teacher advises the school against the application, with the reason.

    It is the class teacher's opinion, not a decision: the aid office sees it with its reason in the
    class's second review, and confirms it as not approved or approves it all the same.
    """
    require(can_teach_class(actor, application.school_class_id))
    reason = reason.strip()
    if not reason:
        raise field_error("reason", _("Say why you do not recommend the application."), "reason")
    return application_move(
        actor=actor,
        application=application,
        expected=FIRST_REVIEW_FROM,
        to=Status.NOT_RECOMMENDED,
        fields={
            "recommended_tier": "",
            "first_review_note": reason,
            "no_visit_reason": "",
            "first_reviewed_by": actor,
            "first_reviewed_at": timezone.now(),
            "return_comment": "",
        },
        reason=reason,
    )
