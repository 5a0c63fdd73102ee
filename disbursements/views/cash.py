"""Cash against signatures (现金签领): the pages of the disbursement stage.

The roster page of a batch shows one class at a time, with a row per line to record from the signed
roster; 代领 has a page of its own for the line, with the 委托书's upload. The aid office records;
the principal and the county's staff read; the aid office and the principal print.
"""

from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aidsys.forms import add_errors
from aidsys.scope import can_manage_school, can_print_for_school, can_read_school_rosters
from aidsys.storage import open_stream
from disbursements.forms.cash import AgentReceiptForm, ClassReceiptsForm, SignedRosterForm
from disbursements.models import BatchStatus, LineStatus
from disbursements.selectors import cash as selectors
from disbursements.services import cash as services


def _readable_batch(request, pk):
    batch = selectors.cash_batch_for_page(user=request.user, pk=pk)
    if not can_read_school_rosters(request.user, batch.school):
        raise PermissionDenied
    return batch


def _managed_batch(request, pk):
    batch = selectors.cash_batch_for_page(user=request.user, pk=pk)
    if not can_manage_school(request.user, batch.school_id):
        raise PermissionDenied
    return batch


def _roster_url(batch, class_label: str = "") -> str:
    url = reverse("disbursements:cash_roster", args=[batch.pk])
    return f"{url}?{urlencode({'class': class_label})}" if class_label else url


def _error_messages(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _pending_lines(batch, class_label: str):
    return selectors.class_lines(batch=batch, class_label=class_label).filter(status=LineStatus.PENDING)


@require_GET
@login_required
def cash_roster(request, pk):
    batch = _readable_batch(request, pk)
    classes = selectors.batch_classes(batch=batch)
    labels = [summary.label for summary in classes]
    chosen = request.GET.get("class") or (labels[0] if labels else "")
    if chosen and chosen not in labels:
        raise Http404
    may_manage = can_manage_school(request.user, batch.school_id)
    try:
        services.require_approved_cash_batch(batch)
    except ValidationError as error:
        refusal = " ".join(error.messages)
    else:
        refusal = ""
    form = None
    if may_manage and not refusal and chosen:
        form = ClassReceiptsForm(lines=_pending_lines(batch, chosen))
    lines = list(selectors.class_lines(batch=batch, class_label=chosen)) if chosen else []
    fields = {line.pk: (student, guardian, day) for line, student, guardian, day in form.rows()} if form else {}
    return render(
        request,
        "disbursements/cash_roster.html",
        {
            "batch": batch,
            "classes": classes,
            "chosen": chosen,
            "rows": [(line, fields.get(line.pk)) for line in lines],
            "form": form,
            "refusal": refusal,
            "may_manage": may_manage,
            "may_print": can_print_for_school(request.user, batch.school_id),
            "upload_form": SignedRosterForm(),
            "approved": batch.status == BatchStatus.APPROVED,
        },
    )


@require_POST
@login_required
def cash_record(request, pk):
    batch = _managed_batch(request, pk)
    class_label = request.POST.get("class", "")
    form = ClassReceiptsForm(request.POST, lines=_pending_lines(batch, class_label))
    if not form.is_valid():
        for name, errors in form.errors.items():
            field = form.fields.get(name)
            for error in errors:
                messages.error(request, f"{field.label}：{error}" if field else error)
        return redirect(_roster_url(batch, class_label))
    receipts = [services.Receipt(*row) for row in form.receipts()]
    if not receipts:
        messages.info(request, _("Nothing was ticked: no line was recorded."))
        return redirect(_roster_url(batch, class_label))
    try:
        services.lines_record_paid(actor=request.user, batch=batch, receipts=receipts)
    except ValidationError as error:
        _error_messages(request, error)
        messages.error(request, _("Nothing was recorded: correct the lines named above and record them again."))
    else:
        messages.success(request, _("{count} lines recorded as paid.").format(count=len(receipts)))
    return redirect(_roster_url(batch, class_label))


@require_http_methods(["GET", "POST"])
@login_required
def cash_agent(request, pk):
    line = selectors.cash_line_for_page(user=request.user, pk=pk)
    batch = line.batch
    if not can_manage_school(request.user, batch.school_id):
        raise PermissionDenied
    form = AgentReceiptForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.line_record_paid_by_agent(
                actor=request.user,
                line=line,
                agent_name=data["agent_name"],
                agent_relation=data["agent_relation"],
                power_of_attorney=data["file"],
                student_signed=data["student_signed"],
                agent_signed=data["agent_signed"],
                paid_on=data["paid_on"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("{name} recorded as paid, collected by {agent}.").format(
                    name=line.student_name, agent=data["agent_name"]
                ),
            )
            return redirect(_roster_url(batch, line.class_label))
    status = 400 if request.method == "POST" else 200
    return render(request, "disbursements/cash_agent.html", {"line": line, "batch": batch, "form": form}, status=status)


@require_POST
@login_required
def cash_roster_pdf(request, pk):
    batch = selectors.cash_batch_for_page(user=request.user, pk=pk)
    if not can_print_for_school(request.user, batch.school_id):
        raise PermissionDenied
    class_label = request.POST.get("class", "")
    try:
        content = services.roster_print(actor=request.user, batch=batch, class_label=class_label)
    except ValidationError as error:
        _error_messages(request, error)
        return redirect(_roster_url(batch))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-roster-{batch.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def cash_signed_roster_upload(request, pk):
    batch = _managed_batch(request, pk)
    form = SignedRosterForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.signed_roster_upload(actor=request.user, batch=batch, upload=form.cleaned_data["file"])
        except ValidationError as error:
            _error_messages(request, error)
        else:
            messages.success(request, _("The signed roster has been kept with the batch."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(_roster_url(batch))


def _scan_response(field, name: str) -> FileResponse:
    extension = field.name.rsplit(".", 1)[-1].lower()
    content_type = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}.get(
        extension, "application/octet-stream"
    )
    response = FileResponse(open_stream(field.storage, field.name), content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{name}.{extension}')}"
    response["X-Content-Type-Options"] = "nosniff"
    # The families' signatures are never kept by a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@login_required
def cash_signed_roster(request, pk):
    batch = _readable_batch(request, pk)
    if not batch.signed_roster:
        raise Http404
    services.signed_roster_download_record(actor=request.user, batch=batch)
    return _scan_response(batch.signed_roster, f"signed-roster-{batch.pk}")


@require_GET
@login_required
def cash_power_of_attorney(request, pk):
    line = selectors.cash_line_for_page(user=request.user, pk=pk)
    if not can_read_school_rosters(request.user, line.batch.school):
        raise PermissionDenied
    if not line.power_of_attorney:
        raise Http404
    services.power_of_attorney_download_record(actor=request.user, line=line)
    return _scan_response(line.power_of_attorney, f"power-of-attorney-{line.pk}")


urlpatterns = [
    path("batches/<int:pk>/cash/", cash_roster, name="cash_roster"),
    path("batches/<int:pk>/cash/record/", cash_record, name="cash_record"),
    path("batches/<int:pk>/cash/roster.pdf", cash_roster_pdf, name="cash_roster_pdf"),
    path("batches/<int:pk>/cash/signed-roster/", cash_signed_roster_upload, name="cash_signed_roster_upload"),
    path("batches/<int:pk>/cash/signed-roster/file", cash_signed_roster, name="cash_signed_roster"),
    path("cash/lines/<int:pk>/collected-by-agent/", cash_agent, name="cash_agent"),
    path("cash/lines/<int:pk>/power-of-attorney", cash_power_of_attorney, name="cash_power_of_attorney"),
]
