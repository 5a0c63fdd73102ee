"""What the notices put on the 待办: rosters to notice and notices to close (aid office), reports to decide (county).

Each provider reads the user's own roles: an administrator, who sees everything, is not everybody's to-do.
"""

from datetime import datetime, time, timedelta

from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aidsys.models import Role
from aidsys.scope import scope_for
from aidsys.todo import TodoItem, waiting_items
from publicity.models import NoticeKind, NoticeStatus, PublicNotice, ReportStatus, RosterReport
from publicity.selectors.notices import awaiting_notice
from publicity.selectors.objections import open_summary, unread_reminders
from publicity.services.supplementary import originals_with_unnoticed_changes
from reviews.models import RosterSignoff


def aid_office_notices_todo(user) -> list[TodoItem]:
    schools = scope_for(user).aid_office_school_ids
    if not schools:
        return []
    items = waiting_items(
        awaiting_notice(RosterSignoff.objects.filter(school_id__in=schools)),
        role=Role.AID_OFFICE,
        title=_("Signed rosters waiting for their public notice"),
        url=reverse("publicity:notice_index"),
        since="decided_at",
    )
    ended = PublicNotice.objects.filter(
        school_id__in=schools,
        kind=NoticeKind.ORIGINAL,
        status=NoticeStatus.PUBLISHED,
        end_date__lt=timezone.localdate(),
    ).aggregate(count=Count("pk"), ended=Min("end_date"))
    if ended["count"]:
        # It waits from the day after its period ended, when it could first be closed, not from its publication.
        ended["oldest"] = timezone.make_aware(datetime.combine(ended["ended"] + timedelta(days=1), time.min))
        items.append(
            TodoItem(
                role=Role.AID_OFFICE,
                title=_("Notices whose period has ended: close them and report to the county"),
                count=ended["count"],
                url=reverse("publicity:notice_index"),
                oldest=ended["oldest"],
            )
        )
    return items


def aid_office_unnoticed_changes_todo(user) -> list[TodoItem]:
    """Rosters changed after their notice (a revocation, a replacement, a changed tier) without a supplementary
    notice published: the notice cannot close, nor be reported again, until the change is noticed."""
    schools = scope_for(user).aid_office_school_ids
    if not schools:
        return []
    changed = originals_with_unnoticed_changes(school_ids=schools)
    if not changed:
        return []
    if len(changed) == 1:
        url = reverse("publicity:objection_notice", args=[changed[0].pk])
    else:
        url = reverse("publicity:notice_index")
    return [
        TodoItem(
            role=Role.AID_OFFICE,
            title=_("The roster changed after its notice: a supplementary notice is needed"),
            count=len(changed),
            url=url,
            late=False,
        )
    ]


def county_reports_todo(user) -> list[TodoItem]:
    counties = scope_for(user).county_ids
    if not counties:
        return []
    return waiting_items(
        RosterReport.objects.filter(school__county_id__in=counties, status=ReportStatus.REPORTED),
        role=Role.COUNTY_STAFF,
        title=_("Reported rosters awaiting your approval"),
        url=reverse("publicity:report_list") + f"?status={ReportStatus.REPORTED}",
        since="reported_at",
    )


def aid_office_objections_todo(user) -> list[TodoItem]:
    """The aid office's open objections, marked late when any is past its deadline."""
    schools = scope_for(user).aid_office_school_ids
    if not schools:
        return []
    summary = open_summary(school_ids=schools)
    if not summary["count"]:
        return []
    return [
        TodoItem(
            role=Role.AID_OFFICE,
            title=_("Objections to answer"),
            count=summary["count"],
            url=reverse("publicity:objection_list") + "?status=open",
            oldest=summary["oldest"],
            late=bool(summary["overdue"]),
        )
    ]


def principal_objections_todo(user) -> list[TodoItem]:
    """The principal sees the school's objections past their deadline."""
    schools = scope_for(user).principal_school_ids
    if not schools:
        return []
    summary = open_summary(school_ids=schools)
    if not summary["overdue"]:
        return []
    return [
        TodoItem(
            role=Role.PRINCIPAL,
            title=_("Objections past their deadline"),
            count=summary["overdue"],
            url=reverse("publicity:objection_list") + "?status=overdue",
            oldest=summary["oldest_overdue"],
            late=True,
        )
    ]


def objection_reminders_todo(user) -> list[TodoItem]:
    """The daily reminders the user has not read yet (publicity.tasks)."""
    unread = unread_reminders(user).aggregate(count=Count("pk"), oldest=Min("created_at"))
    if not unread["count"]:
        return []
    scope = scope_for(user)
    role = Role.AID_OFFICE if scope.aid_office_school_ids else Role.PRINCIPAL
    return [
        TodoItem(
            role=role,
            title=_("Unread reminders about objections"),
            count=unread["count"],
            url=reverse("publicity:objection_reminders"),
            oldest=unread["oldest"],
            late=False,
        )
    ]
