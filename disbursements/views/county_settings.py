"""资金发放设置: the county's staff set the county's payment allowances and complaint telephones."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from aidsys.models import County, School
from aidsys.pagination import paginate
from aidsys.scope import can_act_for_county
from disbursements.forms.county_settings import PaymentSettingsForm
from disbursements.services.county_settings import county_payment_settings_update


@require_GET
@login_required
def payment_settings_index(request):
    """County staff go straight to their county; whoever acts for several (the administrator) chooses."""
    counties = [
        county for county in County.objects.visible_to(request.user) if can_act_for_county(request.user, county)
    ]
    if not counties:
        raise PermissionDenied
    if len(counties) == 1:
        return redirect("disbursements:payment_settings", county_pk=counties[0].pk)
    return render(request, "disbursements/payment_settings_index.html", {"counties": counties})


@require_http_methods(["GET", "POST"])
@login_required
def payment_settings(request, county_pk):
    county = County.objects.get_visible_or_404(request.user, pk=county_pk)
    if not can_act_for_county(request.user, county):
        raise PermissionDenied
    # One page of schools at a time; saving the page leaves the other pages' telephones as they are.
    page = paginate(request, School.objects.filter(county=county).order_by("code"))
    form = PaymentSettingsForm(request.POST or None, county=county, schools=page.object_list)
    if request.method == "POST" and form.is_valid():
        try:
            county_payment_settings_update(
                actor=request.user,
                county=county,
                payment_advance_allowed=form.cleaned_data["payment_advance_allowed"],
                bank_book_allowed=form.cleaned_data["bank_book_allowed"],
                complaint_phone=form.cleaned_data["complaint_phone"],
                school_phones=form.school_phones(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The payment settings of {county} have been saved.").format(county=county))
            return redirect(request.get_full_path())
    return render(
        request,
        "disbursements/payment_settings.html",
        {"form": form, "county": county, "page": page},
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path("payment-settings/", payment_settings_index, name="payment_settings_index"),
    path("counties/<int:county_pk>/payment-settings/", payment_settings, name="payment_settings"),
]
