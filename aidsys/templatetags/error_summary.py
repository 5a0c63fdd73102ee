"""The summary of a refused form, shown at the top of every page (base.html), where the eye is.

It gathers the errors of every bound form and formset the page was given, whatever the view and
however the template renders the form, so that no form has to remember to show one."""

from django import template
from django.forms import BaseForm, BaseFormSet
from django.utils.translation import gettext

register = template.Library()


def _forms_in(value, depth=0):
    # By type, not isinstance: isinstance would evaluate the context's lazy values (csrf_token sets
    # its cookie when evaluated, request.user reads the session), which a page may not use.
    kind = type(value)
    if issubclass(kind, (BaseForm, BaseFormSet)):
        yield value
    elif depth < 2 and issubclass(kind, (list, tuple)):
        # Pages that show one form per row pass them as a list, or as (row, form) pairs.
        for item in value:
            yield from _forms_in(item, depth + 1)


def _field_errors(form, row=None):
    items = [{"message": str(error), "href": ""} for error in form.non_field_errors()]
    for field in form:
        if not field.errors:
            continue
        if field.is_hidden:
            items += [{"message": str(error), "href": ""} for error in field.errors]
            continue
        label = str(field.label or "")
        shown_label = gettext("Row {row}: {label}").format(row=row, label=label) if row is not None else label
        # Radio buttons and check boxes have no single id: their first choice stands for them.
        href = field.id_for_label or (f"{field.auto_id}_0" if field.auto_id else "")
        for error in field.errors:
            message = str(error)
            # Some messages name their field already ("家访日期：…"); it is not said twice.
            if shown_label and not (row is None and message.startswith(label)):
                message = gettext("{label}: {message}").format(label=shown_label, message=message)
            items.append({"message": message, "href": href})
    return items


def form_errors(forms) -> list[dict]:
    """Every error of the bound forms and formsets given, in the order they show: message and the id of its field."""
    items, seen = [], set()
    for form in forms:
        if id(form) in seen or not form.is_bound:
            continue
        seen.add(id(form))
        if isinstance(form, BaseFormSet):
            items += [{"message": str(error), "href": ""} for error in form.non_form_errors()]
            for row, member in enumerate(form.forms, 1):
                items += _field_errors(member, row=row)
        else:
            items += _field_errors(form)
    return items


@register.inclusion_tag("forms/error_summary.html", takes_context=True)
def error_summary(context):
    forms = [form for value in context.flatten().values() for form in _forms_in(value)]
    return {"errors": form_errors(forms)}
