"""Writes to quotas: the county allocates to schools, the aid office divides a school's quota among classes.

Both lock the school's quota rows for the program and term in primary-key order, as
`quota_limits.quota_reserve` does for approvals: an allocation waits for an approval in
progress (and the other way round), then counts what is used afresh. So a quota is never set
below what is used, and the classes' parts never add up to more than the school's quota, also
when two people save at the same moment.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from aidsys.models import School, SchoolClass, Term
from aidsys.services.writes import instance_create, instance_delete, instance_update
from applications.models import AidProgram, ClassQuota, Quota
from applications.selectors import ZERO, quota_usage, used_under
from students.models import Tier


def _tier_label(tier: str) -> str:
    return str(Tier(tier).label) if tier else _("all tiers")


def _locked_quotas(*, program: AidProgram, term: Term, school: School) -> list[Quota]:
    return list(Quota.objects.select_for_update().filter(program=program, term=term, school=school).order_by("pk"))


def _check_not_below(*, what: str, awards, amount, used_awards: int, used_amount: Decimal, used_by: str) -> list[str]:
    problems = []
    if awards is not None and awards < used_awards:
        problems.append(
            _("{what} cannot be set to {awards} awards: {used} are already {used_by}.").format(
                what=what, awards=awards, used=used_awards, used_by=used_by
            )
        )
    if amount is not None and amount < used_amount:
        problems.append(
            _("{what} cannot be set to {amount} yuan: {used} yuan are already {used_by}.").format(
                what=what, amount=amount, used=used_amount, used_by=used_by
            )
        )
    return problems


def _quota_label(*, program, term, school, tier) -> str:
    return _("The quota of {school} for {program} ({tier}) in {term}").format(
        school=school, program=program, tier=_tier_label(tier), term=term
    )


def quota_problems(
    *, program: AidProgram, term: Term, school: School, tier: str, awards: int | None, amount: Decimal | None
) -> list[str]:
    """Why a school's quota cannot be set to these figures (none when it can).

    `quota_allocate` asks again with the rows locked; a form may ask first to show the reasons.
    """
    if school.county_id != program.county_id:
        return [
            _("{school} is not a school of {county}, whose program {program} is.").format(
                school=school, county=program.county, program=program
            )
        ]
    if tier and tier not in Tier.values:
        return [_("There is no tier “{tier}”.").format(tier=tier)]
    quota = Quota.objects.filter(program=program, term=term, school=school, tier=tier).first()
    what = _quota_label(program=program, term=term, school=school, tier=tier)
    used = used_under(quota_usage(program=program, term=term, schools=[school]), school.pk, tier)
    if awards is None and amount is None:
        if quota is not None and used.awards:
            return [_("{what} cannot be removed: {used} awards are already used.").format(what=what, used=used.awards)]
        return []
    problems = _check_not_below(
        what=what, awards=awards, amount=amount, used_awards=used.awards, used_amount=used.amount, used_by=_("used")
    )
    if quota is not None:
        given = list(ClassQuota.objects.filter(quota=quota))
        problems += _check_not_below(
            what=what,
            awards=awards,
            amount=amount,
            used_awards=sum(part.awards or 0 for part in given),
            used_amount=sum((part.amount or ZERO for part in given), ZERO),
            used_by=_("given to its classes (lower their parts first)"),
        )
    return problems


@transaction.atomic
def quota_allocate(
    *,
    actor,
    program: AidProgram,
    term: Term,
    school: School,
    tier: str = "",
    awards: int | None,
    amount: Decimal | None,
) -> Quota | None:
    """Set a school's quota of a program for a term (for one tier, or "" for all tiers).

    No awards and no amount removes the quota, with the classes' parts of it. A quota cannot go
    below what approved applications use, nor below what the aid office has given its classes.
    Returns the quota, or None when it was removed.
    """
    locked = _locked_quotas(program=program, term=term, school=school)
    problems = quota_problems(program=program, term=term, school=school, tier=tier, awards=awards, amount=amount)
    if problems:
        raise ValidationError(problems, code="below_used")
    quota = next((row for row in locked if row.tier == tier), None)
    if awards is None and amount is None:
        if quota is not None:
            for part in ClassQuota.objects.select_for_update().filter(quota=quota).order_by("pk"):
                instance_delete(actor=actor, instance=part, reason=_("The school's quota was removed."))
            instance_delete(actor=actor, instance=quota)
        return None
    if quota is None:
        try:
            return instance_create(
                actor=actor,
                instance=Quota(program=program, term=term, school=school, tier=tier, awards=awards, amount=amount),
            )
        except IntegrityError:
            # Someone created the same quota a moment ago: theirs stands, and this one is not saved.
            raise ValidationError(
                _("{what} was set by someone else a moment ago; reload the page and check it.").format(
                    what=_quota_label(program=program, term=term, school=school, tier=tier)
                )
            ) from None
    instance_update(actor=actor, instance=quota, data={"awards": awards, "amount": amount})
    return quota


@dataclass(frozen=True)
class ClassPart:
    """A class's part of one of the school's quota rows; no awards and no amount removes the part."""

    quota_id: int
    school_class_id: int
    awards: int | None
    amount: Decimal | None


@transaction.atomic
def class_quotas_allocate(*, actor, program: AidProgram, term: Term, school: School, parts: list[ClassPart]) -> None:
    """Set the classes' parts of the school's quotas, as the aid office's page gives them: all or nothing.

    A part cannot go below what the class's approved applications use, and the parts of one quota
    row may not add up to more than it (awards and amount), counting the parts not given here.
    """
    quotas = {quota.pk: quota for quota in _locked_quotas(program=program, term=term, school=school)}
    classes = {
        school_class.pk: school_class
        for school_class in SchoolClass.objects.filter(school=school, school_year_id=term.school_year_id)
    }
    stored = {
        (part.quota_id, part.school_class_id): part
        for part in ClassQuota.objects.select_for_update().filter(quota__in=list(quotas)).order_by("pk")
    }
    usage = quota_usage(program=program, term=term, schools=[school], school_class_level=True)
    problems = []
    final = {key: (part.awards, part.amount) for key, part in stored.items()}
    for part in parts:
        quota = quotas.get(part.quota_id)
        school_class = classes.get(part.school_class_id)
        if quota is None or school_class is None:
            raise ValidationError(
                _("That quota or class is not {school}'s for {program} in {term}.").format(
                    school=school, program=program, term=term
                )
            )
        key = (quota.pk, school_class.pk)
        used = used_under(usage, school_class.pk, quota.tier)
        what = _("The part of {school_class} ({tier})").format(school_class=school_class, tier=_tier_label(quota.tier))
        if part.awards is None and part.amount is None:
            if key in stored and used.awards:
                problems.append(
                    _("{what} cannot be removed: {used} awards of the class are already used.").format(
                        what=what, used=used.awards
                    )
                )
            final.pop(key, None)
            continue
        problems += _check_not_below(
            what=what,
            awards=part.awards,
            amount=part.amount,
            used_awards=used.awards,
            used_amount=used.amount,
            used_by=_("used by the class"),
        )
        final[key] = (part.awards, part.amount)
    for quota in quotas.values():
        given = [value for (quota_id, _class), value in final.items() if quota_id == quota.pk]
        given_awards = sum(awards or 0 for awards, _amount in given)
        given_amount = sum((amount or ZERO for _awards, amount in given), ZERO)
        label = _("the school's quota ({tier})").format(tier=_tier_label(quota.tier))
        if quota.awards is not None and given_awards > quota.awards:
            problems.append(
                _("The classes' parts of {quota} add up to {given} awards, more than its {allocated}.").format(
                    quota=label, given=given_awards, allocated=quota.awards
                )
            )
        if quota.amount is not None and given_amount > quota.amount:
            problems.append(
                _("The classes' parts of {quota} add up to {given} yuan, more than its {allocated} yuan.").format(
                    quota=label, given=given_amount, allocated=quota.amount
                )
            )
    if problems:
        raise ValidationError(problems, code="over_quota")
    for key, part in stored.items():
        if key not in final:
            instance_delete(actor=actor, instance=part)
    for (quota_id, class_id), (awards, amount) in final.items():
        part = stored.get((quota_id, class_id))
        if part is None:
            instance_create(
                actor=actor,
                instance=ClassQuota(
                    quota=quotas[quota_id], school_class=classes[class_id], awards=awards, amount=amount
                ),
            )
        elif (part.awards, part.amount) != (awards, amount):
            instance_update(actor=actor, instance=part, data={"awards": awards, "amount": amount})
