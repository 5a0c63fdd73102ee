"""Where the reviews start for each role: the classes to first-review, the schools' rosters."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from aidsys.models import School, SchoolClass
from aidsys.scope import can_read_some_school_rosters, scope_for
from applications.models import Application
from reviews.models import RosterSignoff, SignoffStatus
from reviews.selectors import AT_FIRST_REVIEW, AWAITING_SCHOOL


def _counts(queryset, key: str) -> dict[int, int]:
    return dict(queryset.order_by().values(key).annotate(n=Count("pk")).values_list(key, "n"))


@require_GET
@login_required
def index(request):
    scope = scope_for(request.user)
    classes = []
    if scope.class_ids:
        waiting = _counts(
            Application.objects.filter(school_class__in=scope.class_ids, status__in=AT_FIRST_REVIEW), "school_class"
        )
        classes = [
            (school_class, waiting.get(school_class.pk, 0))
            for school_class in SchoolClass.objects.filter(pk__in=scope.class_ids).select_related(
                "school", "school_year"
            )
        ]
    schools = []
    if can_read_some_school_rosters(request.user):
        found = School.objects.visible_to(request.user)
        if not scope.is_admin:
            found = found.filter(Q(pk__in=scope.school_ids) | Q(county__in=scope.county_ids))
        found = list(found)
        recommended = _counts(Application.objects.filter(school__in=found, status__in=AWAITING_SCHOOL), "school")
        pending = _counts(RosterSignoff.objects.filter(school__in=found, status=SignoffStatus.PENDING), "school")
        schools = [(school, recommended.get(school.pk, 0), pending.get(school.pk, 0)) for school in found]
    return render(request, "reviews/index.html", {"classes": classes, "schools": schools})


urlpatterns = [path("reviews/", index, name="index")]
