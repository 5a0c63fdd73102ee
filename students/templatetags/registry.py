from django import template
from django.urls import reverse

from aidsys.scope import can_reveal
from students import privacy

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
