from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext

register = template.Library()


def _display(field, value, choices=None):
    if isinstance(value, dict) and "label" in value:
        return value["label"]
    if field is not None and field.choices:
        choices = dict(field.flatchoices)
    if isinstance(value, list):
        return "、".join(str(_display(None, item, choices)) for item in value)
    if choices and value is not None:
        return choices.get(value, value)
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
        # A field whose values are a list of choices (a school's stages) names them on the model.
        choices = dict(getattr(model, "audit_list_choices", {}).get(name, ()))
        before, after = _display(field, before, choices), _display(field, after, choices)
        rows.append({"label": label, "before": before, "after": after})
    return rows
