"""Reads of the objections (异议): who may act on them, lists with deadlines, the public status look-up."""

from __future__ import annotations

from datetime import date

from django.db.models import BooleanField, Case, Count, Max, Min, Q, QuerySet, Value, When
from django.utils import timezone

from aidsys.scope import scope_for
from publicity.models import (
    NoticeEntry,
    NoticeKind,
    NoticeStatus,
    Objection,
    ObjectionNote,
    ObjectionReminder,
    ObjectionStatus,
    PublicNotice,
)
from reviews.models import SignoffStatus

# ---------------------------------------------------------------------------------------------
# Public pages


def accepts_public_objections(notice: PublicNotice, today: date | None = None) -> str:
    """Where the public form stands for a notice: "open" during its published period, "not_yet"
    (a draft, or published but not begun: not found), or "ended" (gone)."""
    today = today or timezone.localdate()
    if notice.status == NoticeStatus.DRAFT or today < notice.start_date:
        return "not_yet"
    if notice.status == NoticeStatus.CLOSED or today > notice.end_date:
        return "ended"
    return "open"


def public_entries(notice: PublicNotice) -> QuerySet[NoticeEntry]:
    """The lines an objector may name: those the notice shows, not the removed ones of a supplementary notice."""
    return notice.entries.exclude(change="removed").order_by("position")


def objection_by_tracking_number(number: str) -> Objection | None:
    return Objection.objects.filter(tracking_number=number.strip().upper()).first()


# ---------------------------------------------------------------------------------------------
# Staff pages


def family_of(notice: PublicNotice) -> list[PublicNotice]:
    """A notice with its supplementary notices (for an original), or the original's family (for a supplementary)."""
    original = notice if notice.kind == NoticeKind.ORIGINAL else notice.supplements
    return [original, *PublicNotice.objects.filter(supplements=original).order_by("pk")]


def open_objections(notice: PublicNotice) -> list[Objection]:
    """The open objections of a notice and of its supplementary notices: while any is open the notice stays open."""
    notices = [notice.pk, *PublicNotice.objects.filter(supplements=notice).values_list("pk", flat=True)]
    return list(
        Objection.objects.filter(notice__in=notices, status=ObjectionStatus.OPEN).order_by("deadline", "lodged_at")
    )


def with_overdue(rows: QuerySet[Objection], today: date | None = None) -> QuerySet[Objection]:
    """Mark each objection `overdue`: open past its deadline (Asia/Shanghai's today)."""
    today = today or timezone.localdate()
    return rows.annotate(
        overdue=Case(
            When(status=ObjectionStatus.OPEN, deadline__lt=today, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def objections(*, user, notices=None, filters: dict | None = None, today: date | None = None):
    """Objections in the user's scope, open ones first by deadline; filters: school, status (open, overdue,
    upheld, dismissed)."""
    filters = filters or {}
    today = today or timezone.localdate()
    rows = Objection.objects.visible_to(user).select_related(
        "notice__school", "notice__program", "notice__term__school_year", "entry"
    )
    scope = scope_for(user)
    if not scope.is_admin:
        # A class teacher belongs to the school but does not read its objections.
        rows = rows.filter(
            Q(notice__school_id__in=scope.school_ids) | Q(notice__school__county_id__in=scope.county_ids)
        )
    if notices is not None:
        rows = rows.filter(notice__in=notices)
    if filters.get("school"):
        rows = rows.filter(notice__school=filters["school"])
    status = filters.get("status")
    if status == "overdue":
        rows = rows.filter(status=ObjectionStatus.OPEN, deadline__lt=today)
    elif status:
        rows = rows.filter(status=status)
    rows = with_overdue(rows, today)
    return rows.order_by(
        Case(When(status=ObjectionStatus.OPEN, then=Value(0)), default=Value(1)), "deadline", "lodged_at", "pk"
    )


def objection_for_page(*, user, pk: int) -> Objection:
    return (
        with_overdue(Objection.objects.all())
        .select_related(
            "notice__school__county",
            "notice__program",
            "notice__term__school_year",
            "notice__supplements",
            "entry__application",
            "recorded_by",
            "decided_by",
        )
        .get_visible_or_404(user, pk=pk)
    )


def notes_of(objection: Objection) -> QuerySet[ObjectionNote]:
    return objection.notes.select_related("author").order_by("created_at", "pk")


def awaits_signature(notice: PublicNotice, signoff=None) -> bool:
    """Whether a draft supplementary notice waits for the principal to sign the changed roster: the
    roster's sign-off is not signed, or not since the version its notices last showed."""
    signoff = signoff or notice.signoff
    noticed = PublicNotice.objects.filter(
        pk__in=[member.pk for member in family_of(notice)],
        status__in=(NoticeStatus.PUBLISHED, NoticeStatus.CLOSED),
    ).aggregate(version=Max("signoff_version"))["version"]
    return signoff.status != SignoffStatus.SIGNED or signoff.version <= (noticed or 0)


def supplementary_notices(notice: PublicNotice) -> QuerySet[PublicNotice]:
    original = notice if notice.kind == NoticeKind.ORIGINAL else notice.supplements
    return PublicNotice.objects.filter(supplements=original).annotate(entry_count=Count("entries")).order_by("pk")


def open_summary(*, school_ids, today: date | None = None) -> dict:
    """How many objections are open at these schools, how many past their deadline, and when the oldest came."""
    today = today or timezone.localdate()
    return Objection.objects.filter(notice__school_id__in=school_ids, status=ObjectionStatus.OPEN).aggregate(
        count=Count("pk"),
        overdue=Count("pk", filter=Q(deadline__lt=today)),
        oldest=Min("lodged_at"),
        oldest_overdue=Min("lodged_at", filter=Q(deadline__lt=today)),
    )


def due_by_school(today: date) -> dict[int, list[Objection]]:
    """Open objections due today or overdue, by school: what the daily reminder names."""
    due: dict[int, list[Objection]] = {}
    rows = Objection.objects.filter(status=ObjectionStatus.OPEN, deadline__lte=today).select_related("notice__school")
    for objection in rows.order_by("deadline", "tracking_number"):
        due.setdefault(objection.notice.school_id, []).append(objection)
    return due


def unread_reminders(user) -> QuerySet[ObjectionReminder]:
    return ObjectionReminder.objects.filter(user=user, read_at__isnull=True)


def reminders(user) -> QuerySet[ObjectionReminder]:
    return ObjectionReminder.objects.filter(user=user).select_related("school").order_by("-day", "school__code")
