"""The dashboards: a county's schools, a school's programs and classes, a class.

Each chart is drawn by static/js/dashboards.js from a json_script of the figures that the table
beside it shows; the table is the content (screen readers, print), the chart a picture of it.
Their figures may be read from a replica (aidsys/replica.py), once the user is known.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from aidsys.models import County, School, SchoolClass, Term
from aidsys.replica import reading_from_replica
from aidsys.scope import can_act_for_county, can_read_school_rosters
from reports.selectors import dashboards as selectors

# The progress table's rows per page: a county of 100 schools reads in four pages.
PROGRESS_PER_PAGE = 25


def _bar(labels, datasets, *, horizontal=False, unit="") -> dict:
    return {
        "type": "bar",
        "horizontal": horizontal,
        "unit": unit,
        "labels": [str(label) for label in labels],
        "datasets": [{"label": str(label), "data": [float(value) for value in data]} for label, data in datasets],
    }


def _coverage_chart(rows) -> dict:
    return _bar(
        [row.unit for row in rows], [(_("Coverage (%)"), [row.percent for row in rows])], horizontal=True, unit="%"
    )


def _funds_chart(rows) -> dict:
    return _bar(
        [row.label for row in rows],
        [(_("Received (yuan)"), [row.received for row in rows]), (_("Paid (yuan)"), [row.paid for row in rows])],
    )


def _months_chart(rows) -> dict:
    return _bar([f"{row.month:%Y-%m}" for row in rows], [(_("Paid (yuan)"), [row.amount for row in rows])])


def _terms():
    return Term.objects.select_related("school_year").order_by("-start")


def _common(request, data: dict, term: Term) -> dict:
    return {
        "term": term,
        "terms": _terms(),
        "stages": [label for _key, label in selectors.STAGES],
        "funds_total_received": sum((row.received for row in data["funds"]), selectors.ZERO),
        "funds_total_paid": sum((row.paid for row in data["funds"]), selectors.ZERO),
        "months_total": sum((row.amount for row in data["months"]), selectors.ZERO),
        "months_lines": sum(row.lines for row in data["months"]),
        "charts": {
            "coverage": _coverage_chart(data["coverage"]),
            "funds": _funds_chart(data["funds"]),
            "months": _months_chart(data["months"]),
        },
    }


def _no_term(request):
    return render(request, "reports/dashboard_no_term.html", status=200)


@require_GET
@login_required
def dashboard_index(request):
    """The user's dashboards; with only one, that one."""
    items = selectors.dashboards_for(request.user)
    if len(items) == 1:
        return redirect(items[0][1])
    return render(request, "reports/dashboard_index.html", {"items": items})


@require_GET
@login_required
@reading_from_replica()
def dashboard_county(request, pk):
    county = County.objects.get_visible_or_404(request.user, pk=pk)
    if not can_act_for_county(request.user, county):
        raise PermissionDenied
    term = selectors.chosen_term(request.GET.get("term"))
    if term is None:
        return _no_term(request)
    data = selectors.county_dashboard(county=county, term=term)
    progress = Paginator(data["progress"], PROGRESS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/dashboard_county.html",
        {"county": county, "data": data, "progress": progress, **_common(request, data, term)},
    )


@require_GET
@login_required
@reading_from_replica()
def dashboard_school(request, pk):
    school = School.objects.select_related("county", "current_term").get_visible_or_404(request.user, pk=pk)
    if not can_read_school_rosters(request.user, school):
        raise PermissionDenied
    term = selectors.chosen_term(request.GET.get("term"), default=school.current_term)
    if term is None:
        return _no_term(request)
    data = selectors.school_dashboard(school=school, term=term)
    return render(
        request,
        "reports/dashboard_school.html",
        {"school": school, "data": data, "progress": data["progress"], **_common(request, data, term)},
    )


@require_GET
@login_required
@reading_from_replica()
def dashboard_class(request, pk):
    school_class = SchoolClass.objects.select_related("school", "school_year").get_visible_or_404(request.user, pk=pk)
    term = selectors.chosen_term(request.GET.get("term"), default=school_class.school.current_term)
    if term is None:
        return _no_term(request)
    data = selectors.class_dashboard(school_class=school_class, term=term)
    charts = {
        "applications": _bar(
            [label for _v, label, _n in data["applications"]],
            [(_("Applications"), [n for _v, _l, n in data["applications"]])],
        ),
        "lines": _bar(
            [label for _v, label, _n, _a in data["lines"]],
            [(_("Payment lines"), [n for _v, _l, n, _a in data["lines"]])],
        ),
        "months": _months_chart(data["months"]),
    }
    return render(
        request,
        "reports/dashboard_class.html",
        {
            "school_class": school_class,
            "data": data,
            "term": term,
            "terms": _terms(),
            "charts": charts,
            "applications_total": sum(n for _v, _l, n in data["applications"]),
            "lines_total": sum(n for _v, _l, n, _a in data["lines"]),
            "lines_amount": sum((a for _v, _l, _n, a in data["lines"]), selectors.ZERO),
            "months_total": sum((row.amount for row in data["months"]), selectors.ZERO),
            "months_lines": sum(row.lines for row in data["months"]),
        },
    )


urlpatterns = [
    path("reports/dashboard/", dashboard_index, name="dashboard_index"),
    path("reports/dashboard/county/<int:pk>/", dashboard_county, name="dashboard_county"),
    path("reports/dashboard/school/<int:pk>/", dashboard_school, name="dashboard_school"),
    path("reports/dashboard/class/<int:pk>/", dashboard_class, name="dashboard_class"),
]
