"""The classes of an approved batch whose 资助告知书 the user may print: one query, for the batch's page."""

from django import template

from aidsys.models import SchoolClass
from disbursements.models import BatchStatus, LineStatus
from disbursements.services.family_notice import may_print_notices

register = template.Library()


@register.simple_tag
def notice_classes(batch, user) -> list:
    if batch.status != BatchStatus.APPROVED:
        return []
    classes = SchoolClass.objects.filter(
        pk__in=batch.lines.exclude(status=LineStatus.CANCELLED).values("student__school_class")
    ).order_by("grade", "number")
    return [school_class for school_class in classes if may_print_notices(user, batch.school_id, school_class.pk)]
