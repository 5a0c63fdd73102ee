"""The county returns a reported roster: the school's sign-off goes back to the aid office's review."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aidsys.scope import can_act_for_county
from aidsys.transitions import InvalidTransition, require, transition
from reviews.models import RosterSignoff, SignoffStatus
from reviews.services.common import lock_roster


@transaction.atomic
def roster_return_by_county(*, actor, school, program, term, comment: str) -> RosterSignoff | None:
    """Unlock a signed roster that the county returned, with the county's comment for the aid office.

    The aid office decides again and submits the roster anew; a roster that is not signed (already
    reopened by a revocation) stays as it is. Returns the sign-off, if there is one.
    """
    require(can_act_for_county(actor, school.county_id))
    comment = comment.strip()
    if not comment:
        raise ValidationError({"comment": ValidationError(_("Say what the school should change."), code="comment")})
    signoff = lock_roster(school=school, program=program, term=term)
    if signoff is None or signoff.status != SignoffStatus.SIGNED:
        return signoff
    return transition(
        actor=actor,
        instance=signoff,
        from_status=SignoffStatus.SIGNED,
        changes={"status": SignoffStatus.RETURNED, "comment": comment},
        recorded=("status", "comment"),
        refused=lambda: InvalidTransition(
            _("The roster's sign-off changed meanwhile. Reload the page."), code="signoff_changed"
        ),
        reason=comment,
    )
