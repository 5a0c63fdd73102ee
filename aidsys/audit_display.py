"""The audit trail as a person reads it: each change as "label: before → after", in words.

One formatter for every page that shows the trail (a record's history, the audit list, the admin's
history). A field is named by its verbose name and its value by its choice's name; a date, a moment,
money and yes/no are written out; a related row by the name it had; a list of rows (a report's figures,
a bank file's columns) as one readable line per row. A model names what is not a field of its own:
`audit_labels` (a key recorded beside the fields, or a key inside a recorded row),
`audit_list_choices` (the choices of such a key, or of a list's items) and `audit_readers` (a function
that reads a value recorded as a key, such as a payment line's period). A key nobody named shows as
recorded; a value never shows as Python writes it (no brackets, braces or quotes).

Sensitive values were masked when the event was recorded (aidsys.services.audit.masked_changes) and
stay so: nothing here can reveal them.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import cache

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

# A row's own code beside its label (a funding source's "central" beside "中央"): the label says it.
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
# Keys that hold database ids: they mean nothing to a reader (the related rows are named elsewhere).
_ID = re.compile(r"^(id|.+_id)$")


# Facts that services record beside a row's fields when they print, export or import (not fields of
# any one model), and the documents they name by a code.
COMMON_LABELS = {
    "document": _("document"),
    "file": _("file"),
    "download": _("file downloaded"),
    "format": _("format"),
    "layout": _("layout"),
    "class": _("class"),
    "pages": _("pages"),
    "lines": _("lines"),
    "rows": _("rows"),
    "total": _("total (yuan)"),
    "paid": _("lines paid"),
    "failed": _("lines failed"),
    "follows": _("follows batch"),
    "funds_remaining": _("funds remaining (yuan)"),
    "id_numbers": _("with ID numbers"),
    "signed_roster": _("signed receipt roster"),
    "power_of_attorney": _("power of attorney"),
    "parameters": _("parameters"),
    "report": _("report"),
    "export": _("data exported"),
    "field": _("information viewed"),
    "printed_in": _("printed on"),
}
DOCUMENTS = {
    "receipt_roster": _("Receipt roster"),
    "family_notice": _("Family notice"),
    "family_notices": _("Family notices"),
    "cover_sheet": _("Cover sheet"),
    "notice_sheet": _("Notice sheet"),
    "annual_statistics": _("Yearly statistics"),
    "bank_file": _("Bank file"),
    "meal_card_list": _("Meal card list"),
}
COMMON_CHOICES = {
    "document": DOCUMENTS,
    "file": DOCUMENTS,
    "class": {"*": _("all classes")},
    "export": {"full": _("full information"), "masked": _("masked")},
}


@cache
def _permission_names() -> dict:
    """Each permission the project declares, by the code a service records ('students.reveal_sensitive'),
    with the name a person reads (查看敏感信息)."""
    return {
        f"{model._meta.app_label}.{codename}": name
        for model in apps.get_models()
        for codename, name in model._meta.permissions
    }


class _Names:
    """What a model says of its fields and of the keys recorded beside them or inside them."""

    def __init__(self, model):
        self.model = model
        self.labels = dict(getattr(model, "audit_labels", {}))
        self.choices = {name: dict(pairs) for name, pairs in getattr(model, "audit_list_choices", {}).items()}
        # A value recorded as a key that only a lookup turns into words (a payment line's period: a term's id).
        self.readers = dict(getattr(model, "audit_readers", {}))

    def field(self, name):
        if self.model is None:
            return None
        try:
            field = self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        # A reverse relation (another model's foreign key) has no value of this row's own.
        return field if getattr(field, "concrete", False) else None

    def label(self, name):
        if name in self.labels:
            return str(self.labels[name])
        field = self.field(name)
        if field is not None:
            return str(field.verbose_name)
        return str(COMMON_LABELS.get(name, name))

    def choices_of(self, name, field=None):
        if name in self.choices:
            return self.choices[name]
        if name == "permissions":
            return _permission_names()
        if name == "field" and field is None and self.model is not None:
            # A reveal records which field was shown ("health"): named as the page names it (健康状况).
            return {"photo": _("photo")} | {each.name: each.verbose_name for each in self.model._meta.concrete_fields}
        if field is not None and field.choices:
            return dict(field.flatchoices)
        return COMMON_CHOICES.get(name, {}) if field is None else {}


def _scalar(value, field=None, choices=None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if choices and not isinstance(value, float) and value in choices:
        return str(choices[value])
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            return format_date(timezone.localtime(moment) if timezone.is_aware(moment) else moment, "Y-m-d H:i")
    if isinstance(field, models.DateField) and isinstance(value, str):
        day = parse_date(value)
        if day is not None:
            return format_date(day, "Y-m-d")
    if isinstance(field, models.DecimalField) and field.name in getattr(field.model, "audit_percent_fields", ()):
        try:
            return "{percent}%".format(percent=format(Decimal(str(value)).normalize(), "f"))
        except InvalidOperation:
            return str(value)
    if isinstance(field, models.DecimalField) and field.decimal_places == 2:
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            return str(value)  # a mask ("****") stays as it was recorded
        return pgettext("amount in yuan", "{amount} yuan").format(amount=f"{amount:,.2f}")
    return str(value)


def _row(row: dict, names: _Names) -> str:
    """One recorded row as "label：value，label：value"; a row that is only a reference, by its name."""
    if set(row) <= {"id", "label"}:
        return str(row.get("label", ""))
    parts = []
    title = row.get("label")
    for key, value in row.items():
        if key == "label" or _ID.match(str(key)) or f"{key}_label" in row:
            continue
        if key.endswith("_label") and key[: -len("_label")] in row:
            key = key[: -len("_label")]
        elif title is not None and isinstance(value, str) and _CODE.match(value):
            continue
        text = _value(value, names, key)
        if text:
            label = names.label(key)
            # A key nobody named (a rejected upload row's "column") shows its value alone, not English.
            parts.append((label, text) if label != key else (None, text))
    if all(label is None for label, _text in parts):
        line = " · ".join(text for _label, text in parts)
    else:
        line = "，".join(f"{label}：{text}" if label else text for label, text in parts)
    if title:
        return f"{title}：{line}" if line else str(title)
    return line


def _value(value, names: _Names, key: str, field=None) -> str:
    """A recorded value in words; a list of rows is one line per row."""
    choices = names.choices_of(key, field)
    if isinstance(value, dict):
        return _row(value, names)
    if isinstance(value, list | tuple):
        if not any(isinstance(item, dict | list | tuple) for item in value):
            return "、".join(text for text in (_scalar(item, None, choices) for item in value) if text)
        lines = []
        for item in value:
            if isinstance(item, dict):
                lines.append(_row(item, names))
            elif isinstance(item, list | tuple):
                lines.append(" · ".join(text for text in (_scalar(part, None, choices) for part in item) if text))
            else:
                lines.append(_scalar(item, None, choices))
        return "\n".join(line for line in lines if line)
    return _scalar(value, field, choices)


def change_rows(event) -> list[dict]:
    """The event's changes as rows of {label, before, after}, each value a text (rows of a list on lines)."""
    model = event.content_type.model_class() if event.content_type_id else None
    names = _Names(model)
    rows = []
    for name, pair in (event.changes or {}).items():
        before, after = pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)
        field = names.field(name)
        reader = names.readers.get(name)
        row = {
            "label": names.label(name),
            "before": reader(before) if reader and before else _value(before, names, name, field),
            "after": reader(after) if reader and after else _value(after, names, name, field),
        }
        # A fact with nothing to read on either side (a report's parameters that were only ids) says nothing.
        if row["before"] or row["after"]:
            rows.append(row)
    return rows
