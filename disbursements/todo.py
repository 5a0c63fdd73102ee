"""What the batches put on the 待办: batches to approve (principal), batches returned (aid office), card
batches waiting for their return file and failed lines to repay (aid office), terms whose leftover is to be
reported (aid office), leftover reports to decide (county).

Each provider reads the user's own roles: an administrator, who sees everything, is not everybody's to-do.
"""

from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aidsys.models import Role
from aidsys.scope import scope_for
from aidsys.todo import TodoItem, waiting_items
from disbursements.models import BatchStatus, LeftoverReport, LeftoverStatus, LineStatus, PaymentBatch, PaymentLine
from disbursements.selectors.batches import batches_awaiting_approval, batches_returned
from disbursements.selectors.leftovers import reportable_terms
from disbursements.services.bank import RECONCILED_METHODS


def principal_batches_todo(user) -> list[TodoItem]:
    schools = scope_for(user).principal_school_ids
    if not schools:
        return []
    return waiting_items(
        batches_awaiting_approval(school_ids=schools),
        role=Role.PRINCIPAL,
        title=_("Payment batches awaiting your approval"),
        url=reverse("disbursements:batch_list") + f"?status={BatchStatus.SUBMITTED}",
        since="submitted_at",
    )


def aid_office_batches_todo(user) -> list[TodoItem]:
    schools = scope_for(user).aid_office_school_ids
    if not schools:
        return []
    return waiting_items(
        batches_returned(school_ids=schools),
        role=Role.AID_OFFICE,
        title=_("Payment batches returned by the principal"),
        url=reverse("disbursements:batch_list") + f"?status={BatchStatus.RETURNED}",
        since="submitted_at",
    )


def bank_todo(user) -> list[TodoItem]:
    """The aid office's 待办: approved card and meal-card batches with lines the bank (or the canteen)
    has not answered yet, whether or not a return file already settled others, and failed lines not
    yet in a follow-up batch."""
    schools = scope_for(user).aid_office_school_ids
    if not schools:
        return []
    awaiting = (
        PaymentBatch.objects.filter(
            school__in=schools,
            status=BatchStatus.APPROVED,
            method__in=RECONCILED_METHODS,
            lines__status=LineStatus.PENDING,
        )
        .distinct()
        .aggregate(count=Count("pk", distinct=True), oldest=Min("approved_at"))
    )
    failed = PaymentLine.objects.filter(
        batch__school__in=schools, status=LineStatus.FAILED, replaced_by__isnull=True
    ).aggregate(count=Count("pk"), oldest=Min("recorded_at"))
    url = reverse("disbursements:bank_index")
    return [
        TodoItem(
            role=Role.AID_OFFICE,
            title=_("Approved card payments waiting for the bank's return file"),
            count=awaiting["count"],
            url=url,
            oldest=awaiting["oldest"],
        ),
        TodoItem(
            role=Role.AID_OFFICE,
            title=_("Failed card payments to repay through a follow-up batch"),
            count=failed["count"],
            url=url,
            oldest=failed["oldest"],
        ),
    ]


def aid_office_leftovers_todo(user) -> list[TodoItem]:
    """A program's term whose batches are all approved, and which has ended or has nothing left pending."""
    schools = scope_for(user).aid_office_school_ids
    if not schools:
        return []
    terms = reportable_terms(school_ids=schools, today=timezone.localdate())
    if not terms:
        return []
    school, program, term = terms[0]
    url = (
        reverse("disbursements:leftover_new", args=[school, program, term])
        if len(terms) == 1
        else reverse("disbursements:school_funds", args=[school])
    )
    return [
        TodoItem(
            role=Role.AID_OFFICE,
            title=_("Leftovers to report to the county"),
            count=len(terms),
            url=url,
            late=False,
        )
    ]


def county_leftovers_todo(user) -> list[TodoItem]:
    counties = scope_for(user).county_ids
    if not counties:
        return []
    return waiting_items(
        LeftoverReport.objects.filter(school__county_id__in=counties, status=LeftoverStatus.REPORTED),
        role=Role.COUNTY_STAFF,
        title=_("Leftover reports awaiting your decision"),
        url=reverse("disbursements:leftover_list") + f"?status={LeftoverStatus.REPORTED}",
        since="reported_at",
    )
