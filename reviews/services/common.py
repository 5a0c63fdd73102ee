"""What every review service shares: the conditional transition of applications, the roster lock."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from aidsys.services.audit import Action, PendingEvent, audit_record, audit_record_many, diff, snapshot
from applications.models import Application, Quota
from reviews.models import RosterSignoff, SignoffStatus


class InvalidTransition(ValidationError):
    """The row is no longer in the state the action starts from: someone (or a second click) was first."""


def field_error(name: str, message: str, code: str) -> ValidationError:
    """A refusal that names the form field it belongs beside, with a code tests and callers can read."""
    return ValidationError({name: ValidationError(message, code=code)})


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _already_dealt_with(application: Application, stored: Application | None) -> InvalidTransition:
    if stored is None:
        return InvalidTransition(_("The application no longer exists."), code="gone")
    return InvalidTransition(
        _(
            "{student}'s application for {program} is already “{status}”: it has been dealt with meanwhile "
            "(perhaps by a second click). Reload the page to see where it stands."
        ).format(student=stored.student.name, program=stored.program, status=stored.get_status_display()),
        code="already_dealt_with",
    )


def transition_many(
    *, actor, applications: list[Application], expected: tuple, to: str, fields_for, reason: str = ""
) -> list[Application]:
    """Move each application from one of `expected` to `to`, setting `fields_for(application)`.

    Each move is a conditional update (STYLE.md rule 5); if any application has left `expected`
    the whole call fails and the caller's transaction rolls back. Each leaves its audit event.
    """
    if not applications:
        return []
    stored = {
        row.pk: row
        for row in Application.objects.select_for_update(of=("self",))
        .filter(pk__in=[a.pk for a in applications])
        .select_related("student", "program", "term", "decided_by", "first_reviewed_by", "replaces__student")
    }
    for application in applications:
        row = stored.get(application.pk)
        if row is None or row.status not in expected:
            raise _already_dealt_with(application, row)
    now = timezone.now()
    events = []
    for application in applications:
        fields = fields_for(application)
        names = ["status", *fields]
        before = snapshot(stored[application.pk], fields=names)
        updated = Application.objects.filter(pk=application.pk, status__in=expected).update(
            status=to, updated_at=now, **fields
        )
        if updated != 1:
            raise _already_dealt_with(application, stored[application.pk])
        application.status = to
        application.updated_at = now
        for name, value in fields.items():
            setattr(application, name, value)
        events.append(
            PendingEvent(Action.TRANSITION, application, diff(before, snapshot(application, fields=names)), reason)
        )
    audit_record_many(actor=actor, events=events)
    return applications


def transition(*, actor, application: Application, expected: tuple, to: str, fields: dict, reason: str = ""):
    return transition_many(
        actor=actor, applications=[application], expected=expected, to=to, fields_for=lambda a: fields, reason=reason
    )[0]


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
    updated = RosterSignoff.objects.filter(pk=signoff.pk, status=SignoffStatus.SIGNED).update(
        status=SignoffStatus.PENDING, submitted_by=actor, submitted_at=timezone.now(), comment=""
    )
    if updated != 1:
        raise InvalidTransition(_("The roster's sign-off changed meanwhile. Reload the page."), code="signoff_changed")
    audit_record(
        actor=actor,
        action=Action.TRANSITION,
        target=signoff,
        changes={"status": [SignoffStatus.SIGNED.value, SignoffStatus.PENDING.value]},
        reason=reason,
    )
    signoff.status = SignoffStatus.PENDING
