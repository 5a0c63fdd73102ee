"""Quotas are hard limits (DESIGN.md §4): what is allocated, used and remaining, and the locked check.

A school's quota for a program and term is one row for all tiers and/or one row per tier; the
aid office may divide each among classes. An approval uses one award and its amount of every
row that applies to it: the school's row for all tiers, the school's row for its tier, and the
class rows under those. `quota_reserve` locks those rows (in primary-key order, so two
approvers never wait on each other crosswise), counts what approved applications already use,
and refuses what would go over; the caller makes its approvals in the same transaction, so the
lock is held until they are committed and the next approver counts them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from applications.models import Application, ClassQuota, Quota, Status

# The statuses that use a quota's place.
USING_STATUSES = (Status.APPROVED,)


class QuotaExceeded(ValidationError):
    pass


@dataclass(frozen=True)
class Use:
    """One approval to be made: its class, tier and amount."""

    school_class_id: int
    tier: str
    amount: Decimal


@dataclass
class QuotaState:
    row: Quota | ClassQuota
    awards: int | None
    amount: Decimal | None
    awards_used: int = 0
    amount_used: Decimal = Decimal("0.00")

    @property
    def is_class(self) -> bool:
        return isinstance(self.row, ClassQuota)

    @property
    def tier(self) -> str:
        quota = self.row.quota if self.is_class else self.row
        return quota.tier

    @property
    def tier_label(self) -> str:
        quota = self.row.quota if self.is_class else self.row
        return quota.get_tier_display() if quota.tier else str(_("All tiers"))

    @property
    def awards_remaining(self) -> int | None:
        return None if self.awards is None else self.awards - self.awards_used

    @property
    def amount_remaining(self) -> Decimal | None:
        return None if self.amount is None else self.amount - self.amount_used

    def label(self) -> str:
        if self.is_class:
            return gettext("{school_class}'s quota ({tier})").format(
                school_class=self.row.school_class, tier=self.tier_label
            )
        return gettext("the school's quota ({tier})").format(tier=self.tier_label)

    def applies_to(self, use: Use) -> bool:
        if self.tier and self.tier != use.tier:
            return False
        return not self.is_class or self.row.school_class_id == use.school_class_id


@dataclass(frozen=True)
class UseGroup:
    """What the approved applications of one class and tier use: awards and amount."""

    school_class_id: int
    tier: str
    awards: int
    amount: Decimal


def approved_use(*, program, term, school) -> list[UseGroup]:
    """One query: the approved applications of the school's roster by class and tier."""
    rows = (
        Application.objects.filter(program=program, term=term, school=school, status__in=USING_STATUSES)
        .order_by()
        .values_list("school_class_id", "approved_tier")
        .annotate(awards=Count("pk"), amount=Sum("amount"))
    )
    return [UseGroup(class_id, tier, awards, amount or Decimal("0.00")) for class_id, tier, awards, amount in rows]


def _states(quotas, class_quotas, *, program, term, school, used=None) -> list[QuotaState]:
    states = [QuotaState(row, row.awards, row.amount) for row in quotas]
    states += [QuotaState(row, row.awards, row.amount) for row in class_quotas]
    if used is None:
        used = approved_use(program=program, term=term, school=school)
    for group in used:
        use = Use(group.school_class_id, group.tier, Decimal("0"))
        for state in states:
            if state.applies_to(use):
                state.awards_used += group.awards
                state.amount_used += group.amount
    return states


def quota_states(*, program, term, school, school_class=None) -> list[QuotaState]:
    """Allocated, used and remaining of every quota row of the school (and of one class, if given)."""
    quotas = list(Quota.objects.filter(program=program, term=term, school=school).order_by("tier"))
    class_quotas = ClassQuota.objects.filter(quota__in=quotas).select_related("school_class", "quota")
    if school_class is not None:
        class_quotas = class_quotas.filter(school_class=school_class)
    return _states(quotas, list(class_quotas), program=program, term=term, school=school)


def school_quota_states(*, program, term, school, used: list[UseGroup] | None = None) -> list[QuotaState]:
    """The school's own quota rows only (not the classes' parts), for the pages about the whole
    roster; `used` is `approved_use` of the roster where the caller has counted it already."""
    quotas = list(Quota.objects.filter(program=program, term=term, school=school).order_by("tier"))
    return _states(quotas, [], program=program, term=term, school=school, used=used)


def quota_reserve(*, program, term, school, uses: list[Use]) -> list[QuotaState]:
    """Lock the quota rows these approvals draw on and refuse if any would go over. Call inside
    the transaction that makes the approvals. Returns the states as they will be afterwards."""
    if not uses:
        return []
    quotas = list(Quota.objects.select_for_update().filter(program=program, term=term, school=school).order_by("pk"))
    if not quotas:
        raise QuotaExceeded(
            gettext("The county has not allocated {school} a quota for {program} in {term}.").format(
                school=school, program=program, term=term
            ),
            code="no_quota",
        )
    class_quotas = list(
        ClassQuota.objects.select_for_update()
        .filter(quota__in=quotas)
        .select_related("school_class", "quota")
        .order_by("pk")
    )
    states = _states(quotas, class_quotas, program=program, term=term, school=school)
    for use in uses:
        if not any(not state.is_class and state.applies_to(use) for state in states):
            raise QuotaExceeded(
                gettext("{school} has no quota of {program} for the tier “{tier}” in {term}.").format(
                    school=school, program=program, tier=_tier_label(use.tier), term=term
                ),
                code="no_quota_for_tier",
            )
    divided = defaultdict(set)
    for row in class_quotas:
        divided[row.quota_id].add(row.school_class_id)
    for use in uses:
        for state in states:
            classes = divided.get(state.row.pk) if not state.is_class else None
            if classes and state.applies_to(use) and use.school_class_id not in classes:
                raise QuotaExceeded(
                    gettext("{quota} is divided among classes and this class has no part of it.").format(
                        quota=state.label()
                    ),
                    code="no_class_quota",
                )
    added_awards: Counter = Counter()
    added_amount: dict = defaultdict(Decimal)
    for use in uses:
        for index, state in enumerate(states):
            if state.applies_to(use):
                added_awards[index] += 1
                added_amount[index] += use.amount
    problems = []
    for index, state in enumerate(states):
        if not added_awards[index]:
            continue
        if state.awards is not None and state.awards_used + added_awards[index] > state.awards:
            problems.append(
                gettext("{quota} has {remaining} of {allocated} awards left; this needs {needed}.").format(
                    quota=state.label(),
                    remaining=max(state.awards_remaining, 0),
                    allocated=state.awards,
                    needed=added_awards[index],
                )
            )
        if state.amount is not None and state.amount_used + added_amount[index] > state.amount:
            problems.append(
                gettext("{quota} has {remaining} yuan of {allocated} left; this needs {needed} yuan.").format(
                    quota=state.label(),
                    remaining=max(state.amount_remaining, Decimal("0.00")),
                    allocated=state.amount,
                    needed=added_amount[index],
                )
            )
    if problems:
        raise QuotaExceeded(problems, code="exceeded")
    for index, state in enumerate(states):
        state.awards_used += added_awards[index]
        state.amount_used += added_amount[index]
    return states


def _tier_label(tier: str) -> str:
    from students.models import Tier

    return str(Tier(tier).label) if tier in Tier.values else tier
