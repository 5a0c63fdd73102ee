"""异议: objections lodged on a notice's public page or recorded by the aid office, investigated, and decided.

Each is answered within AIDSYS_OBJECTION_WORKING_DAYS working days (3, DESIGN.md §4), counted from the
day after it arrived. An upheld objection changes the roster through the reviews' services (a revocation,
or a changed tier or amount), and the change goes into a supplementary notice (补充公示).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import TextChoices
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from aidsys import calendar
from aidsys.models import Membership, Role
from aidsys.scope import can_manage_school, can_read_school_rosters, can_reveal
from aidsys.services.audit import Action, audit_record
from aidsys.services.writes import created_values, instance_create
from aidsys.transitions import InvalidTransition, require, transition
from applications.models import Status
from publicity.models import (
    Channel,
    EntryChange,
    NoticeEntry,
    NoticeKind,
    NoticeStatus,
    Objection,
    ObjectionNote,
    ObjectionReminder,
    ObjectionStatus,
    PublicNotice,
    TrackingLookup,
)
from publicity.selectors import objections as selectors
from publicity.services.supplementary import supplementary_notice_from_roster
from reviews.models import RevocationReason
from reviews.services.award_change import application_award_change
from reviews.services.revocation import application_revoke

logger = logging.getLogger("publicity.objections")

# Who the trail names for what the public and the daily task do: data in the project's language.
PUBLIC_ACTOR_NAME = "公众"
SYSTEM_ACTOR_NAME = "系统（每日提醒）"

TEXT_MIN_LENGTH = 10
TEXT_MAX_LENGTH = 1000
# Letters and digits that cannot be mistaken for each other when read out on the phone (no 0/O, 1/I).
TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TRACKING_PREFIX = "YY"
STAFF_CHANNELS = (Channel.PHONE, Channel.LETTER, Channel.VISIT)
# What an upheld objection leads to. Revocation reasons that fit a finding about the family.
UPHELD_REVOCATION_REASONS = (
    RevocationReason.FALSE_MATERIALS,
    RevocationReason.SITUATION_IMPROVED,
    RevocationReason.OTHER,
)


class RosterAction(TextChoices):
    CHANGE = "change", gettext_lazy("Change the tier or amount")
    REMOVE = "remove", gettext_lazy("Remove the entry: revoke the award")
    ALREADY_CHANGED = "already_changed", gettext_lazy("Nothing more: the entry has already been changed or removed")


class RateLimited(Exception):
    """An address has lodged (or looked up) as often as it may for now; it may again at `retry_at`."""

    def __init__(self, retry_at: datetime):
        super().__init__(retry_at)
        self.retry_at = retry_at


# ---------------------------------------------------------------------------------------------
# Deadlines, addresses, tracking numbers


def objection_deadline(received_on: date) -> date:
    """The last day to answer: the AIDSYS_OBJECTION_WORKING_DAYS-th working day after the day it arrived."""
    return calendar.working_period(received_on + timedelta(days=1), settings.AIDSYS_OBJECTION_WORKING_DAYS).end


def address_hash(ip: str | None) -> str:
    """A keyed hash of the client's address: the same address gives the same hash, and nobody without the
    SECRET_KEY can tell the address from it (the objection keeps no address)."""
    message = f"objection-address:{ip or ''}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _new_tracking_number(day: date) -> str:
    """YY + the date + 6 random letters and digits, e.g. YY20261123K7QM2X; unique."""
    for _attempt in range(10):
        suffix = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(6))
        number = f"{TRACKING_PREFIX}{day:%Y%m%d}{suffix}"
        if not Objection.objects.filter(tracking_number=number).exists():
            return number
    raise RuntimeError("no free tracking number after 10 draws")  # 32^6 numbers a day: not in this universe


def _retry_at(times: list[datetime], limit: int, window: timedelta) -> datetime | None:
    """With `times` newest first, all within `window`: when the count drops below `limit`, or None if it is below."""
    if len(times) < limit:
        return None
    return times[limit - 1] + window


def lodging_retry_at(*, notice: PublicNotice, address: str, now: datetime | None = None) -> datetime | None:
    """When the address may lodge again, or None if it may now: AIDSYS_OBJECTION_RATE_PER_NOTICE_HOUR
    objections to one notice an hour, AIDSYS_OBJECTION_RATE_PER_DAY to any notice in 24 hours."""
    now = now or timezone.now()
    per_notice = settings.AIDSYS_OBJECTION_RATE_PER_NOTICE_HOUR
    per_day = settings.AIDSYS_OBJECTION_RATE_PER_DAY
    lodged = Objection.objects.filter(address_hash=address, channel=Channel.ONLINE).order_by("-lodged_at")
    hour = timedelta(hours=1)
    day = timedelta(days=1)
    on_notice = list(
        lodged.filter(notice=notice, lodged_at__gt=now - hour).values_list("lodged_at", flat=True)[:per_notice]
    )
    anywhere = list(lodged.filter(lodged_at__gt=now - day).values_list("lodged_at", flat=True)[:per_day])
    waits = [w for w in (_retry_at(on_notice, per_notice, hour), _retry_at(anywhere, per_day, day)) if w]
    return max(waits) if waits else None


def _clean_text(text: str) -> str:
    text = text.strip()
    if not TEXT_MIN_LENGTH <= len(text) <= TEXT_MAX_LENGTH:
        raise ValidationError(
            {
                "text": ValidationError(
                    _(
                        "Write the objection in {low} to {high} characters: what is wrong with the list, and why. "
                        "This text has {count}."
                    ).format(low=TEXT_MIN_LENGTH, high=TEXT_MAX_LENGTH, count=len(text)),
                    code="text_length",
                )
            }
        )
    return text


def _entry_of(notice: PublicNotice, entry_id: int | None) -> NoticeEntry | None:
    if entry_id in (None, ""):
        return None
    entry = selectors.public_entries(notice).filter(pk=entry_id).first()
    if entry is None:
        raise ValidationError(
            {"entry": ValidationError(_("Choose a line of this notice, or none."), code="entry")}, code="entry"
        )
    return entry


# ---------------------------------------------------------------------------------------------
# Lodging and recording


@transaction.atomic
def objection_lodge(
    *,
    notice: PublicNotice,
    entry_id: int | None,
    name: str,
    contact: str,
    text: str,
    address: str,
) -> Objection:
    """An objection from the public page, while the notice runs. `address` is the keyed hash of the
    client's address (`address_hash`); past the rate limit, RateLimited says when to try again."""
    # The notice's row is locked so that two lodgings from one address are counted one after the other.
    stored = PublicNotice.objects.select_for_update().get(pk=notice.pk)
    if selectors.accepts_public_objections(stored) != "open":
        raise ValidationError(
            _("The notice of {program} is not running: objections to it are taken from {start} to {end}.").format(
                program=stored.program, start=stored.start_date.isoformat(), end=stored.end_date.isoformat()
            ),
            code="notice_not_running",
        )
    now = timezone.now()
    retry_at = lodging_retry_at(notice=stored, address=address, now=now)
    if retry_at is not None:
        raise RateLimited(retry_at)
    text = _clean_text(text)
    entry = _entry_of(stored, entry_id)
    today = timezone.localdate(now)
    objection = Objection(
        notice=stored,
        entry=entry,
        tracking_number=_new_tracking_number(today),
        channel=Channel.ONLINE,
        name=name.strip(),
        contact=contact.strip(),
        text=text,
        lodged_at=now,
        deadline=objection_deadline(today),
        address_hash=address,
    )
    objection.full_clean()
    objection.save()
    audit_record(
        actor=None,
        actor_name=PUBLIC_ACTOR_NAME,
        action=Action.CREATE,
        target=objection,
        changes=created_values(objection),
    )
    return objection


@transaction.atomic
def objection_record(
    *,
    actor,
    notice: PublicNotice,
    channel: str,
    text: str,
    entry: NoticeEntry | None = None,
    name: str = "",
    contact: str = "",
    received_on: date | None = None,
) -> Objection:
    """An objection the aid office took by phone, letter or in person, on the day it arrived
    (today unless given): the deadline counts from then."""
    require(can_manage_school(actor, notice.school_id))
    stored = PublicNotice.objects.select_for_update().get(pk=notice.pk)
    errors = {}
    if stored.status != NoticeStatus.PUBLISHED:
        raise ValidationError(
            _(
                "The notice is “{status}”: objections are recorded against a published notice that is not closed."
            ).format(status=stored.get_status_display()),
            code="notice_not_published",
        )
    if channel not in STAFF_CHANNELS:
        errors["channel"] = ValidationError(
            _("Say how the objection came: phone, letter or in person."), code="channel"
        )
    today = timezone.localdate()
    received_on = received_on or today
    earliest = timezone.localdate(stored.published_at) if stored.published_at else stored.start_date
    if received_on > today or received_on < earliest:
        errors["received_on"] = ValidationError(
            _("The day it arrived is between the notice's publication ({start}) and today.").format(
                start=earliest.isoformat()
            ),
            code="received_on",
        )
    try:
        text = _clean_text(text)
    except ValidationError as error:
        errors.update(error.error_dict)
    if entry is not None and entry.notice_id != stored.pk:
        errors["entry"] = ValidationError(_("Choose a line of this notice, or none."), code="entry")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    lodged_at = now if received_on == today else timezone.make_aware(datetime.combine(received_on, time(12)))
    return instance_create(
        actor=actor,
        instance=Objection(
            notice=stored,
            entry=entry,
            tracking_number=_new_tracking_number(received_on),
            channel=channel,
            name=name.strip(),
            contact=contact.strip(),
            text=text,
            lodged_at=lodged_at,
            deadline=objection_deadline(received_on),
            recorded_by=actor,
        ),
    )


def tracking_lookup(*, number: str, address: str) -> Objection | None:
    """The public status page's look-up. Every look-up counts against the address (a tracking number
    is a thing to guess); past AIDSYS_OBJECTION_TRACK_RATE_PER_HOUR in an hour, RateLimited."""
    now = timezone.now()
    limit = settings.AIDSYS_OBJECTION_TRACK_RATE_PER_HOUR
    hour = timedelta(hours=1)
    with transaction.atomic():
        recent = list(
            TrackingLookup.objects.filter(address_hash=address, looked_up_at__gt=now - hour)
            .order_by("-looked_up_at")
            .values_list("looked_up_at", flat=True)[:limit]
        )
        retry_at = _retry_at(recent, limit, hour)
        if retry_at is not None:
            raise RateLimited(retry_at)
        TrackingLookup.objects.create(address_hash=address, looked_up_at=now)
    return selectors.objection_by_tracking_number(number)


def tracking_lookups_prune(*, now: datetime | None = None) -> int:
    """Forget look-ups older than a day: they only ever count for an hour."""
    now = now or timezone.now()
    deleted, _counts = TrackingLookup.objects.filter(looked_up_at__lt=now - timedelta(days=1)).delete()
    return deleted


# ---------------------------------------------------------------------------------------------
# Investigation and decision


def _locked_open(objection: Objection) -> Objection:
    stored = (
        Objection.objects.select_for_update(of=("self",))
        .select_related("notice__school", "notice__program", "notice__supplements", "entry__application")
        .get(pk=objection.pk)
    )
    if stored.status != ObjectionStatus.OPEN:
        raise _not_open(stored)
    return stored


def _not_open(objection: Objection) -> InvalidTransition:
    return InvalidTransition(
        _(
            "Objection {number} has already been decided (“{status}”), perhaps by a second click. Reload the page."
        ).format(number=objection.tracking_number, status=objection.get_status_display()),
        code="objection_decided",
    )


@transaction.atomic
def objection_note_add(*, actor, objection: Objection, text: str) -> ObjectionNote:
    """A note of the investigation (a call, a visit, a document seen), while the objection is open."""
    require(can_manage_school(actor, objection.notice.school_id))
    stored = _locked_open(objection)
    text = text.strip()
    if not text:
        raise ValidationError({"text": ValidationError(_("Write what was found."), code="text")})
    return instance_create(
        actor=actor,
        instance=ObjectionNote(objection=stored, text=text, author=actor, created_at=timezone.now()),
    )


def objection_contact_reveal(*, actor, objection: Objection) -> str:
    """The objector's contact in full, to a reader of the objection who may reveal sensitive data
    (DESIGN.md §5: a phone or an address is masked by default); the showing is an audit event."""
    notice = objection.notice
    require(can_reveal(actor) and can_read_school_rosters(actor, notice.school))
    audit_record(actor=actor, action=Action.REVEAL_SENSITIVE, target=objection, changes={"field": [None, "contact"]})
    return objection.contact


def _entry_unchanged_since_notice(entry: NoticeEntry) -> bool:
    application = entry.application
    if application.status != Status.APPROVED or application.approved_tier != entry.tier:
        return False
    return entry.amount is None or entry.amount == application.amount


def _check_upheld(stored: Objection, entry: NoticeEntry | None, action: str, revocation_reason: str) -> dict:
    errors = {}
    if entry is None:
        errors["entry"] = ValidationError(_("Choose the line the upheld objection changes."), code="entry")
    elif entry.notice_id != stored.notice_id or entry.change == EntryChange.REMOVED:
        errors["entry"] = ValidationError(_("Choose a line this notice shows."), code="entry")
    if action not in RosterAction.values:
        errors["action"] = ValidationError(
            _("Say what happens to the line: its tier or amount changes, or it is removed."), code="action"
        )
    elif action == RosterAction.REMOVE and revocation_reason not in UPHELD_REVOCATION_REASONS:
        errors["revocation_reason"] = ValidationError(_("Choose the reason for the revocation."), code="reason")
    elif action == RosterAction.ALREADY_CHANGED and entry is not None and _entry_unchanged_since_notice(entry):
        errors["action"] = ValidationError(
            _("{name}'s award is still as the notice shows it: change it or remove it.").format(name=entry.name),
            code="not_changed",
        )
    return errors


@transaction.atomic
def objection_decide(
    *,
    actor,
    objection: Objection,
    outcome: str,
    decision: str,
    reply: str,
    entry: NoticeEntry | None = None,
    action: str = "",
    tier: str = "",
    amount: Decimal | None = None,
    amount_reason: str = "",
    revocation_reason: str = RevocationReason.FALSE_MATERIALS,
) -> Objection:
    """Uphold or dismiss an open objection, with the reason and the reply to the objector.

    Upheld, the line concerned (the objection's, or the one chosen) changes: its tier or amount
    (`application_award_change`) or its removal (`application_revoke`), and the changes since
    publication are drafted into the original notice's supplementary notice. All in one transaction:
    a refusal (a quota, a second click) leaves everything as it was.
    """
    require(can_manage_school(actor, objection.notice.school_id))
    stored = _locked_open(objection)
    decision, reply = decision.strip(), reply.strip()
    errors = {}
    if outcome not in (ObjectionStatus.UPHELD, ObjectionStatus.DISMISSED):
        errors["outcome"] = ValidationError(_("Uphold the objection or dismiss it."), code="outcome")
    if not decision:
        errors["decision"] = ValidationError(_("Give the reason for the decision."), code="decision")
    if not reply:
        errors["reply"] = ValidationError(
            _("Write the reply to the objector: it shows on the status page with the tracking number."), code="reply"
        )
    entry = entry or stored.entry
    if entry is not None:
        entry = NoticeEntry.objects.select_related("application").get(pk=entry.pk)
    if outcome == ObjectionStatus.UPHELD:
        errors |= _check_upheld(stored, entry, action, revocation_reason)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    transition(
        actor=actor,
        instance=stored,
        from_status=ObjectionStatus.OPEN,
        changes={
            "status": outcome,
            "decision": decision,
            "reply": reply,
            "entry": entry if outcome == ObjectionStatus.UPHELD else stored.entry,
            "decided_by": actor,
            "decided_at": now,
        },
        recorded=("status", "decision", "reply", "entry"),
        refused=lambda: _not_open(stored),
        reason=decision,
    )
    if outcome == ObjectionStatus.UPHELD:
        application = entry.application
        if action == RosterAction.REMOVE:
            application_revoke(
                actor=actor,
                application=application,
                reason=revocation_reason,
                detail=decision,
                effective_term=application.term,
            )
        elif action == RosterAction.CHANGE:
            application_award_change(
                actor=actor,
                application=application,
                tier=tier,
                amount=amount,
                amount_reason=amount_reason,
                reason=decision,
            )
        original = stored.notice if stored.notice.kind == NoticeKind.ORIGINAL else stored.notice.supplements
        supplementary_notice_from_roster(actor=actor, original=original)
    return stored


# ---------------------------------------------------------------------------------------------
# The daily reminder


def _reminder_text(school, due: list[Objection], today: date) -> str:
    overdue = [objection for objection in due if objection.deadline < today]
    numbers = "、".join(objection.tracking_number for objection in due)
    text = ngettext(
        "{school}: {count} objection is due today or overdue ({numbers}).",
        "{school}: {count} objections are due today or overdue ({numbers}).",
        len(due),
    ).format(school=school, count=len(due), numbers=numbers)
    if overdue:
        text += " " + ngettext(
            "{count} is past its deadline since {day}.",
            "{count} are past their deadline, the first since {day}.",
            len(overdue),
        ).format(count=len(overdue), day=min(objection.deadline for objection in overdue).isoformat())
    return text[:1000]


def _send_reminder_mail(reminder: ObjectionReminder, user) -> None:
    if not settings.AIDSYS_MAIL_ENABLED or not user.email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Objections to answer at {school}").format(school=reminder.school)
    try:
        send_mail(subject, reminder.text, None, [user.email])
    except OSError:
        # The dashboard still shows the reminder; a mail server that is down must not stop the others.
        logger.exception("reminder %s could not be mailed", reminder.pk)
        return
    ObjectionReminder.objects.filter(pk=reminder.pk).update(emailed_at=timezone.now())


def _recipients(school_id: int) -> list:
    memberships = (
        Membership.objects.active()
        .filter(school_id=school_id, role__in=(Role.AID_OFFICE, Role.PRINCIPAL), user__is_active=True)
        .select_related("user")
        .order_by("user_id")
    )
    return list({membership.user_id: membership.user for membership in memberships}.values())


def objection_reminders_send(*, today: date | None = None) -> dict:
    """Remind each school's aid office and principal of its open objections due today or overdue.

    Once a day: a reminder exists at most once per user, school and day (a unique constraint), so a
    second run the same day sends nothing. Each reminder is an audit event; it is e-mailed where mail
    is configured and the user has an address.
    """
    today = today or timezone.localdate()
    sent = []
    for school_id, due in selectors.due_by_school(today).items():
        school = due[0].notice.school
        with translation.override(settings.LANGUAGE_CODE):
            text = _reminder_text(school, due, today)
        for user in _recipients(school_id):
            if ObjectionReminder.objects.filter(user=user, school=school, day=today).exists():
                continue
            try:
                with transaction.atomic():
                    reminder = ObjectionReminder.objects.create(
                        user=user,
                        school=school,
                        day=today,
                        text=text,
                        objection_count=len(due),
                        created_at=timezone.now(),
                    )
                    audit_record(
                        actor=None,
                        actor_name=SYSTEM_ACTOR_NAME,
                        action=Action.CREATE,
                        target=reminder,
                        changes=created_values(reminder),
                    )
            except IntegrityError:
                continue  # another run reminded the user meanwhile
            _send_reminder_mail(reminder, user)
            sent.append(reminder.pk)
    return {"day": today.isoformat(), "sent": len(sent)}


@transaction.atomic
def reminders_mark_read(*, actor) -> int:
    """The user has read their reminders: they leave the dashboard.

    Not an audit event: it changes what one user's dashboard shows, not the aid or anybody's data.
    """
    return ObjectionReminder.objects.filter(user=actor, read_at__isnull=True).update(read_at=timezone.now())
