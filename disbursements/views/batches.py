"""Payment batches: the school's list, making one, its page with the lines and funds, the principal's
decision, and a class's payment status for its class teacher."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aidsys.forms import add_errors
from aidsys.models import School, SchoolClass
from aidsys.pagination import paginate
from aidsys.scope import can_manage_school, can_read_school_rosters, can_read_some_school_rosters, can_sign_for_school
from aidsys.transitions import require
from disbursements.forms.batches import (
    BatchApproveForm,
    BatchCreateForm,
    BatchFilterForm,
    BatchReturnForm,
    LineCancelForm,
)
from disbursements.models import EDITABLE_BATCH_STATUSES, BatchStatus, LineStatus
from disbursements.selectors import batches as selectors
from disbursements.services import batches as services


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@require_GET
@login_required
def batch_list(request):
    require(can_read_some_school_rosters(request.user))
    form = BatchFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    page = paginate(request, selectors.batches(user=request.user, status=status))
    schools = School.objects.visible_to(request.user).order_by("name")
    creatable = [school for school in schools if can_manage_school(request.user, school)]
    return render(request, "disbursements/batches_list.html", {"form": form, "page": page, "creatable": creatable})


@require_http_methods(["GET", "POST"])
@login_required
def batch_create(request, school_pk):
    school = School.objects.select_related("county").get_visible_or_404(request.user, pk=school_pk)
    require(can_manage_school(request.user, school))
    form = BatchCreateForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.batch_create(actor=request.user, school=school, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("Batch {number} has been made with its lines; check them and submit it to the principal.").format(
                    number=batch.number
                ),
            )
            return redirect(batch)
    status = 400 if request.method == "POST" else 200
    return render(request, "disbursements/batches_form.html", {"form": form, "school": school}, status=status)


def _detail(request, batch, *, approve_form=None, return_form=None, status=200):
    user = request.user
    editable = batch.status in EDITABLE_BATCH_STATUSES
    lines = selectors.batch_lines(batch, user=user)
    may_decide = (
        batch.status == BatchStatus.SUBMITTED
        and can_sign_for_school(user, batch.school_id)
        and user.pk != batch.prepared_by_id
    )
    context = {
        "batch": batch,
        "lines": lines,
        "totals": selectors.batch_totals(batch),
        "funds": selectors.batch_funds(batch),
        "may_edit": editable and can_manage_school(user, batch.school_id),
        "may_decide": may_decide,
        "approve_form": approve_form or BatchApproveForm(),
        "return_form": return_form or BatchReturnForm(),
        "cancel_form": LineCancelForm(),
        "pending": LineStatus.PENDING,
        "without_account": sum(1 for line in lines if line.status == LineStatus.PENDING and not line.account_number)
        if batch.method in services.ACCOUNT_METHODS
        else 0,
    }
    return render(request, "disbursements/batches_detail.html", context, status=status)


def _batch(request, pk):
    batch = selectors.batch_for_page(user=request.user, pk=pk)
    if not can_read_school_rosters(request.user, batch.school):
        raise PermissionDenied
    return batch


@require_GET
@login_required
def batch_detail(request, pk):
    return _detail(request, _batch(request, pk))


def _act(request, batch, action, success: str):
    try:
        action()
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, success)
    return redirect(batch)


@require_POST
@login_required
def batch_regenerate(request, pk):
    batch = _batch(request, pk)
    require(can_manage_school(request.user, batch.school_id))
    try:
        result = services.batch_regenerate(actor=request.user, batch=batch)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _(
                "The batch is up to date: {added} lines added, {cancelled} taken out, {refreshed} given the "
                "registry's current name, class or account."
            ).format(**result),
        )
    return redirect(batch)


@require_POST
@login_required
def batch_submit(request, pk):
    batch = _batch(request, pk)
    require(can_manage_school(request.user, batch.school_id))
    return _act(
        request,
        batch,
        lambda: services.batch_submit(actor=request.user, batch=batch),
        _("Batch {number} has been sent to the principal for approval.").format(number=batch.number),
    )


@require_http_methods(["GET", "POST"])
@login_required
def batch_approve(request, pk):
    if request.method == "GET":  # the page of this form, when a refusal shown at this address is reloaded
        return batch_detail(request, pk)
    batch = _batch(request, pk)
    require(can_sign_for_school(request.user, batch.school_id))
    form = BatchApproveForm(request.POST)
    if form.is_valid():
        try:
            services.batch_approve(actor=request.user, batch=batch, advance_reason=form.cleaned_data["advance_reason"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Batch {number} has been approved.").format(number=batch.number))
            return redirect(batch)
    return _detail(request, batch, approve_form=form, status=400)


@require_http_methods(["GET", "POST"])
@login_required
def batch_return(request, pk):
    if request.method == "GET":  # the page of this form, when a refusal shown at this address is reloaded
        return batch_detail(request, pk)
    batch = _batch(request, pk)
    require(can_sign_for_school(request.user, batch.school_id))
    form = BatchReturnForm(request.POST)
    if form.is_valid():
        try:
            services.batch_return(actor=request.user, batch=batch, comment=form.cleaned_data["comment"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, _("Batch {number} has been returned to the aid office.").format(number=batch.number)
            )
            return redirect(batch)
    return _detail(request, batch, return_form=form, status=400)


@require_POST
@login_required
def line_cancel(request, pk):
    line = selectors.line_for_page(user=request.user, pk=pk)
    require(can_manage_school(request.user, line.batch.school_id))
    form = LineCancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the line is taken out of the batch."))
        return redirect(line.batch)
    return _act(
        request,
        line.batch,
        lambda: services.line_cancel(actor=request.user, line=line, reason=form.cleaned_data["reason"]),
        _("The line of {name} has been taken out of the batch.").format(name=line.student_name),
    )


@require_GET
@login_required
def class_payments(request):
    """发放情况: the payment status of the classes the user may see (a class teacher: their own)."""
    classes = SchoolClass.objects.visible_to(request.user).select_related("school")
    classes = classes.order_by("school", "grade", "number")
    chosen = None
    class_pk = request.GET.get("class", "")
    if class_pk.isdigit():
        chosen = classes.filter(pk=int(class_pk)).first()
    page = paginate(request, selectors.class_payments(user=request.user, school_class=chosen))
    selectors.with_settled_by_link(page, user=request.user)
    return render(
        request,
        "disbursements/batches_class_payments.html",
        {"page": page, "classes": classes[:200], "chosen": chosen},
    )


urlpatterns = [
    path("batches/", batch_list, name="batch_list"),
    path("schools/<int:school_pk>/batches/new/", batch_create, name="batch_create"),
    path("batches/<int:pk>/", batch_detail, name="batch_detail"),
    path("batches/<int:pk>/regenerate/", batch_regenerate, name="batch_regenerate"),
    path("batches/<int:pk>/submit/", batch_submit, name="batch_submit"),
    path("batches/<int:pk>/approve/", batch_approve, name="batch_approve"),
    path("batches/<int:pk>/return/", batch_return, name="batch_return"),
    path("lines/<int:pk>/cancel/", line_cancel, name="line_cancel"),
    path("payments/", class_payments, name="class_payments"),
]
