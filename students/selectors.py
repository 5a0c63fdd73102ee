"""Reads of the registry. Each starts from `Student.objects.visible_to(user)`."""

import re

from django.db.models import Exists, OuterRef, Prefetch, Q

from aidsys.scope import scope_for
from students.models import ON_ROLL, HomeVisit, Identification, SpecialGroupFlag, Student

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
    """Students in scope for a class or a school, with what the roster shows, in a fixed number of queries."""
    filters = filters or {}
    students = Student.objects.visible_to(user).filter(status__in=ON_ROLL)
    if school_class is not None:
        students = students.filter(school_class=school_class)
    if school is not None:
        students = students.filter(school=school)
    visited = HomeVisit.objects.filter(student=OuterRef("pk"), school_year=school_year)
    students = students.annotate(visited_this_year=Exists(visited))
    if filters.get("q"):
        students = students.filter(search_condition(filters["q"]))
    if filters.get("tier"):
        students = students.filter(identifications__school_year=school_year, identifications__tier=filters["tier"])
    if filters.get("special_group"):
        students = students.filter(household__special_groups__group=filters["special_group"])
    if filters.get("boarder") in ("yes", "no"):
        students = students.filter(boarder=filters["boarder"] == "yes")
    if filters.get("hukou"):
        students = students.filter(hukou=filters["hukou"])
    if filters.get("visit") in ("yes", "no"):
        students = students.filter(visited_this_year=filters["visit"] == "yes")
    return (
        students.select_related("school_class", "household")
        .prefetch_related(
            Prefetch("household__special_groups", queryset=SpecialGroupFlag.objects.order_by("group")),
            Prefetch(
                "identifications",
                queryset=Identification.objects.filter(school_year=school_year),
                to_attr="identifications_this_year",
            ),
        )
        .distinct()
        .order_by("school_class__grade", "school_class__number", "name_pinyin")
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


def may_edit_student(user, student: Student) -> bool:
    """The class teacher of the student's class and the school's aid office keep the registry up to date."""
    scope = scope_for(user)
    return scope.manages_school(student.school_id) or student.school_class_id in scope.class_ids
