"""公示: a notice made from a signed roster, published, printed, and closed once its period has passed."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aidsys import cn
from aidsys.pdf import render_pdf
from aidsys.scope import can_manage_school, can_print_for_school
from aidsys.services.audit import Action, audit_record
from aidsys.services.writes import instance_create, instance_update, instances_create
from aidsys.transitions import InvalidTransition, require, transition
from applications.models import Application, Status
from applications.selectors import students_with_approved_aid
from publicity.models import (
    EntryChange,
    NoticeEntry,
    NoticeKind,
    NoticeStatus,
    Place,
    PublicNotice,
    ReportStatus,
    RosterReport,
)
from publicity.pdf import notice_sheet_context
from publicity.selectors import notices as selectors
from publicity.services.periods import check_first_day, notice_period
from publicity.services.reports import roster_report
from publicity.services.supplementary import roster_changes, supplementary_publish_check
from reviews.models import RevocationReason, RosterSignoff, SignoffStatus
from students.models import Identification, Tier
from students.services import identification_set, identifications_set


def _check_places(places: list[str]) -> list[str]:
    chosen = [place for place in Place.values if place in set(places)]
    if not chosen or len(chosen) != len(set(places)):
        message = _("Choose at least one place where the notice is posted.")
        raise ValidationError({"places": ValidationError(message, code="places")})
    return chosen


def _entries_for(notice: PublicNotice, applications: list[Application]) -> list[NoticeEntry]:
    """The notice's lines, in the project's language: only what a notice may show (DESIGN.md §4)."""
    with translation.override(settings.LANGUAGE_CODE):
        return [
            NoticeEntry(
                notice=notice,
                position=position,
                application=application,
                name=application.student.name,
                class_name=application.school_class.name,
                tier=application.approved_tier,
                tier_label=str(Tier(application.approved_tier).label),
                program_name=notice.program.name,
                amount=application.amount if notice.show_amounts else None,
            )
            for position, application in enumerate(applications, start=1)
        ]


def checked_contact_phone(phone: str) -> str:
    """The telephone a family calls with an objection, as a parent can dial it: a landline with its area
    code or a mobile number (cn.normalize_telephone), beside the field otherwise."""
    try:
        return cn.normalize_telephone(phone or "")
    except ValidationError as error:
        raise ValidationError({"contact_phone": error.messages}) from None


@transaction.atomic
def notice_create(
    *,
    actor,
    signoff: RosterSignoff,
    start_date: date,
    working_days: int,
    places: list[str],
    contact_office: str,
    contact_phone: str,
) -> PublicNotice:
    """A draft notice of the signed roster: its approved applications, frozen as the notice's lines.

    Lines run by class, then by the pinyin of the name. One original notice per signed version, and
    none once an original has been published: later changes go into supplementary notices.
    """
    require(can_manage_school(actor, signoff.school_id))
    contact_phone = checked_contact_phone(contact_phone)
    signoff = (
        RosterSignoff.objects.select_for_update(of=("self",))
        .select_related("school__county", "program", "term")
        .get(pk=signoff.pk)
    )
    if signoff.status != SignoffStatus.SIGNED:
        raise ValidationError(
            _("The roster of {program} for {term} is “{status}”: only a signed roster is noticed.").format(
                program=signoff.program, term=signoff.term, status=signoff.get_status_display()
            ),
            code="roster_not_signed",
        )
    originals = PublicNotice.objects.filter(signoff=signoff, kind=NoticeKind.ORIGINAL)
    shown = originals.filter(status__in=(NoticeStatus.PUBLISHED, NoticeStatus.CLOSED)).first()
    if shown is not None:
        raise ValidationError(
            _(
                "The notice of the roster of {program} for {term} has been published ({start} to {end}): changes "
                "since then are noticed in a supplementary notice, not in a new notice."
            ).format(
                program=signoff.program,
                term=signoff.term,
                start=shown.start_date.isoformat(),
                end=shown.end_date.isoformat(),
            ),
            code="already_published",
        )
    if originals.filter(signoff_version=signoff.version).exists():
        raise ValidationError(
            _("Version {version} of the roster of {program} for {term} already has its notice.").format(
                version=signoff.version, program=signoff.program, term=signoff.term
            ),
            code="already_noticed",
        )
    check_first_day(start_date)
    period = notice_period(county=signoff.school.county, start_date=start_date, working_days=working_days)
    applications = list(
        Application.objects.filter(
            school=signoff.school, program=signoff.program, term=signoff.term, status=Status.APPROVED
        )
        .select_related("student", "school_class")
        .order_by("school_class__grade", "school_class__number", "student__name_pinyin", "pk")
    )
    if not applications:
        raise ValidationError(
            _("The signed roster of {program} for {term} has no approved application to notice.").format(
                program=signoff.program, term=signoff.term
            ),
            code="nothing_approved",
        )
    notice = instance_create(
        actor=actor,
        instance=PublicNotice(
            school=signoff.school,
            program=signoff.program,
            term=signoff.term,
            signoff=signoff,
            signoff_version=signoff.version,
            kind=NoticeKind.ORIGINAL,
            start_date=period.start,
            working_days=working_days,
            end_date=period.end,
            fallback_years=list(period.fallback_years),
            places=_check_places(places),
            contact_office=contact_office.strip(),
            contact_phone=contact_phone.strip(),
            show_amounts=signoff.program.notice_shows_amount,
            created_by=actor,
            created_at=timezone.now(),
        ),
    )
    instances_create(actor=actor, instances=_entries_for(notice, applications), school=signoff.school)
    return notice


def _locked_notice(notice: PublicNotice) -> PublicNotice:
    return (
        PublicNotice.objects.select_for_update(of=("self",))
        .select_related("school__county", "program", "term__school_year", "signoff")
        .get(pk=notice.pk)
    )


def _not_in(notice: PublicNotice, expected: str) -> InvalidTransition:
    return InvalidTransition(
        _(
            "The notice of {program} for {term} is “{status}”, not “{expected}”: it has been dealt with meanwhile "
            "(perhaps by a second click). Reload the page."
        ).format(
            program=notice.program,
            term=notice.term,
            status=notice.get_status_display(),
            expected=NoticeStatus(expected).label,
        ),
        code="notice_changed",
    )


@transaction.atomic
def notice_update(
    *,
    actor,
    notice: PublicNotice,
    start_date: date,
    working_days: int,
    places: list[str],
    contact_office: str,
    contact_phone: str,
) -> dict:
    """Change a draft's period, places and contact; the lines stay as they were taken."""
    require(can_manage_school(actor, notice.school_id))
    contact_phone = checked_contact_phone(contact_phone)
    stored = _locked_notice(notice)
    if stored.status != NoticeStatus.DRAFT:
        raise _not_in(stored, NoticeStatus.DRAFT)
    check_first_day(start_date)
    period = notice_period(county=stored.school.county, start_date=start_date, working_days=working_days)
    return instance_update(
        actor=actor,
        instance=stored,
        data={
            "start_date": period.start,
            "working_days": working_days,
            "end_date": period.end,
            "fallback_years": list(period.fallback_years),
            "places": _check_places(places),
            "contact_office": contact_office.strip(),
            "contact_phone": contact_phone.strip(),
        },
    )


def _period_from_today(notice: PublicNotice) -> dict:
    """A draft whose first day has passed is not published as it is: it would run short of its period.

    An original's first day was chosen on its form: the aid office moves it (and the printed sheet's
    dates with it). A supplementary draft's period was set when it was drafted, often by an upheld
    objection, and it waits for the principal's new signature for days: it runs its working days from
    the day it is published, as the aid office expects of a notice it posts that day.
    """
    today = timezone.localdate()
    if notice.start_date >= today:
        return {}
    if notice.kind == NoticeKind.ORIGINAL:
        raise ValidationError(
            _(
                "The first day of this notice ({start}) has passed: change the first day to today or a later day, "
                "then publish it."
            ).format(start=notice.start_date.isoformat()),
            code="first_day_passed",
        )
    period = notice_period(county=notice.school.county, start_date=today, working_days=notice.working_days)
    return {"start_date": period.start, "end_date": period.end, "fallback_years": list(period.fallback_years)}


@transaction.atomic
def notice_publish(*, actor, notice: PublicNotice) -> PublicNotice:
    """Publish a draft: its public page shows from the first day to the last (DESIGN.md §4).

    An original notice shows the signed version it was drafted from; a supplementary notice the
    changes of the roster the principal has signed again (`supplementary_publish_check`), and takes
    that version.
    """
    require(can_manage_school(actor, notice.school_id))
    stored = _locked_notice(notice)
    signoff = RosterSignoff.objects.select_for_update().get(pk=stored.signoff_id)
    if stored.kind == NoticeKind.SUPPLEMENTARY and stored.status == NoticeStatus.DRAFT:
        supplementary_publish_check(notice=stored, signoff=signoff)
    elif stored.kind == NoticeKind.ORIGINAL and (
        signoff.status != SignoffStatus.SIGNED or signoff.version != stored.signoff_version
    ):
        raise ValidationError(
            _(
                "The roster of {program} for {term} has changed since this notice was drafted from its signed "
                "version {version}; a new notice is made once the principal signs it again."
            ).format(program=stored.program, term=stored.term, version=stored.signoff_version),
            code="roster_changed",
        )
    moved = _period_from_today(stored) if stored.status == NoticeStatus.DRAFT else {}
    return transition(
        actor=actor,
        instance=stored,
        from_status=NoticeStatus.DRAFT,
        changes={
            "status": NoticeStatus.PUBLISHED,
            "published_by": actor,
            "published_at": timezone.now(),
            "signoff_version": signoff.version,
            **moved,
        },
        recorded=("status", "signoff_version", *moved),
        refused=lambda: _not_in(stored, NoticeStatus.DRAFT),
    )


def notice_print(*, actor, notice: PublicNotice, public_url: str) -> bytes:
    """The notice sheet as a PDF (publicity/pdf.py); each printing is an audit event."""
    require(can_print_for_school(actor, notice.school_id))
    if notice.status == NoticeStatus.DRAFT:
        raise ValidationError(
            _("Publish the notice before printing it: a printed draft could be posted by mistake."), code="draft"
        )
    content = render_pdf("publicity/pdf/notice.html", notice_sheet_context(notice=notice, public_url=public_url))
    audit_record(actor=actor, action=Action.PRINT, target=notice, changes={"document": [None, "notice_sheet"]})
    return content


def _refuse_unnoticed(original: PublicNotice, signoff: RosterSignoff) -> None:
    """A notice closes over the roster as the principal signed it and as its notices showed it (DESIGN.md §4)."""
    changes = roster_changes(original=original)
    if changes:
        names = "、".join(
            f"{change.application.student.name}（{EntryChange(change.change).label}）" for change in changes
        )
        raise ValidationError(
            ngettext(
                "The roster of {program} for {term} has changed since its notice and {count} change has not been "
                "noticed ({names}): make a supplementary notice of it; the notice closes after its period.",
                "The roster of {program} for {term} has changed since its notice and {count} changes have not been "
                "noticed ({names}): make a supplementary notice of them; the notice closes after its period.",
                len(changes),
            ).format(program=original.program, term=original.term, count=len(changes), names=names),
            code="roster_changed_unnoticed",
        )
    if signoff.status != SignoffStatus.SIGNED:
        raise ValidationError(
            _(
                "The roster of {program} for {term} is “{status}”: the notice closes once the principal has signed it."
            ).format(program=original.program, term=original.term, status=signoff.get_status_display()),
            code="roster_not_signed",
        )


def _refuse_to_close(notice: PublicNotice, family: list[PublicNotice], today: date) -> None:
    if today <= notice.end_date:
        raise ValidationError(
            _("The notice runs until {end}; it can be closed from {next} on.").format(
                end=notice.end_date.isoformat(), next=(notice.end_date + timedelta(days=1)).isoformat()
            ),
            code="still_running",
        )
    unfinished = [
        other
        for other in family
        if other.pk != notice.pk
        and (other.status == NoticeStatus.DRAFT or (other.status == NoticeStatus.PUBLISHED and today <= other.end_date))
    ]
    if unfinished:
        other = unfinished[0]
        raise ValidationError(
            _("The supplementary notice is “{status}” and runs until {end}; the notice closes after it.").format(
                status=other.get_status_display(), end=other.end_date.isoformat()
            ),
            code="supplementary_running",
        )
    still_open = selectors.open_objections(notices=family)
    if still_open:
        raise ValidationError(
            ngettext(
                "{count} objection is still open ({numbers}): answer it before the notice closes.",
                "{count} objections are still open ({numbers}): answer them before the notice closes.",
                len(still_open),
            ).format(count=len(still_open), numbers="、".join(o.tracking_number for o in still_open)),
            code="objections_open",
        )


# An award revoked for these reasons goes, but the family's difficulty stands: the identified tier stays.
IDENTIFICATION_STANDS = (RevocationReason.TRANSFERRED_OUT, RevocationReason.DISCIPLINED)


def _withdraw_identifications(*, actor, closing: list[PublicNotice], kept: set[int], school_year, decided_on) -> None:
    """A line removed by the closing notices takes back the identified tier (认定) its award gave.

    The tier becomes 不困难 with the removal as its basis, and the registry keeps the change in the
    student's history; unless the removal says nothing against the difficulty (a transfer, a
    sanction), or the student is still on the roster or holds another approved award this school
    year. A student never identified is left as is.
    """
    removed = list(
        NoticeEntry.objects.filter(notice__in=[member.pk for member in closing], change=EntryChange.REMOVED)
        .select_related("notice", "application__student", "application__revocation")
        .order_by("notice", "position")
    )
    # An approved award of another program or term this school year keeps the tier too.
    kept = kept | students_with_approved_aid(
        [entry.application.student_id for entry in removed],
        school_year,
        excluding=[entry.application_id for entry in removed],
    )
    for entry in removed:
        student = entry.application.student
        revocation = getattr(entry.application, "revocation", None)
        if student.pk in kept or (revocation is not None and revocation.reason in IDENTIFICATION_STANDS):
            continue
        identified = Identification.objects.filter(student=student, school_year=school_year)
        if not identified.exclude(tier=Tier.NOT_DIFFICULT).exists():
            continue
        with translation.override(settings.LANGUAGE_CODE):
            basis = _("Removed in {notice}: {reason}").format(notice=entry.notice, reason=entry.change_reason)
        identification_set(
            actor=actor,
            student=student,
            school_year=school_year,
            tier=Tier.NOT_DIFFICULT,
            decided_on=decided_on,
            basis=basis,
        )


@transaction.atomic
def notice_close(*, actor, notice: PublicNotice) -> RosterReport:
    """Close a notice whose period has passed with no objection open.

    An original notice closes with its supplementary notices; one made after the original had
    closed (a revocation or a replacement during the year) closes on its own. The noticed lines are
    confirmed, each student's tier becomes the identified tier (认定) of the school year in the
    registry, and the roster is archived and reported to the county (again, one version up).
    """
    require(can_manage_school(actor, notice.school_id))
    stored = _locked_notice(notice)
    if stored.status != NoticeStatus.PUBLISHED:
        raise _not_in(stored, NoticeStatus.PUBLISHED)
    today = timezone.localdate()
    signoff = RosterSignoff.objects.select_for_update().get(pk=stored.signoff_id)
    if stored.kind == NoticeKind.ORIGINAL:
        supplements = list(PublicNotice.objects.select_for_update().filter(supplements=stored).order_by("pk"))
        _refuse_to_close(stored, [stored, *supplements], today)
        _refuse_unnoticed(stored, signoff)
        closing = [stored, *supplements]
        noticed = closing
    else:
        original = _locked_notice(stored.supplements)
        if original.status != NoticeStatus.CLOSED:
            raise ValidationError(
                _("A supplementary notice closes together with the notice it supplements."), code="supplementary"
            )
        _refuse_to_close(stored, [stored], today)
        _refuse_unnoticed(original, signoff)
        closed = PublicNotice.objects.filter(supplements=original, status=NoticeStatus.CLOSED).order_by("pk")
        closing = [stored]
        noticed = [original, *closed, stored]
    entries = selectors.confirmed_entries(noticed)
    # A later supplementary notice sets the tiers of its own lines; the others were set before.
    identified = entries if stored.kind == NoticeKind.ORIGINAL else [e for e in entries if e.notice_id == stored.pk]
    # What the trail keeps is data in the project's language, whatever the actor's screen shows.
    with translation.override(settings.LANGUAGE_CODE):
        confirmed = _("{count} lines confirmed").format(count=len(entries))
        basis = _("No objection to the public notice: {notice}").format(notice=stored)
    now = timezone.now()
    for member in closing:
        if member.status == NoticeStatus.CLOSED:
            continue
        # Which lines were confirmed, not only how many: the bulk update below leaves no event per line.
        noted = {"confirmed_entries": [[], sorted(entry.pk for entry in entries)]} if member is stored else None
        transition(
            actor=actor,
            instance=member,
            from_status=NoticeStatus.PUBLISHED,
            changes={"status": NoticeStatus.CLOSED, "closed_by": actor, "closed_at": now},
            refused=lambda member=member: _not_in(member, NoticeStatus.PUBLISHED),
            noted=noted,
            reason=confirmed if member is stored else "",
        )
    NoticeEntry.objects.filter(pk__in=[entry.pk for entry in entries]).update(confirmed=True)
    identifications_set(
        actor=actor,
        school_year=stored.term.school_year,
        tiers={entry.application.student: entry.tier for entry in identified},
        decided_on=today,
        basis=basis,
    )
    _withdraw_identifications(
        actor=actor,
        closing=closing,
        kept={entry.application.student_id for entry in entries},
        school_year=stored.term.school_year,
        decided_on=today,
    )
    stored.refresh_from_db()
    return roster_report(actor=actor, notice=stored, entries=entries)


@transaction.atomic
def notice_report_again(*, actor, notice: PublicNotice) -> RosterReport:
    """重新上报: the roster the county returned, reported again unchanged once the principal has signed it again.

    A returned roster that needed a change goes through a supplementary notice, whose closing reports
    it. One that needed none has nothing to notice and no notice to close: the aid office reports its
    closed notices' roster again, as it stands, one version up.
    """
    require(can_manage_school(actor, notice.school_id))
    stored = _locked_notice(notice)
    original = stored if stored.kind == NoticeKind.ORIGINAL else _locked_notice(stored.supplements)
    report = (
        RosterReport.objects.select_for_update()
        .filter(school=original.school_id, program=original.program_id, term=original.term_id)
        .first()
    )
    if report is None or report.status != ReportStatus.RETURNED:
        raise ValidationError(
            _("Only a roster the county has returned is reported again; this one is “{status}”.").format(
                status=report.get_status_display() if report else _("not reported")
            ),
            code="report_not_returned",
        )
    family = list(PublicNotice.objects.select_for_update().filter(supplements=original).order_by("pk"))
    pending = [member for member in [original, *family] if member.status != NoticeStatus.CLOSED]
    if pending:
        raise ValidationError(
            _("The {kind} from {start} is “{status}”: the roster is reported when it closes.").format(
                kind=pending[0].get_kind_display(),
                start=pending[0].start_date.isoformat(),
                status=pending[0].get_status_display(),
            ),
            code="notice_not_closed",
        )
    signoff = RosterSignoff.objects.select_for_update().get(pk=original.signoff_id)
    if signoff.status != SignoffStatus.SIGNED or signoff.decided_at is None or signoff.decided_at <= report.decided_at:
        raise ValidationError(
            _(
                "The county returned the roster of {program} for {term} on {returned}: it is reported again once the "
                "principal has signed it again (it is “{status}” now)."
            ).format(
                program=original.program,
                term=original.term,
                returned=timezone.localtime(report.decided_at).strftime("%Y-%m-%d %H:%M"),
                status=signoff.get_status_display(),
            ),
            code="roster_not_signed_again",
        )
    _refuse_unnoticed(original, signoff)
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("Reported again unchanged: the principal signed the returned roster again (version {version})")
        reason = reason.format(version=signoff.version)
    return roster_report(
        actor=actor, notice=report.notice, entries=selectors.confirmed_entries([original, *family]), reason=reason
    )
