"""The county's upload layouts: saved, changed and deleted by its staff, each write audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aidsys.scope import can_act_for_county
from aidsys.services.writes import instance_create, instance_delete, instance_update
from aidsys.transitions import require
from reports.layouts import LAYOUT_FIELDS, NationalLayout


def layout_columns_checked(columns: list[dict]) -> list[dict]:
    """Known fields, each once, each with a heading; at least one."""
    if not columns:
        raise ValidationError(_("Choose at least one column."))
    seen = set()
    checked = []
    for column in columns:
        field, heading = column.get("field"), (column.get("heading") or "").strip()
        if field not in LAYOUT_FIELDS or field in seen:
            raise ValidationError(_("Each column is one of the list's fields, once."))
        if not heading:
            raise ValidationError(_("Give each column its heading."))
        seen.add(field)
        checked.append({"field": field, "heading": heading})
    return checked


@transaction.atomic
def national_layout_save(
    *, actor, county, name: str, columns: list[dict], layout: NationalLayout | None = None
) -> NationalLayout:
    """A layout created, or changed; the event keeps the columns before and after."""
    require(can_act_for_county(actor, county))
    if layout is not None and layout.county_id != county.pk:
        raise ValidationError(_("The layout belongs to another county."))
    columns = layout_columns_checked(columns)
    name = name.strip()
    duplicate = NationalLayout.objects.filter(county=county, name=name)
    if layout is not None:
        duplicate = duplicate.exclude(pk=layout.pk)
    if duplicate.exists():
        raise ValidationError(
            {"name": _("{county} already has a layout named {name}.").format(county=county, name=name)}
        )
    if layout is None:
        return instance_create(
            actor=actor, instance=NationalLayout(county=county, name=name, columns=columns, created_by=actor)
        )
    instance_update(actor=actor, instance=layout, data={"name": name, "columns": columns, "updated_by": actor})
    return layout


@transaction.atomic
def national_layout_delete(*, actor, layout: NationalLayout) -> None:
    require(can_act_for_county(actor, layout.county_id))
    instance_delete(actor=actor, instance=layout)
