"""Reads of the registry. Each starts from the user's scope (`Student.objects.visible_to(user)`)."""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from aidsys.models import AuditEvent, SchoolYear, Term
from aidsys.scope import scope_for
from students.models import (
    ON_ROLL,
    HomeVisit,
    Household,
    HouseholdMember,
    Identification,
    OfficialList,
    OfficialListEntry,
    SpecialGroupFlag,
    Student,
)

_ID_TAIL = re.compile(r"^[0-9]{3,5}[0-9Xx]$")
_LETTERS = re.compile(r"^[A-Za-z]+$")


def search_condition(query: str) -> Q:
    """A name, pinyin initials (wxm finds 王小明) or the last 4–6 characters of the 身份证号."""
    query = query.strip()
    if not query:
        return Q()
    if _ID_TAIL.match(query):
        return Q(id_number__endswith=query.upper())
    if _LETTERS.match(query):
        letters = query.lower()
        return Q(name_initials__startswith=letters) | Q(name_pinyin__startswith=letters)
    return Q(name__contains=query)


def roster(*, user, school_year, school_class=None, school=None, filters: dict | None = None):
    """Students in scope for a class or a school, with what the roster shows, filtered and ordered in the
    database: a page of them (aidsys.pagination) costs the same few queries however large the school."""
    filters = filters or {}
    students = Student.objects.visible_to(user).filter(status__in=ON_ROLL)
    if school_class is not None:
        students = students.filter(school_class=school_class)
    if school is not None:
        students = students.filter(school=school)
    visited = HomeVisit.objects.filter(student=OuterRef("pk"), school_year=school_year)
    if filters.get("q"):
        students = students.filter(search_condition(filters["q"]))
    # Conditions on related rows are subqueries: a join would repeat a student and need DISTINCT,
    # which the database then pays for on every page and on the count.
    if filters.get("tier"):
        identified = Identification.objects.filter(student=OuterRef("pk"), school_year=school_year)
        students = students.filter(Exists(identified.filter(tier=filters["tier"])))
    if filters.get("special_group"):
        flagged = SpecialGroupFlag.objects.filter(household=OuterRef("household"), group=filters["special_group"])
        students = students.filter(Exists(flagged))
    if filters.get("boarder") in ("yes", "no"):
        students = students.filter(boarder=filters["boarder"] == "yes")
    if filters.get("hukou"):
        students = students.filter(hukou=filters["hukou"])
    if filters.get("visit") == "yes":
        students = students.filter(Exists(visited))
    elif filters.get("visit") == "no":
        students = students.filter(~Exists(visited))
    return (
        students.select_related("school_class", "household")
        .prefetch_related(
            Prefetch("household__special_groups", queryset=SpecialGroupFlag.objects.order_by("group")),
            Prefetch(
                "identifications",
                queryset=Identification.objects.filter(school_year=school_year),
                to_attr="identifications_this_year",
            ),
            # Fetched for the page's students only: as an annotation the database would work it out
            # for every student the page skips too (OFFSET), which on the last page is the whole school.
            Prefetch(
                "visits",
                queryset=HomeVisit.objects.filter(school_year=school_year).only("pk", "student_id"),
                to_attr="visits_this_year",
            ),
        )
        .order_by("school_class__grade", "school_class__number", "name_pinyin", "pk")
    )


def student_for_page(*, user, pk: int) -> Student:
    return (
        Student.objects.select_related("school", "school_class__class_teacher", "household")
        .prefetch_related(
            "household__members__student",
            Prefetch("household__special_groups", queryset=SpecialGroupFlag.objects.order_by("group")),
            "household__students__school_class",
            Prefetch("visits", queryset=HomeVisit.objects.select_related("visitor").prefetch_related("photos")),
            Prefetch("identifications", queryset=Identification.objects.select_related("school_year")),
        )
        .get_visible_or_404(user, pk=pk)
    )


# ---------------------------------------------------------------------------------------------
# Official lists
#
# A list is seen whole in its own scope: a school's by the school, a county's by the county. A
# county's list is also seen by each school whose students it names, through those rows alone
# (`shared`): its other schools' matches and the rows that matched nobody are not the school's.

_MATCHED = Q(entries__matched_student__isnull=False) | Q(entries__matched_member__isnull=False)


def _entries_naming_students_of(user):
    """Entries that matched a student the user may see, or a member of such a student's household."""
    students = Student.objects.visible_to(user)
    return OfficialListEntry.objects.filter(
        Q(matched_student__in=students.values("pk")) | Q(matched_member__household__in=students.values("household"))
    )


def official_lists(*, user):
    """The lists the user sees, newest first, each with its rows, how many matched, and whether it is shared.

    For a shared list the counts are those of the whole list: `with_counts_in_reach` gives the user's own.
    """
    own = OfficialList.objects.visible_to(user).values("pk")
    # A county's list names students of its county (matching looks no further), so a list shared with the user
    # is a county list of one of the user's counties: the search stays there, whatever else a province holds.
    shared = (
        _entries_naming_students_of(user)
        .filter(official_list__school__isnull=True, official_list__county__in=scope_for(user).member_county_ids)
        .exclude(official_list__in=own)
        .values("official_list")
    )
    return (
        OfficialList.objects.filter(Q(pk__in=own) | Q(pk__in=shared))
        .select_related("county", "school", "uploaded_by")
        .annotate(
            shared=ExpressionWrapper(~Q(pk__in=own), output_field=BooleanField()),
            row_count=Count("entries__row_number", distinct=True),
            matched_count=Count("entries__row_number", filter=_MATCHED, distinct=True),
        )
        .order_by("-uploaded_at", "-pk")
    )


def with_counts_in_reach(lists: Iterable[OfficialList], *, user) -> list[OfficialList]:
    """The lists (one page of `official_lists`); a shared one counts only the rows naming the user's students."""
    lists = list(lists)
    shared = [official_list.pk for official_list in lists if official_list.shared]
    if shared:
        counts = dict(
            _entries_naming_students_of(user)
            .filter(official_list__in=shared)
            .order_by()
            .values("official_list")
            .annotate(rows=Count("row_number", distinct=True))
            .values_list("official_list", "rows")
        )
        for official_list in lists:
            if official_list.shared:
                official_list.row_count = None
                official_list.matched_count = counts.get(official_list.pk, 0)
    return lists


def official_list_for_page(*, user, pk: int) -> OfficialList:
    found = with_counts_in_reach(official_lists(user=user).filter(pk=pk), user=user)
    if not found:
        raise Http404
    return found[0]


def _visible_students(user):
    return Student.objects.visible_to(user).filter(status__in=ON_ROLL).select_related("school_class")


def matched_entries(*, user, official_list: OfficialList):
    """The list's matched rows (of a shared list, those naming the user's students), with the students they reach."""
    entries = official_list.entries.filter(Q(matched_student__isnull=False) | Q(matched_member__isnull=False))
    if official_list.shared:
        entries = entries.filter(pk__in=_entries_naming_students_of(user).values("pk"))
    return (
        entries.select_related(
            "matched_student__school_class", "matched_student__household", "matched_member__household"
        )
        .prefetch_related(
            "matched_student__household__special_groups",
            "matched_member__household__special_groups",
            Prefetch("matched_member__household__students", queryset=_visible_students(user), to_attr="visible"),
        )
        .order_by("row_number", "pk")
    )


@dataclass(frozen=True)
class MatchedRow:
    entry: OfficialListEntry
    students: list[Student]
    member: HouseholdMember | None
    # The flag for this group now comes from another (newer) list: that list's name and date.
    superseded_by: SpecialGroupFlag | None


def matched_rows(entries: Iterable[OfficialListEntry], *, user) -> list[MatchedRow]:
    """Rows for the result page from `matched_entries` (one page of them)."""
    entries = list(entries)
    student_ids = [entry.matched_student_id for entry in entries if entry.matched_student_id]
    visible_ids = set(Student.objects.visible_to(user).filter(pk__in=student_ids).values_list("pk", flat=True))
    rows = []
    for entry in entries:
        if entry.matched_student is not None:
            household = entry.matched_student.household
            students = [entry.matched_student] if entry.matched_student_id in visible_ids else []
        else:
            household = entry.matched_member.household
            students = household.visible
        flag = next((f for f in household.special_groups.all() if f.group == entry.group), None)
        superseded = flag if flag is not None and flag.official_list_id != entry.official_list_id else None
        rows.append(MatchedRow(entry=entry, students=students, member=entry.matched_member, superseded_by=superseded))
    return rows


def unmatched_entries(*, official_list: OfficialList):
    """The rows that matched nobody; none of a shared list's are the user's to see."""
    if getattr(official_list, "shared", False):
        return official_list.entries.none()
    return official_list.entries.filter(matched_student__isnull=True, matched_member__isnull=True).order_by(
        "row_number", "pk"
    )


def rejected_rows(*, official_list: OfficialList) -> list[dict]:
    """The rows that could not be read, as the upload's audit event recorded them (none for a shared list)."""
    if getattr(official_list, "shared", False):
        return []
    event = AuditEvent.objects.for_object(official_list).filter(action=AuditEvent.Action.CREATE).order_by("pk").first()
    if event is None:
        return []
    return (event.changes.get("rejected_rows") or [None, []])[1] or []


def school_year_for(official_list: OfficialList) -> SchoolYear | None:
    """The school year the list's gaps are counted in: the school's current one, else today's."""
    term = (official_list.school.current_term if official_list.school else None) or Term.current()
    return term.school_year if term else None


def student_history(student: Student) -> QuerySet[AuditEvent]:
    """操作记录 of a student's page, newest first: the student, the household, its members and
    special groups (those since removed too), the student's home visits and identified tiers.
    Takes the members, groups, visits and identifications as `student_for_page` fetched them; the page
    shows one page of the events (templates/aidsys/_history.html)."""
    household = student.household
    types = ContentType.objects.get_for_models(
        Student, Household, HouseholdMember, SpecialGroupFlag, HomeVisit, Identification
    )

    def of(model, ids) -> Q:
        return Q(content_type=types[model], object_id__in=[str(pk) for pk in ids])

    # Members and groups since removed: their deletion events name the household.
    removed = {types[HouseholdMember].pk: [], types[SpecialGroupFlag].pk: []}
    deletions = AuditEvent.objects.filter(
        school_id=student.school_id,
        content_type__in=list(removed),
        action=AuditEvent.Action.DELETE,
        changes__household__0__id=household.pk,
    )
    for content_type_id, object_id in deletions.values_list("content_type_id", "object_id"):
        removed[content_type_id].append(object_id)
    wanted = (
        of(Student, [student.pk])
        | of(Household, [household.pk])
        | of(HouseholdMember, [m.pk for m in household.members.all()] + removed[types[HouseholdMember].pk])
        | of(SpecialGroupFlag, [f.pk for f in household.special_groups.all()] + removed[types[SpecialGroupFlag].pk])
        | of(HomeVisit, [v.pk for v in student.visits.all()])
        | of(Identification, [i.pk for i in student.identifications.all()])
    )
    return AuditEvent.objects.filter(wanted).select_related("content_type").order_by("-pk")


def student_by_id_number(*, user, id_number: str) -> Student | None:
    """The student in the user's scope with this 身份证号, or None."""
    return Student.objects.visible_to(user).select_related("school_class").filter(id_number=id_number).first()
