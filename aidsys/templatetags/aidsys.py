from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext

register = template.Library()


def _display(field, value):
    if isinstance(value, dict) and "label" in value:
        return value["label"]
    if field is not None and field.choices and value is not None:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    return value


@register.filter
def change_rows(event):
    """The event's changes as rows with the field's label and readable values."""
    model = event.content_type.model_class() if event.content_type_id else None
    rows = []
    for name, pair in (event.changes or {}).items():
        before, after = pair
        field = None
        if model is not None:
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                field = None
        label = field.verbose_name if field is not None and hasattr(field, "verbose_name") else name
        rows.append({"label": label, "before": _display(field, before), "after": _display(field, after)})
    return rows
