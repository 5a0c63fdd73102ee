"""Aid programs: everybody working in a county reads its programs; its county staff keep them.

A program of another county is not found (404); a reader who is not county staff gets 403 on
the editing pages. A school year's standards and its funding split are each edited on one page
and saved whole.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aidsys.models import Role, SchoolYear, Term
from aidsys.roles import role_required
from aidsys.scope import can_act_for_county
from aidsys.selectors import object_history
from applications import selectors
from applications.forms.programs import (
    FundingShareFormSet,
    NationalSeedForm,
    ProgramForm,
    StandardFormSet,
    WindowForm,
    formset_rows,
)
from applications.models import ApplicationWindow, FundingShare, ProgramStandard, default_window
from applications.services import programs as services

PROGRAM_FIELDS = (
    "code",
    "name",
    "stages",
    "pay_period",
    "payment_methods",
    "notice_shows_amount",
    "award_ceiling",
    "active",
)


def _program_to_edit(request, pk):
    program = selectors.program_for_page(user=request.user, pk=pk)
    if not can_act_for_county(request.user, program.county_id):
        raise PermissionDenied
    return program


def _seed_form(request, data=None):
    counties = selectors.program_counties(request.user)
    if not counties.exists():
        return None
    return NationalSeedForm(
        data,
        counties=counties,
        school_years=selectors.school_years(),
        initial={"school_year": selectors.current_school_year()},
    )


@require_GET
@login_required
def program_list(request):
    return render(
        request,
        "applications/program_list.html",
        {
            "programs": selectors.programs_for(user=request.user),
            "may_create": selectors.program_counties(request.user).exists(),
            "seed_form": _seed_form(request),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.COUNTY_STAFF)
def program_new(request):
    counties = selectors.program_counties(request.user)
    form = ProgramForm(request.POST or None, counties=counties, initial={"county": counties.first()})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            program = services.program_create(actor=request.user, **data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The program {program} has been created.").format(program=program))
            return redirect(program)
    return render(request, "applications/program_form.html", {"form": form, "heading": _("New aid program")})


@require_POST
@role_required(Role.COUNTY_STAFF)
def program_national_seed(request):
    form = _seed_form(request, request.POST)
    if form is None or not form.is_valid():
        messages.error(request, _("Choose a county of yours and a school year."))
        return redirect("applications:program_list")
    outcome = services.national_programs_seed(actor=request.user, **form.cleaned_data)
    if outcome.changed:
        messages.success(
            request,
            _(
                "National programs for {county}, {school_year}: {programs} programs, {standards} standards and "
                "{shares} funding shares added. What was there already has been kept."
            ).format(
                county=form.cleaned_data["county"],
                school_year=form.cleaned_data["school_year"],
                programs=outcome.programs_created,
                standards=outcome.standards_created,
                shares=outcome.shares_created,
            ),
        )
    else:
        messages.info(request, _("The national programs and their standards were all there already; nothing changed."))
    return redirect("applications:program_list")


def _year_of(request) -> SchoolYear | None:
    year_pk = request.GET.get("year")
    if year_pk and year_pk.isdigit():
        return get_object_or_404(SchoolYear, pk=year_pk)
    return selectors.current_school_year()


@require_GET
@login_required
def program_detail(request, pk):
    program = selectors.program_for_page(user=request.user, pk=pk)
    school_year = _year_of(request)
    return render(
        request,
        "applications/program_detail.html",
        {
            "program": program,
            "school_year": school_year,
            "school_years": selectors.school_years(),
            "year": selectors.program_year(program=program, school_year=school_year) if school_year else None,
            "may_edit": can_act_for_county(request.user, program.county_id),
            "history": object_history(obj=program),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def program_edit(request, pk):
    program = _program_to_edit(request, pk)
    form = ProgramForm(request.POST or None, initial={name: getattr(program, name) for name in PROGRAM_FIELDS})
    if request.method == "POST" and form.is_valid():
        try:
            services.program_update(actor=request.user, program=program, data=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The program has been saved."))
            return redirect(program)
    return render(
        request,
        "applications/program_form.html",
        {"form": form, "program": program, "heading": _("Edit the program")},
    )


def _year_page(request, pk, year_pk, *, formset_class, model, fields, service, template, saved):
    program = _program_to_edit(request, pk)
    school_year = get_object_or_404(SchoolYear, pk=year_pk)
    stored = model.objects.filter(program=program, school_year=school_year)
    initial = [{name: getattr(row, name) for name in fields} for row in stored]
    formset = formset_class(request.POST or None, initial=initial)
    errors = []
    if request.method == "POST" and formset.is_valid():
        try:
            service(actor=request.user, program=program, school_year=school_year, rows=formset_rows(formset))
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, saved)
            return redirect(f"{program.get_absolute_url()}?year={school_year.pk}")
    return render(
        request,
        template,
        {"program": program, "school_year": school_year, "formset": formset, "errors": errors},
    )


@require_http_methods(["GET", "POST"])
@login_required
def program_standards(request, pk, year_pk):
    return _year_page(
        request,
        pk,
        year_pk,
        formset_class=StandardFormSet,
        model=ProgramStandard,
        fields=("tier", "boarding", "amount_per_year"),
        service=services.program_standards_set,
        template="applications/program_standards.html",
        saved=_("The standards have been saved."),
    )


@require_http_methods(["GET", "POST"])
@login_required
def program_funding(request, pk, year_pk):
    return _year_page(
        request,
        pk,
        year_pk,
        formset_class=FundingShareFormSet,
        model=FundingShare,
        fields=("source", "percent"),
        service=services.funding_shares_set,
        template="applications/program_funding.html",
        saved=_("The funding split has been saved."),
    )


@require_http_methods(["GET", "POST"])
@login_required
def program_window(request, pk, term_pk):
    program = _program_to_edit(request, pk)
    term = get_object_or_404(Term.objects.select_related("school_year"), pk=term_pk)
    stored = ApplicationWindow.objects.filter(program=program, term=term).first()
    default_opens, default_closes = default_window(term)
    back = f"{program.get_absolute_url()}?year={term.school_year_id}"
    if request.method == "POST" and "use_default" in request.POST:
        services.application_window_clear(actor=request.user, program=program, term=term)
        messages.success(request, _("The window is the term's first month again."))
        return redirect(back)
    initial = {"opens": stored.opens, "closes": stored.closes} if stored else {}
    form = WindowForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_window_set(actor=request.user, program=program, term=term, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The application window has been saved."))
            return redirect(back)
    return render(
        request,
        "applications/program_window.html",
        {
            "program": program,
            "term": term,
            "form": form,
            "stored": stored,
            "default_opens": default_opens,
            "default_closes": default_closes,
            "back": back,
        },
    )


urlpatterns = [
    path("programs/", program_list, name="program_list"),
    path("programs/new/", program_new, name="program_new"),
    path("programs/national/", program_national_seed, name="program_national_seed"),
    path("programs/<int:pk>/", program_detail, name="program_detail"),
    path("programs/<int:pk>/edit/", program_edit, name="program_edit"),
    path("programs/<int:pk>/years/<int:year_pk>/standards/", program_standards, name="program_standards"),
    path("programs/<int:pk>/years/<int:year_pk>/funding/", program_funding, name="program_funding"),
    path("programs/<int:pk>/terms/<int:term_pk>/window/", program_window, name="program_window"),
]
