"""年度学生资助工作统计: the year's figures as sentences and a table, on screen and as a printed A4 page,
for a county (its staff) or a school (its aid office and principal)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from aidsys.models import County, School, SchoolYear
from aidsys.replica import reading_from_replica
from aidsys.scope import scope_for
from reports.definitions import ReportRequest
from reports.selectors.units import units_for
from reports.services.annual import annual_context, annual_statistics_print


def _unit_choices(user) -> list[tuple[str, str]]:
    scope = scope_for(user)
    counties = County.objects.all() if scope.is_admin else County.objects.filter(pk__in=scope.county_ids)
    choices = []
    for county in counties.order_by("code"):
        choices.append((f"county-{county.pk}", county.name))
        choices += [(f"school-{s.pk}", f"· {s.name}") for s in School.objects.filter(county=county).order_by("code")]
    schools = School.objects.filter(pk__in=scope.school_ids).exclude(county__in=counties).order_by("code")
    choices += [(f"school-{school.pk}", school.name) for school in schools]
    return choices


def _chosen(request, data):
    choices = _unit_choices(request.user)
    if not choices:
        raise PermissionDenied
    value = data.get("unit") or choices[0][0]
    kind, _sep, pk = value.partition("-")
    if kind not in ("county", "school") or not pk.isdigit():
        raise Http404
    unit_request = ReportRequest(
        user=request.user,
        county_id=int(pk) if kind == "county" else None,
        school_id=int(pk) if kind == "school" else None,
    )
    units = units_for(unit_request)
    years = list(SchoolYear.objects.order_by("-start_year"))
    year = next((y for y in years if str(y.pk) == data.get("year")), None)
    if year is None:
        if data.get("year"):
            raise Http404
        year = _current_year(units, years)
    if year is None:
        raise Http404
    return choices, value, units, years, year


def _current_year(units, years):
    terms = [school.current_term for school in units.schools if school.current_term_id]
    if terms:
        return next((y for y in years if y.pk == terms[0].school_year_id), years[0] if years else None)
    return years[0] if years else None


@require_GET
@login_required
@reading_from_replica()
def annual(request):
    choices, value, units, years, year = _chosen(request, request.GET)
    context = annual_context(user=request.user, units=units, school_year=year)
    return render(
        request,
        "reports/annual.html",
        {**context, "unit_choices": choices, "unit_value": value, "years": years},
    )


@require_POST
@login_required
def annual_pdf(request):
    _choices, _value, units, _years, year = _chosen(request, request.POST)
    content = annual_statistics_print(actor=request.user, units=units, school_year=year)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="annual-{year.start_year}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("reports/annual/", annual, name="annual"),
    path("reports/annual/print/", annual_pdf, name="annual_pdf"),
]
