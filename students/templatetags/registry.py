from django import template
from django.urls import reverse

from aidsys.scope import can_reveal
from students import privacy
from students.services import may_read_visit_health

register = template.Library()


@register.inclusion_tag("students/_sensitive.html", takes_context=True)
def sensitive(context, student, field):
    """A sensitive value, masked, with a button to reveal it for users who hold the permission."""
    user = context["request"].user
    masked = privacy.masked_value(student, field)
    return {
        "masked": masked,
        "element_id": f"sensitive-{student.pk}-{field}",
        "reveal_url": reverse("students:student_reveal", args=[student.pk, field]),
        "may_reveal": bool(masked) and can_reveal(user),
        "label": privacy.SENSITIVE_FIELDS[field][0],
    }


@register.inclusion_tag("students/_visit_health.html", takes_context=True)
def visit_health(context, visit):
    """A home visit's health finding, masked: its author (or a user who may reveal) shows it, others read who may."""
    return {"visit": visit, "may_read": may_read_visit_health(context["request"].user, visit)}
