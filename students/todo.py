"""What the registry puts on a class teacher's 待办: students with no home visit this school year."""

from django.db.models import Exists, F, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _

from aidsys.models import Role, SchoolClass
from aidsys.scope import scope_for
from aidsys.todo import TodoItem
from students.models import ON_ROLL, HomeVisit, Student


def visits_to_make(user) -> list[TodoItem]:
    scope = scope_for(user)
    if not scope.class_ids:
        return []
    this_year = F("school__current_term__school_year")
    visited = HomeVisit.objects.filter(
        student=OuterRef("pk"), school_year=OuterRef("school__current_term__school_year")
    )
    waiting = (
        Student.objects.filter(school_class__in=scope.class_ids, school_class__school_year=this_year)
        .filter(status__in=ON_ROLL)
        .exclude(Exists(visited))
        .values("school_class")
    )
    counts: dict[int, int] = {}
    for row in waiting:
        counts[row["school_class"]] = counts.get(row["school_class"], 0) + 1
    names = {c.pk: c for c in SchoolClass.objects.filter(pk__in=counts)}
    return [
        TodoItem(
            role=Role.CLASS_TEACHER,
            title=_("{school_class}: students without a home visit this school year").format(
                school_class=names[pk].name
            ),
            count=count,
            url=reverse("students:class_roster", args=[pk]) + "?visit=no",
        )
        for pk, count in sorted(counts.items())
    ]
