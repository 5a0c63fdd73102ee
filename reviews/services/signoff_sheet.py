"""The 审定名单: the roster's students as the principal signs and seals them, printed from the sign-off."""

from __future__ import annotations

from django.utils import timezone

from aidsys.pdf import render_pdf
from aidsys.scope import can_read_school_rosters
from aidsys.services.audit import Action, audit_record
from aidsys.transitions import require
from reviews import selectors
from reviews.models import RosterSignoff


def signoff_sheet_context(signoff: RosterSignoff) -> dict:
    return {
        "signoff": signoff,
        "school": signoff.school,
        "program": signoff.program,
        "term": signoff.term,
        "roster": selectors.roster_students(school=signoff.school, program=signoff.program, term=signoff.term),
        "printed_on": timezone.localdate(),
    }


def signoff_print(*, actor, signoff: RosterSignoff) -> bytes:
    """The roster to sign as an A4 PDF; printing names is an audit event (DESIGN.md §5)."""
    require(can_read_school_rosters(actor, signoff.school))
    content = render_pdf("reviews/pdf/signoff_roster.html", signoff_sheet_context(signoff))
    audit_record(actor=actor, action=Action.PRINT, target=signoff)
    return content
