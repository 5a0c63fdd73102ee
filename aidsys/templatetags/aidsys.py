from django import template
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext

register = template.Library()


def _display(field, value, choices=None):
    if isinstance(value, dict) and "label" in value:
        return value["label"]
    if isinstance(value, dict):
        # A record of its own (a rejected row of an upload): its values, without the keys' English names.
        return " · ".join(str(item) for item in value.values() if item not in (None, ""))
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            return format_date(timezone.localtime(moment) if timezone.is_aware(moment) else moment, "Y-m-d H:i")
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
        if field is not None and hasattr(field, "verbose_name"):
            label = field.verbose_name
        else:
            # A fact recorded beside the fields (an upload's row counts) is named on the model.
            label = getattr(model, "audit_labels", {}).get(name, name)
        # A field whose values are a list of choices (a school's stages) names them on the model.
        choices = dict(getattr(model, "audit_list_choices", {}).get(name, ()))
        before, after = _display(field, before, choices), _display(field, after, choices)
        rows.append({"label": label, "before": before, "after": after})
    return rows
