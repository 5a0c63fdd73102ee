"""What the reviews put on each role's 待办, with counts and the age of the oldest item.

Class teacher: applications to first-review, sent back by the aid office; anyone who filed:
applications returned to them. Aid office: rosters with recommended applications waiting, rosters
the principal returned. Principal: rosters to sign. Each provider reads the user's own roles (an
administrator, who sees everything, is not everybody's to-do).
"""

from django.db.models import Count, Min
from django.urls import reverse
from django.utils.translation import gettext as _

from aidsys.models import Role, SchoolClass, Term
from aidsys.scope import scope_for
from aidsys.todo import TodoItem
from applications.models import AidProgram, Application, Status
from reviews.models import RosterSignoff, SignoffStatus


def first_review_todo(user) -> list[TodoItem]:
    scope = scope_for(user)
    items = []
    if scope.class_ids:
        rows = (
            Application.objects.filter(
                school_class__in=scope.class_ids, status__in=(Status.SUBMITTED, Status.SENT_BACK)
            )
            .order_by()
            .values("school_class", "status")
            .annotate(count=Count("pk"), submitted=Min("submitted_at"), sent_back=Min("decided_at"))
        )
        rows = list(rows)
        classes = SchoolClass.objects.in_bulk({row["school_class"] for row in rows})
        for row in sorted(rows, key=lambda r: (r["school_class"], r["status"])):
            name = classes[row["school_class"]].name
            if row["status"] == Status.SUBMITTED:
                title = _("{school_class}: applications awaiting your first review").format(school_class=name)
                oldest = row["submitted"]
            else:
                title = _("{school_class}: applications sent back by the aid office").format(school_class=name)
                oldest = row["sent_back"]
            items.append(
                TodoItem(
                    role=Role.CLASS_TEACHER,
                    title=title,
                    count=row["count"],
                    url=reverse("reviews:first_review_list", args=[row["school_class"]]),
                    oldest=oldest,
                )
            )
    returned = (
        Application.objects.visible_to(user)
        .filter(filed_by=user, status=Status.RETURNED)
        .aggregate(count=Count("pk"), oldest=Min("first_reviewed_at"))
    )
    if returned["count"]:
        items.append(
            TodoItem(
                role=Role.CLASS_TEACHER if scope.class_ids else Role.AID_OFFICE,
                title=_("Applications returned to you for completion"),
                count=returned["count"],
                url=reverse("reviews:returned_to_me"),
                oldest=returned["oldest"],
            )
        )
    return items


def _names(rows):
    programs = AidProgram.objects.in_bulk({row["program"] for row in rows})
    terms = Term.objects.select_related("school_year").in_bulk({row["term"] for row in rows})
    return programs, terms


def second_review_todo(user) -> list[TodoItem]:
    schools = scope_for(user).aid_office_school_ids
    if not schools:
        return []
    rows = list(
        # Not recommended by the class teacher awaits the school's decision too.
        Application.objects.filter(school__in=schools, status__in=(Status.RECOMMENDED, Status.NOT_RECOMMENDED))
        .order_by()
        .values("school", "program", "term")
        .annotate(count=Count("pk"), classes=Count("school_class", distinct=True), oldest=Min("first_reviewed_at"))
    )
    returned = list(
        RosterSignoff.objects.filter(school__in=schools, status=SignoffStatus.RETURNED).values(
            "school", "program", "term", "decided_at"
        )
    )
    programs, terms = _names(rows + returned)
    items = [
        TodoItem(
            role=Role.AID_OFFICE,
            title=_("{program} ({term}): applications awaiting second review in {classes} classes").format(
                program=programs[row["program"]], term=terms[row["term"]], classes=row["classes"]
            ),
            count=row["count"],
            url=reverse("reviews:roster", args=[row["school"], row["program"], row["term"]]),
            oldest=row["oldest"],
        )
        for row in rows
    ]
    items += [
        TodoItem(
            role=Role.AID_OFFICE,
            title=_("{program} ({term}): roster returned by the principal").format(
                program=programs[row["program"]], term=terms[row["term"]]
            ),
            count=1,
            url=reverse("reviews:roster", args=[row["school"], row["program"], row["term"]]),
            oldest=row["decided_at"],
        )
        for row in returned
    ]
    return items


def signoff_todo(user) -> list[TodoItem]:
    schools = scope_for(user).principal_school_ids
    if not schools:
        return []
    pending = list(
        RosterSignoff.objects.filter(school__in=schools, status=SignoffStatus.PENDING).values(
            "school", "program", "term", "submitted_at"
        )
    )
    programs, terms = _names(pending)
    return [
        TodoItem(
            role=Role.PRINCIPAL,
            title=_("{program} ({term}): roster awaiting your sign-off").format(
                program=programs[row["program"]], term=terms[row["term"]]
            ),
            count=1,
            url=reverse("reviews:signoff", args=[row["school"], row["program"], row["term"]]),
            oldest=row["submitted_at"],
        )
        for row in pending
    ]
