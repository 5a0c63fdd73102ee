"""复审: the aid office approves within quota, rejects, sends back; and may reconsider before sign-off.

It decides on what the class teachers recommended and on what they did not recommend (不推荐): the
latter is confirmed as not approved, or approved with the school's reason for overriding it.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aidsys.models import Membership, Role
from aidsys.scope import can_manage_school
from aidsys.transitions import InvalidTransition, require
from applications.models import Application, Status
from applications.services.applications import application_move, applications_move
from applications.services.quota_limits import Use, quota_reserve
from reviews import selectors
from reviews.services.common import field_error, lock_roster, refuse_when_locked, reopen_signed


def _names(applications) -> str:
    return "、".join(application.student.name for application in applications)


def _check_four_eyes(actor, applications: list[Application], school) -> None:
    """Where the school has more than one aid-office user, nobody approves an application they filed."""
    own = [application for application in applications if application.filed_by_id == actor.pk]
    if not own:
        return
    aid_office = Membership.objects.active().filter(role=Role.AID_OFFICE, school=school).values("user").distinct()
    if aid_office.count() > 1:
        raise ValidationError(
            _(
                "You filed the application of {students} yourself. {school} has more than one aid-office user, "
                "so another of them must approve it (four-eyes rule)."
            ).format(students=_names(own), school=school),
            code="four_eyes",
        )


def _check_tier(tier: str) -> None:
    if tier not in dict(selectors.AWARD_TIERS):
        raise field_error("tier", _("Choose the tier of the award."), "tier")


def _amount(application: Application, tier: str, amount: Decimal | None, reason: str) -> tuple[Decimal, str]:
    """The standard amount, or another one with its reason."""
    standard = selectors.standard_amount_for(application, tier)
    reason = reason.strip()
    if amount is None:
        if standard is None:
            raise field_error(
                "amount",
                _("{program} has no standard for the tier “{tier}” in {year}: give the amount and say why.").format(
                    program=application.program,
                    tier=dict(selectors.AWARD_TIERS)[tier],
                    year=application.term.school_year,
                ),
                "no_standard",
            )
        return standard, ""
    if amount <= 0:
        raise field_error("amount", _("The amount must be more than zero."), "amount")
    _check_ceiling(application, amount)
    if amount == standard:
        return amount, ""
    if not reason:
        if standard is None:
            message = _("There is no standard for this tier: say why the award is {amount} yuan.")
        else:
            message = _("{amount} yuan differs from the standard of {standard} yuan: say why.")
        raise field_error("amount_reason", message.format(amount=amount, standard=standard), "amount_reason")
    return amount, reason


def _check_ceiling(application: Application, amount: Decimal) -> None:
    """No award above the highest standard of its school year, or the county's higher ceiling."""
    ceiling = selectors.award_ceiling_for(application)
    program, year = application.program, application.term.school_year
    if ceiling is None:
        message = _(
            "{program} has neither a standard nor a highest amount of one award for {year}, so no amount can be "
            "given; county staff set them on the program's page."
        ).format(program=program, year=year)
        raise field_error("amount", message, "no_ceiling")
    if amount > ceiling:
        message = _(
            "{amount} yuan is more than one award of {program} may be in {year}: at most {ceiling} yuan. Only "
            "county staff can set a higher ceiling, on the program's page."
        ).format(amount=amount, program=program, year=year, ceiling=ceiling)
        raise field_error("amount", message, "above_ceiling")


def _check_replaces(application: Application, replaces: Application) -> None:
    """A replacement (递补) takes the place of a revoked award of the same roster, once."""
    same_roster = (replaces.school_id, replaces.program_id, replaces.term_id) == (
        application.school_id,
        application.program_id,
        application.term_id,
    )
    if not same_roster or replaces.status != Status.REVOKED:
        raise ValidationError(
            _("{student}'s award is not a revoked award of this roster; nobody can replace it.").format(
                student=replaces.student.name
            ),
            code="not_replaceable",
        )
    taken = replaces.replacements.filter(status__in=(Status.APPROVED, Status.REVOKED)).select_related("student")
    taken = taken.first()
    if taken is not None:
        raise ValidationError(
            _("{student} has already replaced {revoked}.").format(
                student=taken.student.name, revoked=replaces.student.name
            ),
            code="already_replaced",
        )


@transaction.atomic
def application_approve(
    *,
    actor,
    application: Application,
    tier: str,
    amount: Decimal | None = None,
    amount_reason: str = "",
    replaces: Application | None = None,
    decision_reason: str = "",
) -> Application:
    """Approve with a tier and the standard amount (another amount needs a reason), within quota.

    An application the class teacher did not recommend is approved only with the school's reason.
    With `replaces` it is a replacement (递补) for a revoked award: allowed on a locked roster, and
    a signed roster goes back to the principal for a new signature.
    """
    require(can_manage_school(actor, application.school_id))
    _check_tier(tier)
    decision_reason = decision_reason.strip()
    if application.status == Status.NOT_RECOMMENDED and not decision_reason:
        raise field_error(
            "decision_reason",
            _("The class teacher did not recommend {student}'s application: say why the school approves it.").format(
                student=application.student.name
            ),
            "override_reason",
        )
    _check_four_eyes(actor, [application], application.school)
    signoff = lock_roster(school=application.school, program=application.program, term=application.term)
    if replaces is None:
        refuse_when_locked(signoff)
    else:
        _check_replaces(application, replaces)
    amount, amount_reason = _amount(application, tier, amount, amount_reason)
    quota_reserve(
        program=application.program,
        term=application.term,
        school=application.school,
        uses=[Use(application.school_class_id, tier, amount)],
    )
    approved = application_move(
        actor=actor,
        application=application,
        expected=selectors.AWAITING_SCHOOL,
        to=Status.APPROVED,
        fields={
            "approved_tier": tier,
            "amount": amount,
            "amount_reason": amount_reason,
            "decision_reason": decision_reason,
            "decided_by": actor,
            "decided_at": timezone.now(),
            "replaces": replaces,
        },
        reason="；".join(text for text in (decision_reason, amount_reason) if text),
    )
    if replaces is not None:
        reopen_signed(
            actor=actor,
            signoff=signoff,
            reason=_("{student} replaces {revoked}").format(
                student=application.student.name, revoked=replaces.student.name
            ),
        )
    return approved


@transaction.atomic
def applications_approve(
    *, actor, school, program, term, school_class, application_ids: list[int] | None = None
) -> list[Application]:
    """Approve a class's recommended applications (those chosen, or all) in one action, each with its
    recommended tier and the standard amount: all within quota, or none."""
    require(can_manage_school(actor, school.pk))
    signoff = lock_roster(school=school, program=program, term=term)
    refuse_when_locked(signoff)
    chosen = Application.objects.filter(school=school, program=program, term=term, school_class=school_class)
    if application_ids is None:
        chosen = chosen.filter(status=Status.RECOMMENDED)
    else:
        chosen = chosen.filter(pk__in=application_ids)
    applications = list(chosen.select_related("student", "program", "term").order_by("pk"))
    if application_ids is not None and len(applications) != len(set(application_ids)):
        raise ValidationError(
            _("Some of the chosen applications are not applications of {school_class}.").format(
                school_class=school_class
            ),
            code="not_in_class",
        )
    if not applications:
        raise ValidationError(
            _("{school_class} has no application awaiting second review.").format(school_class=school_class),
            code="nothing_chosen",
        )
    moved_on = [application for application in applications if application.status != Status.RECOMMENDED]
    if moved_on:
        raise InvalidTransition(
            _("The applications of {students} are no longer awaiting second review. Reload the page.").format(
                students=_names(moved_on)
            ),
            code="already_dealt_with",
        )
    _check_four_eyes(actor, applications, school)
    amounts = {
        application.pk: selectors.standard_amount_of(
            program=program, term=term, tier=application.recommended_tier, boarder=application.student.boarder
        )
        for application in applications
    }
    without = [application for application in applications if amounts[application.pk] is None]
    if without:
        raise ValidationError(
            _(
                "{program} has no standard for the recommended tier of {students} in {year}: approve them one "
                "by one with an amount and a reason."
            ).format(program=program, students=_names(without), year=term.school_year),
            code="no_standard",
        )
    quota_reserve(
        program=program,
        term=term,
        school=school,
        uses=[Use(a.school_class_id, a.recommended_tier, amounts[a.pk]) for a in applications],
    )
    now = timezone.now()
    return applications_move(
        actor=actor,
        applications=applications,
        expected=(Status.RECOMMENDED,),
        to=Status.APPROVED,
        fields_for=lambda a: {
            "approved_tier": a.recommended_tier,
            "amount": amounts[a.pk],
            "amount_reason": "",
            "decision_reason": "",
            "decided_by": actor,
            "decided_at": now,
        },
    )


@transaction.atomic
def application_reject(*, actor, application: Application, reason: str) -> Application:
    require(can_manage_school(actor, application.school_id))
    reason = reason.strip()
    if not reason:
        raise field_error("reason", _("Say why the application is not approved."), "reason")
    refuse_when_locked(lock_roster(school=application.school, program=application.program, term=application.term))
    return application_move(
        actor=actor,
        application=application,
        expected=selectors.AWAITING_SCHOOL,
        to=Status.REJECTED,
        fields={"decision_reason": reason, "decided_by": actor, "decided_at": timezone.now()},
        reason=reason,
    )


@transaction.atomic
def application_send_back(*, actor, application: Application, comment: str) -> Application:
    """Send the application back to the class teacher's first review, with what to look at."""
    require(can_manage_school(actor, application.school_id))
    comment = comment.strip()
    if not comment:
        raise field_error("comment", _("Say what the class teacher should look at again."), "comment")
    refuse_when_locked(lock_roster(school=application.school, program=application.program, term=application.term))
    return application_move(
        actor=actor,
        application=application,
        expected=selectors.AWAITING_SCHOOL,
        to=Status.SENT_BACK,
        fields={"return_comment": comment, "decided_by": actor, "decided_at": timezone.now()},
        reason=comment,
    )


@transaction.atomic
def application_reconsider(*, actor, application: Application, reason: str) -> Application:
    """Take back an approval or a rejection while the roster has never been signed: the application
    awaits second review again, recommended or not as the class teacher left it. After a signature,
    changes go through revocation and replacement."""
    require(can_manage_school(actor, application.school_id))
    reason = reason.strip()
    if not reason:
        raise field_error("reason", _("Say why the decision is taken back."), "reason")
    signoff = lock_roster(school=application.school, program=application.program, term=application.term)
    refuse_when_locked(signoff)
    if signoff is not None and signoff.version > 0:
        raise ValidationError(
            _(
                "The roster of {program} for {term} has been signed before; an approval is withdrawn by "
                "revocation, not taken back."
            ).format(program=application.program, term=application.term),
            code="signed_before",
        )
    return application_move(
        actor=actor,
        application=application,
        expected=(Status.APPROVED, Status.REJECTED),
        # Only a recommendation gives a tier (`application_not_recommend` clears it).
        to=Status.RECOMMENDED if application.recommended_tier else Status.NOT_RECOMMENDED,
        fields={
            "approved_tier": "",
            "amount": None,
            "amount_reason": "",
            "decision_reason": "",
            "decided_by": None,
            "decided_at": None,
            "replaces": None,
        },
        reason=reason,
    )
