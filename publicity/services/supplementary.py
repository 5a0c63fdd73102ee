"""补充公示: a change to the roster after its notice was published is noticed again, the changed lines only.

The noticed roster is the original notice's lines with the changes of its published supplementary
notices (`effective_entries`). Compared with the roster's approved applications now, each difference is
a line: added (a replacement 递补, an award made after publication), changed (the tier, or the amount
where the notice shows amounts), or removed (a revocation). One draft supplementary notice collects them
until the aid office publishes it; it is brought up to date whenever the roster changes again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aidsys.scope import can_manage_school
from aidsys.services.writes import instance_create, instance_delete, instances_create
from aidsys.transitions import require
from applications.models import Application, Status
from publicity.models import (
    EntryChange,
    NoticeEntry,
    NoticeKind,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    PublicNotice,
)
from publicity.selectors import objections as selectors
from publicity.selectors.notices import effective_entries
from publicity.services.periods import check_first_day, next_working_day, notice_period
from reviews.models import Revocation, RosterSignoff
from students.models import Tier

# A supplementary notice is made for an original that has been shown: running, ended, or closed
# (a revocation or replacement during the school year, DESIGN.md §2).
SUPPLEMENTABLE = (NoticeStatus.PUBLISHED, NoticeStatus.CLOSED)
# Noticed lines: those of the original and of the supplementary notices made public.
NOTICED = (NoticeStatus.PUBLISHED, NoticeStatus.CLOSED)


@dataclass(frozen=True)
class RosterChange:
    """One line of a supplementary notice: how the application's award differs from what was noticed."""

    application: Application
    change: str  # EntryChange: added, changed or removed
    reason: str
    noticed: NoticeEntry | None = None  # the line as it was noticed (None for an added line)
    reason_shown: str = ""  # what the posted sheet may say of a removal: the kind of revocation only


def _upheld_decisions(original: PublicNotice) -> dict[int, str]:
    """The reason of the latest upheld objection for each application of the notice's family."""
    rows = (
        Objection.objects.filter(
            notice__in=[notice.pk for notice in selectors.family_of(original)],
            status=ObjectionStatus.UPHELD,
            entry__isnull=False,
        )
        .order_by("decided_at", "pk")
        .values_list("entry__application_id", "decision")
    )
    return dict(rows)


def _removed_reasons(application: Application) -> tuple[str, str]:
    """The reason a line is removed, in full for the staff and as the posted sheet may show it."""
    revocation = Revocation.objects.filter(application=application).first()
    if revocation is not None:
        return f"{revocation.get_reason_display()}：{revocation.detail}", revocation.get_reason_display()
    return _("No longer approved: {status}").format(status=application.get_status_display()), ""


def roster_changes(*, original: PublicNotice) -> list[RosterChange]:
    """How the roster of the notice's school, program and term differs now from what its notices showed."""
    noticed_notices = [notice for notice in selectors.family_of(original) if notice.status in NOTICED]
    noticed = {entry.application_id: entry for entry in effective_entries(noticed_notices)}
    current = {
        application.pk: application
        for application in Application.objects.filter(
            school=original.school_id, program=original.program_id, term=original.term_id, status=Status.APPROVED
        ).select_related("student", "school_class", "replaces__student")
    }
    upheld = _upheld_decisions(original)
    changes = []
    # The reasons are data: kept in the project's language, whatever the actor's screen shows.
    with translation.override(settings.LANGUAGE_CODE):
        for application_id, entry in noticed.items():
            application = current.get(application_id)
            if application is None:
                gone = Application.objects.select_related("student", "school_class").get(pk=application_id)
                reason, reason_shown = _removed_reasons(gone)
                changes.append(RosterChange(gone, EntryChange.REMOVED, reason, entry, reason_shown))
                continue
            tier_changed = application.approved_tier != entry.tier
            amount_changed = entry.amount is not None and entry.amount != application.amount
            if tier_changed or amount_changed:
                reason = (
                    upheld.get(application_id)
                    or application.decision_reason
                    or application.amount_reason
                    or _("Tier or amount changed after the notice was published")
                )
                changes.append(RosterChange(application, EntryChange.CHANGED, reason, entry))
        for application_id, application in current.items():
            if application_id in noticed:
                continue
            if application.replaces_id:
                reason = _("Replaces {name}").format(name=application.replaces.student.name)
            else:
                reason = _("Approved after the notice was published")
            changes.append(RosterChange(application, EntryChange.ADDED, reason))
    return changes


def originals_with_unnoticed_changes(*, school_ids, today: date | None = None) -> list[PublicNotice]:
    """The shown original notices of these schools whose roster has changes no published supplementary
    notice shows (`roster_changes`): the aid office's to-do, since such a notice cannot close or stay
    closed as it is. Only notices of a school year still running: a revocation comes during the year."""
    today = today or timezone.localdate()
    originals = (
        PublicNotice.objects.filter(
            school_id__in=school_ids,
            kind=NoticeKind.ORIGINAL,
            status__in=NOTICED,
            term__school_year__terms__end__gte=today,
        )
        .select_related("school", "program", "term")
        .distinct()
        .order_by("pk")
    )
    return [original for original in originals if roster_changes(original=original)]


def _ordered(changes: list[RosterChange]) -> list[RosterChange]:
    def key(change: RosterChange):
        school_class = change.application.school_class
        return (school_class.grade, school_class.number, change.application.student.name_pinyin, change.application.pk)

    return sorted(changes, key=key)


def _lines(notice: PublicNotice, changes: list[RosterChange]) -> list[NoticeEntry]:
    """The supplementary notice's lines: a removed one as it was noticed, an added or changed one as it is now."""
    lines = []
    with translation.override(settings.LANGUAGE_CODE):
        for position, change in enumerate(_ordered(changes), start=1):
            application = change.application
            if change.change == EntryChange.REMOVED:
                noticed = change.noticed
                values = {
                    "name": noticed.name,
                    "class_name": noticed.class_name,
                    "tier": noticed.tier,
                    "tier_label": noticed.tier_label,
                    "amount": noticed.amount,
                    "reason_shown": change.reason_shown,
                }
            else:
                values = {
                    "name": application.student.name,
                    "class_name": application.school_class.name,
                    "tier": application.approved_tier,
                    "tier_label": str(Tier(application.approved_tier).label),
                    "amount": application.amount if notice.show_amounts else None,
                }
                if change.change == EntryChange.CHANGED:
                    values["previous_tier_label"] = change.noticed.tier_label
                    values["previous_amount"] = change.noticed.amount if notice.show_amounts else None
            lines.append(
                NoticeEntry(
                    notice=notice,
                    position=position,
                    application=application,
                    program_name=notice.program.name,
                    change=change.change,
                    change_reason=change.reason[:500],
                    **values,
                )
            )
    return lines


def _line_key(line: NoticeEntry) -> tuple:
    return (line.application_id, line.change, line.tier, line.amount)


def supplementary_publish_check(*, notice: PublicNotice, signoff: RosterSignoff) -> None:
    """Refuse to publish a supplementary notice unless it shows what the principal has signed.

    The principal signs the changed roster (校长审定) before its changes are noticed: the roster's
    sign-off is signed, at a version later than any its notices have shown. And the lines are the
    changes of the roster as it stands: if it changed again since the draft, the draft is brought
    up to date first (`supplementary_notice_from_roster`). `signoff` is locked by the caller.
    """
    if selectors.awaits_signature(notice, signoff):
        raise ValidationError(
            _(
                "The supplementary notice can be published only after the principal has signed the changed roster "
                "of {program} for {term}: the roster is “{status}”, version {version}."
            ).format(
                program=notice.program,
                term=notice.term,
                status=signoff.get_status_display(),
                version=signoff.version,
            ),
            code="roster_not_signed",
        )
    expected = _lines(notice, roster_changes(original=notice.supplements))
    if {_line_key(line) for line in expected} != {_line_key(line) for line in notice.entries.all()}:
        raise ValidationError(
            _(
                "The roster of {program} for {term} has changed since this supplementary notice was drafted: its "
                "lines are brought up to date; check them, then publish."
            ).format(program=notice.program, term=notice.term),
            code="supplementary_outdated",
        )


def _locked_original(original: PublicNotice) -> PublicNotice:
    stored = (
        PublicNotice.objects.select_for_update(of=("self",))
        .select_related("school__county", "program", "term", "signoff")
        .get(pk=original.pk)
    )
    if stored.kind != NoticeKind.ORIGINAL:
        raise ValidationError(
            _("A supplementary notice supplements the original notice, not another supplementary one."),
            code="not_original",
        )
    if stored.status not in SUPPLEMENTABLE:
        raise ValidationError(
            _("The notice is “{status}”: a supplementary notice follows a published notice.").format(
                status=stored.get_status_display()
            ),
            code="not_published",
        )
    return stored


@transaction.atomic
def supplementary_notice_create(
    *,
    actor,
    original: PublicNotice,
    changes: list[RosterChange],
    start_date=None,
    working_days: int | None = None,
) -> PublicNotice:
    """A draft supplementary notice of `changes`, with its own period: from the next working day (or
    `start_date`), the county's working days (or more); posted where the original was, with its contact."""
    require(can_manage_school(actor, original.school_id))
    stored = _locked_original(original)
    if not changes:
        raise ValidationError(
            _("The roster of {program} for {term} has not changed since its notice: nothing to notice again.").format(
                program=stored.program, term=stored.term
            ),
            code="no_changes",
        )
    county = stored.school.county
    if start_date is not None:
        check_first_day(start_date)
    period = notice_period(
        county=county,
        start_date=start_date or next_working_day(),
        working_days=working_days or county.notice_working_days,
    )
    notice = instance_create(
        actor=actor,
        instance=PublicNotice(
            school=stored.school,
            program=stored.program,
            term=stored.term,
            signoff=stored.signoff,
            signoff_version=stored.signoff.version,
            kind=NoticeKind.SUPPLEMENTARY,
            supplements=stored,
            start_date=period.start,
            working_days=working_days or county.notice_working_days,
            end_date=period.end,
            fallback_years=list(period.fallback_years),
            places=list(stored.places),
            contact_office=stored.contact_office,
            contact_phone=stored.contact_phone,
            show_amounts=stored.show_amounts,
            created_by=actor,
            created_at=timezone.now(),
        ),
    )
    instances_create(actor=actor, instances=_lines(notice, changes), school=stored.school)
    return notice


@transaction.atomic
def supplementary_notice_from_roster(*, actor, original: PublicNotice) -> PublicNotice | None:
    """Notice the changes since publication: the aid office's "make a supplementary notice" and the hook
    an upheld objection calls.

    The draft supplementary notice of the original, if there is one, is brought up to date (its lines
    replaced by the changes as they stand; with none left, the draft goes); otherwise a new draft is made.
    Returns the draft, or None when the roster is as noticed.
    """
    require(can_manage_school(actor, original.school_id))
    stored = _locked_original(original)
    changes = roster_changes(original=stored)
    draft = (
        PublicNotice.objects.select_for_update()
        .filter(supplements=stored, status=NoticeStatus.DRAFT)
        .select_related("program")
        .first()
    )
    if draft is None:
        return supplementary_notice_create(actor=actor, original=stored, changes=changes) if changes else None
    reason = _("The roster changed again before the supplementary notice was published")
    for entry in list(draft.entries.all()):
        instance_delete(actor=actor, instance=entry, reason=reason)
    if not changes:
        instance_delete(actor=actor, instance=draft, reason=reason)
        return None
    instances_create(actor=actor, instances=_lines(draft, changes), school=stored.school)
    return draft
