"""What the batches put on the 待办: batches to approve (principal), batches returned (aid office).

Each provider reads the user's own roles: an administrator, who sees everything, is not everybody's to-do.
"""

from django.db.models import Count, Min
from django.urls import reverse
from django.utils.translation import gettext as _

from aidsys.models import Role
from aidsys.scope import scope_for
from aidsys.todo import TodoItem
from disbursements.models import BatchStatus
from disbursements.selectors.batches import batches_awaiting_approval, batches_returned


def principal_batches_todo(user) -> list[TodoItem]:
    schools = scope_for(user).principal_school_ids
    if not schools:
        return []
    waiting = batches_awaiting_approval(school_ids=schools).aggregate(count=Count("pk"), oldest=Min("submitted_at"))
    if not waiting["count"]:
        return []
    return [
        TodoItem(
            role=Role.PRINCIPAL,
            title=_("Payment batches awaiting your approval"),
            count=waiting["count"],
            url=reverse("disbursements:batch_list") + f"?status={BatchStatus.SUBMITTED}",
            oldest=waiting["oldest"],
        )
    ]


def aid_office_batches_todo(user) -> list[TodoItem]:
    schools = scope_for(user).aid_office_school_ids
    if not schools:
        return []
    returned = batches_returned(school_ids=schools).aggregate(count=Count("pk"), oldest=Min("submitted_at"))
    if not returned["count"]:
        return []
    return [
        TodoItem(
            role=Role.AID_OFFICE,
            title=_("Payment batches returned by the principal"),
            count=returned["count"],
            url=reverse("disbursements:batch_list") + f"?status={BatchStatus.RETURNED}",
            oldest=returned["oldest"],
        )
    ]
