from django import template

from aidsys import audit_display

register = template.Library()


@register.filter
def change_rows(event):
    """The event's changes as rows with the field's label and readable values (aidsys.audit_display)."""
    return audit_display.change_rows(event)
