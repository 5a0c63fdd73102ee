"""The opinions a school files on the application form (申请表): 班主任意见, 评议小组意见, 学校审核意见.

Each is taken from what the workflow recorded; where nothing is recorded yet the form leaves the
space (and the date) blank, to be filled by hand. The school's decision is the principal's
sign-off of the roster, which a later stage (reviews) knows: it registers a lookup here, as
students.gaps does for approved aid, so that this app never imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application, Status
from students.models import Tier

# Where the first review has not (or not yet again) given its opinion.
AWAITING_FIRST_REVIEW = (Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.SENT_BACK)
# Where the second review has approved the award (a revoked award was approved first).
SECOND_REVIEW_APPROVED = (Status.APPROVED, Status.REVOKED)


@dataclass(frozen=True)
class Opinion:
    """What one section of the form prints: the opinion (blank if none is recorded), by whom and when."""

    text: str = ""
    by: str = ""
    on: date | None = None


def _local_date(moment: datetime | None) -> date | None:
    return timezone.localdate(moment) if moment else None


def _joined(*parts: str) -> str:
    return "\n".join(part for part in parts if part)


def first_review_opinion(application: Application) -> Opinion:
    """班主任意见: the class teacher's first-review decision as recorded, with the note that went with it."""
    if application.first_reviewed_at is None or application.status in AWAITING_FIRST_REVIEW:
        return Opinion()
    if application.recommended_tier:
        decision = _("Recommended; suggested tier: {tier}.").format(tier=Tier(application.recommended_tier).label)
    elif application.status == Status.WITHDRAWN:
        # Withdrawn before the first review decided anything.
        return Opinion()
    else:
        # A first review that ended without a recommendation; its note carries the reason it recorded.
        decision = _("Not recommended.")
    no_visit = (
        _("No home visit on file: {reason}").format(reason=application.no_visit_reason)
        if application.no_visit_reason
        else ""
    )
    return Opinion(
        text=_joined(decision, application.first_review_note, no_visit),
        by=str(application.first_reviewed_by or ""),
        on=_local_date(application.first_reviewed_at),
    )


def panel_opinion(application: Application) -> Opinion:
    """评议小组意见: the outcome of the school's review (复审) after the panel's assessment."""
    if application.decided_at is None:
        return Opinion()
    if application.status in SECOND_REVIEW_APPROVED and application.approved_tier:
        decision = _("Aid approved: {tier}, {amount} yuan.").format(
            tier=Tier(application.approved_tier).label, amount=application.amount
        )
    elif application.status == Status.REJECTED:
        decision = _("Aid not approved.")
    else:
        return Opinion()
    return Opinion(text=_joined(decision, application.decision_reason), on=_local_date(application.decided_at))


SchoolDecision = Callable[[Application], Opinion | None]
_school_decisions: list[SchoolDecision] = []


def register_school_decision(lookup: SchoolDecision) -> SchoolDecision:
    """A later stage gives the school's decision on an application, or None while there is none.
    Registered from an AppConfig.ready(); usable as a decorator."""
    if lookup not in _school_decisions:
        _school_decisions.append(lookup)
    return lookup


def school_opinion(application: Application) -> Opinion:
    """学校审核意见: the first decision a registered lookup gives, else blank."""
    for lookup in _school_decisions:
        if (opinion := lookup(application)) is not None:
            return opinion
    return Opinion()


def form_opinions(application: Application) -> dict[str, Opinion]:
    return {
        "first_review": first_review_opinion(application),
        "panel": panel_opinion(application),
        "school": school_opinion(application),
    }
