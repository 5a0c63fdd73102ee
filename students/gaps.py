"""应助尽助: students whose household is on an official list and who have no approved aid this school year.

The registry cannot know what aid is approved (a later stage decides it): later stages register a lookup
that says which students have approved aid, and the gaps are the students on a list that none names.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from aidsys.models import County, School, SchoolYear
from students.models import ON_ROLL, SpecialGroupFlag, Student

AidLookup = Callable[[SchoolYear], QuerySet]
_aid_lookups: list[AidLookup] = []


def register_aid_lookup(lookup: AidLookup) -> AidLookup:
    """A later stage says what approved aid is: lookup(school_year) -> a queryset of its rows with a `student_id`.

    The gaps keep a student for whom none of these querysets has a row (an anti-join in the database: the
    county's students are read once and no list of ids is written into the query). Registered from an
    AppConfig.ready(); usable as a decorator.
    """
    if lookup not in _aid_lookups:
        _aid_lookups.append(lookup)
    return lookup


def unregister_aid_lookup(lookup: AidLookup) -> None:
    if lookup in _aid_lookups:
        _aid_lookups.remove(lookup)


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
    for lookup in _aid_lookups:
        students = students.filter(~Exists(lookup(school_year).filter(student_id=OuterRef("pk"))))
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
