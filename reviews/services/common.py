"""What every review service shares: the roster lock, its refusal, reopening a signed roster, field errors."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from aidsys.transitions import InvalidTransition, transition
from applications.models import Quota
from reviews.models import RosterSignoff, SignoffStatus


def field_error(name: str, message: str, code: str) -> ValidationError:
    """A refusal that names the form field it belongs beside, with a code tests and callers can read."""
    return ValidationError({name: ValidationError(message, code=code)})


def lock_roster(*, school, program, term) -> RosterSignoff | None:
    """Lock the roster of a school, program and term and return its sign-off, if any.

    The quota rows are locked first, in the order `quota_reserve` locks them, so that a decision,
    an approval and the submission for sign-off are made one after the other, never crosswise.
    """
    list(Quota.objects.select_for_update().filter(program=program, term=term, school=school).order_by("pk"))
    return RosterSignoff.objects.select_for_update().filter(school=school, program=program, term=term).first()


def refuse_when_locked(signoff: RosterSignoff | None) -> None:
    if signoff is None or not signoff.locked:
        return
    if signoff.status == SignoffStatus.SIGNED:
        message = _(
            "The roster of {program} for {term} at {school} has been signed by the principal and is locked; "
            "changes now go through revocation and replacement."
        )
    else:
        message = _(
            "The roster of {program} for {term} at {school} is waiting for the principal's sign-off and is "
            "locked; the principal must return it before decisions change."
        )
    raise ValidationError(
        message.format(program=signoff.program, term=signoff.term, school=signoff.school), code="roster_locked"
    )


def reopen_signed(*, actor, signoff: RosterSignoff | None, reason: str) -> None:
    """A change to a signed roster (a revocation, a replacement) asks the principal to sign again."""
    if signoff is None or signoff.status != SignoffStatus.SIGNED:
        return
    transition(
        actor=actor,
        instance=signoff,
        from_status=SignoffStatus.SIGNED,
        changes={"status": SignoffStatus.PENDING, "submitted_by": actor, "submitted_at": timezone.now(), "comment": ""},
        refused=lambda: InvalidTransition(
            _("The roster's sign-off changed meanwhile. Reload the page."), code="signoff_changed"
        ),
        reason=reason,
    )
