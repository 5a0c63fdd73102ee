"""评议会议: the review panel's meetings, recorded by the aid office and printed as a 评议记录表 to sign."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aidsys.pdf import render_pdf
from aidsys.scope import can_manage_school, can_read_school_rosters
from aidsys.services.audit import Action, audit_record, diff, snapshot
from aidsys.services.writes import created_values
from aidsys.transitions import require
from reviews.models import ReviewMeeting, ReviewPanel, ReviewPanelMember


def _present_names(members) -> list[str]:
    return [member.name for member in sorted(members, key=lambda member: member.pk)]


def _refusals(*, panel: ReviewPanel, on: date, members: list[ReviewPanelMember]) -> dict[str, list[str]]:
    """What is wrong with a meeting's date and members, by field: a meeting of this panel, in its school year,
    not before the panel was formed and not in the future, attended by members of this panel."""
    errors: dict[str, list[str]] = {}
    first, last = panel.term.school_year.days()
    today = timezone.localdate()
    if not first <= on <= last:
        errors.setdefault("date", []).append(
            _("The meeting's date {date} is outside the school year {year} ({first} to {last}).").format(
                date=on.isoformat(), year=panel.term.school_year, first=first.isoformat(), last=last.isoformat()
            )
        )
    elif on < panel.formed_on:
        errors.setdefault("date", []).append(
            _("The meeting's date {date} is before the panel was formed on {formed}.").format(
                date=on.isoformat(), formed=panel.formed_on.isoformat()
            )
        )
    elif on > today:
        errors.setdefault("date", []).append(
            _("The meeting's date {date} is in the future: record a meeting once it has taken place.").format(
                date=on.isoformat()
            )
        )
    strangers = [member.name for member in members if member.panel_id != panel.pk]
    if strangers:
        errors.setdefault("members_present", []).append(
            _("{names} is not a member of this review panel; only its members can be present.").format(
                names="、".join(strangers)
            )
        )
    elif not members:
        errors.setdefault("members_present", []).append(_("Tick the members who were present."))
    return errors


def _check(*, panel, on, members) -> None:
    errors = _refusals(panel=panel, on=on, members=members)
    if errors:
        raise ValidationError(
            {name: [ValidationError(text, code="meeting") for text in texts] for name, texts in errors.items()}
        )


@transaction.atomic
def meeting_record(
    *,
    actor,
    panel: ReviewPanel,
    date: date,
    place: str,
    members_present: list[ReviewPanelMember],
    decisions: str,
    dissent: str = "",
) -> ReviewMeeting:
    """Record a meeting of the panel: one audit event with its facts and the names of the members present."""
    require(can_manage_school(actor, panel.school_id))
    members = list(members_present)
    _check(panel=panel, on=date, members=members)
    meeting = ReviewMeeting(
        panel=panel,
        date=date,
        place=place.strip(),
        decisions=decisions.strip(),
        dissent=dissent.strip(),
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    meeting.full_clean()
    meeting.save()
    meeting.members_present.set(members)
    changes = created_values(meeting) | {"members_present": [None, _present_names(members)]}
    audit_record(actor=actor, action=Action.CREATE, target=meeting, changes=changes)
    return meeting


@transaction.atomic
def meeting_update(
    *,
    actor,
    meeting: ReviewMeeting,
    date: date,
    place: str,
    members_present: list[ReviewPanelMember],
    decisions: str,
    dissent: str = "",
) -> dict:
    """Correct a recorded meeting; the event keeps what changed, the members present included. Returns the changes."""
    panel = meeting.panel
    require(can_manage_school(actor, panel.school_id))
    members = list(members_present)
    _check(panel=panel, on=date, members=members)
    stored = ReviewMeeting.objects.select_for_update().get(pk=meeting.pk)
    before = snapshot(stored) | {"members_present": _present_names(stored.members_present.all())}
    meeting.date, meeting.place = date, place.strip()
    meeting.decisions, meeting.dissent = decisions.strip(), dissent.strip()
    meeting.full_clean()
    changes = diff(before, snapshot(meeting) | {"members_present": _present_names(members)})
    if not changes:
        return changes
    meeting.save()
    meeting.members_present.set(members)
    audit_record(actor=actor, action=Action.UPDATE, target=meeting, changes=changes)
    return changes


def meeting_sheet_context(meeting: ReviewMeeting) -> dict:
    """What the 评议记录表 shows: the meeting's facts and one row per member, present or absent."""
    present = set(meeting.members_present.values_list("pk", flat=True))
    members = list(meeting.panel.members.all())
    return {
        "meeting": meeting,
        "panel": meeting.panel,
        "school": meeting.panel.school,
        "term": meeting.panel.term,
        "members": [(member, member.pk in present) for member in members],
        "present_count": sum(1 for member in members if member.pk in present),
        "recorded_by": meeting.recorded_by,
    }


def meeting_print(*, actor, meeting: ReviewMeeting) -> bytes:
    """The meeting's 评议记录表 as an A4 PDF; printing is an audit event (DESIGN.md §5)."""
    require(can_read_school_rosters(actor, meeting.panel.school))
    content = render_pdf("reviews/pdf/meeting.html", meeting_sheet_context(meeting))
    audit_record(actor=actor, action=Action.PRINT, target=meeting)
    return content
