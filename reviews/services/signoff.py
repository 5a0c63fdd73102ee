"""校长审定: the aid office submits the school's roster; the principal signs it or returns it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aidsys.scope import can_manage_school, can_sign_for_school
from aidsys.services.writes import instance_create
from aidsys.transitions import InvalidTransition, require, transition
from applications.models import Application, Status
from reviews import selectors
from reviews.models import RosterSignoff, SignoffStatus
from reviews.services.common import field_error, lock_roster


@transaction.atomic
def roster_submit(*, actor, school, program, term) -> RosterSignoff:
    """Submit the roster for the principal's sign-off; it is locked from now on.

    Refused while any application is still at the class teachers' first review (submitted or sent
    back), or not recommended and not yet decided by the school: the roster would be incomplete.
    Recommended applications the quota could not fund may stay undecided: they are the waiting list
    for replacements, and the summary shows them.
    """
    require(can_manage_school(actor, school.pk))
    signoff = lock_roster(school=school, program=program, term=term)
    if signoff is not None and signoff.locked:
        raise InvalidTransition(
            _("The roster of {program} for {term} is already “{status}”.").format(
                program=program, term=term, status=signoff.get_status_display()
            ),
            code="already_submitted",
        )
    blockers = selectors.submission_blockers(school=school, program=program, term=term)
    not_recommended = [a for a in blockers if a.status == Status.NOT_RECOMMENDED]
    blockers = [a for a in blockers if a.status != Status.NOT_RECOMMENDED]
    if blockers:
        raise ValidationError(
            ngettext(
                "{count} application of {program} for {term} is still at the class teacher's first review: "
                "{applications}. The roster can be submitted once it has been reviewed.",
                "{count} applications of {program} for {term} are still at the class teachers' first review: "
                "{applications}. The roster can be submitted once they have been reviewed.",
                len(blockers),
            ).format(count=len(blockers), program=program, term=term, applications=_listed(blockers)),
            code="first_review_open",
        )
    if not_recommended:
        raise ValidationError(
            ngettext(
                "{count} application of {program} for {term} was not recommended by the class teacher and awaits "
                "the school's decision: {applications}. Confirm it as not approved, or approve it with a reason.",
                "{count} applications of {program} for {term} were not recommended by the class teachers and "
                "await the school's decision: {applications}. Confirm each as not approved, or approve it with "
                "a reason.",
                len(not_recommended),
            ).format(count=len(not_recommended), program=program, term=term, applications=_listed(not_recommended)),
            code="not_recommended_open",
        )
    applications = Application.objects.filter(school=school, program=program, term=term)
    if not applications.filter(status=Status.APPROVED).exists():
        raise ValidationError(
            _("Nothing of {program} for {term} has been approved: there is no roster to sign.").format(
                program=program, term=term
            ),
            code="nothing_approved",
        )
    now = timezone.now()
    if signoff is None:
        return instance_create(
            actor=actor,
            instance=RosterSignoff(
                school=school,
                program=program,
                term=term,
                status=SignoffStatus.PENDING,
                submitted_by=actor,
                submitted_at=now,
            ),
        )
    return transition(
        actor=actor,
        instance=signoff,
        from_status=SignoffStatus.RETURNED,
        changes={"status": SignoffStatus.PENDING, "submitted_by": actor, "submitted_at": now},
        refused=lambda: InvalidTransition(
            _("The roster's sign-off changed meanwhile. Reload the page."), code="signoff_changed"
        ),
    )


# A refusal names this many applications; the roster page lists them all, each with its link.
NAMED_IN_MESSAGE = 10


def _listed(applications: list[Application]) -> str:
    """张三（一(1)班，待初审）、李四（…）, and how many more beyond the first ten."""
    named = "、".join(
        _("{student} ({school_class}, {status})").format(
            student=a.student.name, school_class=a.school_class.name, status=a.get_status_display()
        )
        for a in applications[:NAMED_IN_MESSAGE]
    )
    more = len(applications) - NAMED_IN_MESSAGE
    if more > 0:
        named += ngettext(" and {count} more", " and {count} more", more).format(count=more)
    return named


def _principal_decides(*, actor, signoff: RosterSignoff, to: str, fields: dict, reason: str = "") -> RosterSignoff:
    require(can_sign_for_school(actor, signoff.school_id))
    return transition(
        actor=actor,
        instance=signoff,
        from_status=SignoffStatus.PENDING,
        changes={"status": to, "decided_by": actor, "decided_at": timezone.now(), **fields},
        recorded=("status", "version"),
        refused=lambda: _not_pending(signoff),
        reason=reason,
    )


def _not_pending(signoff: RosterSignoff) -> InvalidTransition:
    current = RosterSignoff.objects.filter(pk=signoff.pk).first()
    return InvalidTransition(
        _(
            "The roster of {program} for {term} is “{status}”, not awaiting sign-off: it has been dealt with "
            "meanwhile (perhaps by a second click). Reload the page."
        ).format(program=signoff.program, term=signoff.term, status=current.get_status_display()),
        code="already_dealt_with",
    )


@transaction.atomic
def roster_sign(*, actor, signoff: RosterSignoff) -> RosterSignoff:
    """Sign the roster: it stays locked, and each signature counts the version up."""
    return _principal_decides(
        actor=actor, signoff=signoff, to=SignoffStatus.SIGNED, fields={"version": F("version") + 1, "comment": ""}
    )


@transaction.atomic
def roster_return(*, actor, signoff: RosterSignoff, comment: str) -> RosterSignoff:
    """Return the roster to the aid office, which may decide again and submit it anew."""
    comment = comment.strip()
    if not comment:
        raise field_error("comment", _("Say what the aid office should change."), "comment")
    return _principal_decides(
        actor=actor, signoff=signoff, to=SignoffStatus.RETURNED, fields={"comment": comment}, reason=comment
    )
