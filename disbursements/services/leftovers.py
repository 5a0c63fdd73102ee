"""结余: the aid office reports a term's leftover to the county, frozen; the county decides what becomes of it.

Never reused silently (DESIGN.md §4): the county either has it returned, or approves carrying it into
the next term, with its reason. Carrying creates, per source with money left, an allocation of the next
term with the document number "结转" that points at the report (`carried_from`): the next term's funds
show it as money received, from where and by whose decision, and nothing else moves it there.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aidsys.models import School, Term
from aidsys.scope import can_act_for_county, can_manage_school
from aidsys.services.writes import instance_create
from aidsys.transitions import InvalidTransition, require, transition
from applications.models import AidProgram
from disbursements.models import LeftoverReport, LeftoverStatus
from disbursements.selectors.leftovers import leftover_figures, term_open_reason
from disbursements.services.batches import school_money_lock
from disbursements.services.funds import check_program_serves_school, fund_allocation_record

CARRY_DOCUMENT_NUMBER = "结转"


class Decision:
    CARRY = "carry"
    RETURN = "return"


@transaction.atomic
def leftover_report(*, actor, school: School, program: AidProgram, term: Term) -> LeftoverReport:
    """Freeze the term's figures into a report to the county (once per school, program and term)."""
    require(can_manage_school(actor, school.pk))
    check_program_serves_school(program, school)
    # A batch approved meanwhile would change the figures: the report waits for the school's money lock.
    school_money_lock(school)
    why_not = term_open_reason(school=school, program=program, term=term, today=timezone.localdate())
    if why_not:
        raise ValidationError(why_not, code="term_open")
    if LeftoverReport.objects.filter(school=school, program=program, term=term).exists():
        raise ValidationError(
            _("The leftover of {program}, {term} has already been reported.").format(program=program, term=term),
            code="already_reported",
        )
    figures = leftover_figures(school=school, program=program, term=term)
    try:
        with transaction.atomic():
            return instance_create(
                actor=actor,
                instance=LeftoverReport(
                    school=school,
                    program=program,
                    term=term,
                    figures=figures,
                    remainder=Decimal(figures["remainder"]),
                    reported_by=actor,
                    reported_at=timezone.now(),
                ),
            )
    except IntegrityError as error:
        raise ValidationError(
            _("The leftover of {program}, {term} has already been reported.").format(program=program, term=term),
            code="already_reported",
        ) from error


def _check_carriable(report: LeftoverReport) -> None:
    if report.remainder <= 0:
        raise ValidationError({"decision": ValidationError(_("Nothing is left to carry."), code="nothing_left")})
    if any(not row["source"] for row in report.figures.get("sources", [])):
        raise ValidationError(
            {
                "decision": ValidationError(
                    _(
                        "The program has no funding split for this school year, so the leftover cannot be "
                        "attributed to its sources: record the split, or have the leftover returned."
                    ),
                    code="no_split",
                )
            }
        )


def next_term(term: Term) -> Term | None:
    return Term.objects.filter(start__gt=term.start).order_by("start").first()


@transaction.atomic
def leftover_decide(*, actor, report: LeftoverReport, decision: str, reason: str) -> LeftoverReport:
    """The county's decision: carry the leftover into the next term, or have it returned; with its reason."""
    require(can_act_for_county(actor, report.school.county_id))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ValidationError(_("Give the reason for the decision."), code="reason")})
    if decision not in (Decision.CARRY, Decision.RETURN):
        raise ValidationError(
            {"decision": ValidationError(_("Choose whether the leftover is carried or returned."), code="decision")}
        )
    target = next_term(report.term) if decision == Decision.CARRY else None
    if decision == Decision.CARRY and target is None:
        raise ValidationError(
            {
                "decision": ValidationError(
                    _("The term after {term} is not set up yet: add it before carrying the leftover.").format(
                        term=report.term
                    ),
                    code="no_next_term",
                )
            }
        )
    if decision == Decision.CARRY:
        _check_carriable(report)
    status = LeftoverStatus.CARRY_APPROVED if decision == Decision.CARRY else LeftoverStatus.RETURNED
    transition(
        actor=actor,
        instance=report,
        from_status=LeftoverStatus.REPORTED,
        changes={"status": status, "decided_by": actor, "decided_at": timezone.now(), "decision_reason": reason},
        recorded=("status", "decision_reason"),
        refused=lambda: InvalidTransition(
            _("This leftover report has been decided meanwhile. Reload the page."), code="report_changed"
        ),
        reason=reason,
    )
    if target is not None:
        for row in report.figures.get("sources", []):
            amount = Decimal(row["remainder"])
            if amount <= 0 or not row["source"]:
                continue
            fund_allocation_record(
                actor=actor,
                school=report.school,
                program=report.program,
                term=target,
                source=row["source"],
                amount=amount,
                document_number=CARRY_DOCUMENT_NUMBER,
                document_date=timezone.localdate(),
                note=_("Leftover of {term} carried (report no. {pk})").format(term=report.term, pk=report.pk)[:200],
                carried_from=report,
            )
    return report
