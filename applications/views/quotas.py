"""Quotas: the county gives each school its quota of a program for a term; the aid office divides it among classes.

Every page shows what is allocated, used and remaining. County staff keep the county page (the
school readers get 403, another county's program is not found); the school page is the aid
office's to change, and its principal and the county's staff read it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aidsys.models import Role, School, Term
from aidsys.roles import role_required
from aidsys.scope import can_act_for_county, can_manage_school, can_read_school_rosters, scope_for
from applications import selectors
from applications.forms.quotas import ClassQuotaForm, QuotaForm, TermForm
from applications.services import quotas as services

QUOTA_READERS = (Role.COUNTY_STAFF, Role.AID_OFFICE, Role.PRINCIPAL)


def _default_term(user) -> Term | None:
    scope = scope_for(user)
    school = School.objects.filter(pk__in=scope.school_ids, current_term__isnull=False).order_by("pk").first()
    return (school.current_term if school else None) or Term.current() or Term.objects.order_by("-start").first()


@require_GET
@role_required(*QUOTA_READERS)
def quota_index(request):
    """The programs with a link to each quota page the user has, for the chosen term."""
    terms = selectors.quota_terms()
    default = _default_term(request.user)
    form = TermForm(request.GET or None, terms=terms, initial={"term": default})
    term = form.cleaned_data["term"] if form.is_valid() else default
    scope = scope_for(request.user)
    programs = list(selectors.programs_for(user=request.user).filter(active=True))
    county_links, school_links = [], []
    if term is not None:
        county_links = [program for program in programs if can_act_for_county(request.user, program.county_id)]
        schools = School.objects.filter(pk__in=selectors.quota_readers_school_ids(request.user)).order_by("code")
        if scope.is_admin:
            schools = School.objects.none()  # the administrator goes through the county pages
        for school in schools:
            for program in programs:
                if program.county_id == school.county_id and set(program.stages) & set(school.stages or []):
                    school_links.append((school, program))
    return render(
        request,
        "applications/quota_index.html",
        {"form": form, "term": term, "county_links": county_links, "school_links": school_links},
    )


def _county_page_objects(request, program_pk, term_pk):
    program = selectors.program_for_page(user=request.user, pk=program_pk)
    if not can_act_for_county(request.user, program.county_id):
        raise PermissionDenied
    term = get_object_or_404(Term.objects.select_related("school_year"), pk=term_pk)
    return program, term


def _quota_form(row: selectors.SchoolQuotas, data=None) -> QuotaForm:
    """The school's row form, filled with its all-tier quota (or its only one)."""
    shown = row.allocation("") or (row.allocations[0] if len(row.allocations) == 1 else None)
    initial = {"tier": shown.tier, "awards": shown.awards, "amount": shown.amount} if shown else {}
    return QuotaForm(data, prefix=f"s{row.school.pk}", initial=initial)


@require_GET
@login_required
def county_quotas(request, program_pk, term_pk):
    program, term = _county_page_objects(request, program_pk, term_pk)
    rows = selectors.county_quotas(program=program, term=term)
    return render(
        request,
        "applications/quota_county.html",
        {
            "program": program,
            "term": term,
            "rows": [(row, _quota_form(row)) for row in rows],
            "totals": selectors.county_totals(rows),
            "terms": selectors.quota_terms(),
        },
    )


@require_POST
@login_required
def quota_set(request, program_pk, term_pk, school_pk):
    program, term = _county_page_objects(request, program_pk, term_pk)
    school = get_object_or_404(School.objects.visible_to(request.user), pk=school_pk, county_id=program.county_id)
    form = QuotaForm(request.POST, prefix=f"s{school.pk}")
    errors = []
    if form.is_valid():
        try:
            services.quota_allocate(actor=request.user, program=program, term=term, school=school, **form.cleaned_data)
        except ValidationError as error:
            errors = error.messages
    else:
        errors = [error for field_errors in form.errors.values() for error in field_errors]
    if not request.htmx:
        for error in errors:
            messages.error(request, error)
        if not errors:
            messages.success(request, _("The quota of {school} has been saved.").format(school=school))
        return redirect("applications:county_quotas", program_pk=program.pk, term_pk=term.pk)
    (row,) = selectors.county_quotas(program=program, term=term, schools=[school])
    return render(
        request,
        "applications/quota_county_row.html",
        {
            "program": program,
            "term": term,
            "row": row,
            "form": form if errors else _quota_form(row),
            "errors": errors,
            "saved": not errors,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def school_quotas(request, program_pk, term_pk, school_pk):
    school = School.objects.get_visible_or_404(request.user, pk=school_pk)
    program = selectors.program_for_page(user=request.user, pk=program_pk)
    if program.county_id != school.county_id:
        raise Http404
    term = get_object_or_404(Term.objects.select_related("school_year"), pk=term_pk)
    if not can_read_school_rosters(request.user, school):
        raise PermissionDenied
    may_divide = can_manage_school(request.user, school)
    if request.method == "POST" and not may_divide:
        raise PermissionDenied
    division = selectors.school_division(program=program, term=term, school=school)
    form = ClassQuotaForm(request.POST or None, division=division)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            services.class_quotas_allocate(
                actor=request.user, program=program, term=term, school=school, parts=form.parts()
            )
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, _("The classes' parts have been saved."))
            return redirect(request.path)
    return render(
        request,
        "applications/quota_school.html",
        {
            "program": program,
            "term": term,
            "school": school,
            "division": division,
            "form": form,
            "errors": errors,
            "may_divide": may_divide,
            "may_allocate": can_act_for_county(request.user, program.county_id),
            "county_url": reverse("applications:county_quotas", args=[program.pk, term.pk]),
        },
    )


urlpatterns = [
    path("quotas/", quota_index, name="quota_index"),
    path("quotas/programs/<int:program_pk>/terms/<int:term_pk>/", county_quotas, name="county_quotas"),
    path(
        "quotas/programs/<int:program_pk>/terms/<int:term_pk>/schools/<int:school_pk>/",
        quota_set,
        name="quota_set",
    ),
    path(
        "quotas/programs/<int:program_pk>/terms/<int:term_pk>/schools/<int:school_pk>/classes/",
        school_quotas,
        name="school_quotas",
    ),
]
