"""取消资格: an approved award withdrawn during the year, which frees its quota place for a replacement."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aidsys.scope import can_manage_school
from aidsys.services.writes import instance_create
from aidsys.transitions import require
from applications.models import Application, Status
from applications.services.applications import application_move
from reviews.models import Revocation, RevocationReason
from reviews.services.common import lock_roster, reopen_signed


@transaction.atomic
def application_revoke(*, actor, application: Application, reason: str, detail: str, effective_term) -> Revocation:
    """Revoke an approved award from a term of its school year on. The quota place is freed (only
    approved awards count), and a signed roster goes back to the principal for a new signature."""
    require(can_manage_school(actor, application.school_id))
    errors = {}
    if reason not in RevocationReason.values:
        errors["reason"] = ValidationError(_("Choose the reason for the revocation."), code="reason")
    if not detail.strip():
        errors["detail"] = ValidationError(_("Give the details: what happened, and when."), code="detail")
    term = application.term
    if effective_term.school_year_id != term.school_year_id or effective_term.start < term.start:
        errors["effective_term"] = ValidationError(
            _("The revocation takes effect in {term} or a later term of the {year} school year.").format(
                term=term, year=term.school_year
            ),
            code="effective_term",
        )
    if errors:
        raise ValidationError(errors)
    signoff = lock_roster(school=application.school, program=application.program, term=application.term)
    now = timezone.now()
    application_move(
        actor=actor,
        application=application,
        expected=(Status.APPROVED,),
        to=Status.REVOKED,
        fields={},
        reason=detail.strip(),
    )
    revocation = instance_create(
        actor=actor,
        instance=Revocation(
            application=application,
            reason=reason,
            detail=detail.strip(),
            effective_term=effective_term,
            revoked_by=actor,
            revoked_at=now,
        ),
    )
    reopen_signed(
        actor=actor,
        signoff=signoff,
        reason=_("{student}'s award revoked").format(student=application.student.name),
    )
    return revocation
