"""Bank, aid-card and meal-card payments (打卡发放, 饭卡充值): the pages of the disbursement stage.

The aid office downloads the bank file (full account numbers: with a reason, recorded), prints the
cover sheet (the principal may too), imports the bank's return file or the canteen's confirmation,
and puts corrected failed lines into a follow-up batch. The county's staff keep each bank's layout.
"""

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aidsys.forms import ColumnLayoutForm, add_errors
from aidsys.models import County
from aidsys.scope import (
    can_act_for_county,
    can_act_for_some_county,
    can_manage_school,
    can_print_for_school,
    can_read_school_rosters,
    can_reveal,
    county_acted_for,
)
from applications.models import PaymentMethod
from disbursements.models import BankFileLayout, BatchStatus
from disbursements.selectors import bank as selectors
from disbursements.services import bank as services

FORMATS = [("xlsx", "Excel (.xlsx)"), ("csv", "CSV (UTF-8)")]


class BankFileForm(forms.Form):
    layout = forms.ModelChoiceField(label=gettext_lazy("bank file layout"), queryset=BankFileLayout.objects.none())
    kind = forms.ChoiceField(label=gettext_lazy("format"), choices=FORMATS, initial="xlsx")
    reason = forms.CharField(
        label=gettext_lazy("reason"),
        max_length=500,
        help_text=gettext_lazy(
            "The file carries full account numbers for the bank: each download is recorded with your reason."
        ),
    )

    def __init__(self, *args, layouts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["layout"].queryset = layouts


class ReturnFileForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("return file (.xlsx or .csv)"))


class LayoutForm(ColumnLayoutForm):
    """The bank's name and, for each field it wants, its place and its heading."""

    FIELDS = BankFileLayout.FIELDS
    heading_missing = gettext_lazy("Give the bank's heading for this column.")
    bank = forms.CharField(label=gettext_lazy("bank"), max_length=50)

    def __init__(self, *args, layout=None, **kwargs):
        super().__init__(*args, layout=layout, **kwargs)
        if layout is not None:
            self.fields["bank"].initial = layout.bank


def _attachment(name: str) -> str:
    return f"attachment; filename=\"bank-file\"; filename*=UTF-8''{quote(name, safe='')}"


def _managed_batch(request, pk):
    batch = selectors.batch_for_bank_page(user=request.user, pk=pk)
    if not can_manage_school(request.user, batch.school_id):
        raise PermissionDenied
    return batch


def _errors_text(error: ValidationError) -> list[str]:
    return error.messages


@require_GET
@login_required
def bank_index(request):
    return render(
        request, "disbursements/bank_index.html", {"batches": selectors.reconciled_batches(user=request.user)[:200]}
    )


@require_GET
@login_required
def bank_batch(request, pk):
    batch = selectors.batch_for_bank_page(user=request.user, pk=pk)
    if not can_read_school_rosters(request.user, batch.school):
        raise PermissionDenied
    may_manage = can_manage_school(request.user, batch.school_id)
    layouts = selectors.layouts_for(user=request.user, county_id=batch.school.county_id)
    return render(
        request,
        "disbursements/bank_batch.html",
        {
            "batch": batch,
            "approved": batch.status == BatchStatus.APPROVED,
            "card": batch.method in services.CARD_METHODS,
            "meal_card": batch.method == PaymentMethod.MEAL_CARD,
            "may_manage": may_manage,
            # The bank file carries full card numbers: the permission to see sensitive data too.
            "may_download": may_manage and can_reveal(request.user),
            "may_print": can_print_for_school(request.user, batch.school_id),
            "file_form": BankFileForm(layouts=layouts, initial={"layout": batch.bank_layout_id}),
            "return_form": ReturnFileForm(),
            "return_files": selectors.return_files(batch=batch),
            "failed_lines": selectors.failed_lines(batch=batch),
            "follow_ups": batch.follow_ups.all(),
        },
    )


@require_POST
@login_required
def bank_file_download(request, pk):
    batch = _managed_batch(request, pk)
    form = BankFileForm(
        request.POST, layouts=selectors.layouts_for(user=request.user, county_id=batch.school.county_id)
    )
    if form.is_valid():
        try:
            export = services.bank_file_export(
                actor=request.user,
                batch=batch,
                layout=form.cleaned_data["layout"],
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            for message in _errors_text(error):
                messages.error(request, message)
        else:
            response = HttpResponse(export.content, content_type=export.media_type)
            response["Content-Disposition"] = _attachment(export.name)
            response["Cache-Control"] = "private, no-store"
            return response
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("disbursements:bank_batch", pk=batch.pk)


@require_POST
@login_required
def bank_cover_sheet(request, pk):
    batch = selectors.batch_for_bank_page(user=request.user, pk=pk)
    if not can_print_for_school(request.user, batch.school_id):
        raise PermissionDenied
    try:
        content = services.bank_cover_sheet_print(actor=request.user, batch=batch)
    except ValidationError as error:
        for message in _errors_text(error):
            messages.error(request, message)
        return redirect("disbursements:bank_batch", pk=batch.pk)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="cover-{batch.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def meal_card_list(request, pk):
    batch = _managed_batch(request, pk)
    try:
        export = services.meal_card_list_export(actor=request.user, batch=batch)
    except ValidationError as error:
        for message in _errors_text(error):
            messages.error(request, message)
        return redirect("disbursements:bank_batch", pk=batch.pk)
    response = HttpResponse(export.content, content_type=export.media_type)
    response["Content-Disposition"] = _attachment(export.name)
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def return_file_upload(request, pk):
    batch = _managed_batch(request, pk)
    form = ReturnFileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            record = services.return_file_import(actor=request.user, batch=batch, upload=form.cleaned_data["file"])
        except ValidationError as error:
            messages.error(request, _("Nothing was applied:"))
            for message in _errors_text(error):
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("The return file has been applied: {paid} lines paid, {failed} failed.").format(
                    paid=record.paid, failed=record.failed
                ),
            )
    else:
        messages.error(request, _("Choose the return file to import."))
    return redirect("disbursements:bank_batch", pk=batch.pk)


@require_POST
@login_required
def follow_up_create(request, pk):
    batch = _managed_batch(request, pk)
    try:
        follow_up = services.follow_up_batch_create(actor=request.user, batch=batch)
    except ValidationError as error:
        for message in _errors_text(error):
            messages.error(request, message)
        return redirect("disbursements:bank_batch", pk=batch.pk)
    messages.success(
        request,
        _("Follow-up batch {number} has been made with {count} lines; submit it for approval.").format(
            number=follow_up.number, count=follow_up.lines.count()
        ),
    )
    return redirect("disbursements:bank_batch", pk=follow_up.pk)


# ---------------------------------------------------------------------------------------------
# The county's layouts


def _county_layouts(request):
    if not can_act_for_some_county(request.user):
        raise PermissionDenied
    return (
        BankFileLayout.objects.visible_to(request.user)
        .filter(county__in=County.objects.visible_to(request.user))
        .select_related("county")
    )


@require_GET
@login_required
def layout_list(request):
    layouts = [layout for layout in _county_layouts(request) if can_act_for_county(request.user, layout.county_id)]
    return render(request, "disbursements/bank_layout_list.html", {"layouts": layouts})


def _layout_page(request, *, county, layout=None):
    form = LayoutForm(request.POST or None, layout=layout)
    if request.method == "POST" and form.is_valid():
        try:
            services.bank_layout_save(
                actor=request.user, county=county, bank=form.cleaned_data["bank"], columns=form.columns(), layout=layout
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The bank file layout has been saved."))
            return redirect("disbursements:bank_layout_list")
    return render(
        request,
        "disbursements/bank_layout_form.html",
        {"form": form, "layout": layout, "county": county},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def layout_new(request):
    return _layout_page(request, county=county_acted_for(request.user, request.GET.get("county")))


@require_http_methods(["GET", "POST"])
@login_required
def layout_edit(request, pk):
    layout = BankFileLayout.objects.select_related("county").get_visible_or_404(request.user, pk=pk)
    if not can_act_for_county(request.user, layout.county_id):
        raise PermissionDenied
    return _layout_page(request, county=layout.county, layout=layout)


urlpatterns = [
    path("bank/", bank_index, name="bank_index"),
    path("batches/<int:pk>/bank/", bank_batch, name="bank_batch"),
    path("batches/<int:pk>/bank/file/", bank_file_download, name="bank_file"),
    path("batches/<int:pk>/bank/cover.pdf", bank_cover_sheet, name="bank_cover_sheet"),
    path("batches/<int:pk>/bank/return/", return_file_upload, name="bank_return_file"),
    path("batches/<int:pk>/bank/follow-up/", follow_up_create, name="bank_follow_up"),
    path("batches/<int:pk>/meal-card/list/", meal_card_list, name="meal_card_list"),
    path("bank-layouts/", layout_list, name="bank_layout_list"),
    path("bank-layouts/new/", layout_new, name="bank_layout_new"),
    path("bank-layouts/<int:pk>/edit/", layout_edit, name="bank_layout_edit"),
]
