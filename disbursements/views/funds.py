"""Funds received (资金到位): the county records allocations; a school's funds position per program, term and source."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aidsys.forms import add_errors
from aidsys.models import School
from aidsys.pagination import paginate
from aidsys.scope import can_act_for_county, can_act_for_some_county, can_manage_school, can_read_school_rosters
from disbursements.forms.funds import AllocationFilterForm, AllocationForm, WithdrawForm
from disbursements.models import FundAllocation
from disbursements.selectors import funds_pages as selectors
from disbursements.services import funds as services


@require_GET
@login_required
def allocation_list(request):
    if not can_act_for_some_county(request.user):
        raise PermissionDenied
    form = AllocationFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.allocations(
        user=request.user, school=filters.get("school"), program=filters.get("program"), term=filters.get("term")
    )
    page = paginate(request, rows)
    return render(
        request,
        "disbursements/allocation_list.html",
        {"form": form, "page": page, "allocations": page.object_list, "withdraw_form": WithdrawForm()},
    )


@require_http_methods(["GET", "POST"])
@login_required
def allocation_new(request):
    if not can_act_for_some_county(request.user):
        raise PermissionDenied
    form = AllocationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            allocation = services.fund_allocation_record(actor=request.user, **data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("Recorded: {amount} yuan of {source} for {school}, {program}, {term} ({number}).").format(
                    amount=allocation.amount,
                    source=allocation.get_source_display(),
                    school=allocation.school,
                    program=allocation.program,
                    term=allocation.term,
                    number=allocation.document_number,
                ),
            )
            return redirect(reverse("disbursements:allocation_list") + f"?school={allocation.school_id}")
    return render(request, "disbursements/allocation_form.html", {"form": form})


@require_POST
@login_required
def allocation_withdraw(request, pk):
    allocation = FundAllocation.objects.select_related("school").get_visible_or_404(request.user, pk=pk)
    if not can_act_for_county(request.user, allocation.school.county_id):
        raise PermissionDenied
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the entry is withdrawn."))
    else:
        try:
            services.fund_allocation_withdraw(
                actor=request.user, allocation=allocation, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("The entry {number} has been withdrawn.").format(number=allocation.document_number)
            )
    return redirect(reverse("disbursements:allocation_list") + f"?school={allocation.school_id}")


@require_GET
@login_required
def school_funds(request, school_pk):
    school = School.objects.select_related("county").get_visible_or_404(request.user, pk=school_pk)
    if not can_read_school_rosters(request.user, school):
        raise PermissionDenied
    return render(
        request,
        "disbursements/school_funds.html",
        {
            "school": school,
            "positions": selectors.school_funds(school=school),
            "may_record": can_act_for_county(request.user, school.county_id),
            "may_report": can_manage_school(request.user, school.pk),
        },
    )


urlpatterns = [
    path("funds/allocations/", allocation_list, name="allocation_list"),
    path("funds/allocations/new/", allocation_new, name="allocation_new"),
    path("funds/allocations/<int:pk>/withdraw/", allocation_withdraw, name="allocation_withdraw"),
    path("funds/schools/<int:school_pk>/", school_funds, name="school_funds"),
]
