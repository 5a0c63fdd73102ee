"""Reads of the publicity app: who may act, notices and reports in scope, the county's overview."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from aidsys.scope import scope_for
from applications.models import Status
from publicity.models import (
    NoticeEntry,
    NoticeKind,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    PublicNotice,
    RosterReport,
)
from reviews.models import RosterSignoff, SignoffStatus

# ---------------------------------------------------------------------------------------------
# Notices


def phase(notice: PublicNotice, today: date | None = None) -> str:
    """Where a notice stands: draft, scheduled (published, not begun), running, ended, closed."""
    today = today or timezone.localdate()
    if notice.status == NoticeStatus.DRAFT:
        return "draft"
    if notice.status == NoticeStatus.CLOSED:
        return "closed"
    if today < notice.start_date:
        return "scheduled"
    return "running" if today <= notice.end_date else "ended"


def notice_for_page(*, user, pk: int) -> PublicNotice:
    return (
        PublicNotice.objects.select_related(
            "school__county", "program", "term__school_year", "signoff", "created_by", "published_by", "closed_by"
        )
        .prefetch_related(Prefetch("entries", queryset=NoticeEntry.objects.order_by("position")))
        .get_visible_or_404(user, pk=pk)
    )


def notices(*, user):
    rows = PublicNotice.objects.visible_to(user).select_related("school", "program", "term__school_year")
    return rows.annotate(entry_count=Count("entries")).order_by("-start_date", "-pk")


def awaiting_notice(signoffs):
    """The signed rosters among `signoffs` that are still to be noticed.

    A roster is noticed once: when its original notice has been published, a change and the
    principal's new signature go into a supplementary notice (补充公示), never a second original. A
    draft of an earlier signature does not count: the roster changed before it was shown.
    """
    originals = PublicNotice.objects.filter(signoff=OuterRef("pk"), kind=NoticeKind.ORIGINAL)
    shown = originals.filter(status__in=(NoticeStatus.PUBLISHED, NoticeStatus.CLOSED))
    drafted = originals.filter(signoff_version=OuterRef("version"))
    return signoffs.filter(status=SignoffStatus.SIGNED).exclude(Exists(shown)).exclude(Exists(drafted))


def rosters_awaiting_notice(*, user):
    """Signed rosters of the schools the user manages that have not been noticed (`awaiting_notice`)."""
    scope = scope_for(user)
    signoffs = RosterSignoff.objects.all()
    if not scope.is_admin:
        signoffs = signoffs.filter(school_id__in=scope.aid_office_school_ids)
    return (
        awaiting_notice(signoffs)
        .select_related("school", "program", "term__school_year")
        .order_by("school__code", "program__code", "-term__start")
    )


def contact_defaults(*, school) -> dict:
    """The office and phone for objections of the school's last notice: they rarely change.

    A school's first notice suggests the office only: a phone posted on a public board is typed on purpose.
    """
    last = PublicNotice.objects.filter(school=school).order_by("-created_at", "-pk").first()
    if last is None:
        return {"contact_office": _("Student aid office of {school}").format(school=school.name)}
    return {"contact_office": last.contact_office, "contact_phone": last.contact_phone}


def public_notice(*, token: str) -> PublicNotice | None:
    return (
        PublicNotice.objects.select_related("school", "program", "term__school_year")
        .prefetch_related(Prefetch("entries", queryset=NoticeEntry.objects.order_by("position")))
        .filter(token=token)
        .first()
    )


def objection_counts(*, notice: PublicNotice, today: date | None = None) -> dict:
    """How many of the notice's objections are open, decided, and open past their deadline."""
    today = today or timezone.localdate()
    is_open = Q(status=ObjectionStatus.OPEN)
    return Objection.objects.filter(notice=notice).aggregate(
        open=Count("pk", filter=is_open),
        closed=Count("pk", filter=~is_open),
        overdue=Count("pk", filter=is_open & Q(deadline__lt=today)),
    )


def open_objections(*, notices) -> list[Objection]:
    return list(Objection.objects.filter(notice__in=notices, status=ObjectionStatus.OPEN).order_by("tracking_number"))


def county_notices(*, user, filters: dict | None = None, today: date | None = None):
    """Every notice of the user's county (all counties for the admin), with its objections counted.

    One query, whatever the number of schools and objections.
    """
    filters = filters or {}
    today = today or timezone.localdate()
    rows = PublicNotice.objects.visible_to(user).select_related("school", "program", "term__school_year")
    if filters.get("school"):
        rows = rows.filter(school=filters["school"])
    if filters.get("program"):
        rows = rows.filter(program=filters["program"])
    if filters.get("term"):
        rows = rows.filter(term=filters["term"])
    status = filters.get("status")
    if status == "running":
        rows = rows.filter(status=NoticeStatus.PUBLISHED, start_date__lte=today, end_date__gte=today)
    elif status == "ended":
        rows = rows.filter(status=NoticeStatus.PUBLISHED, end_date__lt=today)
    elif status == "scheduled":
        rows = rows.filter(status=NoticeStatus.PUBLISHED, start_date__gt=today)
    elif status:
        rows = rows.filter(status=status)
    is_open = Q(objections__status=ObjectionStatus.OPEN)
    # The entries are counted in a subquery: joined beside the objections they would multiply them.
    entry_count = NoticeEntry.objects.filter(notice=OuterRef("pk")).order_by().values("notice").annotate(n=Count("pk"))
    return rows.annotate(
        entry_count=Coalesce(Subquery(entry_count.values("n")), 0),
        objections_open=Count("objections", filter=is_open),
        objections_closed=Count("objections", filter=~Q(objections__status=ObjectionStatus.OPEN)),
        objections_overdue=Count("objections", filter=is_open & Q(objections__deadline__lt=today)),
    ).order_by("school__code", "-start_date", "-pk")


# ---------------------------------------------------------------------------------------------
# Reports to the county


def reports(*, user, filters: dict | None = None):
    filters = filters or {}
    rows = RosterReport.objects.visible_to(user).select_related(
        "school", "program", "term__school_year", "notice", "reported_by", "decided_by"
    )
    for name in ("school", "program", "term"):
        if filters.get(name):
            rows = rows.filter(**{name: filters[name]})
    if filters.get("status"):
        rows = rows.filter(status=filters["status"])
    return rows.order_by("-reported_at", "-pk")


def report_for_page(*, user, pk: int) -> RosterReport:
    return RosterReport.objects.select_related(
        "school__county", "program", "term__school_year", "notice", "reported_by", "decided_by"
    ).get_visible_or_404(user, pk=pk)


def report_of(*, notice: PublicNotice) -> RosterReport | None:
    return (
        RosterReport.objects.filter(school=notice.school_id, program=notice.program_id, term=notice.term_id)
        .select_related("decided_by")
        .first()
    )


# ---------------------------------------------------------------------------------------------
# The noticed roster


def effective_entries(notices: list[PublicNotice]) -> list[NoticeEntry]:
    """The roster as noticed in the end: the original's lines with the supplementary notices' changes.

    Lines are keyed by their application; a removed line drops out, a changed or added one wins.
    """
    by_application: dict[int, NoticeEntry] = {}
    ordered = sorted(notices, key=lambda n: (n.kind != NoticeKind.ORIGINAL, n.pk))
    entries = (
        NoticeEntry.objects.filter(notice__in=[n.pk for n in notices])
        .select_related("application__student__school", "application__school_class")
        .order_by("position")
    )
    per_notice: dict[int, list[NoticeEntry]] = {}
    for entry in entries:
        per_notice.setdefault(entry.notice_id, []).append(entry)
    for notice in ordered:
        for entry in per_notice.get(notice.pk, []):
            if entry.change == "removed":
                by_application.pop(entry.application_id, None)
            else:
                by_application[entry.application_id] = entry
    return list(by_application.values())


def confirmed_entries(notices: list[PublicNotice]) -> list[NoticeEntry]:
    """The lines a closing confirms and reports: the noticed roster's (`effective_entries`) whose award is
    still approved. The closing is refused while the roster has changes not noticed; this keeps a revoked
    award out of the registry and the report whatever the order of events."""
    return [entry for entry in effective_entries(notices) if entry.application.status == Status.APPROVED]
