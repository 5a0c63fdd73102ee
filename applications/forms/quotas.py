from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.forms.programs import STANDARD_TIERS
from applications.selectors import Allocation, ClassRow, SchoolDivision, Usage
from applications.services.quotas import ClassPart


class QuotaForm(forms.Form):
    """One school's quota (for all tiers or one tier) on the county's page."""

    tier = forms.ChoiceField(
        label=_("tier"), choices=STANDARD_TIERS, required=False, widget=forms.Select(attrs={"aria-label": _("tier")})
    )
    awards = forms.IntegerField(
        label=_("number of awards"),
        min_value=0,
        required=False,
        widget=forms.NumberInput(attrs={"placeholder": _("awards"), "aria-label": _("number of awards")}),
    )
    amount = forms.DecimalField(
        label=_("amount (yuan)"),
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs={"placeholder": _("yuan"), "aria-label": _("amount (yuan)")}),
    )


class TermForm(forms.Form):
    term = forms.ModelChoiceField(label=_("term"), queryset=None, empty_label=None)

    def __init__(self, *args, terms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["term"].queryset = terms


@dataclass
class PartCell:
    allocation: Allocation  # the school's quota row
    part: Allocation | None  # the class's part of it, as stored
    used: Usage  # what the class uses of it
    awards: forms.BoundField | None
    amount: forms.BoundField | None


class ClassQuotaForm(forms.Form):
    """The aid office's division: for every class, its part of each of the school's quota rows.

    A row of the school's quota that counts awards asks each class for awards, one that counts
    yuan asks for yuan. An empty cell means the class has no part of that row.
    """

    def __init__(self, *args, division: SchoolDivision, **kwargs):
        super().__init__(*args, **kwargs)
        self.division = division
        for row in division.classes:
            for allocation, part in zip(division.allocations, row.parts, strict=True):
                prefix = self._name(allocation, row)
                label = _("{school_class}: {tier}").format(school_class=row.school_class, tier=allocation.tier_label)
                if allocation.awards is not None:
                    self.fields[f"{prefix}_awards"] = forms.IntegerField(
                        label=label,
                        min_value=0,
                        required=False,
                        initial=part.awards if part else None,
                        widget=forms.NumberInput(
                            attrs={"placeholder": _("awards"), "aria-label": _("{label}, awards").format(label=label)}
                        ),
                    )
                if allocation.amount is not None:
                    self.fields[f"{prefix}_amount"] = forms.DecimalField(
                        label=label,
                        widget=forms.NumberInput(
                            attrs={"placeholder": _("yuan"), "aria-label": _("{label}, yuan").format(label=label)}
                        ),
                        min_value=Decimal("0"),
                        max_digits=12,
                        decimal_places=2,
                        required=False,
                        initial=part.amount if part else None,
                    )

    @staticmethod
    def _name(allocation: Allocation, row: ClassRow) -> str:
        return f"q{allocation.row.pk}_c{row.school_class.pk}"

    def _bound(self, name: str):
        return self[name] if name in self.fields else None

    def rows(self):
        """(class row, its cells) for the page's table."""
        for row in self.division.classes:
            cells = []
            for allocation, part, used in zip(self.division.allocations, row.parts, row.used, strict=True):
                prefix = self._name(allocation, row)
                cells.append(
                    PartCell(allocation, part, used, self._bound(f"{prefix}_awards"), self._bound(f"{prefix}_amount"))
                )
            yield row, cells

    def parts(self) -> list[ClassPart]:
        parts = []
        for row in self.division.classes:
            for allocation in self.division.allocations:
                prefix = self._name(allocation, row)
                parts.append(
                    ClassPart(
                        quota_id=allocation.row.pk,
                        school_class_id=row.school_class.pk,
                        awards=self.cleaned_data.get(f"{prefix}_awards"),
                        amount=self.cleaned_data.get(f"{prefix}_amount"),
                    )
                )
        return parts
