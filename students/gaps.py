"""应助尽助: students whose household is on an official list and who have no approved aid this school year.

The registry cannot know what aid is approved (a later stage decides it): later stages register a lookup
that says which students have approved aid, and the gaps are the students on a list that none names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db.models import Exists, OuterRef, Prefetch

from aidsys.models import County, School, SchoolYear
from students.models import ON_ROLL, SpecialGroupFlag, Student

AidLookup = Callable[[Iterable[int], SchoolYear], set[int]]
_aid_lookups: list[AidLookup] = []


def register_aid_lookup(lookup: AidLookup) -> AidLookup:
    """A later stage says which students have approved aid: lookup(student_ids, school_year) -> ids with aid.

    `student_ids` is a lazy queryset of ids: use it in an `__in` lookup. Registered from an
    AppConfig.ready(); usable as a decorator.
    """
    if lookup not in _aid_lookups:
        _aid_lookups.append(lookup)
    return lookup


def unregister_aid_lookup(lookup: AidLookup) -> None:
    if lookup in _aid_lookups:
        _aid_lookups.remove(lookup)


def students_with_approved_aid(student_ids, school_year: SchoolYear) -> set[int]:
    with_aid: set[int] = set()
    for lookup in _aid_lookups:
        with_aid |= set(lookup(student_ids, school_year))
    return with_aid


def aid_gaps(*, user, school_year: SchoolYear, school: School | None = None, county: County | None = None):
    """Students in scope whose household is on an official list and who have no approved aid this school year."""
    official = SpecialGroupFlag.objects.filter(
        household=OuterRef("household"), source=SpecialGroupFlag.Source.OFFICIAL_LIST
    )
    students = Student.objects.visible_to(user).filter(Exists(official), status__in=ON_ROLL)
    if school is not None:
        students = students.filter(school=school)
    if county is not None:
        students = students.filter(school__county=county)
    with_aid = students_with_approved_aid(students.values_list("pk", flat=True), school_year)
    if with_aid:
        students = students.exclude(pk__in=with_aid)
    return (
        students.select_related("school", "school_class", "household")
        .prefetch_related(
            Prefetch(
                "household__special_groups",
                queryset=SpecialGroupFlag.objects.filter(source=SpecialGroupFlag.Source.OFFICIAL_LIST).order_by(
                    "group"
                ),
                to_attr="official_flags",
            )
        )
        .order_by("school__code", "school_class__grade", "school_class__number", "name_pinyin")
    )
