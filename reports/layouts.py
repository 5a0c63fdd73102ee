"""The national system's upload layout: which columns of the 受助学生名单, in which order, under which
headings. County staff keep it as data (NationalLayout), so a change of the national template needs
no new release; `apply_layout` turns the 名单's ReportData into the layout's.
"""

from __future__ import annotations

from dataclasses import replace

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aidsys.scope import ScopedQuerySet
from applications.models import FundingSource

# The 名单's columns a layout may use, by the key of the 名单's Column. "sources" stands for the
# funding split: one column per source, whose keys start with "source_".
LAYOUT_FIELDS = {
    "school": _("School"),
    "class": _("Class"),
    "name": pgettext_lazy("person", "Name"),
    "gender": _("Gender"),
    "ethnicity": _("Ethnicity"),
    "id_number": _("ID number"),
    "special_groups": _("Special groups"),
    "tier": _("Tier"),
    "amount": _("Amount (yuan)"),
    "sources": _("Funding split by source"),
    "method": _("Payment method"),
    "paid": _("Paid"),
}
SOURCE_PREFIX = "source_"
SOURCES = dict(FundingSource.choices)


class NationalLayout(models.Model):
    """A named column layout of one county: `columns` is a list of {"field": a LAYOUT_FIELDS key, "heading": text}."""

    county = models.ForeignKey(
        "aidsys.County", on_delete=models.PROTECT, related_name="national_layouts", verbose_name=_("county")
    )
    name = models.CharField(_("name"), max_length=100)
    columns = models.JSONField(_("columns"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"county": "county"}
    audit_labels = {"field": _("content of the column"), "heading": _("heading")}
    audit_list_choices = {"field": LAYOUT_FIELDS}

    class Meta:
        verbose_name = _("upload layout")
        verbose_name_plural = _("upload layouts")
        ordering = ["county", "name"]
        constraints = [models.UniqueConstraint(fields=["county", "name"], name="national_layout_name_unique")]

    def __str__(self):
        return self.name


def apply_layout(data, layout):
    """`data` (a ReportData) with the layout's columns only, in its order and under its headings.

    The rows are kept as they are: a writer reads each row by the columns' keys. A field the data has
    no column for is left out; "sources" brings every funding-source column, its heading put before
    each source's own.
    """
    by_key = {column.key: column for column in data.columns}
    columns = []
    for item in layout.columns:
        field, heading = item["field"], (item.get("heading") or "").strip()
        if field == "sources":
            for column in data.columns:
                if column.key.startswith(SOURCE_PREFIX):
                    # The layout's heading in front of the source's own name: 其中：中央.
                    source = SOURCES.get(column.key[len(SOURCE_PREFIX) :], column.heading)
                    columns.append(replace(column, heading=f"{heading}{source}" if heading else column.heading))
        elif field in by_key:
            columns.append(replace(by_key[field], heading=heading or by_key[field].heading))
    return replace(data, columns=columns)
