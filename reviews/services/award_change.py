"""An approved award's tier or amount changed after sign-off (an upheld objection to the public notice)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from aidsys.scope import can_manage_school
from aidsys.transitions import InvalidTransition, require
from applications.models import Application, ClassQuota, Status
from applications.services.applications import application_award_set
from applications.services.quota_limits import QuotaExceeded, Use, quota_states
from reviews import selectors
from reviews.services.common import field_error, lock_roster, reopen_signed
from reviews.services.second_review import _amount, _check_tier


def _check_quota_after_change(application: Application) -> None:
    """With the change made (inside the roster's lock), refuse if any quota the award draws on is now over.

    `quota_reserve` counts a new approval on top of the approved ones; a changed award is already
    counted, so the states are read after the change and checked as they stand.
    """
    use = Use(application.school_class_id, application.approved_tier, application.amount)
    states = quota_states(program=application.program, term=application.term, school=application.school)
    if not any(not state.is_class and state.applies_to(use) for state in states):
        raise QuotaExceeded(
            _("{school} has no quota of {program} for the tier “{tier}” in {term}.").format(
                school=application.school,
                program=application.program,
                tier=dict(selectors.AWARD_TIERS)[use.tier],
                term=application.term,
            ),
            code="no_quota_for_tier",
        )
    divided = defaultdict(set)
    for row in ClassQuota.objects.filter(quota__in=[state.row for state in states if not state.is_class]):
        divided[row.quota_id].add(row.school_class_id)
    problems = []
    for state in states:
        if not state.applies_to(use):
            continue
        classes = divided.get(state.row.pk) if not state.is_class else None
        if classes and use.school_class_id not in classes:
            problems.append(
                _("{quota} is divided among classes and this class has no part of it.").format(quota=state.label())
            )
        if state.awards is not None and state.awards_used > state.awards:
            problems.append(
                _("{quota} allows {allocated} awards; this change would make {used}.").format(
                    quota=state.label(), allocated=state.awards, used=state.awards_used
                )
            )
        if state.amount is not None and state.amount_used > state.amount:
            problems.append(
                _("{quota} allows {allocated} yuan; this change would make {used} yuan.").format(
                    quota=state.label(), allocated=state.amount, used=state.amount_used
                )
            )
    if problems:
        raise QuotaExceeded(problems, code="exceeded")


@transaction.atomic
def application_award_change(
    *,
    actor,
    application: Application,
    tier: str,
    amount: Decimal | None = None,
    amount_reason: str = "",
    reason: str,
) -> Application:
    """Change an approved award's tier and/or amount, with the reason (kept as the decision's reason), within
    quota: the standard amount unless another is given with its own reason. A signed roster goes back to the
    principal for a new signature, as after a revocation."""
    require(can_manage_school(actor, application.school_id))
    _check_tier(tier)
    reason = reason.strip()
    if not reason:
        raise field_error("reason", _("Say why the award changes."), "reason")
    signoff = lock_roster(school=application.school, program=application.program, term=application.term)
    stored = (
        Application.objects.select_for_update(of=("self",))
        .select_related("student", "program", "term__school_year", "school", "school_class")
        .get(pk=application.pk)
    )
    if stored.status != Status.APPROVED:
        raise InvalidTransition(
            _("{student}'s application for {program} is “{status}”: only an approved award can be changed.").format(
                student=stored.student.name, program=stored.program, status=stored.get_status_display()
            ),
            code="not_approved",
        )
    amount, amount_reason = _amount(stored, tier, amount, amount_reason)
    if (tier, amount) == (stored.approved_tier, stored.amount):
        raise field_error(
            "tier",
            _("{student}'s award is already {tier} at {amount} yuan: nothing changes.").format(
                student=stored.student.name, tier=stored.get_approved_tier_display(), amount=amount
            ),
            "unchanged",
        )
    application_award_set(
        actor=actor, application=stored, tier=tier, amount=amount, amount_reason=amount_reason, reason=reason
    )
    # The event is in this transaction: a quota exceeded takes it back with the change.
    _check_quota_after_change(stored)
    reopen_signed(
        actor=actor, signoff=signoff, reason=_("{student}'s award changed").format(student=stored.student.name)
    )
    application.approved_tier, application.amount = tier, amount
    application.amount_reason, application.decision_reason = amount_reason, reason
    return stored
