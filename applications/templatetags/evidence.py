from django import template

from applications.services.evidence import certificate_offers as offers_for

register = template.Library()


@register.inclusion_tag("applications/_certificate_offers.html", takes_context=True)
def certificate_offers(context, student, by_student=None):
    """Attached certificates whose special group is not recorded, each with a button recording it.
    A page of many students passes `by_student` (`certificate_offers_by_student`), read in one query."""
    request = context["request"]
    offers = offers_for(user=request.user, student=student) if by_student is None else by_student.get(student.pk, [])
    return {"offers": offers, "next": request.get_full_path()}
